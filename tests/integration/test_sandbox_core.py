"""The HTTP core every store stands on, through a toy store: routing, errors, faults, control."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest
import requests

from sandbox.http import Request, Response, Route, Store, json_response, route


class ToyStore(Store):
    """A store with one read, one write and one bug, answering errors as `{"oops": ...}`."""

    platform = "toy"

    def __init__(self) -> None:
        self.items: list[Any] = []
        super().__init__()

    def routes(self) -> Iterable[Route]:
        return (
            route("GET", "/items", lambda request: json_response({"items": self.items}), "list"),
            route("POST", "/items", self.add, "add"),
            route("GET", "/boom", self.boom, "boom"),
        )

    def add(self, request: Request) -> Response:
        self.items.append(request.json())
        return json_response({"count": len(self.items)}, status=201)

    def boom(self, request: Request) -> Response:
        raise RuntimeError("secret internals")

    def error_response(self, status: int, message: str) -> Response:
        return json_response({"oops": message}, status=status)

    def credentials(self, base_url: str) -> dict[str, Any]:
        return {"url": base_url}


@pytest.fixture
def toy(serve) -> tuple[ToyStore, str]:
    store = ToyStore()
    return store, serve(store)


def test_routes_answer_and_reuse_the_connection(toy) -> None:
    store, url = toy
    with requests.Session() as session:
        assert session.post(f"{url}/items", json={"a": 1}).status_code == 201
        reply = session.get(f"{url}/items")
        assert reply.json() == {"items": [{"a": 1}]}
        assert reply.headers["Content-Type"].startswith("application/json")
    assert store.stats()["requests"] == {"add": 1, "list": 1}


@pytest.mark.parametrize(
    ("method", "path", "status", "message"),
    [
        pytest.param("GET", "/nowhere", 404, "Not Found", id="unknown-route"),
        pytest.param("DELETE", "/items", 405, "Method Not Allowed", id="wrong-method"),
        pytest.param("GET", "/boom", 500, "Internal Server Error", id="handler-bug"),
    ],
)
def test_errors_take_the_platform_shape(toy, method: str, path: str, status: int, message: str) -> None:
    _, url = toy
    reply = requests.request(method, f"{url}{path}")
    assert reply.status_code == status
    assert reply.json() == {"oops": message}
    assert "Traceback" not in reply.text and "secret internals" not in reply.text


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"{not json", id="broken"),
        pytest.param(b"", id="empty"),
        pytest.param(b"\xff", id="binary"),
    ],
)
def test_malformed_bodies_get_a_platform_400(toy, body: bytes) -> None:
    _, url = toy
    reply = requests.post(f"{url}/items", data=body, headers={"Content-Type": "application/json"})
    assert reply.status_code == 400
    assert "JSON" in reply.json()["oops"] or "empty" in reply.json()["oops"]


def test_fault_reset_aborts_the_connection(toy) -> None:
    store, url = toy
    store.faults.update({"reset_next": 1})
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/items")
    assert requests.get(f"{url}/items").status_code == 200


def test_fault_hang_never_answers(toy) -> None:
    store, url = toy
    store.faults.update({"hang_next": 1, "hang_seconds": 5})
    with pytest.raises(requests.Timeout):
        requests.get(f"{url}/items", timeout=0.3)


def test_fault_malformed_cuts_the_json(toy) -> None:
    store, url = toy
    store.items.extend(range(50))
    store.faults.update({"malformed_next": 1})
    reply = requests.get(f"{url}/items")
    assert reply.status_code == 200
    with pytest.raises(ValueError):
        reply.json()


def test_fault_drop_commits_then_resets(toy) -> None:
    store, url = toy
    store.faults.update({"drop_next": 1})
    with pytest.raises(requests.ConnectionError):
        requests.post(f"{url}/items", json={"b": 2})
    assert store.items == [{"b": 2}]


def test_fault_errors_and_429_take_the_platform_shape(toy) -> None:
    store, url = toy
    store.faults.update({"error_next": 1, "error_status": 502, "rate_limit_next": 1})
    assert requests.get(f"{url}/items").status_code == 429
    reply = requests.get(f"{url}/items")
    assert (reply.status_code, reply.json()) == (502, {"oops": "Bad Gateway"})


def test_control_routes_set_and_clear_faults(toy) -> None:
    store, url = toy
    reply = requests.post(f"{url}/_sandbox/faults", json={"error_next": 2, "match": "items"})
    assert reply.json()["error_next"] == 2
    assert requests.get(f"{url}/_sandbox/faults").json()["match"] == "items"
    bad = requests.post(f"{url}/_sandbox/faults", json={"nope": 1})
    assert bad.status_code == 400 and "unknown fault 'nope'" in bad.json()["error"]
    assert requests.post(f"{url}/_sandbox/faults", data="[1]").status_code == 400
    requests.delete(f"{url}/_sandbox/faults")
    assert store.faults.snapshot()["error_next"] == 0


def test_control_routes_are_not_counted_and_stats_reset(toy) -> None:
    store, url = toy
    requests.get(f"{url}/items")
    requests.get(f"{url}/_sandbox/stats")
    assert requests.get(f"{url}/_sandbox/stats").json() == {"requests": {"list": 1}, "total": 1}
    requests.post(f"{url}/_sandbox/stats/reset")
    assert store.stats()["total"] == 0
    assert requests.get(f"{url}/_sandbox/nothing").status_code == 404
