"""The sandbox stores send Shopify's and BigCommerce's webhooks when their catalog changes.

A receiving HTTP server in the test records what arrives. Subscriptions go through the platforms'
APIs (the official `shopify` package where it has a resource for it, the `bigcommerce` package's raw
connection, plain HTTP for the error cases); signatures are checked here with hmac/hashlib and, for
BigCommerce, with the Standard Webhooks library its docs tell receivers to use; payloads are
compared with the published examples in tests/samples.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import bigcommerce
import pytest
import requests
import shopify
import standardwebhooks

from sandbox.bigcommerce import BigCommerceStore
from sandbox.bigcommerce.render import inventory_tracking
from sandbox.catalog import Catalog, Product
from sandbox.runner import Sandbox
from sandbox.settings import SandboxSettings
from sandbox.shopify import ShopifyStore
from tests.shapes import assert_same_shape, sample

VERSION = "2025-07"
CATALOG = Catalog(7, 30)
WAIT_SECONDS = 10.0  # a bound for things that happen at once; never reached when all is well


# -- the receiving end ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Arrival:
    path: str
    headers: Any  # http.client.HTTPMessage: case-insensitive get()
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Receiver:
    """A webhook endpoint on loopback: records every POST and answers `answer(arrival)`."""

    def __init__(self) -> None:
        self.arrivals: list[Arrival] = []
        self.answer: Callable[[Arrival], int] = lambda arrival: 200
        self._changed = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                arrival = Arrival(self.path, self.headers, body)
                status = receiver.answer(arrival)
                with receiver._changed:
                    receiver.arrivals.append(arrival)
                    receiver._changed.notify_all()
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def url(self, path: str = "/webhooks") -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def wait_for(self, count: int) -> list[Arrival]:
        with self._changed:
            arrived = self._changed.wait_for(lambda: len(self.arrivals) >= count, WAIT_SECONDS)
            assert arrived, f"{len(self.arrivals)} deliveries arrived, expected {count}"
            return list(self.arrivals)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    endpoint = Receiver()
    yield endpoint
    endpoint.stop()


def deliveries(url: str) -> list[dict[str, Any]]:
    """The store's delivery records once nothing is pending any more."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        listed = requests.get(f"{url}/_sandbox/webhooks").json()
        if listed["pending"] == 0:
            return listed["deliveries"]
        assert time.monotonic() < deadline, f"deliveries still pending: {listed}"
        time.sleep(0.05)


def change(url: str, kind: str, **body: Any) -> list[Any]:
    """Change the catalog through the control route; the ids it touched."""
    answer = requests.post(f"{url}/_sandbox/catalog/{kind}", json=body, timeout=WAIT_SECONDS)
    assert answer.status_code == 200, answer.text
    return answer.json()["ids"]


