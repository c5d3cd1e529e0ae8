"""Where the pipeline's write batches run: several at once, each handed back as a future.

The pipeline decides what to write and keeps the books (links, pending creates, checkpoints); an
executor only writes a batch and returns the writer's results. `ThreadBatchExecutor`, the default,
runs `capacity` batches at once on threads that share one WooWriter (its taxonomy caches, its
connection pool, its variation workers). An executor that spreads the batches of one big import
over worker processes (RQ, say) implements the same `submit` and completes each
`concurrent.futures.Future` with the results, or with the error that stopped the batch; the
items it ships are plain frozen values (WriteItem), and the credentials stay with the workers.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor

from connectors.woocommerce import WooWriter, WriteItem, WriteResult


class BatchExecutor(abc.ABC):
    """Writes batches of products, up to `capacity` of them at once."""

    capacity: int

    @abc.abstractmethod
    def submit(self, items: Sequence[WriteItem]) -> Future[list[WriteResult]]:
        """Start writing one batch (at most 100 items); the future holds one result per item, in
        order, or the ConnectorError that stopped the whole batch."""

    def close(self) -> None:  # noqa: B027 - an executor with nothing to release keeps this
        """Wait for the batches under way, then release the workers."""


class ThreadBatchExecutor(BatchExecutor):
    """`capacity` batches at once (by default the writer's `workers`) on threads of this process."""

    def __init__(self, writer: WooWriter, capacity: int | None = None) -> None:
        capacity = writer.workers if capacity is None else capacity
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, not {capacity}")
        self.writer = writer
        self.capacity = capacity
        self._pool = ThreadPoolExecutor(max_workers=capacity, thread_name_prefix="woo-batch")

    def submit(self, items: Sequence[WriteItem]) -> Future[list[WriteResult]]:
        return self._pool.submit(self.writer.write, list(items))

    def close(self) -> None:
        self._pool.shutdown(wait=True)
