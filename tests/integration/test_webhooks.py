"""POST /webhooks/shopify and /webhooks/bigcommerce on both databases with a real Redis: a delivery
that does not verify changes nothing; an authentic one queues one targeted run per saved import that
reads the store, once however often it is delivered.

Deliveries are signed here the way the platforms document it (hmac/hashlib for Shopify, the
Standard Webhooks library for BigCommerce), not with Ferry's code.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
import standardwebhooks
import tomli_w
from redis import Redis
from rq import Queue
from sqlalchemy import func, select
from werkzeug.serving import make_server
from werkzeug.test import TestResponse

from jobs.broker import RUNS_QUEUE
from jobs.control import start_run
from jobs.definition import SourceSpec
from jobs.execution import RunExecution
from jobs.saved_imports import import_toml, save_connection
from jobs.store.models import (
    Connection,
    ConnectionKind,
    Run,
    RunScope,
    RunStatus,
    RunTrigger,
    SavedImport,
    WebhookEvent,
)
from sandbox.bigcommerce import BigCommerceStore
from sandbox.catalog import Catalog
from sandbox.settings import SandboxSettings
from sandbox.shopify import ShopifyStore
from sandbox.woocommerce import WooCommerceStore
from tests.databases import KINDS
from tests.integration.api_client import Api, api_on
from tests.shapes import sample

SHOP = "mystore.myshopify.com"
SHOPIFY_SECRET = "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"
NEW_SHOPIFY_SECRET = "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"
STORE_HASH = "k7x2m9q4ab"
BIGCOMMERCE_SECRET = "bc-client-secret-5b6a79881f2e3d4c5b6a7988"
PRODUCT = sample("shopify/rest_2025-07/GET_products_632910392.json")["product"]
PRODUCT_ID = str(PRODUCT["id"])
WAIT_SECONDS = 10.0  # a bound for what happens at once; never reached when all is well


def shopify_source(**extra: Any) -> dict[str, Any]:
    return {"platform": "shopify", "url": SHOP, "token": "shpat_0123456789abcdef", "api": "rest", **extra}


def bigcommerce_source(**extra: Any) -> dict[str, Any]:
    return {
        "platform": "bigcommerce",
        "url": "https://api.bigcommerce.com",
        "token": "bc-access-token-0123456789",
        "store_hash": STORE_HASH,
        **extra,
    }


def woo(number: int = 1) -> dict[str, str]:
    return {
        "url": f"https://woo{number}.example.com",
        "key": f"ck_{number}" * 8,
        "secret": f"cs_{number}" * 8,
    }


@dataclass
class Hub:
    api: Api
    redis_url: str

    def save(self, source: dict[str, Any], target: dict[str, str] | None = None, **extra: Any) -> int:
        definition = {"source": source, "target": target or woo(), **extra}
        with self.api.db() as session:
            saved = import_toml(session, self.api.box, tomli_w.dumps(definition))
            session.commit()
            return saved.id

    def post(self, platform: str, body: bytes, headers: dict[str, str]) -> TestResponse:
        return self.api.client.post(f"/webhooks/{platform}", data=body, headers=headers)

    def runs(self) -> list[Run]:
        with self.api.db() as session:
            return list(session.scalars(select(Run).order_by(Run.id)))

    def events(self) -> int:
        with self.api.db() as session:
            return session.scalar(select(func.count()).select_from(WebhookEvent)) or 0

    def jobs(self) -> list[tuple[Any, ...]]:
        connection = Redis.from_url(self.redis_url)
        try:
            return [tuple(job.args) for job in Queue(RUNS_QUEUE, connection=connection).get_jobs()]
        finally:
            connection.close()


@pytest.fixture(params=KINDS)
def hub(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, redis_url: str
) -> Iterator[Hub]:
    with api_on(request.param, tmp_path, monkeypatch, redis_url) as api:
        yield Hub(api, redis_url)


# -- signed deliveries ------------------------------------------------------------------------------------
def shopify(
    payload: Any = PRODUCT,
    topic: str = "products/update",
    secret: str = SHOPIFY_SECRET,
    event_id: str = "98880550-7158-44d4-b7cd-2c97c8a091b5",
) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(payload).encode()
    signature = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    return body, {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": signature,
        "X-Shopify-Shop-Domain": SHOP,
        "X-Shopify-API-Version": "2025-07",
        "X-Shopify-Webhook-Id": f"webhook-{event_id}",
        "X-Shopify-Event-Id": event_id,
        "X-Shopify-Triggered-At": "2026-03-01T12:00:00Z",
    }


def bigcommerce(
    scope: str = "store/product/updated",
    product_id: int = 205,
    store_hash: str = STORE_HASH,
    secret: str = BIGCOMMERCE_SECRET,
    digest: str = "a833a57fadd56a32dc752fb6ca0841dc9602a495",
) -> tuple[bytes, dict[str, str]]:
    payload = {
        "scope": scope,
        "store_id": "1025646",
        "data": {"type": "product", "id": product_id},
        "hash": digest,
        "created_at": 1561479233,
        "producer": f"stores/{store_hash}",
    }
    body = json.dumps(payload).encode()
    message_id, moment = f"msg_{digest[:16]}", datetime.now(UTC)
    signer = standardwebhooks.Webhook(base64.b64encode(secret.encode()).decode())
    return body, {
        "Content-Type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": signer.sign(message_id, moment, body.decode()),
    }


def assert_targeted(run: Run, import_id: int, product_ids: list[str]) -> None:
    assert (run.import_id, run.trigger, run.scope, run.status) == (
        import_id,
        RunTrigger.WEBHOOK,
        RunScope.PRODUCTS,
        RunStatus.QUEUED,
    )
    assert run.product_ids == product_ids


# -- refused ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(
            lambda body, headers: (body, {**headers, "X-Shopify-Hmac-Sha256": "AAAA"}), id="bad-signature"
        ),
        pytest.param(
            lambda body, headers: (body, {k: v for k, v in headers.items() if k != "X-Shopify-Hmac-Sha256"}),
            id="no-signature",
        ),
        pytest.param(lambda body, headers: (body.replace(b"IPod", b"IPad"), headers), id="body-changed"),
        pytest.param(lambda body, headers: shopify(secret="shpss_some_other_app"), id="unknown-app-or-store"),
    ],
)
def test_a_shopify_delivery_that_does_not_verify_is_refused_and_changes_nothing(
    hub: Hub, forge: Any, caplog: pytest.LogCaptureFixture
) -> None:
    hub.save(shopify_source(webhook_secret=SHOPIFY_SECRET))
    body, headers = forge(*shopify())
    with caplog.at_level(logging.INFO):
        answer = hub.post("shopify", body, headers)
    assert answer.status_code == 401
    assert "error" in answer.get_json()
    assert (hub.events(), hub.runs(), hub.jobs()) == (0, [], [])
    # The log names the shop and topic, never a secret or a signature.
    assert f"shop {SHOP}, topic products/update" in caplog.text
    signature = headers.get("X-Shopify-Hmac-Sha256")
    assert SHOPIFY_SECRET not in caplog.text
    assert not signature or signature not in caplog.text


def test_a_bigcommerce_delivery_that_does_not_verify_is_refused(hub: Hub) -> None:
    hub.save(bigcommerce_source(webhook_secret=BIGCOMMERCE_SECRET))
    body, headers = bigcommerce(secret="another-apps-secret")
    assert hub.post("bigcommerce", body, headers).status_code == 401
    assert (hub.events(), hub.runs(), hub.jobs()) == (0, [], [])


def test_an_authentic_bigcommerce_delivery_for_a_store_ferry_does_not_know_is_not_found(hub: Hub) -> None:
    # Signed by the app whose secret a connection holds, for another store the same app serves.
    hub.save(bigcommerce_source(webhook_secret=BIGCOMMERCE_SECRET))
    body, headers = bigcommerce(store_hash="unknown0000")
    answer = hub.post("bigcommerce", body, headers)
    assert answer.status_code == 404
    assert (hub.events(), hub.runs(), hub.jobs()) == (0, [], [])


def test_a_connection_without_a_webhook_secret_receives_nothing(hub: Hub) -> None:
    hub.save(shopify_source())
    assert hub.post("shopify", *shopify()).status_code == 401
    assert hub.runs() == []


# -- accepted -------------------------------------------------------------------------------------------
def test_an_authentic_shopify_delivery_queues_one_targeted_run_once(hub: Hub) -> None:
    import_id = hub.save(shopify_source(webhook_secret=SHOPIFY_SECRET))
    answer = hub.post("shopify", *shopify())
    assert (answer.status_code, answer.get_json()) == (200, {"status": "queued"})
    [run] = hub.runs()
    assert_targeted(run, import_id, [PRODUCT_ID])
    assert hub.jobs() == [(run.id,)]
    # The same delivery again (a retry, or Shopify's duplicate): dropped, nothing more queued.
    again = hub.post("shopify", *shopify())
    assert (again.status_code, again.get_json()) == (200, {"status": "duplicate"})
    assert [r.id for r in hub.runs()] == [run.id]
    assert hub.jobs() == [(run.id,)]
    assert hub.events() == 1


def test_changes_arriving_while_a_run_waits_join_it(hub: Hub) -> None:
    import_id = hub.save(shopify_source(webhook_secret=SHOPIFY_SECRET))
    hub.post("shopify", *shopify())
    other = hub.post("shopify", *shopify({**PRODUCT, "id": 921728736}, event_id="second-event"))
    assert other.get_json() == {"status": "queued"}
    [run] = hub.runs()
    assert_targeted(run, import_id, sorted([PRODUCT_ID, "921728736"]))
    assert hub.jobs() == [(run.id,)]
    assert hub.events() == 2
    # Once a worker has it, the next change gets a run of its own.
    with hub.api.db() as session:
        session.get(Run, run.id).status = RunStatus.RUNNING
        session.commit()
    hub.post("shopify", *shopify({**PRODUCT, "id": 4}, event_id="third-event"))
    assert [r.product_ids for r in hub.runs()] == [sorted([PRODUCT_ID, "921728736"]), ["4"]]


def test_every_saved_import_reading_the_store_gets_a_run(hub: Hub) -> None:
    first = hub.save(shopify_source(webhook_secret=SHOPIFY_SECRET), woo(1))
    second = hub.save(shopify_source(webhook_secret=SHOPIFY_SECRET), woo(2))
    # The same shop through another connection (other settings), signed by the same app.
    third = hub.save(shopify_source(webhook_secret=SHOPIFY_SECRET, api="graphql"), woo(3))
    paused = hub.save(shopify_source(webhook_secret=SHOPIFY_SECRET), woo(4))
    with hub.api.db() as session:
        session.get(SavedImport, paused).enabled = False
        session.commit()
    assert hub.post("shopify", *shopify()).status_code == 200
    runs = hub.runs()
    assert [run.import_id for run in runs] == [first, second, third]
    for run in runs:
        assert_targeted(run, run.import_id, [PRODUCT_ID])
    assert sorted(hub.jobs()) == sorted((run.id,) for run in runs)


def test_a_deleted_product_queues_a_targeted_run_too(hub: Hub) -> None:
    import_id = hub.save(shopify_source(webhook_secret=SHOPIFY_SECRET))
    answer = hub.post("shopify", *shopify({"id": 788032119674292900}, "products/delete"))
    assert answer.get_json() == {"status": "queued"}
    [run] = hub.runs()
    assert_targeted(run, import_id, ["788032119674292900"])


def test_a_topic_ferry_does_not_import_from_is_acknowledged_and_ignored(hub: Hub) -> None:
    hub.save(shopify_source(webhook_secret=SHOPIFY_SECRET))
    answer = hub.post("shopify", *shopify({"id": 450789469}, "orders/create"))
    assert (answer.status_code, answer.get_json()) == (200, {"status": "ignored"})
    assert (hub.events(), hub.runs(), hub.jobs()) == (0, [], [])


def test_an_authentic_delivery_that_cannot_be_read_is_a_bad_request(hub: Hub) -> None:
    hub.save(shopify_source(webhook_secret=SHOPIFY_SECRET))
    answer = hub.post("shopify", *shopify({"title": "no id"}))
    assert answer.status_code == 400
    assert "id" in answer.get_json()["error"]
    assert (hub.events(), hub.runs()) == (0, [])


def test_an_oversized_body_is_refused_before_it_is_read(hub: Hub, monkeypatch: pytest.MonkeyPatch) -> None:
    from wizard import webhooks

    monkeypatch.setattr(webhooks, "MAX_BODY_BYTES", 1024)
    hub.save(shopify_source(webhook_secret=SHOPIFY_SECRET))
    answer = hub.post("shopify", *shopify({**PRODUCT, "body_html": "x" * 2048}))
    assert answer.status_code == 413
    assert hub.runs() == []


def test_an_authentic_bigcommerce_delivery_queues_a_run_once_by_its_hash(hub: Hub) -> None:
    import_id = hub.save(bigcommerce_source(webhook_secret=BIGCOMMERCE_SECRET))
    assert hub.post("bigcommerce", *bigcommerce()).get_json() == {"status": "queued"}
    # A retry is signed afresh (new timestamp), with the same payload and hash.
    assert hub.post("bigcommerce", *bigcommerce()).get_json() == {"status": "duplicate"}
    [run] = hub.runs()
    assert_targeted(run, import_id, ["205"])
    assert hub.jobs() == [(run.id,)]


def test_copies_arriving_together_queue_one_run_and_no_change_is_lost(hub: Hub) -> None:
    hub.save(shopify_source(webhook_secret=SHOPIFY_SECRET))
    copies = [shopify()] * 4  # one event delivered four times at once
    changes = [shopify({**PRODUCT, "id": 1000 + n}, event_id=f"change-{n}") for n in range(4)]
    start = threading.Barrier(len(copies) + len(changes))

    def deliver(delivery: tuple[bytes, dict[str, str]]) -> str:
        client = hub.api.app.test_client()
        start.wait()
        return client.post("/webhooks/shopify", data=delivery[0], headers=delivery[1]).get_json()["status"]

    with ThreadPoolExecutor(len(copies) + len(changes)) as pool:
        statuses = list(pool.map(deliver, copies + changes))
    assert sorted(statuses[: len(copies)]) == ["duplicate"] * 3 + ["queued"]
    assert statuses[len(copies) :] == ["queued"] * len(changes)
    runs = hub.runs()
    queued_ids = [product_id for run in runs for product_id in run.product_ids or []]
    assert sorted(queued_ids) == sorted([PRODUCT_ID, *(str(1000 + n) for n in range(4))])
    assert sorted(hub.jobs()) == sorted((run.id,) for run in runs)


# -- rotation -----------------------------------------------------------------------------------------
def test_after_a_rotation_both_the_new_and_the_previous_secret_are_accepted(hub: Hub) -> None:
    import_id = hub.save(shopify_source(webhook_secret=SHOPIFY_SECRET))
    with hub.api.db() as session:  # the connection saved again with a new secret
        save_connection(session, hub.api.box, SourceSpec(**shopify_source(webhook_secret=NEW_SHOPIFY_SECRET)))
        session.commit()
    assert hub.post("shopify", *shopify(secret=NEW_SHOPIFY_SECRET, event_id="new")).status_code == 200
    assert hub.post("shopify", *shopify(secret=SHOPIFY_SECRET, event_id="old")).status_code == 200
    assert hub.post("shopify", *shopify(secret="shpss_neither", event_id="forged")).status_code == 401
    [run] = hub.runs()
    assert run.import_id == import_id
    assert hub.events() == 2


def test_webhook_secrets_are_sealed_at_rest(hub: Hub) -> None:
    hub.save(shopify_source(webhook_secret=SHOPIFY_SECRET))
    with hub.api.db() as session:  # a rotation keeps the previous secret, sealed too
        save_connection(session, hub.api.box, SourceSpec(**shopify_source(webhook_secret=NEW_SHOPIFY_SECRET)))
        session.commit()
        [connection] = session.scalars(select(Connection).where(Connection.kind == ConnectionKind.SOURCE))
        stored = repr([getattr(connection, column.key) for column in Connection.__table__.columns])
    assert connection.secret_fields == ["token", "webhook_secret"]
    assert SHOPIFY_SECRET not in stored and NEW_SHOPIFY_SECRET not in stored


# -- end to end: the sandbox shop sends, Ferry's web app receives over HTTP ---------------------------------
@pytest.fixture
def http_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, redis_url: str) -> Iterator[tuple[Api, str]]:
    """Ferry's app on a real HTTP server on loopback, where the sandbox can deliver to it."""
    monkeypatch.setenv("FERRY_ALLOW_PRIVATE_NETWORKS", "1")
    with api_on("sqlite", tmp_path, monkeypatch, redis_url) as api:
        server = make_server("127.0.0.1", 0, api.app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, name="ferry-http", daemon=True)
        thread.start()
        try:
            yield api, f"http://127.0.0.1:{server.server_port}"
        finally:
            server.shutdown()
            thread.join()


