"""Which products may go into the next write batch while other batches are under way.

Products wait in read order. Two batches in flight at once must never hold the same product (its
link is saved only when the first batch is done, so the second would create it again: the caller
keeps a product that is queued or in flight out until it is done, see `holds`) nor the same SKU:
WooCommerce checks that a SKU is free with a query before it saves (`wc_product_has_unique_sku`,
no unique index), so two concurrent requests can both pass the check and both keep the SKU.
https://github.com/woocommerce/woocommerce/blob/trunk/plugins/woocommerce/includes/wc-product-functions.php
A product whose SKU a batch in flight holds waits for that batch; so does every later product
sharing a SKU with one that waits, so the product read first still claims a SKU first, as it
would one batch at a time (within a batch the writer's screen keeps that order).
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable, Iterator
from typing import Generic, Protocol, TypeVar


class Queued(Protocol):
    @property
    def key(self) -> str: ...

    @property
    def skus(self) -> frozenset[str]: ...  # case-folded, as WooCommerce compares them


E = TypeVar("E", bound=Queued)


class BatchQueue(Generic[E]):
    """Products waiting for a batch and the batches in flight (by a handle the caller picks)."""

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError(f"size must be at least 1, not {size}")
        self.size = size
        self._waiting: deque[E] = deque()
        self._flying: dict[object, list[E]] = {}
        self._keys: set[str] = set()  # products waiting or in flight
        self._skus: Counter[str] = Counter()  # SKUs held by batches in flight

    def __len__(self) -> int:
        """Products waiting for a batch."""
        return len(self._waiting)

    @property
    def in_flight(self) -> int:
        return len(self._flying)

    def holds(self, keys: Iterable[str]) -> bool:
        """Whether any of these products is waiting or in flight."""
        return not self._keys.isdisjoint(keys)

    def add(self, entries: Iterable[E]) -> None:
        for entry in entries:
            if entry.key in self._keys:
                raise ValueError(f"{entry.key} is already queued or in flight")
            self._keys.add(entry.key)
            self._waiting.append(entry)

    def take(self) -> list[E]:
        """The next batch: up to `size` waiting products, in order, none with a SKU in flight."""
        batch: list[E] = []
        kept: deque[E] = deque()
        blocked: set[str] = set()
        for entry in self._waiting:
            if (
                len(batch) < self.size
                and entry.skus.isdisjoint(self._skus)
                and entry.skus.isdisjoint(blocked)
            ):
                batch.append(entry)
            else:
                blocked |= entry.skus
                kept.append(entry)
        self._waiting = kept
        return batch

    def start(self, handle: object, batch: list[E]) -> None:
        """`batch` (from take()) is in flight under `handle`."""
        self._flying[handle] = batch
        for entry in batch:
            self._skus.update(entry.skus)

    def finish(self, handle: object) -> list[E]:
        """The batch under `handle` is done: its products and SKUs are free again."""
        batch = self._flying.pop(handle)
        for entry in batch:
            self._keys.discard(entry.key)
            self._skus.subtract(entry.skus)
        self._skus += Counter()  # drops the SKUs no batch holds any more
        return batch

    def handles(self) -> Iterator[object]:
        return iter(list(self._flying))
