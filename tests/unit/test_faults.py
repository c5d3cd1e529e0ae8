"""Fault settings: counted faults hit exactly N requests, bad settings are named."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from sandbox.faults import Action, FaultError, Faults


def request(path: str = "/products", method: str = "GET") -> SimpleNamespace:
    return SimpleNamespace(path=path, method=method)


@pytest.mark.parametrize(
    ("name", "action"),
    [
        pytest.param("hang_next", Action.HANG, id="hang"),
        pytest.param("reset_next", Action.RESET, id="reset"),
        pytest.param("rate_limit_next", Action.RATE_LIMIT, id="429"),
        pytest.param("error_next", Action.SERVER_ERROR, id="5xx"),
    ],
)
def test_counted_faults_hit_exactly_n_requests(name: str, action: Action) -> None:
    faults = Faults()
    faults.update({name: 2})
    assert [faults.before(request()) for _ in range(3)] == [action, action, Action.PASS]


def test_faults_only_hit_matching_paths() -> None:
    faults = Faults()
    faults.update({"error_next": 1, "match": "variations"})
    assert faults.before(request("/products")) is Action.PASS
    assert faults.before(request("/products/1/variations")) is Action.SERVER_ERROR


def test_drop_hits_writes_only_and_malform_hits_successes_only() -> None:
    faults = Faults()
    faults.update({"drop_next": 1, "malformed_next": 1})
    ok = SimpleNamespace(status=200)
    assert faults.after(request(method="GET"), ok) is Action.MALFORM
    assert faults.after(request(method="POST"), ok) is Action.DROP
    assert faults.after(request(method="POST"), ok) is Action.PASS


def test_error_rate_is_repeatable_with_a_seed() -> None:
    def draw() -> list[Action]:
        faults = Faults()
        faults.update({"error_rate": 0.3, "seed": 9})
        return [faults.before(request()) for _ in range(50)]

    first = draw()
    assert first == draw()
    assert 5 < first.count(Action.SERVER_ERROR) < 30


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        pytest.param({"explode": 1}, "unknown fault 'explode'", id="unknown"),
        pytest.param({"error_next": "many"}, "needs a whole number", id="not-a-number"),
        pytest.param({"error_rate": 2}, "between 0 and 1", id="rate-above-one"),
        pytest.param({"latency_ms": -5}, "cannot be negative", id="negative"),
        pytest.param({"error_status": 404}, "5xx", id="not-5xx"),
        pytest.param({"match": "("}, "needs a regular expression", id="bad-regex"),
    ],
)
def test_bad_settings_are_named(changes: dict, message: str) -> None:
    faults = Faults()
    with pytest.raises(FaultError, match=message):
        faults.update(changes)
    assert faults.snapshot()["error_next"] == 0