@dataclass
class SandboxShop:
    """A sandbox Shopify shop subscribed to products/update at Ferry's URL, a sandbox Woo store, and
    a saved import between them that holds the shop's client secret."""

    hub: Hub
    shop: ShopifyStore
    shop_url: str
    woo_url: str
    import_id: int

    def change_one_product(self) -> str:
        changed = requests.post(
            f"{self.shop_url}/_sandbox/catalog/update", json={"count": 1}, timeout=WAIT_SECONDS
        )
        [product_id] = changed.json()["ids"]
        return str(product_id)

    def execute(self, run_id: int) -> Run:
        api = self.hub.api
        RunExecution(run_id, api.db, api.box, "test-worker").execute()
        with api.db() as session:
            return session.get(Run, run_id)


@pytest.fixture
def sandbox_shop(http_app: tuple[Api, str], serve: Any, redis_url: str) -> SandboxShop:
    api, ferry_url = http_app
    settings = SandboxSettings(seed=11)
    shop, woo_store = ShopifyStore(Catalog(seed=11, count=12), settings), WooCommerceStore(settings)
    shop_credentials, woo_credentials = shop.credentials(serve(shop)), woo_store.credentials(serve(woo_store))
    hub = Hub(api, redis_url)
    import_id = hub.save(
        {
            "platform": "shopify",
            "url": shop_credentials["url"],
            "token": shop_credentials["token"],
            "api": "rest",
            "webhook_secret": shop_credentials["client_secret"],
        },
        {key: woo_credentials[key] for key in ("url", "key", "secret")},
    )
    subscribed = requests.post(
        f"{shop_credentials['url']}/admin/api/2025-07/webhooks.json",
        headers={"X-Shopify-Access-Token": shop_credentials["token"]},
        json={"webhook": {"topic": "products/update", "address": f"{ferry_url}/webhooks/shopify"}},
        timeout=WAIT_SECONDS,
    )
    assert subscribed.status_code == 201, subscribed.text
    return SandboxShop(hub, shop, shop_credentials["url"], woo_credentials["url"], import_id)


