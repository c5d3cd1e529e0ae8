"""Webhook deliveries: signatures checked the way the platforms document them, in constant time,
with the previous secret during a rotation; then what an authentic delivery says.

Shopify's signatures are computed here with hmac/hashlib (shopify.dev gives the recipe, not a worked
example); BigCommerce's with the Standard Webhooks library its docs tell receivers to use, an
implementation independent of Ferry's.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import standardwebhooks
from cryptography.fernet import Fernet

from jobs.definition import SourceSpec
from jobs.saved_imports import WEBHOOK_SECRET_GRACE, connection_spec, save_connection, webhook_secrets
from jobs.secrets import SecretBox
from jobs.store.database import make_engine, sessions, upgrade
from jobs.webhooks import (
    TIMESTAMP_TOLERANCE_S,
    BigCommerceDelivery,
    Change,
    MalformedDelivery,
    Receiver,
    ShopifyDelivery,
)
from tests.shapes import sample

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SECRET = "shpss_0123456789abcdef0123456789abcdef"
OTHER_SECRET = "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"
PRODUCT = sample("shopify/rest_2025-07/GET_products_632910392.json")["product"]
STORE_HASH = "abc123def"


# -- Shopify ---------------------------------------------------------------------------------------
def shopify_hmac(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def shopify_delivery(
    payload: Any = PRODUCT,
    topic: str = "products/update",
    secret: str = SECRET,
    shop: str = "mystore.myshopify.com",
    **headers: str,
) -> ShopifyDelivery:
    body = json.dumps(payload).encode()
    base = {
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": shopify_hmac(secret, body),
        "X-Shopify-Shop-Domain": shop,
        "X-Shopify-Event-Id": "98880550-7158-44d4-b7cd-2c97c8a091b5",
        "X-Shopify-Webhook-Id": "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
    }
    return ShopifyDelivery.from_http({**base, **headers}, body)


def test_shopify_signature_verifies_with_the_secret_it_was_made_with() -> None:
    delivery = shopify_delivery()
    assert delivery.verifies(SECRET, NOW)
    assert not delivery.verifies(OTHER_SECRET, NOW)


def test_shopify_signature_covers_every_byte_of_the_body() -> None:
    signed = shopify_delivery()
    # The same JSON with other whitespace: a receiver that parsed and re-serialised would differ.
    respaced = ShopifyDelivery(signed.headers, json.dumps(PRODUCT, indent=1).encode())
    assert json.loads(respaced.body) == json.loads(signed.body)
    assert not respaced.verifies(SECRET, NOW)


@pytest.mark.parametrize(
    "hmac_header",
    [
        pytest.param(None, id="missing"),
        pytest.param("", id="empty"),
        pytest.param("not base64 at all!", id="garbage"),
        pytest.param("wrTkxw==", id="short"),
        pytest.param("é" * 44, id="not-ascii"),
    ],
)
def test_shopify_malformed_signature_headers_do_not_verify(hmac_header: str | None) -> None:
    delivery = shopify_delivery()
    headers = {name: value for name, value in delivery.headers.items() if name != "x-shopify-hmac-sha256"}
    if hmac_header is not None:
        headers["x-shopify-hmac-sha256"] = hmac_header
    assert not ShopifyDelivery(headers, delivery.body).verifies(SECRET, NOW)


def test_header_names_are_case_insensitive() -> None:
    delivery = shopify_delivery()
    shouted = ShopifyDelivery.from_http(
        [(name.upper(), value) for name, value in delivery.headers.items()], delivery.body
    )
    assert shouted.verifies(SECRET, NOW)
    assert shouted.event().topic == "products/update"


@pytest.mark.parametrize(
    ("topic", "payload", "change", "product_id"),
    [
        pytest.param("products/create", PRODUCT, Change.CHANGED, "632910392", id="create"),
        pytest.param("products/update", PRODUCT, Change.CHANGED, "632910392", id="update"),
        pytest.param(
            "products/delete", {"id": 788032119674292900}, Change.DELETED, "788032119674292900", id="delete"
        ),
        pytest.param("orders/create", {"id": 820982911946154508}, None, None, id="a-topic-ferry-ignores"),
    ],
)
def test_shopify_event(topic: str, payload: Any, change: Change | None, product_id: str | None) -> None:
    event = shopify_delivery(payload, topic).event()
    assert (event.topic, event.change, event.product_id) == (topic, change, product_id)
    assert event.event_id == "98880550-7158-44d4-b7cd-2c97c8a091b5"


def test_shopify_event_id_falls_back_to_the_webhook_id() -> None:
    delivery = shopify_delivery()
    headers = {name: value for name, value in delivery.headers.items() if name != "x-shopify-event-id"}
    assert ShopifyDelivery(headers, delivery.body).event().event_id == "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param(
            lambda d: ShopifyDelivery({k: v for k, v in d.headers.items() if not k.endswith("-id")}, d.body),
            "X-Shopify-Event-Id",
            id="no-event-id",
        ),
        pytest.param(lambda d: ShopifyDelivery(d.headers, b"<product/>"), "not JSON", id="not-json"),
        pytest.param(
            lambda d: ShopifyDelivery(d.headers, b"[1, 2]"), "not a JSON object", id="not-an-object"
        ),
        pytest.param(lambda d: ShopifyDelivery(d.headers, b'{"title": "x"}'), "id", id="no-id"),
        pytest.param(lambda d: ShopifyDelivery(d.headers, b'{"id": true}'), "id", id="id-is-a-boolean"),
        pytest.param(
            lambda d: ShopifyDelivery({**d.headers, "x-shopify-event-id": "e" * 201}, d.body),
            "event id",
            id="event-id-too-long",
        ),
    ],
)
def test_shopify_unreadable_delivery(
    change: Callable[[ShopifyDelivery], ShopifyDelivery], message: str
) -> None:
    with pytest.raises(MalformedDelivery, match=message):
        change(shopify_delivery()).event()


def test_shopify_prefers_the_connections_at_the_shop_domain() -> None:
    at_shop = Receiver(1, "https://MyStore.myshopify.com/", secrets=(SECRET,))
    custom_domain = Receiver(2, "shop.example.com", secrets=(SECRET,))
    other_app = Receiver(3, "mystore.myshopify.com", secrets=(OTHER_SECRET,))
    delivery = shopify_delivery()
    verified = delivery.verified_by([at_shop, custom_domain, other_app], NOW)
    assert verified == [at_shop, custom_domain]
    assert delivery.for_store(verified) == [at_shop]
    # A shop known by its own domain only: its secret is what ties the delivery to it.
    assert delivery.for_store([custom_domain]) == [custom_domain]


# -- the previous secret during a rotation ------------------------------------------------------------
def test_a_receiver_accepts_either_of_its_secrets() -> None:
    rotating = Receiver(1, "mystore.myshopify.com", secrets=(OTHER_SECRET, SECRET))
    assert shopify_delivery(secret=SECRET).verified_by([rotating], NOW) == [rotating]
    assert shopify_delivery(secret=OTHER_SECRET).verified_by([rotating], NOW) == [rotating]
    assert shopify_delivery(secret="shpss_neither").verified_by([rotating], NOW) == []


def test_the_replaced_secret_is_accepted_for_a_day(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'ferry.db'}")
    upgrade(engine)
    box = SecretBox([Fernet.generate_key()])
    spec = SourceSpec("shopify", "mystore.myshopify.com", token="shpat_x", webhook_secret=SECRET)
    with sessions(engine)() as session:
        connection = save_connection(session, box, spec)
        before = datetime.now(UTC)
        rotated = save_connection(session, box, SourceSpec(**{**vars(spec), "webhook_secret": OTHER_SECRET}))
        after = datetime.now(UTC)
        assert rotated.id == connection.id
        assert webhook_secrets(rotated, box, after) == [OTHER_SECRET, SECRET]
        assert webhook_secrets(rotated, box, before + WEBHOOK_SECRET_GRACE - timedelta(seconds=1)) == [
            OTHER_SECRET,
            SECRET,
        ]
        assert webhook_secrets(rotated, box, after + WEBHOOK_SECRET_GRACE) == [OTHER_SECRET]
        # Saving the same secret again keeps the rotation's grace; a run never sees the previous one.
        again = save_connection(session, box, SourceSpec(**{**vars(spec), "webhook_secret": OTHER_SECRET}))
        assert webhook_secrets(again, box, after) == [OTHER_SECRET, SECRET]
        assert connection_spec(again, box).webhook_secret == OTHER_SECRET
        assert again.secret_fields == ["token", "webhook_secret"]
    engine.dispose()


# -- constant time -------------------------------------------------------------------------------------
def test_signatures_are_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    compared: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    assert shopify_delivery().verifies(SECRET, NOW)
    assert bigcommerce_delivery(BIGCOMMERCE_SAMPLE).verifies(BIGCOMMERCE_SECRET, NOW)
    assert not shopify_delivery().verifies(OTHER_SECRET, NOW)
    assert len(compared) == 3


# -- BigCommerce -----------------------------------------------------------------------------------------
BIGCOMMERCE_SECRET = "bc_client_secret_0123456789abcdefghijklm"
BIGCOMMERCE_SAMPLE = "callback_store_product_deleted.json"


def bigcommerce_payload(name: str) -> dict[str, Any]:
    payload = sample(f"bigcommerce/webhooks/{name}")
    return {**payload, "producer": f"stores/{STORE_HASH}"}


def bigcommerce_delivery(
    name: str,
    secret: str = BIGCOMMERCE_SECRET,
    at: datetime = NOW,
    message_id: str = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W",
) -> BigCommerceDelivery:
    """Signed as BigCommerce's docs sample verifies: the library keyed with base64(client secret)."""
    body = json.dumps(bigcommerce_payload(name)).encode()
    signer = standardwebhooks.Webhook(base64.b64encode(secret.encode()).decode())
    headers = {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signer.sign(message_id, at, body.decode()),
    }
    return BigCommerceDelivery.from_http(headers, body)


