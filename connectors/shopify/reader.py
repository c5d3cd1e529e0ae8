"""What the two Shopify readers (GraphQL and REST) share: their interface, what a connection test
learns about the shop, and turning a page of raw records into a Page.
"""

from __future__ import annotations

import abc
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from connectors.base import Page
from connectors.http import StoreClient
from connectors.model import Product
from connectors.pacing import Pacer
from connectors.pagination import Token
from connectors.shopify.mapping import MappingError

log = logging.getLogger(__name__)

# What an import needs: the catalog, and the stock it carries over. A write scope grants the read
# one too ("Any scope that writes a resource also grants read access to it",
# https://shopify.dev/docs/api/usage/access-scopes).
REQUIRED_SCOPES = ("read_products", "read_inventory")


@dataclass(frozen=True)
class ShopFacts:
    name: str
    plan: str | None
    currency: str | None
    domain: str | None
    scopes: frozenset[str]

    def grants(self, scope: str) -> bool:
        return scope in self.scopes or scope.replace("read_", "write_", 1) in self.scopes

    @property
    def missing_scopes(self) -> tuple[str, ...]:
        return tuple(scope for scope in REQUIRED_SCOPES if not self.grants(scope))


class Reader(abc.ABC):
    """One way of reading a Shopify store; the connector picks one by `settings.api`."""

    def __init__(self, client: StoreClient, version: str) -> None:
        self.client = client
        self.version = version

    @staticmethod
    @abc.abstractmethod
    def pacer() -> Pacer:
        """The pacer for this API's rate limit (the client is built with it)."""

    @abc.abstractmethod
    def shop(self) -> ShopFacts: ...

    @abc.abstractmethod
    def count(self, since: datetime | None) -> int: ...

    @abc.abstractmethod
    def pages(self, since: datetime | None, resume: Token) -> Iterator[Page]: ...


def page_of(
    records: Sequence[Mapping[str, Any]], convert: Callable[[Mapping[str, Any]], Product], resume: Token
) -> Page:
    """The products of a page; a record that cannot be mapped is rejected with its reason."""
    products, rejected = [], []
    for record in records:
        try:
            products.append(convert(record))
        except MappingError as error:
            source_id = str(record.get("legacyResourceId") or record.get("id") or "?")
            log.warning("product %s rejected: %s", source_id, error)
            rejected.append((source_id, str(error)))
    return Page(products=products, raw_count=len(records), resume=resume, rejected=rejected)


def utc_iso(since: datetime) -> str:
    """`2024-01-01T00:00:00Z`: whole seconds, as Shopify keeps them (truncating only widens the filter)."""
    if since.tzinfo is None:
        raise ValueError("since must be timezone-aware")
    return since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
