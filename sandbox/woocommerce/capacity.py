"""The store's capacity: a few PHP workers, each request holding one for a known time.

A WordPress host runs a fixed pool of PHP workers; a request waits for a free one, and a write
costs time per object it creates or updates. Here at most `woo_workers` requests are served at
once (a semaphore; the rest queue), and each holds its worker for `woo_request_ms` plus
`woo_create_ms` per created item and `woo_update_ms` per updated or deleted item, so an import's
write cost is realistic and exactly known. The peak of requests served at once is recorded so
tests can prove the limit held and benchmarks can state the bound, and so is the time requests held
a worker beyond their cost (this Python process's own work, under one GIL, when it is slower than
the stated cost), so a benchmark can tell the sandbox's slowness from the importer's.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sandbox.settings import SandboxSettings


@dataclass
class Tally:
    """What one request did, for its cost and the store's counters."""

    created: int = 0
    updated: int = 0
    deleted: int = 0


class Capacity:
    def __init__(self, settings: SandboxSettings, stopping: threading.Event) -> None:
        self.workers = settings.woo_workers
        self.request_seconds = settings.woo_request_ms / 1000
        self.create_seconds = settings.woo_create_ms / 1000
        self.update_seconds = settings.woo_update_ms / 1000
        self._slots = threading.BoundedSemaphore(self.workers)
        self._stopping = stopping
        self._lock = threading.Lock()
        self.in_flight = 0
        self.reset()

    def reset(self) -> None:
        """Zero the counters; requests being served keep counting toward the new peak."""
        with self._lock:
            self.peak = self.in_flight
            self.totals = Tally()
            self.overrun_s = 0.0

    def cost(self, tally: Tally) -> float:
        """Seconds a request with this tally holds its worker."""
        return (
            self.request_seconds
            + self.create_seconds * tally.created
            + self.update_seconds * (tally.updated + tally.deleted)
        )

    @contextmanager
    def slot(self) -> Iterator[Tally]:
        """Hold a worker while the request runs and for the rest of its cost."""
        self._slots.acquire()
        started = time.monotonic()
        with self._lock:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
        tally = Tally()
        try:
            yield tally
        finally:
            remaining = self.cost(tally) - (time.monotonic() - started)
            if remaining > 0:
                self._stopping.wait(remaining)
            with self._lock:
                self.overrun_s += max(0.0, -remaining)
                self.in_flight -= 1
                self.totals.created += tally.created
                self.totals.updated += tally.updated
                self.totals.deleted += tally.deleted
            self._slots.release()

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {
                "workers": self.workers,
                "in_flight": self.in_flight,
                "peak_in_flight": self.peak,
                "created": self.totals.created,
                "updated": self.totals.updated,
                "deleted": self.totals.deleted,
                "overrun_s": round(self.overrun_s, 3),
            }
