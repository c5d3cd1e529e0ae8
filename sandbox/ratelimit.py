"""The two rate-limit algorithms the platforms use, thread-safe and clock-injectable."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class BucketState:
    allowed: bool
    level: float  # how full the bucket is after this call
    capacity: float
    retry_after: float  # seconds until `amount` would fit (0 when allowed)


class LeakyBucket:
    """Shopify's leaky bucket: each call adds `amount`, the bucket drains `leak_per_second`.

    REST adds 1 per request; GraphQL adds the query cost in points.
    https://shopify.dev/docs/api/usage/rate-limits
    """

    def __init__(
        self, capacity: float, leak_per_second: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if capacity <= 0 or leak_per_second <= 0:
            raise ValueError("capacity and leak_per_second must be positive")
        self.capacity = capacity
        self.leak_per_second = leak_per_second
        self._clock = clock
        self._level = 0.0
        self._at = clock()
        self._lock = threading.Lock()

    def _drain(self) -> None:
        now = self._clock()
        self._level = max(0.0, self._level - (now - self._at) * self.leak_per_second)
        self._at = now

    def level(self) -> float:
        with self._lock:
            self._drain()
            return self._level

    def add(self, amount: float = 1.0) -> BucketState:
        with self._lock:
            self._drain()
            if self._level + amount <= self.capacity:
                self._level += amount
                return BucketState(True, self._level, self.capacity, 0.0)
            wait = (self._level + amount - self.capacity) / self.leak_per_second
            return BucketState(False, self._level, self.capacity, wait)

    def refund(self, amount: float) -> None:
        """Give back points charged up front but not spent (GraphQL's actual vs requested cost)."""
        with self._lock:
            self._drain()
            self._level = max(0.0, self._level - amount)

    def reset(self) -> None:
        with self._lock:
            self._level = 0.0
            self._at = self._clock()


@dataclass(frozen=True)
class WindowState:
    allowed: bool
    quota: int
    left: int
    window_ms: int
    reset_ms: int  # milliseconds left in the current window


class WindowQuota:
    """BigCommerce's quota: `quota` requests per fixed window of `window_ms`, shared by all clients.

    https://developer.bigcommerce.com/docs/start/best-practices/api-rate-limits
    """

    def __init__(self, quota: int, window_ms: int, clock: Callable[[], float] = time.monotonic) -> None:
        if quota <= 0 or window_ms <= 0:
            raise ValueError("quota and window_ms must be positive")
        self.quota = quota
        self.window_ms = window_ms
        self._clock = clock
        self._window_start = clock()
        self._used = 0
        self._lock = threading.Lock()

    def take(self) -> WindowState:
        with self._lock:
            now = self._clock()
            elapsed_ms = (now - self._window_start) * 1000
            if elapsed_ms >= self.window_ms:
                self._window_start = now
                self._used = 0
                elapsed_ms = 0
            reset_ms = max(1, math.ceil(self.window_ms - elapsed_ms))
            if self._used >= self.quota:
                return WindowState(False, self.quota, 0, self.window_ms, reset_ms)
            self._used += 1
            return WindowState(True, self.quota, self.quota - self._used, self.window_ms, reset_ms)

    def reset(self) -> None:
        with self._lock:
            self._window_start = self._clock()
            self._used = 0
