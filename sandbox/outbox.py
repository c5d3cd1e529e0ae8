"""Delivering webhooks: a background thread that POSTs messages, retries them, and records each.

Delivery follows the platforms' rules in miniature. A delivery succeeds on any 2xx answer; anything
else (another status, a refused connection, a timeout) is retried with the same payload, the same
event id and the same webhook id. The platforms retry for hours (Shopify "8 times over 4 hours",
https://shopify.dev/changelog/updates-to-webhook-retry-mechanism; BigCommerce 11 times over 48 hours,
docs/integrations/webhooks/https-webhook-overview.mdx in bigcommerce/docs); the sandbox retries
after `SANDBOX_RETRY.delays` so a test sees the whole cycle in a second or two. When the last try
fails the outbox says so (`exhausted`), and the platform gives up on the subscription as both do
after their full schedule. Each try is signed afresh by the platform's `Signer` (a signature may
carry the time of the try), with the secret `SigningSecret` hands out.
"""

from __future__ import annotations

import base64
import enum
import functools
import hashlib
import heapq
import hmac
import http.client
import itertools
import logging
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from sandbox.faults import Faults

log = logging.getLogger(__name__)

# Messages waiting for a first try or a retry; past this a change's messages are dropped (recorded).
MAX_PENDING = 10_000
# Deliveries kept for GET /_sandbox/webhooks, newest last.
RECORDS_KEPT = 10_000
# What a forged delivery is signed with: not any store's secret.
FORGED_KEY = b"ferry-sandbox: not the app's secret"


class DeliveryState(enum.StrEnum):
    PENDING = "pending"  # waiting for its first try or a retry
    DELIVERED = "delivered"  # answered 2xx
    FAILED = "failed"  # every try failed (a forged copy gets one)
    CANCELLED = "cancelled"  # the subscription was deleted or deactivated before it succeeded
    DROPPED = "dropped"  # the outbox was full


@dataclass(frozen=True)
class RetryPolicy:
    """Seconds to wait before each retry, and how long one try may take."""

    delays: tuple[float, ...]
    # Shopify: "1 second to accept the connection and 5 seconds to respond"
    # (https://shopify.dev/docs/apps/build/webhooks/delivery-structure); BigCommerce names none.
    connect_timeout: float = 1.0
    timeout: float = 5.0

    def __post_init__(self) -> None:
        if any(delay < 0 for delay in self.delays):
            raise ValueError("delays cannot be negative")
        if self.connect_timeout <= 0 or self.timeout <= 0:
            raise ValueError("connect_timeout and timeout must be positive")


SANDBOX_RETRY = RetryPolicy(delays=(0.25, 0.5, 1.0))


@dataclass(frozen=True)
class Event:
    """One change a subscription can hear about. `payload` is built when first needed, from the
    product record as it was when the event happened (records are immutable), so a retry carries
    the original payload: "When webhooks are retried, they will be delivered with the original
    payload from the time they were triggered" (Shopify changelog above)."""

    topic: str
    event_id: str
    triggered_at: datetime
    payload: Callable[[], Any]


@dataclass(frozen=True)
class Message:
    """One event for one subscription: where it goes, its fixed headers, and its body."""

    event: Event
    subscription_id: int
    destination: str
    webhook_id: str
    headers: dict[str, str]
    body: Callable[[], bytes]
    forged: bool = False
    duplicate: bool = False


# (message, body, key, moment of the try) -> the signature headers of that try
Signer = Callable[[Message, bytes, bytes, datetime], dict[str, str]]


@dataclass
class Delivery:
    """The record of one message's tries, as GET /_sandbox/webhooks shows it."""

    message: Message
    state: DeliveryState = DeliveryState.PENDING
    statuses: list[int | None] = field(default_factory=list)  # None: no answer (refused, timed out)
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        message = self.message
        return {
            "webhook_id": message.webhook_id,
            "event_id": message.event.event_id,
            "topic": message.event.topic,
            "subscription_id": message.subscription_id,
            "destination": message.destination,
            "state": self.state.value,
            "attempts": len(self.statuses),
            "status": self.statuses[-1] if self.statuses else None,
            "statuses": list(self.statuses),
            "error": self.error,
            "duplicate": message.duplicate,
            "forged": message.forged,
            "triggered_at": message.event.triggered_at.isoformat(),
        }


def hmac_sha256_base64(key: bytes, data: bytes) -> str:
    return base64.b64encode(hmac.new(key, data, hashlib.sha256).digest()).decode()


def post(url: str, body: bytes, headers: dict[str, str], policy: RetryPolicy) -> int:
    """POST `body` to `url`; the status of the answer. Raises OSError (and http.client's errors)
    when there is none."""
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection: http.client.HTTPConnection
    if parts.scheme == "https":
        connection = http.client.HTTPSConnection(
            parts.hostname or "",
            parts.port,
            timeout=policy.connect_timeout,
            context=ssl.create_default_context(),
        )
    else:
        connection = http.client.HTTPConnection(
            parts.hostname or "", parts.port, timeout=policy.connect_timeout
        )
    try:
        connection.connect()
        assert connection.sock is not None
        connection.sock.settimeout(policy.timeout)
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


