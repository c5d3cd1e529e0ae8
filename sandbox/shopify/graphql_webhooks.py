"""Webhook subscriptions over the Admin GraphQL API: the same subscriptions as REST's webhooks.json.

    mutation webhookSubscriptionCreate(topic: PRODUCTS_UPDATE, webhookSubscription: {uri, format,
             includeFields})   -> {webhookSubscription, userErrors}
    mutation webhookSubscriptionDelete(id)  -> {deletedWebhookSubscriptionId, userErrors}
    query    webhookSubscription(id), webhookSubscriptions(first/after/..., topics, uri)

Topics are the REST ones in enum form (products/update <-> PRODUCTS_UPDATE), addresses come in
`uri` (or the deprecated `callbackUrl`), and REST's validation messages become userErrors the way
apps see them: `{"field": ["webhookSubscription", "callbackUrl"], "message": "Address for this topic
has already been taken"}` (as integrations record it, e.g. Shopify/shopify-api-js#194 for "Address
is invalid"). https://shopify.dev/docs/api/admin-graphql/latest/mutations/webhookSubscriptionCreate
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sandbox.http import Request
from sandbox.shopify import ids
from sandbox.shopify.graphql_catalog import datetime_text
from sandbox.shopify.graphql_errors import parse_gid
from sandbox.shopify.graphql_paging import listed
from sandbox.shopify.webhooks import Errors, ShopifyWebhooks

# Where REST's fields live in the mutation's arguments.
FIELD_PATHS = {
    "topic": ["topic"],
    "address": ["webhookSubscription", "callbackUrl"],
    "format": ["webhookSubscription", "format"],
    "fields": ["webhookSubscription", "includeFields"],
}
KIND = "WebhookSubscription"


def topic_enum(topic: str) -> str:
    return topic.upper().replace("/", "_")


def rest_topic(enum: str) -> str:
    resource, _, action = enum.lower().rpartition("_")
    return f"{resource}/{action}"


def user_errors(errors: Errors) -> list[dict[str, Any]]:
    """REST's `{field: [messages]}` as userErrors, each message a sentence ("Address is invalid")."""
    found = []
    for field, messages in errors.items():
        for message in messages:
            text = message if message[:1].isupper() else f"{field.capitalize()} {message}"
            found.append({"field": FIELD_PATHS[field], "message": text})
    return found


class WebhookGraphQL:
    """The root fields the GraphQL executor merges into its root value."""

    def __init__(self, webhooks: ShopifyWebhooks) -> None:
        self.webhooks = webhooks

    def root(self, request: Request) -> dict[str, Any]:
        version = self.webhooks.version_of(request)
        return {
            "webhookSubscriptionCreate": lambda **args: self.create(version, **args),
            "webhookSubscriptionDelete": self.delete,
            "webhookSubscription": lambda id: self._node(self._number(id)),
            "webhookSubscriptions": self.connection,
        }

    def create(self, api_version: str, topic: str, webhookSubscription: dict[str, Any]) -> dict[str, Any]:
        given = webhookSubscription
        created, errors = self.webhooks.subscribe(
            {
                "topic": rest_topic(topic),
                "address": given.get("uri") or given.get("callbackUrl"),
                "format": str(given.get("format") or "JSON").lower(),
                "fields": given.get("includeFields") or [],
            },
            api_version,
        )
        return {
            "webhookSubscription": None if created is None else node(created),
            "userErrors": user_errors(errors),
        }

    def delete(self, id: str) -> dict[str, Any]:
        number = self._number(id)
        if number is None or self.webhooks.remove(number) is None:
            return {
                "deletedWebhookSubscriptionId": None,
                "userErrors": [{"field": ["id"], "message": "Webhook subscription does not exist"}],
            }
        return {"deletedWebhookSubscriptionId": ids.gid(KIND, number), "userErrors": []}

    def connection(self, **args: Any) -> Any:
        topics = {rest_topic(topic) for topic in args.pop("topics", None) or ()}
        address = args.pop("uri", None) or args.pop("callbackUrl", None)
        for unused in ("format", "query", "sortKey"):
            args.pop(unused, None)
        kept = [
            item
            for item in self.webhooks.all()
            if (not topics or item["topic"] in topics) and (address is None or item["address"] == address)
        ]
        return listed(kept, lambda item: item["id"], node)(**args)

    @staticmethod
    def _number(gid: str) -> int | None:
        kind, number = parse_gid(gid)
        return number if kind == KIND else None

    def _node(self, number: int | None) -> dict[str, Any] | None:
        found = None if number is None else self.webhooks.get(number)
        return None if found is None else node(found)


def node(subscription: dict[str, Any]) -> dict[str, Any]:
    number, address, version = subscription["id"], subscription["address"], subscription["api_version"]
    return {
        "__typename": KIND,
        "id": ids.gid(KIND, number),
        "legacyResourceId": number,
        "topic": topic_enum(subscription["topic"]),
        "uri": address,
        "callbackUrl": address,
        "endpoint": {"__typename": "WebhookHttpEndpoint", "callbackUrl": address},
        "format": subscription["format"].upper(),
        "includeFields": subscription["fields"],
        "metafieldNamespaces": subscription["metafield_namespaces"],
        "metafields": [],
        "filter": None,
        "createdAt": datetime_text(datetime.fromisoformat(subscription["created_at"])),
        "updatedAt": datetime_text(datetime.fromisoformat(subscription["updated_at"])),
        "apiVersion": {"handle": version, "displayName": version, "supported": True},
    }
