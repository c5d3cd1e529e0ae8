"""One HTTP client per store, shared by every connector: the only place that talks to the network.

It pools connections (one requests session, keep-alive), sets timeouts, paces requests to the
platform's live rate-limit state, retries what is worth retrying with exponential backoff and full
jitter (honouring Retry-After, fractional values included), sorts every failure into the error
classes of connectors.errors, refuses private addresses through the network guard, and redacts
every secret it was given from whatever it logs or raises.
"""

from __future__ import annotations

import json
import logging
import random
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import requests

from connectors.errors import (
    AmbiguousWriteError,
    AuthError,
    ConnectorError,
    FatalError,
    MalformedPayloadError,
    RefusedError,
    RetriableError,
)
from connectors.netguard import GuardedAdapter, check_scheme, private_networks_allowed
from connectors.pacing import Pacer

log = logging.getLogger(__name__)

RETRIABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504, 520, 521, 522, 524})
AUTH_STATUSES = frozenset({401, 403})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
USER_AGENT = "Ferry/0.1 (+catalog import)"


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry: the one place retry behaviour is declared."""

    attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 30.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts must be at least 1")
        if self.base_delay < 0 or self.max_delay < self.base_delay:
            raise ValueError("need 0 <= base_delay <= max_delay")

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Full jitter: a random wait up to base * 2^attempt, capped (attempt counts from 0)."""
        return rng.uniform(0, min(self.max_delay, self.base_delay * 2**attempt))


@dataclass(frozen=True)
class Timeouts:
    connect: float = 10.0
    read: float = 60.0


class Redactor:
    """Replaces every known secret in a text with `***`."""

    def __init__(self, secrets: Iterable[str | None]) -> None:
        # Longest first, so a secret that contains another is replaced whole.
        self._secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """The longest wait any of the platforms' headers asks for, in seconds (None: none asked).

    Shopify sends `Retry-After: 2.0` (fractional), BigCommerce `X-Retry-After` (s) and
    `X-Rate-Limit-Time-Reset-Ms`, and "if both are present, honor the longer of the two":
    https://developer.bigcommerce.com/docs/start/best-practices/api-rate-limits
    """
    waits = []
    for name in ("Retry-After", "X-Retry-After"):
        value = headers.get(name)
        if not value:
            continue
        try:
            waits.append(float(value))
        except ValueError:
            try:
                waits.append(max(0.0, parsedate_to_datetime(value).timestamp() - time.time()))
            except (TypeError, ValueError):
                continue
    reset_ms = headers.get("X-Rate-Limit-Time-Reset-Ms")
    if reset_ms and reset_ms.isdigit():
        waits.append(int(reset_ms) / 1000)
    return max(waits) if waits else None


def parse_json(response: requests.Response, redact: Callable[[str], str]) -> Any:
    """The body as JSON with numbers as Decimal; a cut or non-JSON 2xx body is retriable."""
    try:
        return json.loads(response.content, parse_float=Decimal)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise MalformedPayloadError(
            f"{redact(safe_url(response.url))} answered {response.status_code} with a body that is not "
            f"valid JSON ({error.msg} at byte {error.pos if hasattr(error, 'pos') else '?'})",
            status=response.status_code,
            url=redact(safe_url(response.url)),
        ) from None


def store_address(url: object, api_suffix: str) -> str:
    """A store's base URL as users paste it: no trailing slash, no pasted API path (`api_suffix`,
    a regex anchored at the end of the path), no credentials, query or fragment."""
    if not isinstance(url, str) or not url.strip():
        raise ValueError("url is required: the store's address, such as https://shop.example.com")
    text = url.strip()
    parts = urlsplit(text)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError(f"url must start with https:// and name the store's host, not {text!r}")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError("url must be the store's address alone, without credentials, ? or #")
    path = re.sub(f"({api_suffix})?/*$", "", parts.path)
    return f"{parts.scheme}://{parts.netloc}{path}"


