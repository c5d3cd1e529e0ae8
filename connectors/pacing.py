"""Pacing: wait before a request that the platform's live rate-limit state says would be refused.

A pacer reads the headers (or body) of every answer and, before the next request, sleeps just long
enough to stay under the limit, so a well-paced import never sees a 429 in the first place.
Thread-safe: one pacer serves every thread that talks to the same store.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping


class Pacer:
    """No pacing (WooCommerce and Magento publish no rate-limit state)."""

    def wait(self, cost: float = 1.0) -> float:
        """Block until a request of `cost` should fit; returns the seconds slept."""
        return 0.0

    def observe(self, headers: Mapping[str, str]) -> None:
        """Learn the live state from an answer's headers."""

    def refund(self, cost: float) -> None:
        """Give back what `wait` spent on a request the platform never charged (refused before it
        ran, or never reached it)."""


class RestoringBucket(Pacer):
    """A bucket of `capacity` points that refills at `restore_rate` per second (Shopify's model).

    `observe_available` takes the platform's own figure whenever it reports one; in between, the
    pacer counts what it spent and what has been restored since.
    """

    def __init__(
        self,
        capacity: float,
        restore_rate: float,
        headroom: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.capacity = capacity
        self.restore_rate = restore_rate
        self.headroom = headroom
        self._clock = clock
        self._sleep = sleep
        self._available = capacity
        self._at = clock()
        self._lock = threading.Lock()

    def _restore(self) -> None:
        now = self._clock()
        self._available = min(self.capacity, self._available + (now - self._at) * self.restore_rate)
        self._at = now

    def wait(self, cost: float = 1.0) -> float:
        with self._lock:
            self._restore()
            needed = cost + self.headroom - self._available
            delay = max(0.0, needed / self.restore_rate)
            # Spend now, so concurrent callers queue behind each other instead of all waking at once.
            self._available -= cost
        if delay:
            self._sleep(delay)
        return delay

    def refund(self, cost: float) -> None:
        with self._lock:
            self._available = min(self.capacity, self._available + cost)

    def observe_available(
        self, available: float, capacity: float | None = None, rate: float | None = None
    ) -> None:
        with self._lock:
            if capacity:
                self.capacity = capacity
            if rate:
                self.restore_rate = rate
            self._available = available
            self._at = self._clock()


class ShopifyRestPacer(RestoringBucket):
    """Reads `X-Shopify-Shop-Api-Call-Limit: 32/40` (used/size) from every REST answer.

    The leak rate is not in the header; every plan leaks its bucket in 20 s (40 at 2/s, 80 at 4/s,
    400 at 20/s): https://shopify.dev/docs/api/admin-rest/usage/rate-limits
    """

    HEADER = "X-Shopify-Shop-Api-Call-Limit"
    SECONDS_TO_DRAIN = 20

    def __init__(self, **kwargs: object) -> None:
        super().__init__(capacity=40, restore_rate=2, **kwargs)  # type: ignore[arg-type]

    def observe(self, headers: Mapping[str, str]) -> None:
        value = headers.get(self.HEADER)
        if not value or "/" not in value:
            return
        used, _, size = value.partition("/")
        try:
            used_calls, bucket = float(used), float(size)
        except ValueError:
            return
        self.observe_available(bucket - used_calls, capacity=bucket, rate=bucket / self.SECONDS_TO_DRAIN)


class WindowPacer(Pacer):
    """BigCommerce's quota per window: `X-Rate-Limit-Requests-Left` and `-Time-Reset-Ms`.

    When the quota is about spent, wait for the window to reset rather than hit a 429:
    https://developer.bigcommerce.com/docs/start/best-practices/api-rate-limits
    """

    LEFT = "X-Rate-Limit-Requests-Left"
    RESET_MS = "X-Rate-Limit-Time-Reset-Ms"

    def __init__(
        self,
        headroom: int = 1,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.headroom = headroom
        self._clock = clock
        self._sleep = sleep
        self._left: int | None = None
        self._reset_at = 0.0
        self._lock = threading.Lock()

    def observe(self, headers: Mapping[str, str]) -> None:
        try:
            left = int(headers[self.LEFT])
            reset_ms = int(headers[self.RESET_MS])
        except (KeyError, ValueError):
            return
        with self._lock:
            self._left = left
            self._reset_at = self._clock() + reset_ms / 1000

    def wait(self, cost: float = 1.0) -> float:
        with self._lock:
            now = self._clock()
            if self._left is None or now >= self._reset_at:
                self._left = None  # a new window: unknown until the next answer
                return 0.0
            if self._left > self.headroom:
                self._left -= 1
                return 0.0
            delay = self._reset_at - now
            self._left = None
        self._sleep(delay)
        return delay