def test_bigcommerce_signature_verifies_as_the_standard_webhooks_library_signs() -> None:
    delivery = bigcommerce_delivery(BIGCOMMERCE_SAMPLE)
    assert delivery.verifies(BIGCOMMERCE_SECRET, NOW)
    assert not delivery.verifies("another-client-secret", NOW)


@pytest.mark.parametrize(
    ("offset_s", "verifies"),
    [
        pytest.param(0, True, id="now"),
        pytest.param(TIMESTAMP_TOLERANCE_S, True, id="at-the-tolerance"),
        pytest.param(-TIMESTAMP_TOLERANCE_S, True, id="clock-skew-ahead"),
        pytest.param(TIMESTAMP_TOLERANCE_S + 1, False, id="too-old-a-replay"),
        pytest.param(-TIMESTAMP_TOLERANCE_S - 1, False, id="too-far-ahead"),
    ],
)
def test_bigcommerce_timestamp_must_be_recent(offset_s: int, verifies: bool) -> None:
    signed_at = NOW - timedelta(seconds=offset_s)
    assert (
        bigcommerce_delivery(BIGCOMMERCE_SAMPLE, at=signed_at).verifies(BIGCOMMERCE_SECRET, NOW) is verifies
    )


def _with(delivery: BigCommerceDelivery, **headers: str | None) -> BigCommerceDelivery:
    changed = {**delivery.headers, **{name.replace("_", "-"): value for name, value in headers.items()}}
    return BigCommerceDelivery(
        {name: value for name, value in changed.items() if value is not None}, delivery.body
    )


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({"webhook_signature": None}, id="no-signature"),
        pytest.param({"webhook_id": None}, id="no-id"),
        pytest.param({"webhook_timestamp": None}, id="no-timestamp"),
        pytest.param({"webhook_timestamp": "soon"}, id="timestamp-not-a-number"),
        pytest.param({"webhook_timestamp": "-1"}, id="timestamp-negative"),
        pytest.param({"webhook_signature": "v1a,AAAA"}, id="only-an-unknown-scheme"),
        pytest.param({"webhook_signature": "v1,"}, id="empty-signature"),
        pytest.param({"webhook_signature": "v1,é"}, id="not-ascii"),
    ],
)
def test_bigcommerce_malformed_signature_headers_do_not_verify(headers: dict[str, str | None]) -> None:
    assert not _with(bigcommerce_delivery(BIGCOMMERCE_SAMPLE), **headers).verifies(BIGCOMMERCE_SECRET, NOW)


