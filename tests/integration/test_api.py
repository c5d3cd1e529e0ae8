"""The JSON API on both databases, against the sandbox stores and a real Redis: what each route
answers, the errors' one shape, the OpenAPI document matching the routes, and no secret in any
response (every body of every test is searched for every credential the test used)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from openapi_spec_validator import validate
from redis import Redis
from rq import Queue

from jobs.broker import RUNS_QUEUE
from jobs.control import start_run
from jobs.saved_imports import disconnect, import_toml
from jobs.store import runs as repo
from jobs.store.models import (
    Connection,
    Run,
    RunScope,
    RunStatus,
    RunTrigger,
    SavedImport,
    TokenScope,
)
from sandbox.catalog import Catalog
from sandbox.settings import SandboxSettings
from sandbox.shopify import ShopifyStore
from sandbox.woocommerce import WooCommerceStore
from tests.databases import KINDS
from tests.integration.api_client import Api, api_on
from tests.integration.run_rows import finish_with_failures
from wizard import openapi

V1 = "/api/v1"
WRONG_SHOPIFY_TOKEN = "shpat_wrong0123456789abcdef0123456789ab"


@dataclass
class World:
    api: Api
    import_id: int
    source_id: int
    target_id: int
    secrets: list[str]
    reader: str
    writer: str

    def get(self, path: str, token: str | None = None, **options: Any) -> Any:
        return self.api.call("GET", V1 + path, token or self.reader, **options)

    def post(self, path: str, body: Any = None, token: str | None = None, **options: Any) -> Any:
        if body is not None:
            options["json"] = body
        return self.api.call("POST", V1 + path, token or self.writer, **options)

    def save(self, definition: dict[str, Any]) -> SavedImport:
        with self.api.db() as session:
            saved = import_toml(session, self.api.box, tomli_w.dumps(definition))
            session.commit()
            return saved

    def run_row(self, run_id: int) -> Run:
        with self.api.db() as session:
            return session.get(Run, run_id)

    def queue_run(self, scope: RunScope = RunScope.FULL) -> int:
        with self.api.db() as session:
            run = start_run(session, session.get(SavedImport, self.import_id), RunTrigger.MANUAL, scope)
            session.commit()
            return run.id


def definition(shop: dict[str, Any], woo: dict[str, Any], api: str = "rest", **extra: Any) -> dict[str, Any]:
    return {
        "name": "sandbox shop",
        "source": {"platform": "shopify", "url": shop["url"], "token": shop["token"], "api": api},
        "target": {"url": woo["url"], "key": woo["key"], "secret": woo["secret"]},
        **extra,
    }


def make_world(
    kind: str, folder: Path, monkeypatch: pytest.MonkeyPatch, serve, redis_url: str | None
) -> Iterator[World]:
    monkeypatch.setenv("FERRY_ALLOW_PRIVATE_NETWORKS", "1")
    settings = SandboxSettings(seed=3)
    shop_store = ShopifyStore(Catalog(seed=3, count=12), settings)
    woo_store, other_woo_store = WooCommerceStore(settings), WooCommerceStore(settings)
    shop, woo = shop_store.credentials(serve(shop_store)), woo_store.credentials(serve(woo_store))
    other_woo = other_woo_store.credentials(serve(other_woo_store))
    secrets = [
        shop["token"],
        woo["key"],
        woo["secret"],
        woo["read_key"],
        woo["read_secret"],
        WRONG_SHOPIFY_TOKEN,
    ]
    with api_on(kind, folder, monkeypatch, redis_url) as api:
        world = World(api, 0, 0, 0, secrets, api.token(TokenScope.READ, "reader"), api.token())
        saved = world.save(definition(shop, woo))
        world.import_id, world.source_id, world.target_id = saved.id, saved.source_id, saved.target_id
        # A second import, on connections of their own (other settings, another store): the Shopify
        # store with a wrong token, and a Woo store with its read-only key.
        world.save(
            definition(
                {**shop, "token": WRONG_SHOPIFY_TOKEN},
                {**other_woo, "key": other_woo["read_key"], "secret": other_woo["read_secret"]},
                api="graphql",
                name="broken",
                schedule={"kind": "hourly"},
            )
        )
        world.secrets += [world.reader, world.writer]
        yield world
        assert api.leaked(world.secrets) == []


@pytest.fixture(params=KINDS)
def world(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, serve
) -> Iterator[World]:
    yield from make_world(request.param, tmp_path, monkeypatch, serve, None)


@pytest.fixture(params=KINDS)
def queued_world(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, serve, redis_url: str
) -> Iterator[World]:
    yield from make_world(request.param, tmp_path, monkeypatch, serve, redis_url)


def jobs_in_queue(redis_url: str) -> list[tuple[Any, ...]]:
    """The arguments of each run job waiting in Ferry's runs queue."""
    connection = Redis.from_url(redis_url)
    try:
        waiting = Queue(RUNS_QUEUE, connection=connection).get_jobs()
        assert {job.func_name for job in waiting} <= {"jobs.tasks.execute_run"}
        return [tuple(job.args) for job in waiting]
    finally:
        connection.close()


