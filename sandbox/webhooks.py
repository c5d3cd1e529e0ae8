"""Webhooks the source stores send when their catalog changes: what Shopify and BigCommerce share.

A platform module (shopify/webhooks.py, bigcommerce/hooks.py) declares the subscription object, the
topics, the payloads and how a delivery is signed; this module keeps the subscriptions and turns each
catalog change into messages for the subscriptions that match it, which an `Outbox` (outbox.py)
delivers from a background thread: a control route that changes the catalog never waits for a
receiver. When every try of a delivery fails, the platform gives up on the subscription
(`Subscriptions.exhausted`: Shopify removes it, BigCommerce deactivates it).

Control routes (every source store with webhooks):

    GET  /_sandbox/webhooks          {"subscriptions", "pending", "deliveries": [...]}, oldest first
    POST /_sandbox/webhooks/secret   rotate the signing secret: {"secret": optional new value,
                                     "stale_next": N deliveries still signed with the old one}

Faults (`POST /_sandbox/faults`, `--fault STORE:NAME=VALUE`):

    webhook_duplicate_next=N      each of the next N messages is delivered twice (same ids, same body),
                                  as both platforms warn can happen
    webhook_bad_signature_next=N  each of the next N messages is preceded by a forged copy: same
                                  headers and body, signed with a wrong key, sent once, never retried

Sandbox relaxation: besides the https destinations the platforms require, plain http to a loopback
address is accepted, because that is where tests listen.
"""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Callable
from typing import Any, Protocol
from urllib.parse import urlsplit