def hmac_base64(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def key_with(test: Callable[[Product], bool]) -> int:
    return next(product.key for product in CATALOG.products() if test(product))


# -- Shopify --------------------------------------------------------------------------------------
@pytest.fixture
def shop(serve) -> tuple[ShopifyStore, str]:
    store = ShopifyStore(CATALOG.copy(), SandboxSettings(seed=7))
    return store, serve(store)


@pytest.fixture
def admin(shop) -> Iterator[Callable[..., requests.Response]]:
    """`admin(method, path, json=...)` under /admin/api/2025-07/ with the store's token."""
    store, url = shop
    with requests.Session() as session:
        session.headers["X-Shopify-Access-Token"] = store.token

        def call(method: str, path: str, **kwargs: Any) -> requests.Response:
            return session.request(method, f"{url}/admin/api/{VERSION}/{path}", **kwargs)

        yield call


@pytest.fixture
def official(shop) -> Iterator[Any]:
    """The `shopify` package with its session pointed at the sandbox (see test_sandbox_shopify_rest)."""
    store, url = shop
    shopify.ShopifyResource.activate_session(
        shopify.Session("ferry-sandbox.myshopify.com", VERSION, store.token)
    )
    shopify.ShopifyResource.site = f"{url}/admin/api/{VERSION}"
    yield shopify
    shopify.ShopifyResource.clear_session()


def subscribe(admin, topic: str, address: str, **extra: Any) -> dict[str, Any]:
    answer = admin("POST", "webhooks.json", json={"webhook": {"topic": topic, "address": address, **extra}})
    assert answer.status_code == 201, answer.text
    return answer.json()["webhook"]


def test_official_client_subscribes_lists_counts_and_unsubscribes(official, receiver) -> None:
    created = official.Webhook.create(
        {"topic": "products/update", "address": receiver.url(), "format": "json", "fields": ["id", "title"]}
    )
    assert created.errors.full_messages() == []
    official.Webhook.create({"topic": "products/delete", "address": receiver.url(), "format": "json"})
    assert official.Webhook.count() == 2
    assert official.Webhook.count(topic="products/delete") == 1
    found = official.Webhook.find(created.id)
    assert (found.topic, found.address, found.fields) == ("products/update", receiver.url(), ["id", "title"])
    assert [hook.topic for hook in official.Webhook.find(topic="products/update")] == ["products/update"]
    found.address = receiver.url("/elsewhere")
    assert found.save()
    assert official.Webhook.find(created.id).address == receiver.url("/elsewhere")
    found.destroy()
    assert official.Webhook.count() == 1


def test_subscription_payloads_have_the_published_shapes(admin, receiver) -> None:
    created = subscribe(admin, "products/update", receiver.url(), fields=["id", "note"])
    assert_same_shape(sample("shopify/webhooks/POST_webhooks_fields.response.json")["webhook"], created)
    one = admin("GET", f"webhooks/{created['id']}.json").json()
    assert_same_shape(sample("shopify/webhooks/GET_webhooks_4759306.json"), one)
    assert_same_shape(sample("shopify/webhooks/GET_webhooks.json"), admin("GET", "webhooks.json").json())
    assert_same_shape(
        sample("shopify/webhooks/GET_webhooks_count.json"), admin("GET", "webhooks/count.json").json()
    )
    update = sample("shopify/webhooks/PUT_webhooks_4759306.request.json")
    update["webhook"]["address"] = receiver.url("/moved")
    updated = admin("PUT", f"webhooks/{created['id']}.json", json=update)
    assert updated.status_code == 200
    assert_same_shape(sample("shopify/webhooks/PUT_webhooks_4759306.response.json"), updated.json())
    deleted = admin("DELETE", f"webhooks/{created['id']}.json")
    assert (deleted.status_code, deleted.json()) == (
        200,
        sample("shopify/webhooks/DELETE_webhooks_4759306.json"),
    )
    assert admin("GET", f"webhooks/{created['id']}.json").json() == {"errors": "Not Found"}


@pytest.mark.parametrize(
    ("webhook", "field", "message"),
    [
        pytest.param(
            {"topic": "orders/create"}, "topic", "Invalid topic specified. Topics allowed: ", id="topic"
        ),
        pytest.param({"topic": ""}, "topic", "can't be blank", id="no-topic"),
        pytest.param({"address": ""}, "address", "can't be blank", id="no-address"),
        pytest.param({"address": "http://example.com/hooks"}, "address", "is invalid", id="plain-http"),
        pytest.param({"address": "ftp://127.0.0.1/hooks"}, "address", "is invalid", id="not-http"),
        pytest.param({"format": "xml"}, "format", "is not included in the list", id="xml"),
    ],
)
def test_invalid_subscriptions_get_shopifys_422(admin, receiver, webhook, field, message) -> None:
    answer = admin(
        "POST",
        "webhooks.json",
        json={"webhook": {"topic": "products/update", "address": receiver.url(), **webhook}},
    )
    assert answer.status_code == 422
    errors = answer.json()["errors"]
    assert list(errors) == [field]
    assert errors[field][0].startswith(message)
    assert admin("GET", "webhooks/count.json").json() == {"count": 0}


def test_second_subscription_to_a_topic_at_one_address_is_taken(official, admin, receiver) -> None:
    subscribe(admin, "products/update", receiver.url())
    again = official.Webhook.create({"topic": "products/update", "address": receiver.url(), "format": "json"})
    assert again.errors.full_messages() == ["address for this topic has already been taken"]
    missing = admin("POST", "webhooks.json", json={"topic": "products/update"})
    assert (missing.status_code, missing.json()) == (
        400,
        {"errors": {"webhook": "Required parameter missing or invalid"}},
    )


def test_a_change_is_delivered_signed_with_the_rest_product_as_body(shop, admin, receiver) -> None:
    store, url = shop
    subscription = subscribe(admin, "products/update", receiver.url())
    (product_id,) = change(url, "update", count=1)
    (arrival,) = receiver.wait_for(1)
    headers = arrival.headers
    assert arrival.path == "/webhooks"
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Shopify-Topic"] == "products/update"
    assert headers["X-Shopify-Shop-Domain"] == "ferry-sandbox.myshopify.com"
    assert headers["X-Shopify-API-Version"] == subscription["api_version"] == VERSION
    assert headers["X-Shopify-Webhook-Id"] and headers["X-Shopify-Event-Id"]
    assert headers["X-Shopify-Triggered-At"].endswith("Z")
    secret = store.credentials(url)["client_secret"]
    assert hmac.compare_digest(headers["X-Shopify-Hmac-Sha256"], hmac_base64(secret, arrival.body))
    assert not hmac.compare_digest(headers["X-Shopify-Hmac-Sha256"], hmac_base64(store.token, arrival.body))
    # The body is the product exactly as the REST endpoint renders it, of the published shape.
    assert arrival.json() == admin("GET", f"products/{product_id}.json").json()["product"]
    assert_same_shape(sample("shopify/rest_2025-07/GET_products_632910392.json")["product"], arrival.json())
    (record,) = deliveries(url)
    assert (record["state"], record["attempts"], record["status"]) == ("delivered", 1, 200)
    assert (record["topic"], record["destination"]) == ("products/update", receiver.url())
    assert record["event_id"] == headers["X-Shopify-Event-Id"]
    assert record["webhook_id"] == headers["X-Shopify-Webhook-Id"]


def test_created_and_deleted_products_have_their_topics_and_bodies(shop, admin, receiver) -> None:
    url = shop[1]
    for topic in ("products/create", "products/update", "products/delete"):
        subscribe(admin, topic, receiver.url(f"/{topic}"))
    (added,) = change(url, "add", count=1)
    (created,) = receiver.wait_for(1)
    assert (created.path, created.json()["id"]) == ("/products/create", added)
    assert created.json() == admin("GET", f"products/{added}.json").json()["product"]
    change(url, "delete", ids=[added])
    deleted = receiver.wait_for(2)[1]
    assert (deleted.path, deleted.json()) == ("/products/delete", {"id": added})
    assert deleted.headers["X-Shopify-Topic"] == "products/delete"


def test_fields_trim_the_payload(shop, admin, receiver) -> None:
    url = shop[1]
    subscribe(admin, "products/update", receiver.url(), fields=["id", "title"])
    (product_id,) = change(url, "update", count=1)
    (arrival,) = receiver.wait_for(1)
    product = admin("GET", f"products/{product_id}.json").json()["product"]
    assert arrival.json() == {"id": product_id, "title": product["title"]}


def test_a_retry_after_a_500_keeps_the_event_and_webhook_ids(shop, admin, receiver) -> None:
    url = shop[1]
    subscribe(admin, "products/update", receiver.url())
    receiver.answer = lambda arrival: 500 if len(receiver.arrivals) == 0 else 200
    change(url, "update", count=1)
    first, retry = receiver.wait_for(2)
    for name in (
        "X-Shopify-Event-Id",
        "X-Shopify-Webhook-Id",
        "X-Shopify-Triggered-At",
        "X-Shopify-Hmac-Sha256",
    ):
        assert first.headers[name] == retry.headers[name]
    assert first.body == retry.body
    (record,) = deliveries(url)
    assert (record["state"], record["statuses"]) == ("delivered", [500, 200])


def closed_port_url() -> str:
    """A loopback URL nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}/webhooks"


@pytest.mark.parametrize("refused", [False, True], ids=["answers-503", "connection-refused"])
def test_a_subscription_that_keeps_failing_is_removed(shop, admin, receiver, refused) -> None:
    store, url = shop
    subscribe(admin, "products/update", closed_port_url() if refused else receiver.url())
    receiver.answer = lambda arrival: 503
    change(url, "update", count=1)
    (record,) = deliveries(url)
    tries = len(store.webhooks.outbox.policy.delays) + 1
    assert (record["state"], record["attempts"]) == ("failed", tries)
    if refused:
        assert record["statuses"] == [None] * tries
        assert "ConnectionRefused" in record["error"]
    else:
        assert record["statuses"] == [503] * tries == [503] * len(receiver.arrivals)
    assert admin("GET", "webhooks/count.json").json() == {"count": 0}


def test_an_unsubscribed_address_gets_nothing_more(official, shop, receiver) -> None:
    url = shop[1]
    hook = official.Webhook.create({"topic": "products/update", "address": receiver.url(), "format": "json"})
    change(url, "update", count=1)
    receiver.wait_for(1)
    hook.destroy()
    change(url, "update", count=2)
    assert len(deliveries(url)) == 1
    assert len(receiver.arrivals) == 1


def test_the_control_route_does_not_wait_for_the_receiver(shop, admin, receiver) -> None:
    url = shop[1]
    subscribe(admin, "products/update", receiver.url())
    release = threading.Event()
    receiver.answer = lambda arrival: 200 if release.wait(WAIT_SECONDS) else 500
    try:
        # The receiver holds its answer until released: the change must come back before that.
        change(url, "update", count=1)
        assert requests.get(f"{url}/_sandbox/webhooks").json()["pending"] == 1
    finally:
        release.set()
    assert deliveries(url)[0]["state"] == "delivered"


def test_rotated_secret_signs_after_the_stale_deliveries(shop, admin, receiver) -> None:
    store, url = shop
    subscribe(admin, "products/update", receiver.url())
    old = store.credentials(url)["client_secret"]
    rotated = requests.post(f"{url}/_sandbox/webhooks/secret", json={"stale_next": 1}).json()
    assert rotated["previous"] == old != rotated["client_secret"] == store.credentials(url)["client_secret"]
    change(url, "update", count=1)
    change(url, "update", count=1)
    stale, fresh = receiver.wait_for(2)
    assert stale.headers["X-Shopify-Hmac-Sha256"] == hmac_base64(old, stale.body)
    assert fresh.headers["X-Shopify-Hmac-Sha256"] == hmac_base64(rotated["client_secret"], fresh.body)


def test_duplicate_fault_delivers_the_same_event_twice(shop, admin, receiver) -> None:
    url = shop[1]
    subscribe(admin, "products/update", receiver.url())
    requests.post(f"{url}/_sandbox/faults", json={"webhook_duplicate_next": 1})
    change(url, "update", count=1)
    original, duplicate = receiver.wait_for(2)
    assert original.body == duplicate.body
    for name in ("X-Shopify-Event-Id", "X-Shopify-Webhook-Id", "X-Shopify-Hmac-Sha256"):
        assert original.headers[name] == duplicate.headers[name]
    assert [record["duplicate"] for record in deliveries(url)] == [False, True]
    change(url, "update", count=1)
    assert len(deliveries(url)) == 3  # the fault was used up


def test_bad_signature_fault_sends_a_forged_copy_first(shop, admin, receiver) -> None:
    store, url = shop
    subscribe(admin, "products/update", receiver.url())
    secret = store.credentials(url)["client_secret"]

    def verify(arrival: Arrival) -> int:
        good = hmac.compare_digest(
            arrival.headers["X-Shopify-Hmac-Sha256"], hmac_base64(secret, arrival.body)
        )
        return 200 if good else 401

    receiver.answer = verify
    requests.post(f"{url}/_sandbox/faults", json={"webhook_bad_signature_next": 1})
    change(url, "update", count=1)
    forged, genuine = receiver.wait_for(2)
    assert forged.body == genuine.body
    assert forged.headers["X-Shopify-Event-Id"] == genuine.headers["X-Shopify-Event-Id"]
    assert [verify(forged), verify(genuine)] == [401, 200]
    records = deliveries(url)
    assert [(r["forged"], r["state"], r["statuses"]) for r in records] == [
        (True, "failed", [401]),  # refused, and never retried
        (False, "delivered", [200]),
    ]
    assert admin("GET", "webhooks/count.json").json() == {"count": 1}


CREATE = """
mutation Subscribe($topic: WebhookSubscriptionTopic!, $subscription: WebhookSubscriptionInput!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: $subscription) {
    webhookSubscription { id topic uri format includeFields apiVersion { handle } }
    userErrors { field message }
  }
}
"""
DELETE = """
mutation Unsubscribe($id: ID!) {
  webhookSubscriptionDelete(id: $id) { deletedWebhookSubscriptionId userErrors { field message } }
}
"""


def test_graphql_subscriptions_are_the_rest_ones(shop, admin, receiver) -> None:
    url = shop[1]

    def graphql(query: str, **variables: Any) -> dict[str, Any]:
        answer = admin("POST", "graphql.json", json={"query": query, "variables": variables})
        assert "errors" not in answer.json(), answer.text
        return answer.json()["data"]

    subscription = {"uri": receiver.url(), "format": "JSON", "includeFields": ["id", "title"]}
    created = graphql(CREATE, topic="PRODUCTS_UPDATE", subscription=subscription)["webhookSubscriptionCreate"]
    assert created["userErrors"] == []
    node = created["webhookSubscription"]
    assert (node["topic"], node["uri"], node["apiVersion"]["handle"]) == (
        "PRODUCTS_UPDATE",
        receiver.url(),
        VERSION,
    )
    (listed,) = admin("GET", "webhooks.json").json()["webhooks"]
    assert node["id"] == f"gid://shopify/WebhookSubscription/{listed['id']}"
    assert (listed["topic"], listed["fields"]) == ("products/update", ["id", "title"])
    again = graphql(CREATE, topic="PRODUCTS_UPDATE", subscription=subscription)["webhookSubscriptionCreate"]
    assert again == {
        "webhookSubscription": None,
        "userErrors": [
            {
                "field": ["webhookSubscription", "callbackUrl"],
                "message": "Address for this topic has already been taken",
            }
        ],
    }
    (product_id,) = change(url, "update", count=1)
    (arrival,) = receiver.wait_for(1)
    assert arrival.json()["id"] == product_id
    deleted = graphql(DELETE, id=node["id"])["webhookSubscriptionDelete"]
    assert deleted == {"deletedWebhookSubscriptionId": node["id"], "userErrors": []}
    assert admin("GET", "webhooks/count.json").json() == {"count": 0}


# -- BigCommerce ----------------------------------------------------------------------------------
@pytest.fixture
def bc(serve) -> tuple[BigCommerceStore, str]:
    store = BigCommerceStore(CATALOG.copy(), SandboxSettings(seed=7))
    return store, serve(store)


@pytest.fixture
def hooks(bc) -> Iterator[tuple[Any, str]]:
    """The `bigcommerce` package's raw connection, and the absolute URL of /v3/hooks (the package
    sends URLs starting with "http" as they are; see test_sandbox_bigcommerce)."""
    store, url = bc
    client = bigcommerce.api.BigcommerceApi(
        client_id=store.client_id, store_hash=store.store_hash, access_token=store.token
    )
    yield client.connection, f"{url}/stores/{store.store_hash}/v3/hooks"


def hook_call(bc, method: str, path: str = "", **kwargs: Any) -> requests.Response:
    store, url = bc
    headers = {"X-Auth-Token": store.token, **kwargs.pop("headers", {})}
    return requests.request(
        method, f"{url}/stores/{store.store_hash}/v3/hooks{path}", headers=headers, **kwargs
    )


def test_official_connection_creates_lists_updates_and_deletes_hooks(bc, hooks, receiver) -> None:
    store = bc[0]
    connection, endpoint = hooks
    body = {
        "scope": "store/product/updated",
        "destination": receiver.url(),
        "is_active": True,
        "headers": {"custom-key": "developer-defined value"},  # the spec example's
    }
    created = connection.create(endpoint, body)
    assert_same_shape(sample("bigcommerce/webhooks/hook.200.json"), created)
    hook = created["data"]
    assert (hook["client_id"], hook["store_hash"]) == (store.client_id, store.store_hash)
    assert {key: hook[key] for key in body} == body
    listed = connection.get(endpoint, is_active="true")
    assert [item["id"] for item in listed["data"]] == [hook["id"]]
    assert listed["meta"]["pagination"]["total"] == 1
    assert connection.get(endpoint, scope="store/product/created")["data"] == []
    updated = connection.update(endpoint, hook["id"], {"is_active": False})
    assert updated["data"]["is_active"] is False
    assert updated["data"]["scope"] == "store/product/updated"
    deleted = connection.delete(endpoint, hook["id"])
    assert deleted["data"]["id"] == hook["id"]
    assert connection.get(endpoint)["data"] == []
    missing = hook_call(bc, "GET", f"/{hook['id']}")
    assert missing.status_code == 404
    assert_same_shape(sample("bigcommerce/webhooks/hook.404.json"), missing.json())
    assert missing.json()["title"] == f"Webhook with id [{hook['id']}] not found"


UPDATED = "store/product/updated"


@pytest.mark.parametrize(
    ("body", "field", "error"),
    [
        pytest.param({"scope": UPDATED}, "destination", "error.path.missing.", id="no-destination"),
        pytest.param({"destination": "RECEIVER"}, "scope", "error.path.missing.", id="no-scope"),
        pytest.param(
            {"scope": UPDATED, "destination": "http://example.com/hooks"},
            "destination",
            None,
            id="plain-http",
        ),
        pytest.param(
            {"scope": UPDATED, "destination": "https://example.com:8443/hooks"},
            "destination",
            None,
            id="port",
        ),
        pytest.param(
            {"scope": "store/order/created", "destination": "RECEIVER"}, "scope", None, id="order-scope"
        ),
        pytest.param(
            {"scope": UPDATED, "destination": "RECEIVER", "is_active": "yes"},
            "is_active",
            "error.expected.jsboolean",
            id="is_active-text",
        ),
        pytest.param(
            {"scope": UPDATED, "destination": "RECEIVER", "headers": {"X-A": 1}},
            "headers",
            "error.expected.jsstring",
            id="header-number",
        ),
    ],
)
def test_invalid_hooks_get_bigcommerces_422(bc, receiver, body, field, error) -> None:
    body = {name: receiver.url() if value == "RECEIVER" else value for name, value in body.items()}
    answer = hook_call(bc, "POST", json=body)
    assert answer.status_code == 422
    # `errors` names the fields at fault, so only the envelope compares with the spec's example.
    published = {
        key: value for key, value in sample("bigcommerce/webhooks/hook.422.json").items() if key != "errors"
    }
    assert_same_shape(published, {key: value for key, value in answer.json().items() if key != "errors"})
    assert answer.json()["title"] == "JSON data is missing or invalid"
    assert list(answer.json()["errors"]) == [field]
    if error is not None:
        assert answer.json()["errors"][field] == error
    assert hook_call(bc, "GET").json()["data"] == []


def test_one_hook_per_scope_and_destination(bc, receiver) -> None:
    body = {"scope": UPDATED, "destination": receiver.url()}
    assert hook_call(bc, "POST", json=body).status_code == 200
    again = hook_call(bc, "POST", json=body)
    assert (again.status_code, list(again.json()["errors"])) == (422, ["destination"])
    assert hook_call(bc, "POST", json={**body, "destination": receiver.url("/other")}).status_code == 200
    malformed = hook_call(bc, "POST", data=b"{not json", headers={"Content-Type": "application/json"})
    assert (malformed.status_code, malformed.json()["title"]) == (400, "Input is invalid.")


def subscribe_hook(bc, scope: str, destination: str, **extra: Any) -> dict[str, Any]:
    answer = hook_call(bc, "POST", json={"scope": scope, "destination": destination, **extra})
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]


def product_api(bc, product_id: int, path: str = "") -> Any:
    store, url = bc
    answer = requests.get(
        f"{url}/stores/{store.store_hash}/v3/catalog/products/{product_id}{path}",
        headers={"X-Auth-Token": store.token},
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]


def test_a_change_is_delivered_thin_with_custom_headers_and_a_standard_webhooks_signature(
    bc, receiver
) -> None:
    store, url = bc
    subscribe_hook(bc, UPDATED, receiver.url(), headers={"X-Ferry-Token": "shared-secret"})
    (product_id,) = change(url, "update", count=1)
    (arrival,) = receiver.wait_for(1)
    payload = arrival.json()
    assert_same_shape(sample("bigcommerce/webhooks/callback_store_product_deleted.json"), payload)
    assert (payload["scope"], payload["data"]) == (UPDATED, {"type": "product", "id": product_id})
    assert payload["producer"] == f"stores/{store.store_hash}"
    assert payload["store_id"] == str(product_api_store_id(bc))
    assert product_api(bc, product_id)["name"].endswith("(updated)")
    assert arrival.headers["X-Ferry-Token"] == "shared-secret"
    assert arrival.headers["Content-Type"] == "application/json"
    # BigCommerce's own sample: the Standard Webhooks library, given base64(client secret).
    secret = store.credentials(url)["client_secret"]
    verifier = standardwebhooks.Webhook(base64.b64encode(secret.encode()).decode())
    headers = {
        name: arrival.headers[name] for name in ("webhook-id", "webhook-timestamp", "webhook-signature")
    }
    assert verifier.verify(arrival.body, headers) == payload
    # The same check by hand: v1,base64(HMAC-SHA256(secret, "{id}.{timestamp}.{body}")).
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + arrival.body
    assert headers["webhook-signature"] == "v1," + hmac_base64(secret, signed)
    with pytest.raises(standardwebhooks.webhooks.WebhookVerificationError):
        standardwebhooks.Webhook(base64.b64encode(store.token.encode()).decode()).verify(
            arrival.body, headers
        )
    (record,) = deliveries(url)
    assert (record["topic"], record["event_id"], record["state"]) == (UPDATED, payload["hash"], "delivered")


def product_api_store_id(bc) -> int:
    store, url = bc
    answer = requests.get(f"{url}/stores/{store.store_hash}/v2/store", headers={"X-Auth-Token": store.token})
    return answer.json()["store_id"]


def test_scopes_follow_the_split_between_product_and_variants(bc, receiver) -> None:
    """A product change fires store/product/updated; its variants' prices store/sku/updated and
    their stock store/sku/inventory/updated; a simple product's stock store/product/inventory/updated."""
    url = bc[1]
    subscribe_hook(bc, "store/product/*", receiver.url("/product"))
    subscribe_hook(bc, "store/sku/*", receiver.url("/sku"))
    simple = key_with(lambda p: p.is_simple and inventory_tracking(p) == "product") + 1
    varied = key_with(lambda p: not p.is_simple and inventory_tracking(p) == "variant") + 1
    before = {
        "simple": product_api(bc, simple)["inventory_level"],
        "variants": {v["id"]: v["inventory_level"] for v in product_api(bc, varied, "/variants")},
    }
    change(url, "update", ids=[simple, varied])
    after = {
        "simple": product_api(bc, simple)["inventory_level"],
        "variants": {v["id"]: v["inventory_level"] for v in product_api(bc, varied, "/variants")},
    }
    restocked = {vid: after["variants"][vid] - level for vid, level in before["variants"].items()}
    restocked = {vid: delta for vid, delta in restocked.items() if delta}
    simple_delta = after["simple"] - before["simple"]
    expected = 2 + (1 if simple_delta else 0) + len(before["variants"]) + len(restocked)
    arrivals = receiver.wait_for(expected)
    assert len(deliveries(url)) == expected == len(arrivals)
    seen = [(arrival.path, arrival.json()["scope"], arrival.json()["data"]) for arrival in arrivals]
    by_scope: dict[str, list[dict[str, Any]]] = {}
    for path, scope, data in seen:
        assert path == ("/sku" if scope.startswith("store/sku/") else "/product")
        by_scope.setdefault(scope, []).append(data)
    assert sorted(data["id"] for data in by_scope[UPDATED]) == [simple, varied]
    assert sorted(data["id"] for data in by_scope["store/sku/updated"]) == sorted(before["variants"])
    for data in by_scope["store/sku/updated"]:
        assert data["sku"] == {"product_id": varied, "variant_id": data["id"]}
    inventory = {data["id"]: data["inventory"] for data in by_scope.get("store/sku/inventory/updated", [])}
    assert {vid: item["value"] for vid, item in inventory.items()} == restocked
    assert all(item["product_id"] == varied and item["method"] == "absolute" for item in inventory.values())
    product_stock = by_scope.get("store/product/inventory/updated", [])
    assert [data["inventory"]["value"] for data in product_stock] == ([simple_delta] if simple_delta else [])
    shapes = {
        UPDATED: "callback_store_product_deleted",
        "store/sku/updated": "callback_store_sku_created",
        "store/sku/inventory/updated": "callback_store_sku_inventory_updated",
        "store/product/inventory/updated": "callback_store_product_inventory_updated",
    }
    for arrival in arrivals:
        assert_same_shape(
            sample(f"bigcommerce/webhooks/{shapes[arrival.json()['scope']]}.json"), arrival.json()
        )


