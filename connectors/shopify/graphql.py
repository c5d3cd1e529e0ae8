"""The GraphQL Admin API reader, Ferry's default for Shopify: every product with all its variants
(REST stops at 100), its images, collections and metafields, paced by calculated query cost.

    POST /admin/api/{version}/graphql.json    {"query": "...", "variables": {...}}
    {"data": {"products": {"pageInfo": {"hasNextPage": true, "endCursor": "eyJ..."}, "nodes": [...]}},
     "extensions": {"cost": {"requestedQueryCost": 101, "actualQueryCost": 46, "throttleStatus":
        {"maximumAvailable": 1000.0, "currentlyAvailable": 954, "restoreRate": 50.0}}}}

Order: `sortKey: UPDATED_AT`, for full and incremental reads alike. The cursor is a keyset on
(updated_at, id), so resuming from a checkpoint continues exactly after the last product read; and
a product changed while a run is under way (or between a crash and the resume) moves ahead of the
cursor and is read again rather than left behind, so the highest `updated_at` a run saw is a safe
watermark for the next. (With ID order such a change would stay behind the cursor until the next
run.) Shopify also asks for the sort key that matches the search field ("try specifying a sort key
that matches the field used in the search", ProductSortKeys in the Admin schema;
https://shopify.dev/docs/api/usage/pagination-graphql#search-performance-considerations).

Cost: a query may not ask for more than 1,000 points, and runs only when the bucket holds its
requested cost (https://help.shopify.com/en/api/graphql-admin-api/call-limit). The page size is the
most products whose requested cost stays under 1,000 (PageSizer); a product with more variants,
images, collections or metafields than the listing asks for is completed by follow-up queries on
that product, so nothing is cut. Throttling answers HTTP 200 with `errors[].extensions.code ==
"THROTTLED"`; the pacer waits until the requested cost is back in the bucket, then the same query
is sent again.
"""

from __future__ import annotations

import logging
import math
import random
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    parse,
)

from connectors.base import Page
from connectors.errors import AuthError, FatalError, MalformedPayloadError, RetriableError
from connectors.model import Product
from connectors.pacing import RestoringBucket
from connectors.pagination import CursorPaginator, RawPage, Token
from connectors.shopify.mapping import MappingError, product_from_graphql
from connectors.shopify.reader import Reader, ShopFacts, page_of, utc_iso

log = logging.getLogger(__name__)

PATH = "admin/api/{version}/graphql.json"
SORT_KEY = "UPDATED_AT"
# A documented `products` search filter. `>=`, not `>`: timestamps are whole seconds, so a product
# changed in the very second of the watermark is read again rather than missed.
INCREMENTAL = "updated_at:>='{since}'"
MAX_QUERY_COST = 1000  # "A single query to the API cannot exceed a cost of 1000"
MAX_PAGE = 250  # "You can retrieve up to a maximum of 250 resources" (pagination-graphql)
# The oldest published bucket (1,000 points, 50 restored a second); every answer reports the real one.
FIRST_BUCKET = (1000.0, 50.0)


@dataclass(frozen=True)
class Nested:
    """A connection inside Product: the fragment its nodes are read with, and how many a listing
    page asks for (the rest come from follow-up queries on that product)."""

    name: str
    fragment: str
    first: int


NESTED = (
    Nested("variants", "Variant", 100),
    Nested("media", "Media", 20),
    Nested("collections", "Collection", 20),
    Nested("metafields", "Metafield", 20),
)

FRAGMENTS = {
    # Weight and tracking moved to the inventory item in 2024-04; a variant's image is its first
    # media (`ProductVariant.image` is deprecated).
    "Variant": """fragment Variant on ProductVariant {
  legacyResourceId sku price compareAtPrice barcode inventoryQuantity
  selectedOptions { name value }
  inventoryItem { tracked unitCost { amount } measurement { weight { unit value } } }
  media(first: 1) { nodes { id } }
}""",
    # Only images become product images; videos and 3D models have no `image`.
    "Media": "fragment Media on Media { id alt ... on MediaImage { image { url altText } } }",
    "Collection": "fragment Collection on Collection { legacyResourceId title }",
    "Metafield": "fragment Metafield on Metafield { namespace key value }",
}


def _connection(nested: Nested, first: str, after: str = "") -> str:
    return (
        f"{nested.name}(first: {first}{after}) "
        f"{{ pageInfo {{ hasNextPage endCursor }} nodes {{ ...{nested.fragment} }} }}"
    )


