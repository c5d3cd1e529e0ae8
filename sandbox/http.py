"""The small HTTP core every fake store stands on.

One `ThreadingHTTPServer` per store, HTTP/1.1 keep-alive, a regex router, JSON helpers, the fault
hooks and the `/_sandbox/` control routes. A store subclass declares its routes and how its platform
shapes errors; everything else (counting, faults, tracebacks never leaking) happens here.
"""

from __future__ import annotations

import json
import logging
import re
import socket
import struct
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from sandbox.faults import Action, Faults

log = logging.getLogger(__name__)

JSON_TYPE = "application/json; charset=utf-8"


class MalformedBody(ValueError):
    """The request body is not the JSON the endpoint needs."""


class HttpError(Exception):
    """Raised by a handler to answer with a ready platform-shaped response."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


@dataclass
class Request:
    method: str
    path: str
    query: list[tuple[str, str]]
    headers: Any  # http.client.HTTPMessage: case-insensitive get()
    body: bytes
    host: str
    params: dict[str, str] = field(default_factory=dict)
    route_name: str = ""

    @property
    def base_url(self) -> str:
        return f"http://{self.host}"

    def arg(self, name: str, default: str | None = None) -> str | None:
        for key, value in self.query:
            if key == name:
                return value
        return default

    def args(self, name: str) -> list[str]:
        return [value for key, value in self.query if key == name]

    def arg_names(self) -> set[str]:
        return {key for key, _ in self.query}

    def json(self) -> Any:
        """The body as JSON, with numbers as Decimal so prices keep their digits."""
        if not self.body.strip():
            raise MalformedBody("the request body is empty")
        try:
            return json.loads(self.body, parse_float=Decimal)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise MalformedBody(f"the request body is not valid JSON: {error}") from error


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = JSON_TYPE


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        # Platforms that send prices as JSON numbers write 12 or 7.95, never "7.95".
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def dumps(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=_json_default).encode()


def json_response(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(status=status, body=dumps(payload), headers=dict(headers or {}))


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Callable[[Request], Response]
    name: str


def route(method: str, pattern: str, handler: Callable[[Request], Response], name: str = "") -> Route:
    """A route: `pattern` is a regex for the whole path with named groups for path parameters."""
    return Route(method, re.compile(pattern + r"\Z"), handler, name or f"{method} {pattern}")


class Store:
    """A fake platform store: its routes, its error shapes, its control hooks.

    Subclasses set `platform` and implement `routes()` and `error_response()`; the rest is optional.
    """

    platform: str = ""

    def __init__(self) -> None:
        self.faults = Faults()
        self.requests: Counter[str] = Counter()
        self._counter_lock = threading.Lock()
        self.stopping = threading.Event()
        self._routes = list(self.routes())

    # -- what a platform declares ---------------------------------------------------------
    def routes(self) -> Iterable[Route]:
        raise NotImplementedError

    def error_response(self, status: int, message: str) -> Response:
        """The platform's error body for `status`."""
        raise NotImplementedError

    def credentials(self, base_url: str) -> dict[str, Any]:
        """What a client needs to connect: printed by `ferry sandbox`."""
        raise NotImplementedError

    def not_found(self, request: Request) -> Response:
        return self.error_response(404, "Not Found")

    def method_not_allowed(self, request: Request) -> Response:
        return self.error_response(405, "Method Not Allowed")

    def malformed_body(self, request: Request, error: MalformedBody) -> Response:
        return self.error_response(400, str(error))

    def server_error(self, status: int) -> Response:
        return self.error_response(status, HTTPStatus(status).phrase)

    def rate_limited(self, request: Request) -> Response:
        """A 429 answered because of a fault burst; platforms add their own headers."""
        return self.error_response(429, "Too Many Requests")

    def warm(self) -> None:
        """Build what the first request would otherwise wait for (indexes, schemas)."""

    def decorate(self, request: Request, response: Response) -> None:
        """Add headers every response carries (rate-limit headers, say)."""

    def close(self) -> None:
        """Stop background work (webhook deliveries); called when the store's server stops."""

    # -- control hooks (the /_sandbox/ routes call these) ---------------------------------
    def control_routes(self) -> Iterable[Route]:
        return ()

    def stats(self) -> dict[str, Any]:
        with self._counter_lock:
            return {"requests": dict(self.requests), "total": sum(self.requests.values())}

    def reset_stats(self) -> None:
        with self._counter_lock:
            self.requests.clear()

    def reset(self) -> None:
        """Back to the state the store started in (data, faults, counters)."""
        self.faults.clear()
        self.reset_stats()

    def state_version(self) -> int:
        """A number that changes whenever the data changes: the sandbox saves only then."""
        return 0

    def dump_state(self) -> dict[str, Any] | None:
        """The data as JSON-able state for --state-dir, or None for a store with nothing to keep."""
        return None

    def load_state(self, state: dict[str, Any]) -> None:
        pass

    # -- dispatch -------------------------------------------------------------------------
    def count(self, name: str) -> None:
        with self._counter_lock:
            self.requests[name] += 1

    def match(self, request: Request) -> tuple[Route | None, bool]:
        """The route for the request, and whether any route had that path (for 405 vs 404)."""
        path_known = False
        for candidate in self._routes:
            found = candidate.pattern.match(request.path)
            if not found:
                continue
            path_known = True
            if candidate.method == request.method:
                request.params = found.groupdict()
                return candidate, True
        return None, path_known


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Any  # sandbox.server.StoreServer: .store and .control
    # A platform store answers fast; idle keep-alive sockets close after this many seconds.
    timeout = 120

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in one write, but keep latency low for the next request too.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.server.store.platform, format % args)

    def _dispatch(self) -> None:
        store = self.server.store
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = Request(
            method=self.command,
            path=split.path,
            query=parse_qsl(split.query, keep_blank_values=True),
            headers=self.headers,
            body=body,
            host=self.headers.get("Host") or "{}:{}".format(*self.server.server_address[:2]),
        )
        if request.path.startswith("/_sandbox/"):
            self._send(self.server.control.handle(request))
            return

        matched, path_known = store.match(request)
        request.route_name = matched.name if matched else "unmatched"
        store.count(request.route_name)
        action = store.faults.before(request)
        if action is Action.HANG:
            store.stopping.wait(store.faults.hang_seconds)
            self.close_connection = True
            return
        if action is Action.RESET:
            self._reset()
            return
        if action is Action.RATE_LIMIT:
            self._send(self._finish(store, request, store.rate_limited(request)))
            return
        if action is Action.SERVER_ERROR:
            self._send(self._finish(store, request, store.server_error(store.faults.error_status)))
            return

        response = self._call(store, request, matched, path_known)
        action = store.faults.after(request, response)
        if action is Action.DROP:
            self._reset()
            return
        if action is Action.MALFORM:
            response.body = response.body[: max(1, len(response.body) // 2)]
        self._send(response)

    def _call(self, store: Store, request: Request, matched: Route | None, path_known: bool) -> Response:
        try:
            if matched is None:
                response = store.method_not_allowed(request) if path_known else store.not_found(request)
            else:
                response = matched.handler(request)
        except HttpError as error:
            response = error.response
        except MalformedBody as error:
            response = store.malformed_body(request, error)
        except Exception:
            # A bug in the fake must still look like the platform's own 500, never a traceback.
            log.exception("%s: handler failed for %s %s", store.platform, request.method, request.path)
            response = store.server_error(500)
        return self._finish(store, request, response)

    @staticmethod
    def _finish(store: Store, request: Request, response: Response) -> Response:
        store.decorate(request, response)
        return response

    def _send(self, response: Response) -> None:
        head = [f"HTTP/1.1 {response.status} {_phrase(response.status)}"]
        headers = {
            "Date": formatdate(usegmt=True),
            "Content-Type": response.content_type,
            **response.headers,
            "Content-Length": str(len(response.body)),
        }
        if self.headers.get("Connection", "").lower() == "close":
            headers["Connection"] = "close"
            self.close_connection = True
        head.extend(f"{name}: {value}" for name, value in headers.items())
        payload = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1", "replace")
        if self.command != "HEAD":
            payload += response.body
        self.wfile.write(payload)

    def _reset(self) -> None:
        """Abort the connection with a TCP RST, as a crashed proxy or a dropped link does."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _dispatch


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"
