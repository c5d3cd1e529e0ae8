"""What every source connector offers the import, and what it reports.

A platform module declares its settings (a frozen dataclass validated on construction) and a
connector class with three methods: `test_connection()`, `count(since)` and
`iter_pages(since, resume)`. Pages carry the canonical products, how many raw records the page
held (pagination decides on raw records, never on filtered ones) and the token to resume after it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from connectors.http import StoreClient
from connectors.model import Product
from connectors.pagination import Token


@dataclass(frozen=True)
class Page:
    products: Sequence[Product]
    raw_count: int
    resume: Token  # None after the last page
    # Source records that could not become products (malformed payloads): (source id, reason).
    rejected: Sequence[tuple[str, str]] = ()


@dataclass(frozen=True)
class ConnectionReport:
    """What a successful connection test found; failures raise a ConnectorError instead."""

    platform: str
    store_name: str
    product_count: int | None = None
    plan: str | None = None
    currency: str | None = None
    latency_ms: float | None = None
    missing_permissions: tuple[str, ...] = ()
    can_write: bool | None = None  # targets only
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.missing_permissions and self.can_write is not False


class SourceConnector:
    """A source store. Subclasses set `platform` and implement the three methods."""

    platform: ClassVar[str] = ""

    def test_connection(self) -> ConnectionReport:
        raise NotImplementedError

    def count(self, since: datetime | None = None) -> int:
        """How many products the source holds (changed since `since`, when given)."""
        raise NotImplementedError

    def iter_pages(self, since: datetime | None = None, resume: Token = None) -> Iterator[Page]:
        """Every product (changed since `since`), a page at a time, from `resume` when given."""
        raise NotImplementedError

    client: StoreClient  # every connector talks through one StoreClient

    @property
    def requests_made(self) -> int:
        return self.client.requests_made

    def close(self) -> None:
        """Release pooled connections."""
        self.client.close()
