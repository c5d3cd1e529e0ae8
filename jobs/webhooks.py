"""Webhook deliveries from the source stores: is one authentic, for which connections, about which product.

Pure: values in, values out; no Flask, no database (jobs/webhook_intake.py records deliveries and
queues runs, wizard/webhooks.py is the HTTP edge). A delivery's body is parsed only after its
signature has verified with the secret of some connection.

Shopify (https://shopify.dev/docs/apps/build/webhooks/verify-deliveries): `X-Shopify-Hmac-Sha256`
is base64(HMAC-SHA256(the app's client secret, raw body)). A duplicate delivery carries the same
`X-Shopify-Event-Id` ("the same value across more than one webhook indicates a duplicate",
https://shopify.dev/docs/apps/build/webhooks/ignore-duplicates); a delivery without it is known
by `X-Shopify-Webhook-Id`, which a retry keeps. products/create and products/update carry the
REST product, products/delete `{"id": ...}`.

BigCommerce signs its deliveries the Standard Webhooks way ("Security" in
https://github.com/bigcommerce/docs/blob/main/docs/integrations/webhooks/https-webhook-overview.mdx,
https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md):
`webhook-signature: v1,<base64 HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{raw body}">`
keyed with the app's client secret (its bytes: BigCommerce's sample hands the library
base64(secret), which the library decodes), and a `webhook-timestamp` that must be recent, against
replays. Custom `headers` on the hook are the other precaution that page lists; the signature
makes a shared header secret redundant, so Ferry does not ask for one. The payload is thin:
`{"scope", "store_id", "data": {"type", "id"}, "hash", "created_at", "producer": "stores/{hash}"}`,
and "if a hook fires twice for the same event, both request bodies rely on the same hash".
"""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Self
from urllib.parse import urlsplit

# Standard Webhooks' reference libraries accept a timestamp this far from the receiver's clock.
TIMESTAMP_TOLERANCE_S = 5 * 60
MAX_EVENT_ID = 200


class Platform(enum.StrEnum):
    SHOPIFY = "shopify"
    BIGCOMMERCE = "bigcommerce"


class Change(enum.StrEnum):
    CHANGED = "changed"  # created or updated: import it again
    DELETED = "deleted"


class MalformedDelivery(ValueError):
    """An authentic delivery Ferry cannot read (no id to recognise it by, a body that is not the
    platform's JSON); the message says what is missing."""


@dataclass(frozen=True)
class Receiver:
    """A source connection a delivery may be for, with the webhook secrets it accepts."""

    connection_id: int
    url: str
    store_hash: str | None = None
    secrets: tuple[str, ...] = field(default=(), repr=False)

    @property
    def host(self) -> str:
        # Connections keep the address as entered: `mystore.myshopify.com` or `https://...`.
        return (urlsplit(self.url if "://" in self.url else f"https://{self.url}").hostname or "").lower()


@dataclass(frozen=True)
class ProductEvent:
    """What an authentic delivery says: a product changed or was deleted (`change` and
    `product_id` None: a topic Ferry does not import from)."""

    event_id: str
    topic: str
    change: Change | None = None
    product_id: str | None = None

    def __post_init__(self) -> None:
        # Kept (prefixed with a connection id) in webhook_events.event_id, a 255-character column.
        if not self.event_id or len(self.event_id) > MAX_EVENT_ID:
            raise MalformedDelivery(f"event id: must be 1 to {MAX_EVENT_ID} characters")


def _lowered(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, str]:
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    return {name.lower(): value for name, value in pairs}


def _hmac_sha256_base64(secret: str, content: bytes) -> bytes:
    return base64.b64encode(hmac.new(secret.encode(), content, hashlib.sha256).digest())


def _matches(expected: bytes, presented: str) -> bool:
    """Constant-time: how much of a signature matches never shows in the time it takes."""
    return hmac.compare_digest(expected, presented.encode())


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(body)
    except ValueError as error:
        raise MalformedDelivery("the body is not JSON") from error
    if not isinstance(payload, dict):
        raise MalformedDelivery("the body is not a JSON object")
    return payload


def _product_id(value: Any, where: str) -> str:
    # bool is an int to Python, and never an id
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).strip():
        raise MalformedDelivery(f"{where} is not a product id")
    return str(value).strip()


@dataclass(frozen=True)
class Delivery:
    """One webhook request as it arrived: its headers (names in lower case) and its raw body.

    A platform declares its topics; `verifies`, `event` and `for_store` are what differ.
    """

    headers: dict[str, str]
    body: bytes = field(repr=False)

    platform: ClassVar[Platform]
    changes: ClassVar[Mapping[str, Change]]  # topic -> what it means for the product

    @classmethod
    def from_http(cls, headers: Mapping[str, str] | Iterable[tuple[str, str]], body: bytes) -> Self:
        return cls(_lowered(headers), body)

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "").strip()

    def verifies(self, secret: str, now: datetime) -> bool:
        """Whether the delivery was signed with `secret` (checked before anything reads the body)."""
        raise NotImplementedError

    def event(self) -> ProductEvent:
        """The event of an authentic delivery; MalformedDelivery when it cannot be read."""
        raise NotImplementedError

    def for_store(self, verified: Sequence[Receiver]) -> list[Receiver]:
        """Of the receivers whose secret verified this delivery, those whose store it is about
        (the body may be read: it is authentic)."""
        raise NotImplementedError

    def describe(self) -> str:
        """For logs: where it claims to come from and what about, never a secret or signature."""
        raise NotImplementedError

    def verified_by(self, receivers: Iterable[Receiver], now: datetime) -> list[Receiver]:
        """The receivers one of whose secrets signed this delivery."""
        return [r for r in receivers if any(self.verifies(secret, now) for secret in r.secrets)]