# -- the document --------------------------------------------------------------------------------------
def blueprint_routes(world: World) -> dict[tuple[str, str], str]:
    """(path as OpenAPI writes it, method) -> endpoint, for every route of the API blueprint."""
    routes = {}
    for rule in world.api.app.url_map.iter_rules():
        if not rule.endpoint.startswith("api."):
            continue
        path = rule.rule.removeprefix(V1)
        for argument in rule.arguments:
            path = path.replace(f"<int:{argument}>", f"{{{argument}}}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routes[(path, method.lower())] = rule.endpoint.removeprefix("api.")
    return routes


def test_the_openapi_document_is_valid_and_describes_every_route_and_only_them(world: World) -> None:
    response = world.api.call("GET", f"{V1}/openapi.json")  # no token needed
    assert response.status_code == 200
    document = response.json
    assert document == openapi.document()
    validate(document)
    described = {
        (path, method): operation["operationId"]
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    }
    assert described == blueprint_routes(world)
    assert len(described) >= 14
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    for path, method in described:
        if path != "/openapi.json":
            assert "401" in document["paths"][path][method]["responses"]


# -- connections ---------------------------------------------------------------------------------------
def test_connections_are_listed_with_their_settings_and_never_their_secrets(world: World) -> None:
    listed = world.get("/connections")
    assert listed.status_code == 200
    connections = listed.json["connections"]
    assert [c["kind"] for c in connections] == ["source", "target", "source", "target"]
    shopify = world.get(f"/connections/{world.source_id}").json
    assert shopify == connections[0]
    assert shopify["platform"] == "shopify" and shopify["credentials"] == ["token"]
    assert shopify["settings"]["api"] == "rest" and "token" not in shopify["settings"]
    assert shopify["status"] == "active"
    assert world.get(f"/connections/{world.target_id}").json["credentials"] == ["key", "secret"]
    missing = world.get("/connections/999")
    assert missing.status_code == 404
    assert missing.json == {"error": {"code": "not_found", "message": "no connection with id 999"}}


def test_testing_a_connection_reports_the_store_and_records_the_check(world: World) -> None:
    for connection_id, platform in ((world.source_id, "shopify"), (world.target_id, "woocommerce")):
        response = world.post(f"/connections/{connection_id}/test")
        assert response.status_code == 200, response.json
        body = response.json
        assert body["ok"] is True and body["error"] is None
        assert body["report"]["platform"] == platform and body["report"]["ok"] is True
        assert body["report"]["product_count"] == (12 if platform == "shopify" else 0)
        assert body["connection"]["status"] == "active" and body["connection"]["last_checked_at"]
    with world.api.db() as session:
        assert session.get(Connection, world.source_id).last_checked_at is not None


def test_a_failing_connection_test_says_why_in_plain_words_and_marks_the_connection(world: World) -> None:
    broken_source, read_only_target = 3, 4
    refused = world.post(f"/connections/{broken_source}/test").json
    assert refused["ok"] is False and refused["report"] is None
    assert refused["error"]["code"] == "auth_failed" and refused["error"]["message"]
    assert refused["connection"]["status"] == "error"
    assert refused["connection"]["last_error"] == refused["error"]["message"]
    read_only = world.post(f"/connections/{read_only_target}/test").json
    assert read_only["ok"] is False and read_only["report"]["can_write"] is False
    assert read_only["error"]["code"] == "insufficient_access"
    assert "cannot write" in read_only["error"]["message"]
    # Writes need a write token: a read token may not even test.
    assert world.post(f"/connections/{broken_source}/test", token=world.reader).status_code == 403


# -- imports -------------------------------------------------------------------------------------------
def test_imports_show_their_connections_last_run_and_next_scheduled_run(world: World) -> None:
    before = world.get("/imports").json["imports"]
    assert [item["name"] for item in before] == ["sandbox shop", "broken"]
    plain, scheduled = before
    assert plain["last_run"] is None and plain["schedule"] is None and plain["next_run"] is None
    assert plain["source"]["credentials"] == ["token"]
    assert scheduled["schedule"]["description"] == "every hour"
    next_run = datetime.fromisoformat(scheduled["next_run"])
    now = datetime.now(UTC)
    assert now < next_run <= now + timedelta(hours=1) and next_run.minute == next_run.second == 0
    run_id = world.queue_run()
    detail = world.get(f"/imports/{world.import_id}").json
    assert detail["last_run"]["id"] == run_id and detail["last_run"]["status"] == "queued"
    with world.api.db() as session:
        session.get(SavedImport, 2).enabled = False
        session.commit()
    assert world.get("/imports/2").json["next_run"] is None  # paused: nothing is due
    assert world.get("/imports/77").json["error"]["code"] == "not_found"


def test_an_import_exports_as_toml_with_env_references(world: World) -> None:
    response = world.get(f"/imports/{world.import_id}/export")
    assert response.status_code == 200 and response.mimetype == "application/toml"
    text = response.get_data(as_text=True)
    assert 'token = "env:SHOPIFY_TOKEN"' in text and 'secret = "env:WOO_SECRET"' in text


# -- starting runs -------------------------------------------------------------------------------------
def test_starting_a_run_queues_its_job_and_answers_202(queued_world: World, redis_url: str) -> None:
    world = queued_world
    response = world.post(f"/imports/{world.import_id}/runs", {"scope": "full", "dry_run": True})
    assert response.status_code == 202, response.json
    run = response.json
    assert run["status"] == "queued" and run["trigger"] == "api" and run["scope"] == "full"
    assert run["dry_run"] is True and run["terminal"] is False and run["duration_s"] is None
    assert response.headers["Location"].endswith(f"{V1}/runs/{run['id']}")
    assert jobs_in_queue(redis_url) == [(run["id"],)]  # the run's id and nothing else
    targeted = world.post(f"/imports/{world.import_id}/runs", {"scope": "products", "product_ids": [7, "8"]})
    assert targeted.status_code == 202 and targeted.json["product_ids"] == ["7", "8"]
    incremental = world.post(f"/imports/{world.import_id}/runs")  # no body: an incremental run
    assert incremental.status_code == 202 and incremental.json["scope"] == "incremental"
    assert len(jobs_in_queue(redis_url)) == 3
    assert (
        world.get(f"/runs/{run['id']}").json == world.get(f"/imports/{world.import_id}/runs").json["runs"][2]
    )


def test_a_run_started_without_redis_stays_queued_for_a_worker_to_pick_up(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """No REDIS_URL in the web app: the run is committed and accepted; a worker's watchdog queues
    runs that have no job (jobs/watchdog.py requeue_lost)."""
    response = world.post(f"/imports/{world.import_id}/runs", {"scope": "prices"})
    assert response.status_code == 202
    assert world.run_row(response.json["id"]).status is RunStatus.QUEUED
    assert "its job could not be queued yet" in caplog.text


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        pytest.param({"scope": "everything"}, "scope", "must be one of incremental, full", id="bad-scope"),
        pytest.param({"scope": "products"}, "product_ids", "needs the source ids", id="products-without-ids"),
        pytest.param(
            {"product_ids": ["1"]}, "product_ids", 'only a run with scope "products"', id="ids-not-products"
        ),
        pytest.param(
            {"scope": "products", "product_ids": [True]},
            "product_ids[0]",
            "string or an integer",
            id="bool-id",
        ),
        pytest.param(
            {"scope": "products", "product_ids": "12"}, "product_ids", "must be a list", id="ids-not-list"
        ),
        pytest.param({"dry_run": "yes"}, "dry_run", "true or false", id="dry-run-not-bool"),
        pytest.param({"scopes": "full"}, "scopes", "unknown field", id="unknown-field"),
        pytest.param(["full"], "body", "JSON object", id="not-an-object"),
    ],
)
def test_a_bad_run_request_is_422_naming_the_field(world: World, body: Any, field: str, words: str) -> None:
    response = world.post(f"/imports/{world.import_id}/runs", body)
    assert response.status_code == 422
    error = response.json["error"]
    assert error["code"] == "invalid_input" and error["field"] == field and words in error["message"]
    with world.api.db() as session:
        assert repo.history(session, world.import_id) == []