def test_bigcommerce_id_with_a_dot_is_refused() -> None:
    # "msg.1" + "." + ts would sign the same bytes as id "msg" with another split.
    assert not bigcommerce_delivery(BIGCOMMERCE_SAMPLE, message_id="msg.1").verifies(BIGCOMMERCE_SECRET, NOW)


def test_bigcommerce_accepts_any_one_valid_signature_of_several() -> None:
    delivery = bigcommerce_delivery(BIGCOMMERCE_SAMPLE)
    several = f"v1,{base64.b64encode(b'x' * 32).decode()} v1a,AAAA {delivery.header('webhook-signature')}"
    assert _with(delivery, webhook_signature=several).verifies(BIGCOMMERCE_SECRET, NOW)


@pytest.mark.parametrize(
    ("name", "change", "product_id"),
    [
        pytest.param("callback_store_product_deleted.json", Change.DELETED, "205", id="product-deleted"),
        pytest.param(
            "callback_store_product_inventory_updated.json", Change.CHANGED, "167", id="product-stock"
        ),
        pytest.param("callback_store_sku_created.json", Change.CHANGED, "206", id="sku-created"),
        pytest.param("callback_store_sku_inventory_updated.json", Change.CHANGED, "206", id="sku-stock"),
    ],
)
def test_bigcommerce_event_from_the_published_payloads(name: str, change: Change, product_id: str) -> None:
    payload = bigcommerce_payload(name)
    event = bigcommerce_delivery(name).event()
    assert (event.topic, event.change, event.product_id) == (payload["scope"], change, product_id)
    assert event.event_id == payload["hash"]


def test_bigcommerce_delivery_is_for_the_connections_of_its_store() -> None:
    ours = Receiver(1, "https://api.bigcommerce.com", STORE_HASH, (BIGCOMMERCE_SECRET,))
    other_store = Receiver(2, "https://api.bigcommerce.com", "zzz999", (BIGCOMMERCE_SECRET,))
    delivery = bigcommerce_delivery(BIGCOMMERCE_SAMPLE)
    verified = delivery.verified_by([ours, other_store], NOW)
    assert verified == [ours, other_store]
    assert delivery.for_store(verified) == [ours]


def test_bigcommerce_unreadable_producer() -> None:
    delivery = bigcommerce_delivery(BIGCOMMERCE_SAMPLE)
    payload = {**json.loads(delivery.body), "producer": "apps/123"}
    with pytest.raises(MalformedDelivery, match="producer"):
        BigCommerceDelivery(delivery.headers, json.dumps(payload).encode()).for_store([])