def safe_url(url: str) -> str:
    """The URL without its query string (where WooCommerce keys may ride)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


class StoreClient:
    """HTTP to one store. Thread-safe: workers of one import share it (and its pacer)."""

    def __init__(
        self,
        base_url: str,
        *,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        secrets: Iterable[str | None] = (),
        pacer: Pacer | None = None,
        retry: RetryPolicy | None = None,
        timeouts: Timeouts | None = None,
        allow_private: bool | None = None,
        describe_error: Callable[[requests.Response], str] | None = None,
        pool_size: int = 8,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.allow_private = private_networks_allowed() if allow_private is None else allow_private
        check_scheme(base_url, self.allow_private)
        self.base_url = base_url.rstrip("/") + "/"
        self.redact = Redactor([*secrets, *(auth or ()), *(params or {}).values()])
        self.pacer = pacer or Pacer()
        self.retry = retry or RetryPolicy()
        self.timeouts = timeouts or Timeouts()
        self._describe_error = describe_error or (lambda response: response.text[:300])
        self._params = dict(params or {})
        self._sleep = sleep
        self._rng = random.Random()
        self._count_lock = threading.Lock()
        self.requests_made = 0
        self.session = requests.Session()
        adapter = GuardedAdapter(self.allow_private, pool_maxsize=pool_size)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers.update(
            {"User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})}
        )
        if auth:
            self.session.auth = auth

    def close(self) -> None:
        self.session.close()

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else urljoin(self.base_url, path.lstrip("/"))

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        idempotent: bool | None = None,
        cost: float = 1.0,
    ) -> requests.Response:
        """Send with pacing and retries; returns a 2xx/3xx response or raises a ConnectorError.

        A non-idempotent request (POST by default) is retried only when it certainly did not reach
        the store (refused connection, 429, 503 before processing); when it may have been applied
        (read timeout, reset after sending, 5xx), AmbiguousWriteError tells the caller to reconcile.
        """
        url = self.url(path)
        check_scheme(url, self.allow_private)
        safe = idempotent if idempotent is not None else method.upper() in IDEMPOTENT_METHODS
        body = None if json_body is None else json.dumps(json_body, default=_json_default).encode()
        all_params = {**self._params, **(params or {})}
        for attempt in range(self.retry.attempts):
            last_try = attempt == self.retry.attempts - 1
            self.pacer.wait(cost)
            try:
                response = self._send(method, url, all_params, body)
            except RefusedError:
                raise
            except requests.ConnectionError as error:
                if not _sent_before_failure(error):
                    # The store never saw it, so it charged nothing: without the refund a store
                    # that is down would drain the pacer and every retry would wait for points.
                    self.pacer.refund(cost)
                elif not safe:
                    raise AmbiguousWriteError(
                        f"{method} {self._where(url)}: the connection broke after the request was sent; "
                        "it may have been applied",
                        url=self._where(url),
                    ) from None
                failure: ConnectorError = RetriableError(
                    f"{method} {self._where(url)}: {self._connection_problem(error)}", url=self._where(url)
                )
            except requests.Timeout:
                if not safe:
                    raise AmbiguousWriteError(
                        f"{method} {self._where(url)}: no answer within {self.timeouts.read:g} s; "
                        "the request may have been applied",
                        url=self._where(url),
                    ) from None
                failure = RetriableError(
                    f"{method} {self._where(url)}: no answer within {self.timeouts.read:g} s",
                    url=self._where(url),
                )
            else:
                self.pacer.observe(response.headers)
                if response.status_code < 400:
                    return response
                failure = self._classify(method, url, response, safe)
                if not isinstance(failure, RetriableError):
                    raise failure
            if last_try:
                raise failure
            delay = self.retry.backoff(attempt, self._rng)
            if isinstance(failure, RetriableError) and failure.retry_after is not None:
                delay = max(delay, failure.retry_after)
            log.info("retrying in %.2f s after: %s", delay, failure.message)
            self._sleep(delay)
        raise AssertionError("unreachable: the loop returns or raises")

    def get_json(self, path: str, *, params: Mapping[str, Any] | None = None, cost: float = 1.0) -> Any:
        """GET and parse; a malformed body is retried like any transient failure."""
        return self.read("GET", path, params=params, cost=cost)[0]

    def read(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        cost: float = 1.0,
    ) -> tuple[Any, requests.Response]:
        """A request that only reads (a GET, or a POST that only asks, like a GraphQL query): the
        parsed body and the response it came in (for headers such as Link). Retried like a GET,
        a malformed body included."""
        for attempt in range(self.retry.attempts):
            response = self.request(
                method, path, params=params, json_body=json_body, idempotent=True, cost=cost
            )
            try:
                return parse_json(response, self.redact), response
            except MalformedPayloadError as error:
                if attempt == self.retry.attempts - 1:
                    raise
                log.info("retrying after: %s", error.message)
                self._sleep(self.retry.backoff(attempt, self._rng))
        raise AssertionError("unreachable")

    def send_json(self, method: str, path: str, body: Any, *, idempotent: bool | None = None) -> Any:
        response = self.request(method, path, json_body=body, idempotent=idempotent)
        try:
            return parse_json(response, self.redact)
        except MalformedPayloadError as error:
            if idempotent or method.upper() in IDEMPOTENT_METHODS:
                raise
            # The store answered, so it processed the write; only the answer is lost.
            raise AmbiguousWriteError(error.message, status=error.status, url=error.url) from None

    # -- internals ---------------------------------------------------------------------------
    def _send(
        self, method: str, url: str, params: Mapping[str, Any], body: bytes | None
    ) -> requests.Response:
        with self._count_lock:
            self.requests_made += 1
        headers = {"Content-Type": "application/json"} if body is not None else None
        return self.session.request(
            method,
            url,
            params=params or None,
            data=body,
            headers=headers,
            timeout=(self.timeouts.connect, self.timeouts.read),
        )

    def _where(self, url: str) -> str:
        return self.redact(safe_url(url))

    def _connection_problem(self, error: requests.ConnectionError) -> str:
        text = self.redact(str(error))
        if "Name or service not known" in text or "nodename nor servname" in text or "NameResolution" in text:
            return "the store's host name does not resolve"
        if "Connection refused" in text:
            return "the store refused the connection (is the address right, is it up?)"
        if "CERTIFICATE_VERIFY_FAILED" in text or "SSLError" in text:
            return "the TLS certificate could not be verified"
        if "reset" in text.lower() or "aborted" in text.lower():
            return "the connection was reset"
        return "could not connect"

    def _classify(self, method: str, url: str, response: requests.Response, safe: bool) -> ConnectorError:
        status = response.status_code
        detail = self.redact(self._describe_error(response)).strip()
        message = f"{method} {self._where(url)} answered {status}" + (f": {detail}" if detail else "")
        if status in AUTH_STATUSES:
            return AuthError(message, status=status, url=self._where(url))
        if status in RETRIABLE_STATUSES:
            # A 429 was refused before any work; a 5xx to a write may have been half-applied.
            if not safe and status not in {429, 503}:
                return AmbiguousWriteError(message, status=status, url=self._where(url))
            return RetriableError(
                message,
                status=status,
                url=self._where(url),
                retry_after=retry_after_seconds(response.headers),
            )
        return FatalError(message, status=status, url=self._where(url))


def _sent_before_failure(error: requests.ConnectionError) -> bool:
    """Whether the request may have reached the server: only failures to connect are safe to retry."""
    text = str(error)
    return not any(
        marker in text
        for marker in (
            "NewConnectionError",
            "Connection refused",
            "NameResolution",
            "Name or service not known",
        )
    )


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot send {type(value).__name__} as JSON")
