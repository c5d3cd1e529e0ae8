"""Shopify's webhook subscriptions over the Admin REST API, and the deliveries they get.

    GET    /admin/api/{version}/webhooks.json           address, topic, since_id, limit, fields, page_info
    POST   /admin/api/{version}/webhooks.json           {"webhook": {"topic", "address", "format", "fields"}}
    GET    /admin/api/{version}/webhooks/count.json     address, topic
    GET    /admin/api/{version}/webhooks/{id}.json
    PUT    /admin/api/{version}/webhooks/{id}.json      {"webhook": {...}}: address, topic, format, fields
    DELETE /admin/api/{version}/webhooks/{id}.json      200 {}

Objects, requests and answers have the shapes of the vendor's generated examples
(Shopify/shopify-api-ruby test/rest/2025_07/webhook_test.rb, copied to tests/samples/shopify/webhooks).
Validation errors are 422 `{"errors": {field: [messages]}}` in Shopify's words: an unknown topic is
"Invalid topic specified. Topics allowed: ..." naming the topics the app's scopes allow (as recorded
from a live shop in discolabs/disco_app test/vcr/webhook_failure.yml), a second subscription to a
topic at the same address is "for this topic has already been taken", a missing field "can't be
blank", an address that cannot receive "is invalid" (Shopify wants a public https URL; the sandbox
also takes loopback ones, see sandbox/webhooks.py).

A delivery (https://shopify.dev/docs/apps/build/webhooks/delivery-structure) is a POST whose body
is the topic's REST resource: products/create and products/update send the product exactly as
products/{id}.json renders it (rest.product), trimmed to the subscription's `fields`;
products/delete sends `{"id": ...}`. Headers: X-Shopify-Topic, X-Shopify-Hmac-Sha256 (base64
HMAC-SHA256 of the raw body keyed with the app's client secret,
https://shopify.dev/docs/apps/build/webhooks/verify-deliveries), X-Shopify-Shop-Domain,
X-Shopify-API-Version (the subscription's), X-Shopify-Webhook-Id, X-Shopify-Event-Id and
X-Shopify-Triggered-At. Shopify's pages differ on which id marks a duplicate (X-Shopify-Event-Id in
https://shopify.dev/docs/apps/build/webhooks/ignore-duplicates, X-Shopify-Webhook-Id in
verify-deliveries), so both stay the same on a retry and on a duplicate: the event id is one per
change and topic, the webhook id one per change, topic and subscription.

The same subscriptions are reachable over GraphQL (graphql_webhooks.py).

After every try of a delivery fails the subscription is deleted, as Shopify deletes subscriptions
made through the Admin API when failures persist past its retries
(https://shopify.dev/docs/apps/build/webhooks/troubleshooting-webhooks).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sandbox.catalog import Product
from sandbox.http import HttpError, Request, Response, Route, dumps, json_response, route
from sandbox.outbox import Event, Message, hmac_sha256_base64, once
from sandbox.shopify import ids, rest
from sandbox.shopify.paging import Listing, fields, trim
from sandbox.webhooks import CatalogStore, Subscriptions, destination_problem

# Ids of subscriptions: in the range the vendor examples show (4759306 ... 6883828554).
FIRST_ID = 6_883_830_000
SHOP_DOMAIN = "ferry-sandbox.myshopify.com"
# The topics an app with this store's scopes (read_products, read_inventory, read_locations) may
# subscribe to; only the products/* ones are ever sent, since only products change here.
TOPICS = (
    "app/uninstalled",
    "collections/create",
    "collections/delete",
    "collections/update",
    "inventory_items/create",
    "inventory_items/delete",
    "inventory_items/update",
    "inventory_levels/connect",
    "inventory_levels/disconnect",
    "inventory_levels/update",
    "locations/create",
    "locations/delete",
    "locations/update",
    "products/create",
    "products/delete",
    "products/update",
    "shop/update",
)
# XML deliveries are something Shopify offers and the sandbox does not.
FORMATS = ("json",)
MISSING_ROOT = {"webhook": "Required parameter missing or invalid"}
BLANK = "can't be blank"
TAKEN = "for this topic has already been taken"
DEFAULTS = {"topic": None, "address": None, "format": "json", "fields": []}
Errors = dict[str, list[str]]  # field -> Shopify's messages for it


def _equals(name: str) -> Callable[[str], Callable[[dict[str, Any]], bool]]:
    return lambda raw: lambda item: item[name] == raw


LISTING: Listing[dict[str, Any]] = Listing(
    id_of=lambda item: item["id"], filters={"address": _equals("address"), "topic": _equals("topic")}
)


def sign(message: Message, body: bytes, key: bytes, moment: datetime) -> dict[str, str]:
    return {"X-Shopify-Hmac-Sha256": hmac_sha256_base64(key, body)}


def _topic(old: Product | None, new: Product | None) -> str:
    if old is None:
        return "products/create"
    return "products/delete" if new is None else "products/update"


class ShopifyWebhooks(Subscriptions):
    first_id = FIRST_ID

    def __init__(
        self, store: CatalogStore, secret: Callable[[int], str], version_of: Callable[[Request], str]
    ) -> None:
        super().__init__(store, secret, sign)
        self.version_of = version_of

    # -- what the platform declares ------------------------------------------------------------
    def events(self, old: Product | None, new: Product | None) -> list[Event]:
        product = new or old
        assert product is not None
        if new is None:
            payload = once(lambda: {"id": ids.product_id(product.key)})
        else:
            payload = once(lambda: rest.product(new))
        return [Event(_topic(old, new), str(uuid.uuid4()), datetime.now(UTC), payload)]

    def message(self, event: Event, subscription: dict[str, Any]) -> Message:
        webhook_id = str(uuid.uuid4())
        names = subscription["fields"] or None
        return Message(
            event=event,
            subscription_id=subscription["id"],
            destination=subscription["address"],
            webhook_id=webhook_id,
            headers={
                "X-Shopify-Topic": event.topic,
                "X-Shopify-Shop-Domain": SHOP_DOMAIN,
                "X-Shopify-API-Version": subscription["api_version"],
                "X-Shopify-Webhook-Id": webhook_id,
                "X-Shopify-Event-Id": event.event_id,
                "X-Shopify-Triggered-At": event.triggered_at.isoformat().replace("+00:00", "Z"),
            },
            body=once(lambda: dumps(trim(event.payload(), names))),
        )

    def exhausted(self, subscription_id: int) -> None:
        self.remove(subscription_id)

    # -- the REST routes -------------------------------------------------------------------------
    def routes(
        self, api: str, gate: Callable[[Callable[[Request], Response]], Callable[[Request], Response]]
    ) -> list[Route]:
        one = api + r"/webhooks/(?P<webhook_id>\d+)\.json"
        return [
            route("GET", api + r"/webhooks\.json", gate(self._list), "webhooks"),
            route("POST", api + r"/webhooks\.json", gate(self._create), "webhooks/create"),
            route("GET", api + r"/webhooks/count\.json", gate(self._count), "webhooks/count"),
            route("GET", one, gate(self._get), "webhook"),
            route("PUT", one, gate(self._update), "webhook/update"),
            route("DELETE", one, gate(self._delete), "webhook/delete"),
        ]

    def _list(self, request: Request) -> Response:
        page = LISTING.page(request, lambda order: self.all())
        return json_response(
            {"webhooks": [trim(item, page.fields) for item in page.items]}, headers=page.headers
        )

    def _count(self, request: Request) -> Response:
        return json_response({"count": LISTING.count(request, self.all())})

    def _found(self, request: Request) -> dict[str, Any]:
        found = self.get(int(request.params["webhook_id"]))
        if found is None:
            raise HttpError(json_response({"errors": "Not Found"}, status=404))
        return found

    def _get(self, request: Request) -> Response:
        return json_response({"webhook": trim(self._found(request), fields(request))})

    def subscribe(self, given: dict[str, Any], api_version: str) -> tuple[dict[str, Any] | None, Errors]:
        """A new subscription from the fields `given` (REST names), or the errors that refuse it."""
        values, errors = self._checked(given, DEFAULTS)
        if errors:
            return None, errors
        now = rest.timestamp(datetime.now(UTC))
        created = self.add(
            lambda number: {
                "id": number,
                "address": values["address"],
                "topic": values["topic"],
                "created_at": now,
                "updated_at": now,
                "format": values["format"],
                "fields": values["fields"],
                "metafield_namespaces": [],
                "api_version": api_version,
                "private_metafield_namespaces": [],
            }
        )
        return created, {}

    def _checked(
        self, given: dict[str, Any], base: dict[str, Any], besides: int | None = None
    ) -> tuple[dict[str, Any], Errors]:
        values, errors = _validated(given, base)
        if not errors and self.taken(values["topic"], values["address"], besides):
            errors = {"address": [TAKEN]}
        return values, errors

    def _create(self, request: Request) -> Response:
        created, errors = self.subscribe(_webhook(request), self.version_of(request))
        if errors:
            raise _invalid(errors)
        return json_response({"webhook": created}, status=201)

    def _update(self, request: Request) -> Response:
        current = self._found(request)
        values, errors = self._checked(_webhook(request), current, besides=current["id"])
        if errors:
            raise _invalid(errors)
        changed = self.change(current["id"], {**values, "updated_at": rest.timestamp(datetime.now(UTC))})
        if changed is None:  # deleted meanwhile
            raise HttpError(json_response({"errors": "Not Found"}, status=404))
        return json_response({"webhook": changed})

    def _delete(self, request: Request) -> Response:
        self.remove(self._found(request)["id"])
        return json_response({})


def _webhook(request: Request) -> dict[str, Any]:
    body = request.json()
    given = body.get("webhook") if isinstance(body, dict) else None
    if not isinstance(given, dict):
        raise HttpError(json_response({"errors": MISSING_ROOT}, status=400))
    return given


def _invalid(errors: Errors) -> HttpError:
    return HttpError(json_response({"errors": errors}, status=422))


def _validated(given: dict[str, Any], base: dict[str, Any]) -> tuple[dict[str, Any], Errors]:
    """`base`'s topic, address, format and fields overridden by `given`, and the messages for
    each field that is wrong (none when all is well)."""
    values = {name: given.get(name, base[name]) for name in ("topic", "address", "format", "fields")}
    errors: Errors = {}
    topic, address = values["topic"], values["address"]
    if not topic:
        errors["topic"] = [BLANK]
    elif topic not in TOPICS:
        errors["topic"] = [f"Invalid topic specified. Topics allowed: {', '.join(TOPICS)}"]
    if not address:
        errors["address"] = [BLANK]
    elif not isinstance(address, str) or destination_problem(address) is not None:
        errors["address"] = ["is invalid"]
    if values["format"] not in FORMATS:
        errors["format"] = ["is not included in the list"]
    names = values["fields"] or []
    if isinstance(names, list) and all(isinstance(name, str) for name in names):
        values["fields"] = list(names)  # its own list, never the default's
    else:
        errors["fields"] = ["is invalid"]
    return values, errors