PRODUCTS = "\n".join(
    [
        "query Products($first: Int!, $after: String, $query: String) {",
        f"  products(first: $first, after: $after, query: $query, sortKey: {SORT_KEY}) {{",
        "    pageInfo { hasNextPage endCursor }",
        "    nodes {",
        "      id legacyResourceId title handle descriptionHtml vendor productType status tags",
        "      createdAt updatedAt",
        "      options { name values }",
        *(f"      {_connection(nested, str(nested.first))}" for nested in NESTED),
        "    }",
        "  }",
        "}",
        *FRAGMENTS.values(),
    ]
)

FOLLOW_UPS = {
    nested.name: (
        "query More($id: ID!, $first: Int!, $after: String) {\n"
        f"  product(id: $id) {{ {_connection(nested, '$first', ', after: $after')} }}\n}}\n"
        + FRAGMENTS[nested.fragment]
    )
    for nested in NESTED
}

# `publicDisplayName` is new in 2025-07 (https://shopify.dev/changelog/adding-publicdisplayname-field-on-shopplan).
SHOP = """query Shop {
  shop { name myshopifyDomain currencyCode plan { publicDisplayName } }
  currentAppInstallation { accessScopes { handle } }
}"""

# `limit: null`: productsCount stops at 10,000 by default ("Use `null` to have no limit").
COUNT = "query Count($query: String) { productsCount(query: $query, limit: null) { count precision } }"


class QueryCost:
    """A query's requested cost by Shopify's documented defaults: scalars and enums 0, objects 1,
    interfaces the most expensive possible selection, connections "sized by first and last
    arguments": 2 (the connection and its pageInfo) + first x the cost of one node
    (https://shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits).

    An upper bound: Shopify scales connections logarithmically below it ("We do incorporate
    logarithmic scaling into connection fields to cost them more favorably for a client",
    https://community.shopify.dev/t/how-to-calculate-graphql-cost-estimates/24364).
    """

    def __init__(self, query: str) -> None:
        document = parse(query)
        self._fragments = {
            item.name.value: item for item in document.definitions if isinstance(item, FragmentDefinitionNode)
        }
        self._operation = next(
            item for item in document.definitions if isinstance(item, OperationDefinitionNode)
        )

    def __call__(self, variables: Mapping[str, Any]) -> int:
        return self._selections(self._operation.selection_set, variables)

    def _selections(self, selections: SelectionSetNode | None, variables: Mapping[str, Any]) -> int:
        total, alternatives = 0, [0]
        for selection in selections.selections if selections else ():
            if isinstance(selection, FieldNode):
                total += self._field(selection, variables)
            elif isinstance(selection, FragmentSpreadNode):
                total += self._selections(self._fragments[selection.name.value].selection_set, variables)
            elif isinstance(selection, InlineFragmentNode):
                # `... on MediaImage`: one of the interface's possible types; the dearest counts.
                alternatives.append(self._selections(selection.selection_set, variables))
        return total + max(alternatives)

    def _field(self, field: FieldNode, variables: Mapping[str, Any]) -> int:
        if field.selection_set is None or field.name.value == "pageInfo":
            return 0  # a scalar or enum; pageInfo is part of its connection's 2 points
        children = self._selections(field.selection_set, variables)
        size = self._size(field, variables)
        return 1 + children if size is None else 2 + size * children

    @staticmethod
    def _size(field: FieldNode, variables: Mapping[str, Any]) -> int | None:
        for argument in field.arguments or ():
            if argument.name.value in ("first", "last"):
                value = argument.value
                if isinstance(value, VariableNode):
                    return int(variables[value.name.value])
                if isinstance(value, IntValueNode):
                    return int(value.value)
        return None