class ShopifyDelivery(Delivery):
    platform = Platform.SHOPIFY
    changes: ClassVar[Mapping[str, Change]] = {
        "products/create": Change.CHANGED,
        "products/update": Change.CHANGED,
        "products/delete": Change.DELETED,
    }

    def verifies(self, secret: str, now: datetime) -> bool:
        presented = self.header("X-Shopify-Hmac-Sha256")
        return bool(presented) and _matches(_hmac_sha256_base64(secret, self.body), presented)

    def event(self) -> ProductEvent:
        event_id = self.header("X-Shopify-Event-Id") or self.header("X-Shopify-Webhook-Id")
        if not event_id:
            raise MalformedDelivery("neither X-Shopify-Event-Id nor X-Shopify-Webhook-Id is set")
        topic = self.header("X-Shopify-Topic")
        change = self.changes.get(topic)
        if change is None:
            return ProductEvent(event_id, topic)
        return ProductEvent(event_id, topic, change, _product_id(_json_object(self.body).get("id"), "id"))

    def for_store(self, verified: Sequence[Receiver]) -> list[Receiver]:
        # One app's secret may serve several shops: prefer the connections at the shop's own
        # address; a shop connected by another domain (a custom one) is matched by its secret alone.
        shop = self.header("X-Shopify-Shop-Domain").lower()
        at_shop = [receiver for receiver in verified if shop and receiver.host == shop]
        return at_shop or list(verified)

    def describe(self) -> str:
        shop, topic = self.header("X-Shopify-Shop-Domain"), self.header("X-Shopify-Topic")
        return f"shop {shop or '?'}, topic {topic or '?'}"


class BigCommerceDelivery(Delivery):
    platform = Platform.BIGCOMMERCE
    # The product and SKU scopes (docs/integrations/webhooks/events/index.mdx in bigcommerce/docs):
    # a SKU's change, or its stock's, is a change of its product.
    changes: ClassVar[Mapping[str, Change]] = {
        "store/product/created": Change.CHANGED,
        "store/product/updated": Change.CHANGED,
        "store/product/deleted": Change.DELETED,
        "store/product/inventory/updated": Change.CHANGED,
        "store/product/inventory/order/updated": Change.CHANGED,
        "store/sku/created": Change.CHANGED,
        "store/sku/updated": Change.CHANGED,
        "store/sku/deleted": Change.CHANGED,
        "store/sku/inventory/updated": Change.CHANGED,
        "store/sku/inventory/order/updated": Change.CHANGED,
    }

    def verifies(self, secret: str, now: datetime) -> bool:
        message_id, timestamp = self.header("webhook-id"), self.header("webhook-timestamp")
        # Neither may hold the "." that separates the signed parts, or one signature would fit
        # another split of the same bytes.
        if not message_id or "." in message_id or not timestamp.isdigit():
            return False
        if abs(now.timestamp() - int(timestamp)) > TIMESTAMP_TOLERANCE_S:
            return False
        expected = _hmac_sha256_base64(secret, f"{message_id}.{timestamp}.".encode() + self.body)
        # A space-separated list, so a sender can sign with an old and a new secret at once.
        entries = (item.partition(",") for item in self.header("webhook-signature").split())
        presented = [signature for version, _, signature in entries if version == "v1"]
        return any(_matches(expected, signature) for signature in presented)

    def event(self) -> ProductEvent:
        payload = _json_object(self.body)
        event_id = str(payload.get("hash") or "") or self.header("webhook-id")
        topic = str(payload.get("scope") or "")
        change = self.changes.get(topic)
        if change is None:
            return ProductEvent(event_id, topic)
        data = payload.get("data")
        if not isinstance(data, dict):
            raise MalformedDelivery("the body has no data object")
        if topic.startswith("store/product/"):
            product_id = _product_id(data.get("id"), "data.id")
        else:  # a SKU names its product in `sku`, or in `inventory` for a stock change
            owner = data.get("sku") or data.get("inventory")
            named = owner.get("product_id") if isinstance(owner, dict) else None
            product_id = _product_id(named, "data.sku.product_id")
        return ProductEvent(event_id, topic, change, product_id)

    def store_hash(self) -> str:
        """The store from `producer` ("stores/{store_hash}"); read only once the delivery verified."""
        producer = _json_object(self.body).get("producer")
        prefix, _, store_hash = producer.partition("/") if isinstance(producer, str) else ("", "", "")
        if prefix != "stores" or not store_hash:
            raise MalformedDelivery("producer is not 'stores/{store_hash}'")
        return store_hash

    def for_store(self, verified: Sequence[Receiver]) -> list[Receiver]:
        store_hash = self.store_hash()
        return [receiver for receiver in verified if receiver.store_hash == store_hash]

    def describe(self) -> str:
        # The store is in the body, which is not read before the signature verifies.
        return f"BigCommerce delivery {self.header('webhook-id') or '?'}"