@pytest.mark.slow
def test_a_change_in_the_sandbox_shop_queues_exactly_one_run_of_that_product(
    sandbox_shop: SandboxShop,
) -> None:
    # The change arrives three times: a forged copy first, then the genuine delivery and its duplicate.
    faults = {"webhook_bad_signature_next": 1, "webhook_duplicate_next": 1}
    requests.post(
        f"{sandbox_shop.shop_url}/_sandbox/faults", json=faults, timeout=WAIT_SECONDS
    ).raise_for_status()
    product_id = sandbox_shop.change_one_product()

    forged, genuine, duplicate = delivered(sandbox_shop.shop_url)
    assert (forged["forged"], forged["statuses"]) == (True, [401])
    assert (genuine["topic"], genuine["statuses"]) == ("products/update", [200])
    assert (duplicate["duplicate"], duplicate["statuses"]) == (True, [200])
    [run] = sandbox_shop.hub.runs()
    assert_targeted(run, sandbox_shop.import_id, [product_id])
    assert sandbox_shop.hub.jobs() == [(run.id,)]


@pytest.mark.slow
def test_the_run_a_webhook_queues_writes_that_product_and_only_it(sandbox_shop: SandboxShop) -> None:
    with sandbox_shop.hub.api.db() as session:  # the first import, so that there is something to update
        saved = session.get(SavedImport, sandbox_shop.import_id)
        first = start_run(session, saved, RunTrigger.MANUAL, RunScope.FULL)
        session.commit()
    assert sandbox_shop.execute(first.id).status is RunStatus.SUCCEEDED
    product_id = sandbox_shop.change_one_product()
    delivered(sandbox_shop.shop_url)
    [_, run] = sandbox_shop.hub.runs()

    done = sandbox_shop.execute(run.id)
    assert (done.status, done.counts["updated"], done.counts["created"]) == (RunStatus.SUCCEEDED, 1, 0)
    products = requests.get(f"{sandbox_shop.woo_url}/_sandbox/products", timeout=WAIT_SECONDS).json()[
        "products"
    ]
    shop = sandbox_shop.shop
    changed = next(p for p in shop.catalog.products() if str(shop.product_id(p.key)) == product_id)
    assert [p["name"] for p in products if p["name"].endswith("(updated)")] == [changed.title]