class PageSizer:
    """How many nodes the next page of one query asks for: the most whose requested cost stays
    within the single-query maximum, and what that page will ask of the bucket.

    It starts from the documented upper bound (QueryCost) and then learns from the
    `requestedQueryCost` Shopify reports. Shopify's cost grows no faster than linearly in `first`
    (it scales connections logarithmically), so a page `limit / reported` times larger than the one
    just sent still fits; a refusal (MAX_COST_EXCEEDED) halves the page and caps it for good.
    """

    def __init__(self, estimate: Callable[[int], int], limit: int = MAX_QUERY_COST) -> None:
        self._estimate = estimate
        self.limit = limit
        self.ceiling = MAX_PAGE
        self.size = max(1, self._largest(lambda n: estimate(n) <= limit))
        self._reported: list[tuple[int, int]] = []  # the last two (size sent, requested cost reported)

    def cost(self, size: int) -> float:
        """What a page of `size` will ask of the bucket: Shopify's own figure for the size last
        sent, scaled to `size` by how its figures have grown with the page (never above the
        documented bound). Scaling linearly would make the pacer wait for points a query never
        asks for: Shopify costs a page of 65 products at 818 points where 34 cost 716, and
        waiting for the bucket to hold ~1,000 before each growing page wasted seconds a page.
        A figure too low costs one THROTTLED answer, which is free and says what to wait for."""
        bound = float(self._estimate(size))
        if self._reported:
            sent, requested = self._reported[-1]
            bound = min(bound, requested * max(1.0, size / sent) ** self._growth())
        return min(bound, float(self.limit))

    def _growth(self) -> float:
        """k in cost ~ size^k from the last two figures (between 0 and 1); 1, the documented
        linear rule, until Shopify has reported two different sizes."""
        if len(self._reported) < 2:
            return 1.0
        (first, first_cost), (second, second_cost) = self._reported
        if first == second or min(first_cost, second_cost) <= 0:
            return 1.0
        return min(1.0, max(0.0, math.log(second_cost / first_cost) / math.log(second / first)))

    def learn(self, size: int, requested: int) -> None:
        self._reported = [*self._reported[-1:], (size, requested)]
        grown = size * self.limit // max(requested, 1)
        self.size = max(1, min(self.ceiling, grown))

    def refused(self, size: int, cost: int | None) -> None:
        """Shopify refused a page of `size` that it costs at `cost` (when it says)."""
        scaled = size * self.limit // cost if cost else size
        self.ceiling = max(1, min(size // 2, scaled))
        self.size = min(self.size, self.ceiling)
        self._reported = []

    def _largest(self, fits: Callable[[int], bool]) -> int:
        low, high = 0, self.ceiling  # fits(low) holds (or low == 0); find the largest that fits
        while low < high:
            middle = (low + high + 1) // 2
            low, high = (middle, high) if fits(middle) else (low, middle - 1)
        return low


class QueryTooCostly(Exception):
    """Shopify refused a query as over the single-query maximum (MAX_COST_EXCEEDED)."""

    def __init__(self, message: str, cost: int | None) -> None:
        super().__init__(message)
        self.cost = cost


class Vanished(MappingError):
    """The product was deleted while its nested items were being read."""


class GraphQLReader(Reader):
    """Products, counts and the shop through the GraphQL Admin API."""

    @staticmethod
    def pacer() -> RestoringBucket:
        return RestoringBucket(*FIRST_BUCKET)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.path = PATH.format(version=self.version)
        self.throttled = 0  # how often Shopify said THROTTLED (a paced run rarely hears it)
        self.points_spent = 0.0  # Shopify's actualQueryCost, summed: what the reads took from the bucket
        costs = {name: QueryCost(query) for name, query in (("products", PRODUCTS), *FOLLOW_UPS.items())}
        self._sizers = {
            name: PageSizer(lambda n, cost=cost: cost({"first": n})) for name, cost in costs.items()
        }
        self._rng = random.Random()

    # -- the Reader interface ----------------------------------------------------------------
    def shop(self) -> ShopFacts:
        data = self.execute(SHOP, {}, QueryCost(SHOP)({}))[0]
        shop = data["shop"]
        return ShopFacts(
            name=shop["name"],
            plan=(shop.get("plan") or {}).get("publicDisplayName"),
            currency=shop.get("currencyCode"),
            domain=shop.get("myshopifyDomain"),
            scopes=frozenset(scope["handle"] for scope in data["currentAppInstallation"]["accessScopes"]),
        )

    def count(self, since: datetime | None) -> int:
        data = self.execute(COUNT, {"query": _search(since)}, QueryCost(COUNT)({}))[0]
        return int(data["productsCount"]["count"])

    def pages(self, since: datetime | None, resume: Token) -> Iterator[Page]:
        search = _search(since)

        def fetch(cursor: Token) -> RawPage:
            products = self._sized("products", PRODUCTS, {"after": cursor, "query": search})["products"]
            return RawPage(records=products["nodes"], body=products)

        for page, token in CursorPaginator().pages(fetch, resume):
            yield page_of(page.records, self._product, token)

    # -- queries -------------------------------------------------------------------------------
    def execute(self, query: str, variables: Mapping[str, Any], cost: float) -> tuple[Any, int | None]:
        """The `data` of a query and the requested cost Shopify reported for it.

        THROTTLED arrives as HTTP 200 with `errors[].extensions.code` (and the bucket's state in
        `extensions.cost`); it is waited out and the same query sent again.
        """
        attempts = self.client.retry.attempts
        for attempt in range(attempts):
            body, _ = self.client.read(
                "POST", self.path, json_body={"query": query, "variables": dict(variables)}, cost=cost
            )
            if not isinstance(body, dict) or ("data" not in body and "errors" not in body):
                raise MalformedPayloadError(f"{self.path} answered with JSON that is no GraphQL response")
            requested = self._observe(body)
            errors = body.get("errors")
            if not errors:
                return body["data"], requested
            if isinstance(errors, str):  # {"errors": "..."}, REST's shape, on some refusals
                raise FatalError(f"Shopify refused the query: {errors}")
            codes = {(error.get("extensions") or {}).get("code") for error in errors}
            message = "; ".join(str(error.get("message", "")).split("\n", 1)[0] for error in errors)
            if "THROTTLED" in codes:
                self.throttled += 1
                # Shopify's own figure for this query, rather than our estimate (above or below
                # it), is what to wait for.
                cost = requested or cost
                log.info("Shopify throttled a query asking %s points; waiting for the bucket to refill", cost)
                continue  # the pacer now holds Shopify's figures and waits before the retry
            if "MAX_COST_EXCEEDED" in codes:
                # Refused before it ran, so nothing was charged: {"code": "MAX_COST_EXCEEDED",
                # "cost": 1707, "maxCost": 1000} and no throttleStatus.
                self.client.pacer.refund(cost)
                stated = next(
                    (e["extensions"]["cost"] for e in errors if "cost" in (e.get("extensions") or {})), None
                )
                raise QueryTooCostly(message, int(stated) if isinstance(stated, int | float) else None)
            if "INTERNAL_SERVER_ERROR" in codes:
                if attempt == attempts - 1:
                    raise RetriableError(f"Shopify failed the query {attempts} times: {message}")
                delay = self.client.retry.backoff(attempt, self._rng)
                log.info("retrying in %.2f s after Shopify's internal error: %s", delay, message)
                time.sleep(delay)
                continue
            if "ACCESS_DENIED" in codes:
                raise AuthError(f"the access token may not read this (a missing access scope?): {message}")
            raise FatalError(f"Shopify refused the query: {message}")
        raise RetriableError(f"Shopify still throttled or failed the query after {attempts} attempts")

    def _sized(self, name: str, query: str, variables: Mapping[str, Any]) -> Any:
        """Run a query whose `$first` the PageSizer of `name` chooses; a refused size is halved."""
        sizer = self._sizers[name]
        while True:
            size = sizer.size
            try:
                data, requested = self.execute(query, {**variables, "first": size}, sizer.cost(size))
            except QueryTooCostly as refused:
                if size == 1:
                    raise FatalError(
                        f"Shopify refuses even one item per query as too costly: {refused}"
                    ) from None
                log.info("Shopify refused %s items per query as too costly; halving", size)
                sizer.refused(size, refused.cost)
                continue
            if requested:
                sizer.learn(size, requested)
            return data

    def _observe(self, body: Mapping[str, Any]) -> int | None:
        cost = (body.get("extensions") or {}).get("cost") or {}
        status = cost.get("throttleStatus")
        if status and isinstance(self.client.pacer, RestoringBucket):
            self.client.pacer.observe_available(
                float(status["currentlyAvailable"]),
                capacity=float(status["maximumAvailable"]),
                rate=float(status["restoreRate"]),
            )
        self.points_spent += float(cost.get("actualQueryCost") or 0)
        requested = cost.get("requestedQueryCost")
        return None if requested is None else int(requested)

    # -- one product ---------------------------------------------------------------------------
    def _product(self, node: Mapping[str, Any]) -> Product:
        return product_from_graphql(self._complete(node))

    def _complete(self, node: Mapping[str, Any]) -> dict[str, Any]:
        """The node with every nested connection read to its end (follow-up queries on the product)."""
        complete = dict(node)
        for nested in NESTED:
            connection = node.get(nested.name)
            nodes = list(connection["nodes"]) if connection else []
            while connection and connection["pageInfo"]["hasNextPage"]:
                variables = {"id": node["id"], "after": connection["pageInfo"]["endCursor"]}
                product = self._sized(nested.name, FOLLOW_UPS[nested.name], variables)["product"]
                if product is None:
                    raise Vanished(f"deleted while its {nested.name} were being read")
                connection = product[nested.name]
                nodes += connection["nodes"]
            if connection:
                complete[nested.name] = {"nodes": nodes, "pageInfo": connection["pageInfo"]}
        return complete


def _search(since: datetime | None) -> str | None:
    return None if since is None else INCREMENTAL.format(since=utc_iso(since))
