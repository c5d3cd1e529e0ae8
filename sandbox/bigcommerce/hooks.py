"""BigCommerce's webhooks: the v3 hooks API and the deliveries the catalog's changes cause.

    GET    /stores/{hash}/v3/hooks        page, limit, is_active, scope, destination
    POST   /stores/{hash}/v3/hooks        {"scope", "destination", "is_active", "headers"}
    GET    /stores/{hash}/v3/hooks/{id}
    PUT    /stores/{hash}/v3/hooks/{id}   any of the four
    DELETE /stores/{hash}/v3/hooks/{id}   answers the deleted hook

Shapes from the official spec, bigcommerce/docs reference/webhooks.v3.yml (examples copied to
tests/samples/bigcommerce/webhooks): a hook is `{id, client_id, store_hash, scope, destination,
headers, is_active, created_at, updated_at}` (Unix seconds) inside `{"data", "meta"}`; a missing
field is 422 "JSON data is missing or invalid" with `errors: {field: "error.path.missing."}` (the
spec's example; the keys are those of the JSON validator BigCommerce's gateway uses, so a value of
the wrong type gets "error.expected.jsboolean" and its kin); an unknown id is 404 "Webhook with id
[{id}] not found". The destination "must be served on port 443 (custom ports are not currently
supported)"; the sandbox also takes loopback addresses (sandbox/webhooks.py). Documented platform
limits: "Only one webhook is allowed per unique combination of store_id + client_id + scope +
destination" and at most 10 per scope (docs/integrations/webhooks/overview.mdx); the wording of
those errors, and of an unknown scope, is the sandbox's own. Only catalog scopes are accepted,
since nothing else happens in this store.

Deliveries (docs/integrations/webhooks/events/index.mdx) are the light payload
`{scope, store_id, data, hash, created_at, producer}`: `data` names the product or SKU and nothing
more, `hash` is "The SHA-1 hash of the JSON-encoded payload data. Ensures users can detect duplicate
events" (here of the payload without it, so the same event keeps its hash on a retry and two
events differ unless they touch the same record in the same second). Each carries the hook's
custom `headers`, and is signed as https-webhook-overview.mdx describes: Standard Webhooks
(https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md),
`webhook-id`, `webhook-timestamp` and `webhook-signature: v1,<base64 HMAC-SHA256 of
"{id}.{timestamp}.{body}">` keyed with the app's client secret (BigCommerce's sample gives the
library base64(client secret), which the library decodes: the key is the secret's bytes).

Which scopes a change raises follows BigCommerce's split between a product and its variants (see
tracking.py): a product added or deleted is `store/product/created` or `deleted`, with
`store/sku/created` or `deleted` for each of its variants; a change to a product-level field is
`store/product/updated`; a variant's own price or SKU is `store/sku/updated`; stock tracked on the
product is `store/product/inventory/updated`, stock tracked per variant
`store/sku/inventory/updated`, with `method: "absolute"` (set "using the API or the control panel")
and `value` "the number of items that the inventory changed by".

When every try of a delivery fails, the hook is deactivated (`is_active: false`), as BigCommerce
does after its last retry; setting `is_active` back to true revives it.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from sandbox.bigcommerce import ids
from sandbox.bigcommerce.errors import v3_error
from sandbox.bigcommerce.render import inventory_tracking, stock
from sandbox.bigcommerce.tracking import product_level
from sandbox.catalog import Product, Variant
from sandbox.http import HttpError, MalformedBody, Request, Response, Route, dumps, json_response, route
from sandbox.outbox import Event, Message, hmac_sha256_base64, once
from sandbox.webhooks import CatalogStore, Subscriptions, destination_problem

FIRST_ID = 20_172_984  # the overview's example hook id
SCOPES = (
    "store/product/*",
    "store/product/created",
    "store/product/updated",
    "store/product/deleted",
    "store/product/inventory/updated",
    "store/product/inventory/order/updated",
    "store/sku/*",
    "store/sku/created",
    "store/sku/updated",
    "store/sku/deleted",
    "store/sku/inventory/updated",
    "store/sku/inventory/order/updated",
)
HOOKS_PER_SCOPE = 10
INVALID = "JSON data is missing or invalid"
MISSING = "error.path.missing."
EXPECTED = {bool: "error.expected.jsboolean", str: "error.expected.jsstring", dict: "error.expected.jsobject"}
HOOK_KEYS = ("scope", "destination", "is_active", "headers")


def sign(message: Message, body: bytes, key: bytes, moment: datetime) -> dict[str, str]:
    timestamp = str(int(moment.timestamp()))
    signed = f"{message.webhook_id}.{timestamp}.".encode() + body
    return {
        "webhook-id": message.webhook_id,
        "webhook-timestamp": timestamp,
        "webhook-signature": f"v1,{hmac_sha256_base64(key, signed)}",
    }


def _sku(variant: Variant) -> Variant:
    """The variant without its stock: what `store/sku/updated` is about."""
    return replace(variant, inventory_quantity=0)


def _sku_data(product_id: int, variant: Variant) -> dict[str, Any]:
    """`data` of store/sku/created, updated and deleted."""
    variant_id = ids.variant_id(variant.key)
    return {"type": "sku", "id": variant_id, "sku": {"product_id": product_id, "variant_id": variant_id}}


class BigCommerceHooks(Subscriptions):
    topic_key = "scope"
    destination_key = "destination"
    first_id = FIRST_ID

    def __init__(
        self, store: CatalogStore, store_hash: str, client_id: str, secret: Callable[[int], str]
    ) -> None:
        super().__init__(store, secret, sign)
        self.store_hash = store_hash
        self.client_id = client_id

    # -- what the platform declares ------------------------------------------------------------
    def matches(self, subscribed: str, topic: str) -> bool:
        # "store/product/* Fires for all store/product events."
        if subscribed.endswith("/*"):
            return topic.startswith(subscribed[:-1])
        return subscribed == topic

    def is_active(self, subscription: dict[str, Any]) -> bool:
        return bool(subscription["is_active"])

    def exhausted(self, subscription_id: int) -> None:
        self.change(subscription_id, {"is_active": False, "updated_at": int(time.time())})

    def events(self, old: Product | None, new: Product | None) -> list[Event]:
        moment = datetime.now(UTC)
        product = new or old
        assert product is not None
        product_id = ids.product_id(product.key)
        if old is None or new is None:
            # A product with variants brings its SKUs with it, and takes them when it goes.
            word = "created" if old is None else "deleted"
            found = [self._event(f"store/product/{word}", {"type": "product", "id": product_id}, moment)]
            skus = () if product.is_simple else product.variants
            found += [self._event(f"store/sku/{word}", _sku_data(product_id, v), moment) for v in skus]
            return found
        found = []
        if product_level(old) != product_level(new):
            found.append(self._event("store/product/updated", {"type": "product", "id": product_id}, moment))
        tracking = inventory_tracking(new)
        before = {variant.key: variant for variant in old.variants}
        for variant in new.variants:
            previous = before.get(variant.key)
            if previous is None:
                continue
            change = stock(variant) - stock(previous)
            inventory = {"product_id": product_id, "method": "absolute", "value": change}
            if tracking == "product" and change:
                data = {"type": "product", "id": product_id, "inventory": inventory}
                found.append(self._event("store/product/inventory/updated", data, moment))
            if new.is_simple:
                continue
            variant_id = ids.variant_id(variant.key)
            if _sku(variant) != _sku(previous):
                found.append(self._event("store/sku/updated", _sku_data(product_id, variant), moment))
            if tracking == "variant" and change:
                data = {"type": "sku", "id": variant_id, "inventory": {**inventory, "variant_id": variant_id}}
                found.append(self._event("store/sku/inventory/updated", data, moment))
        return found

    def _event(self, scope: str, data: dict[str, Any], moment: datetime) -> Event:
        store_id, created_at, producer = (
            str(ids.store_id(self.store_hash)),
            int(moment.timestamp()),
            f"stores/{self.store_hash}",
        )
        unsigned = {
            "scope": scope,
            "store_id": store_id,
            "data": data,
            "created_at": created_at,
            "producer": producer,
        }
        digest = hashlib.sha1(dumps(unsigned)).hexdigest()  # BigCommerce's choice of hash
        payload = {
            "scope": scope,
            "store_id": store_id,
            "data": data,
            "hash": digest,
            "created_at": created_at,
            "producer": producer,
        }
        return Event(scope, digest, moment, lambda: payload)

    def message(self, event: Event, subscription: dict[str, Any]) -> Message:
        return Message(
            event=event,
            subscription_id=subscription["id"],
            destination=subscription["destination"],
            webhook_id=f"msg_{uuid.uuid4().hex}",
            headers=dict(subscription["headers"] or {}),
            body=once(lambda: dumps(event.payload())),
        )

    # -- the REST routes -------------------------------------------------------------------------
    def routes(
        self,
        v3: str,
        gate: Callable[[Callable[[Request], Response]], Callable[[Request], Response]],
        listing: Callable[[Request, list[dict[str, Any]]], Response],
    ) -> list[Route]:
        one = v3 + r"/hooks/(?P<hook_id>\d+)"
        return [
            route("GET", v3 + "/hooks", gate(lambda request: listing(request, self.all())), "hooks"),
            route("POST", v3 + "/hooks", gate(self._create), "hooks/create"),
            route("GET", one, gate(self._get), "hook"),
            route("PUT", one, gate(self._update), "hook/update"),
            route("DELETE", one, gate(self._delete), "hook/delete"),
        ]

    def _found(self, request: Request) -> dict[str, Any]:
        number = int(request.params["hook_id"])
        found = self.get(number)
        if found is None:
            raise HttpError(v3_error(404, f"Webhook with id [{number}] not found"))
        return found

    def _get(self, request: Request) -> Response:
        return _one(self._found(request))

    def _create(self, request: Request) -> Response:
        values = self._validated(
            _body(request), {"scope": None, "destination": None, "is_active": True, "headers": None}
        )
        now = int(time.time())
        created = self.add(
            lambda number: {
                "id": number,
                "client_id": self.client_id,
                "store_hash": self.store_hash,
                **values,
                "created_at": now,
                "updated_at": now,
            }
        )
        return _one(created)

    def _update(self, request: Request) -> Response:
        current = self._found(request)
        values = self._validated(_body(request), current, besides=current["id"])
        changed = self.change(current["id"], {**values, "updated_at": int(time.time())})
        if changed is None:  # deleted meanwhile
            return self._get(request)
        return _one(changed)

    def _delete(self, request: Request) -> Response:
        found = self._found(request)
        self.remove(found["id"])
        return _one(found)

    def _validated(
        self, given: dict[str, Any], base: dict[str, Any], besides: int | None = None
    ) -> dict[str, Any]:
        values = {name: given.get(name, base[name]) for name in HOOK_KEYS}
        errors: dict[str, str] = {}
        for name, kind in (("scope", str), ("destination", str), ("is_active", bool)):
            if values[name] is None:
                errors[name] = MISSING
            elif not isinstance(values[name], kind):
                errors[name] = EXPECTED[kind]
        headers = values["headers"]
        if headers is not None and not (
            isinstance(headers, dict) and all(isinstance(v, str) for v in headers.values())
        ):
            errors["headers"] = EXPECTED[dict] if not isinstance(headers, dict) else EXPECTED[str]
        scope, destination = values["scope"], values["destination"]
        if "scope" not in errors and scope not in SCOPES:
            errors["scope"] = f"{scope} is not a catalog scope this store sends ({', '.join(SCOPES)})"
        if "destination" not in errors:
            problem = destination_problem(destination, https_port=443)
            if problem is not None:
                errors["destination"] = f"Destination {problem}"
        if not errors:
            if self.taken(scope, destination, besides):
                errors["destination"] = "A webhook with this scope and destination already exists"
            elif (
                sum(1 for item in self.all() if item["scope"] == scope and item["id"] != besides)
                >= HOOKS_PER_SCOPE
            ):
                errors["scope"] = f"At most {HOOKS_PER_SCOPE} webhooks per scope"
        if errors:
            raise HttpError(v3_error(422, INVALID, errors))
        return values


def _body(request: Request) -> dict[str, Any]:
    try:
        body = request.json()
    except MalformedBody as error:
        raise HttpError(v3_error(400, "Input is invalid.")) from error
    if not isinstance(body, dict):
        raise HttpError(v3_error(400, "Input is invalid."))
    return body


def _one(hook: dict[str, Any]) -> Response:
    return json_response({"data": hook, "meta": {}})