def test_a_body_that_is_not_json_is_400(world: World) -> None:
    response = world.post(
        f"/imports/{world.import_id}/runs", data="scope=full", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400 and response.json["error"]["code"] == "bad_request"


def test_a_refused_run_is_409_with_the_reason(world: World) -> None:
    with world.api.db() as session:
        disconnect(session.get(Connection, world.source_id))
        session.commit()
    response = world.post(f"/imports/{world.import_id}/runs", {"scope": "full"})
    assert response.status_code == 409
    assert response.json["error"]["code"] == "run_refused"
    assert "is disconnected; connect it again first" in response.json["error"]["message"]


# -- runs ----------------------------------------------------------------------------------------------
def test_a_run_shows_counts_throughput_duration_failures_and_log(world: World) -> None:
    run_id = world.queue_run()
    finish_with_failures(world.api.db, run_id)
    run = world.get(f"/runs/{run_id}").json
    assert run["status"] == "partially_failed" and run["terminal"] is True
    assert run["counts"]["created"] == 40 and run["counts"]["failed"] == 2
    assert run["duration_s"] == 10.0 and run["products_per_s"] == 5.0
    assert run["warnings"] == ["3 images could not be fetched"] and run["error"] is None
    assert run["source_requests"] == 6 and run["target_requests"] == 30 and run["attempts"] == 1
    failures = world.get(f"/runs/{run_id}/failures").json["failures"]
    assert [(f["source_id"], f["sku"], f["reason"]) for f in failures] == [
        ("101", "SKU-1", "duplicate SKU"),
        ("102", None, "400"),
    ]
    assert [line["message"] for line in world.get(f"/runs/{run_id}/log").json["log"]] == ["started"]
    for path in ("", "/failures", "/log"):
        assert world.get(f"/runs/404{path}").json["error"]["code"] == "not_found"


def test_run_history_filters_by_status_and_limit(world: World) -> None:
    first, second, third = world.queue_run(), world.queue_run(), world.queue_run()
    finish_with_failures(world.api.db, first, RunStatus.SUCCEEDED)
    finish_with_failures(world.api.db, second, RunStatus.FAILED)
    path = f"/imports/{world.import_id}/runs"
    assert [run["id"] for run in world.get(path).json["runs"]] == [third, second, first]
    assert [run["id"] for run in world.get(path, query_string={"limit": 2}).json["runs"]] == [third, second]
    assert [run["id"] for run in world.get(path, query_string={"status": "failed"}).json["runs"]] == [second]
    assert world.get(path, query_string={"status": "queued"}).json["runs"][0]["id"] == third
    for query, field in (
        ({"status": "lost"}, "status"),
        ({"limit": "0"}, "limit"),
        ({"limit": "x"}, "limit"),
    ):
        response = world.get(path, query_string=query)
        assert response.status_code == 422 and response.json["error"]["field"] == field
    assert world.get("/imports/55/runs").status_code == 404


def test_cancelling_a_queued_run_ends_it_and_a_running_one_is_asked_to_stop(world: World) -> None:
    queued = world.queue_run()
    response = world.post(f"/runs/{queued}/cancel")
    assert response.status_code == 200 and response.json["status"] == "cancelled"
    again = world.post(f"/runs/{queued}/cancel")
    assert again.status_code == 409 and again.json["error"]["code"] == "run_finished"
    running = world.queue_run()
    with world.api.db() as session:
        repo.claim(session, running, "worker-1")
        session.commit()
    asked = world.post(f"/runs/{running}/cancel").json
    assert asked["status"] == "running" and asked["cancel_requested"] is True
    assert world.run_row(running).cancel_requested


def test_retrying_queues_a_run_of_only_the_failed_items(queued_world: World, redis_url: str) -> None:
    world = queued_world
    run_id = world.queue_run()
    finish_with_failures(world.api.db, run_id)
    response = world.post(f"/runs/{run_id}/retry")
    assert response.status_code == 202
    retry = response.json
    assert retry["trigger"] == "retry" and retry["scope"] == "products"
    assert retry["product_ids"] == ["101", "102"]
    assert jobs_in_queue(redis_url) == [(retry["id"],)]
    clean = world.queue_run()
    with world.api.db() as session:  # a run with nothing failed
        repo.finish(session, session.get(Run, clean), RunStatus.SUCCEEDED)
        session.commit()
    refused = world.post(f"/runs/{clean}/retry")
    assert refused.status_code == 409 and "no failed items" in refused.json["error"]["message"]


# -- errors --------------------------------------------------------------------------------------------
def test_every_error_under_the_api_is_json_and_others_are_left_alone(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    unknown = world.get("/nothing-here")
    assert unknown.status_code == 404 and unknown.json["error"]["code"] == "not_found"
    wrong_method = world.api.call("DELETE", f"{V1}/connections", world.writer)
    assert wrong_method.status_code == 405 and wrong_method.json["error"]["code"] == "method_not_allowed"
    assert "GET" in wrong_method.headers["Allow"]
    outside = world.api.call("GET", "/no-such-page")
    assert outside.status_code == 404 and outside.mimetype == "text/html"

    def explode(saved: SavedImport) -> str:
        raise RuntimeError(f"boom with {world.secrets[0]}")

    monkeypatch.setattr("wizard.api.export_toml", explode)
    world.api.app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production, not as under test
    crashed = world.get(f"/imports/{world.import_id}/export")
    assert crashed.status_code == 500
    assert crashed.json["error"]["code"] == "internal_server_error"
    assert "boom" not in crashed.get_data(as_text=True)


def test_no_get_route_shows_a_secret(world: World) -> None:
    """Every GET route of the blueprint, after a run with failures and a connection test."""
    run_id = world.queue_run()
    finish_with_failures(world.api.db, run_id)
    world.post(f"/connections/{world.source_id}/test")
    ids = {"connection_id": world.source_id, "import_id": world.import_id, "run_id": run_id}
    for (path, method), _ in blueprint_routes(world).items():
        if method == "get":
            response = world.get(path.format(**ids))
            assert response.status_code == 200, path
    assert len(world.api.bodies) >= 10
    assert world.api.leaked(world.secrets) == []