from sandbox.catalog import Catalog, Product
from sandbox.control import control_error, json_object
from sandbox.faults import Faults
from sandbox.http import Request, Response, Route, json_response, route
from sandbox.outbox import DeliveryState, Event, Message, Outbox, Signer, SigningSecret


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def destination_problem(url: str, https_port: int | None = None) -> str | None:
    """Why `url` cannot receive webhooks, or None when it can.

    https is what the platforms deliver to (BigCommerce only on port 443: `https_port`); plain http
    to a loopback address is the sandbox's relaxation, and a loopback https may use any port.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "is not a URL"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "is not an http(s) URL"
    if is_loopback(parts.hostname):
        return None
    if parts.scheme != "https":
        return "must use https"
    if https_port is not None and port not in (None, https_port):
        return f"must be served on port {https_port}"
    return None


class CatalogStore(Protocol):
    """What the subscriptions need of the store that owns them."""

    catalog: Catalog
    faults: Faults

    def key_for_id(self, product_id: Any) -> int | None: ...


class Subscriptions:
    """One store's webhook subscriptions, kept as the platform's own JSON objects, and their outbox.

    Subclasses declare the object's keys, the events a product change raises and the messages they
    become, and what happens to a subscription whose deliveries keep failing.
    """

    topic_key = "topic"
    destination_key = "address"
    first_id = 1

    def __init__(self, store: CatalogStore, secret: Callable[[int], str], sign: Signer) -> None:
        self.store = store
        self.secret = SigningSecret(secret)
        self.outbox = Outbox(sign, self.secret, self._is_live, self.exhausted)
        self._lock = threading.RLock()
        self._items: dict[int, dict[str, Any]] = {}
        self._next_id = self.first_id
        self.version = 0  # bumped on every change, so --state-dir saves them
        # The product records as the last change left them, to tell what each change changed;
        # kept only while someone is subscribed.
        self._known: dict[int, Product] | None = None

    # -- what a platform declares --------------------------------------------------------------
    def events(self, old: Product | None, new: Product | None) -> list[Event]:
        """The events one product's change raises (`old` None: created; `new` None: deleted)."""
        raise NotImplementedError

    def message(self, event: Event, subscription: dict[str, Any]) -> Message:
        raise NotImplementedError

    def exhausted(self, subscription_id: int) -> None:
        """Every try of a delivery failed: what the platform does to the subscription."""
        raise NotImplementedError

    def matches(self, subscribed: str, topic: str) -> bool:
        return subscribed == topic

    def is_active(self, subscription: dict[str, Any]) -> bool:
        return True

    # -- the subscriptions ---------------------------------------------------------------------
    def all(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(item) for _, item in sorted(self._items.items())]

    def get(self, subscription_id: int) -> dict[str, Any] | None:
        with self._lock:
            found = self._items.get(subscription_id)
            return dict(found) if found is not None else None

    def add(self, build: Callable[[int], dict[str, Any]]) -> dict[str, Any]:
        """Store the object `build(new_id)` returns."""
        with self._lock:
            subscription = build(self._next_id)
            self._items[self._next_id] = subscription
            self._next_id += 1
            if self._known is None:
                self._known = {product.key: product for product in self.store.catalog.products()}
            self.version += 1
            return dict(subscription)

    def change(self, subscription_id: int, changes: dict[str, Any]) -> dict[str, Any] | None:
        with self._lock:
            found = self._items.get(subscription_id)
            if found is None:
                return None
            found.update(changes)
            self.version += 1
            return dict(found)

    def remove(self, subscription_id: int) -> dict[str, Any] | None:
        with self._lock:
            removed = self._items.pop(subscription_id, None)
            if removed is not None:
                self.version += 1
            return removed

    def taken(self, topic: str, destination: str, besides: int | None = None) -> bool:
        """Whether another subscription has this topic and destination."""
        with self._lock:
            return any(
                item[self.topic_key] == topic and item[self.destination_key] == destination
                for number, item in self._items.items()
                if number != besides
            )

    def _is_live(self, subscription_id: int) -> bool:
        found = self.get(subscription_id)
        return found is not None and self.is_active(found)

    # -- catalog changes -----------------------------------------------------------------------
    def on_change(self, kind: str, product_ids: list[Any]) -> None:
        """The catalog listener: the events of every changed product, to every matching subscription."""
        with self._lock:
            if not self._items or self._known is None:
                self._known = None
                return
            events: list[Event] = []
            for product_id in product_ids:
                key = self.store.key_for_id(product_id)
                if key is None:
                    continue
                old, new = self._known.get(key), self.store.catalog.get(key)
                if new is None:
                    self._known.pop(key, None)
                else:
                    self._known[key] = new
                if old is not new:
                    events += self.events(old, new)
            subscriptions = [item for _, item in sorted(self._items.items()) if self.is_active(item)]
            messages = [
                self.message(event, dict(subscription))
                for event in events
                for subscription in subscriptions
                if self.matches(subscription[self.topic_key], event.topic)
            ]
        self.outbox.post(messages, self.store.faults)

    # -- state ---------------------------------------------------------------------------------
    def dump(self) -> dict[str, Any]:
        with self._lock:
            return {"next_id": self._next_id, "items": self.all(), "secret": self.secret.dump()}

    def load(self, state: dict[str, Any] | None) -> None:
        with self._lock:
            self._clear()
            if not state:
                return
            self._items = {int(item["id"]): dict(item) for item in state.get("items", [])}
            self._next_id = int(state.get("next_id", self.first_id))
            self.secret.load(state["secret"])
            if self._items:
                self._known = {product.key: product for product in self.store.catalog.products()}

    def reset(self) -> None:
        with self._lock:
            self._clear()
            self.version += 1

    def _clear(self) -> None:
        self._items = {}
        self._next_id = self.first_id
        self._known = None
        self.secret.reset()
        self.outbox.clear()

    def close(self) -> None:
        self.outbox.close()

    # -- control -------------------------------------------------------------------------------
    def control_routes(self) -> list[Route]:
        return [
            route("GET", "/_sandbox/webhooks", self._deliveries),
            route("POST", "/_sandbox/webhooks/secret", self._rotate),
        ]

    def _deliveries(self, request: Request) -> Response:
        deliveries = self.outbox.deliveries()
        return json_response(
            {
                "subscriptions": len(self.all()),
                "pending": sum(1 for item in deliveries if item["state"] == DeliveryState.PENDING.value),
                "deliveries": deliveries,
            }
        )

    def _rotate(self, request: Request) -> Response:
        body = json_object(request)
        new, stale_next = body.get("secret"), body.get("stale_next", 0)
        if new is not None and (not isinstance(new, str) or not new):
            raise control_error(400, "'secret' must be a non-empty string")
        if not isinstance(stale_next, int) or stale_next < 0:
            raise control_error(400, "'stale_next' must be a whole number of deliveries")
        with self._lock:
            previous = self.secret.current
            current = self.secret.rotate(new, stale_next)
            self.version += 1
        return json_response({"client_secret": current, "previous": previous})