def test_created_and_deleted_products_have_their_scopes(bc, receiver) -> None:
    """With their SKUs: a product with variants brings store/sku/created for each, and takes them
    with store/sku/deleted."""
    url = bc[1]
    subscribe_hook(bc, "store/product/created", receiver.url())
    subscribe_hook(bc, "store/product/deleted", receiver.url())
    subscribe_hook(bc, "store/sku/*", receiver.url("/sku"))
    (added,) = change(url, "add", count=1)
    product = product_api(bc, added)
    variants = [] if product["base_variant_id"] else [v["id"] for v in product_api(bc, added, "/variants")]
    change(url, "delete", ids=[added])
    arrivals = receiver.wait_for(2 + 2 * len(variants))
    payloads = [arrival.json() for arrival in arrivals]
    products = [(p["scope"], p["data"]) for p in payloads if p["data"]["type"] == "product"]
    assert products == [
        ("store/product/created", {"type": "product", "id": added}),
        ("store/product/deleted", {"type": "product", "id": added}),
    ]
    for word in ("created", "deleted"):
        skus = [p["data"] for p in payloads if p["scope"] == f"store/sku/{word}"]
        assert [data["id"] for data in skus] == variants
        assert all(data["sku"] == {"product_id": added, "variant_id": data["id"]} for data in skus)
    assert len({p["hash"] for p in payloads}) == len(payloads)