class SigningSecret:
    """The app's secret deliveries are signed with, and its rotation.

    A rotation may take a while to reach deliveries: "If you rotate your app's client secret, it
    can take up to an hour for the HMAC digest to be generated using the new secret"
    (https://shopify.dev/docs/apps/build/webhooks/verify-deliveries). `stale_next` makes the next
    N tries still use the previous secret, so a receiver's grace period can be tested.
    """

    def __init__(self, derive: Callable[[int], str]) -> None:
        self._derive = derive
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.generation = 0
            self.current = self._derive(0)
            self.previous: str | None = None
            self._stale_left = 0

    def rotate(self, new: str | None = None, stale_next: int = 0) -> str:
        with self._lock:
            self.generation += 1
            self.previous = self.current
            self.current = new or self._derive(self.generation)
            self._stale_left = stale_next
            return self.current

    def for_delivery(self) -> str:
        with self._lock:
            if self._stale_left and self.previous is not None:
                self._stale_left -= 1
                return self.previous
            return self.current

    def dump(self) -> dict[str, Any]:
        return {"generation": self.generation, "current": self.current, "previous": self.previous}

    def load(self, state: dict[str, Any]) -> None:
        with self._lock:
            self.generation = int(state["generation"])
            self.current = str(state["current"])
            self.previous = state.get("previous")
            self._stale_left = 0


@dataclass(order=True)
class _Job:
    due: float
    sequence: int
    delivery: Delivery = field(compare=False)


class Outbox:
    """Delivers messages from one background thread, in order of when each try is due.

    The thread starts when there is something to send and ends when nothing is left, so an idle
    store holds no thread; `close()` ends it early (the store is stopping).
    """

    def __init__(
        self,
        sign: Signer,
        secret: SigningSecret,
        live: Callable[[int], bool],
        exhausted: Callable[[int], None],
        policy: RetryPolicy = SANDBOX_RETRY,
    ) -> None:
        self.sign = sign
        self.secret = secret
        self.live = live
        self.exhausted = exhausted
        self.policy = policy
        self._jobs: list[_Job] = []
        self._records: deque[Delivery] = deque(maxlen=RECORDS_KEPT)
        self._sequence = itertools.count()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closed = False

    def post(self, messages: Iterable[Message], faults: Faults) -> None:
        """Queue the messages (with any forged copies and duplicates the faults ask for)."""
        now = time.monotonic()
        with self._wake:
            for message in messages:
                copies = [message]
                if faults.take("webhook_bad_signature_next"):
                    copies.insert(0, replace(message, forged=True))
                if faults.take("webhook_duplicate_next"):
                    copies.append(replace(message, duplicate=True))
                for copy in copies:
                    delivery = Delivery(copy)
                    self._records.append(delivery)
                    if len(self._jobs) >= MAX_PENDING:
                        delivery.state, delivery.error = DeliveryState.DROPPED, "outbox full"
                        continue
                    heapq.heappush(self._jobs, _Job(now, next(self._sequence), delivery))
            if self._jobs and not self._closed:
                self._start()
            self._wake.notify()

    def deliveries(self) -> list[dict[str, Any]]:
        with self._wake:
            return [delivery.as_json() for delivery in self._records]

    def clear(self) -> None:
        """Forget every message and record (the store is reset)."""
        with self._wake:
            for job in self._jobs:
                job.delivery.state = DeliveryState.CANCELLED
            self._jobs.clear()
            self._records.clear()
            self._wake.notify()

    def close(self) -> None:
        with self._wake:
            self._closed = True
            self._wake.notify()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=self.policy.timeout + 1)

    # -- the delivery thread ------------------------------------------------------------------
    def _start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="webhook-outbox", daemon=True)
            self._thread.start()

    def _next(self) -> Delivery | None:
        """The next delivery whose try is due, waiting for it; None when the thread should end."""
        with self._wake:
            while True:
                if self._closed or not self._jobs:
                    self._thread = None
                    return None
                wait = self._jobs[0].due - time.monotonic()
                if wait <= 0:
                    return heapq.heappop(self._jobs).delivery
                self._wake.wait(wait)

    def _run(self) -> None:
        while (delivery := self._next()) is not None:
            try:
                self._try(delivery)
            except Exception:
                # A bug here must not kill the thread with messages still queued.
                log.exception("webhook delivery %s failed unexpectedly", delivery.message.webhook_id)
                with self._wake:
                    delivery.state, delivery.error = DeliveryState.FAILED, "sandbox error"

    def _try(self, delivery: Delivery) -> None:
        message = delivery.message
        if not self.live(message.subscription_id):
            with self._wake:
                delivery.state = DeliveryState.CANCELLED
            return
        body = message.body()
        key = FORGED_KEY if message.forged else self.secret.for_delivery().encode()
        moment = datetime.now(UTC)
        headers = {
            "Content-Type": "application/json",
            **message.headers,
            **self.sign(message, body, key, moment),
        }
        status: int | None
        try:
            status, error = post(message.destination, body, headers, self.policy), None
        except (OSError, http.client.HTTPException) as failure:
            status, error = None, f"{type(failure).__name__}: {failure}"
        with self._wake:
            delivery.statuses.append(status)
            delivery.error = error
            if status is not None and 200 <= status < 300:
                delivery.state = DeliveryState.DELIVERED
                return
            tries = len(delivery.statuses)
            if not message.forged and tries <= len(self.policy.delays):
                due = time.monotonic() + self.policy.delays[tries - 1]
                heapq.heappush(self._jobs, _Job(due, next(self._sequence), delivery))
                return
            delivery.state = DeliveryState.FAILED
        if not message.forged:
            self.exhausted(message.subscription_id)


def once(build: Callable[[], Any]) -> Callable[[], Any]:
    """`build` run once, when first called (payloads are built by the delivery thread)."""
    return functools.cache(build)