def delivered(shop_url: str) -> list[dict[str, Any]]:
    """The sandbox's delivery records once none is pending (each try is bounded by its timeout)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while (listed := requests.get(f"{shop_url}/_sandbox/webhooks", timeout=WAIT_SECONDS).json())["pending"]:
        assert time.monotonic() < deadline, f"deliveries still pending: {listed}"
        time.sleep(0.05)
    return listed["deliveries"]


@pytest.mark.slow
def test_every_bigcommerce_delivery_a_product_change_raises_lands_in_one_run_of_that_product(
    http_app: tuple[Api, str], serve: Any, redis_url: str
) -> None:
    api, ferry_url = http_app
    settings = SandboxSettings(seed=12)
    store = BigCommerceStore(Catalog(seed=12, count=12), settings)
    credentials = store.credentials(serve(store))
    hub = Hub(api, redis_url)
    import_id = hub.save(
        {
            "platform": "bigcommerce",
            "url": credentials["url"],
            "token": credentials["token"],
            "store_hash": credentials["store_hash"],
            "webhook_secret": credentials["client_secret"],
        }
    )
    hooks = f"{credentials['url']}/stores/{credentials['store_hash']}/v3/hooks"
    for scope in ("store/product/*", "store/sku/*"):
        requests.post(
            hooks,
            headers={"X-Auth-Token": credentials["token"]},
            json={"scope": scope, "destination": f"{ferry_url}/webhooks/bigcommerce", "is_active": True},
            timeout=WAIT_SECONDS,
        ).raise_for_status()
    changed = requests.post(
        f"{credentials['url']}/_sandbox/catalog/update", json={"count": 1}, timeout=WAIT_SECONDS
    )
    [product_id] = changed.json()["ids"]

    arrived = delivered(credentials["url"])
    # Its title and its stock changed: a delivery for each scope (product updated, inventory updated).
    assert len(arrived) > 1 and {d["statuses"][-1] for d in arrived} == {200}
    [run] = hub.runs()
    assert_targeted(run, import_id, [str(product_id)])
    assert hub.jobs() == [(run.id,)]