def test_a_failing_destination_is_retried_then_its_hook_deactivated(bc, receiver) -> None:
    store, url = bc
    hook = subscribe_hook(bc, UPDATED, receiver.url())
    receiver.answer = lambda arrival: 500
    change(url, "update", count=1)
    (record,) = deliveries(url)
    attempts = len(store.webhooks.outbox.policy.delays) + 1
    assert (record["state"], record["attempts"], len(receiver.arrivals)) == ("failed", attempts, attempts)
    assert len({arrival.headers["webhook-id"] for arrival in receiver.arrivals}) == 1
    assert len({arrival.body for arrival in receiver.arrivals}) == 1
    assert hook_call(bc, "GET", f"/{hook['id']}").json()["data"]["is_active"] is False
    change(url, "update", count=1)
    assert len(deliveries(url)) == 1  # an inactive hook hears nothing
    receiver.answer = lambda arrival: 200
    assert (
        hook_call(bc, "PUT", f"/{hook['id']}", json={"is_active": True}).json()["data"]["is_active"] is True
    )
    change(url, "update", count=1)
    assert deliveries(url)[-1]["state"] == "delivered"


# -- --state-dir ----------------------------------------------------------------------------------
def test_subscriptions_and_rotated_secrets_survive_a_restart(tmp_path: Path, receiver) -> None:
    settings = SandboxSettings(products=20, seed=5, state_dir=tmp_path)
    with Sandbox(settings) as sandbox:
        stores = sandbox.credentials()
        shop, big = stores["shopify"], stores["bigcommerce"]
        requests.post(
            f"{shop['url']}/admin/api/{VERSION}/webhooks.json",
            headers={"X-Shopify-Access-Token": shop["token"]},
            json={"webhook": {"topic": "products/update", "address": receiver.url("/shopify")}},
        ).raise_for_status()
        requests.post(
            f"{big['url']}/stores/{big['store_hash']}/v3/hooks",
            headers={"X-Auth-Token": big["token"]},
            json={"scope": UPDATED, "destination": receiver.url("/bigcommerce")},
        ).raise_for_status()
        rotated = requests.post(f"{shop['url']}/_sandbox/webhooks/secret").json()["client_secret"]
    with Sandbox(settings) as sandbox:
        again = sandbox.credentials()
        assert again["shopify"]["client_secret"] == rotated != shop["client_secret"]
        assert again["bigcommerce"]["client_secret"] == big["client_secret"]
        shop, big = again["shopify"], again["bigcommerce"]
        change(shop["url"], "update", count=1)
        change(big["url"], "update", count=1)
        arrivals = {arrival.path: arrival for arrival in receiver.wait_for(2)}
    assert set(arrivals) == {"/shopify", "/bigcommerce"}
    signature = arrivals["/shopify"].headers["X-Shopify-Hmac-Sha256"]
    assert signature == hmac_base64(rotated, arrivals["/shopify"].body)
