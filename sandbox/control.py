"""The `/_sandbox/` control routes: never part of a platform's API, always beside it.

    GET    /_sandbox/stats            request counts per endpoint
    POST   /_sandbox/stats/reset      zero them
    GET    /_sandbox/faults           the live fault settings
    POST   /_sandbox/faults           change some ({"error_next": 3, "match": "products"})
    DELETE /_sandbox/faults           clear them all
    POST   /_sandbox/reset            back to the starting data, no faults, zero counts

plus each store's own (catalog changes for the source stores, the database for WooCommerce).
Errors here are plain `{"error": message}` with status 400 or 404.
"""

from __future__ import annotations

import logging
from typing import Any

from sandbox.faults import FaultError
from sandbox.http import HttpError, MalformedBody, Request, Response, Store, json_response, route

log = logging.getLogger(__name__)


def control_error(status: int, message: str) -> HttpError:
    return HttpError(json_response({"error": message}, status=status))


def json_object(request: Request) -> dict[str, Any]:
    """The request body as a JSON object (an empty body counts as {})."""
    if not request.body.strip():
        return {}
    try:
        payload = request.json()
    except MalformedBody as error:
        raise control_error(400, str(error)) from error
    if not isinstance(payload, dict):
        raise control_error(400, "the body must be a JSON object")
    return payload


class Control:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.routes = [
            route("GET", "/_sandbox/stats", self.stats),
            route("POST", "/_sandbox/stats/reset", self.reset_stats),
            route("GET", "/_sandbox/faults", self.get_faults),
            route("POST", "/_sandbox/faults", self.set_faults),
            route("DELETE", "/_sandbox/faults", self.clear_faults),
            route("POST", "/_sandbox/reset", self.reset),
            *store.control_routes(),
        ]

    def handle(self, request: Request) -> Response:
        for candidate in self.routes:
            found = candidate.pattern.match(request.path)
            if found and candidate.method == request.method:
                request.params = found.groupdict()
                try:
                    return candidate.handler(request)
                except HttpError as error:
                    return error.response
                except (KeyError, ValueError) as error:
                    return json_response({"error": f"bad control request: {error}"}, status=400)
        return json_response({"error": f"no control route {request.method} {request.path}"}, status=404)

    def stats(self, request: Request) -> Response:
        return json_response(self.store.stats())

    def reset_stats(self, request: Request) -> Response:
        self.store.reset_stats()
        return json_response(self.store.stats())

    def get_faults(self, request: Request) -> Response:
        return json_response(self.store.faults.snapshot())

    def set_faults(self, request: Request) -> Response:
        try:
            return json_response(self.store.faults.update(json_object(request)))
        except FaultError as error:
            raise control_error(400, str(error)) from error

    def clear_faults(self, request: Request) -> Response:
        self.store.faults.clear()
        return json_response(self.store.faults.snapshot())

    def reset(self, request: Request) -> Response:
        self.store.reset()
        return json_response({"reset": True})
