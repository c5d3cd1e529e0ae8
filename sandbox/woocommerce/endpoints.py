"""What a REST endpoint is here: a method, a path, its arguments, its permission callback and
its handler, plus the Call a handler receives and the permission errors WooCommerce uses.

Anonymous requests reach the permission callback (after argument validation, as in
WP_REST_Server::dispatch()) and get 401 with the controller's wording; API keys pass.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sandbox.http import Request, Response, dumps
from sandbox.woocommerce.auth import ApiKey
from sandbox.woocommerce.capacity import Tally
from sandbox.woocommerce.errors import WooError
from sandbox.woocommerce.schema import Spec, php_int

API_PREFIX = "/wp-json/wc/v3"

# The permission errors of WC_REST_Posts_Controller / WC_REST_Terms_Controller (401 when anonymous).
LIST = ("woocommerce_rest_cannot_view", "Sorry, you cannot list resources.")
VIEW = ("woocommerce_rest_cannot_view", "Sorry, you cannot view this resource.")
CREATE = ("woocommerce_rest_cannot_create", "Sorry, you are not allowed to create resources.")
EDIT = ("woocommerce_rest_cannot_edit", "Sorry, you are not allowed to edit this resource.")
DELETE = ("woocommerce_rest_cannot_delete", "Sorry, you are not allowed to delete this resource.")
BATCH = ("woocommerce_rest_cannot_batch", "Sorry, you are not allowed to batch manipulate this resource.")


@dataclass
class Call:
    """One request as a handler sees it: validated parameters, the JSON body, the caller."""

    request: Request
    site: str
    params: dict[str, Any]
    body: dict[str, Any]
    key: ApiKey | None
    tally: Tally

    def id(self, name: str = "id") -> int:
        return php_int(self.params[name])

    @property
    def context(self) -> str:
        return str(self.params.get("context") or "view")


Guard = Callable[[Call], None]


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # under /wp-json/wc/v3, with {name} for numeric path parameters
    handler: Callable[[Call], Response]
    args: Mapping[str, Spec]
    guard: Guard

    @property
    def pattern(self) -> str:
        return API_PREFIX + re.sub(r"\{(\w+)\}", r"(?P<\1>[0-9]+)", self.path) + "/?"

    @property
    def name(self) -> str:
        return f"{self.method} {self.path}"


def editable(
    path: str, handler: Callable[[Call], Response], args: Mapping[str, Spec], guard: Guard
) -> list[Endpoint]:
    """WP_REST_Server::EDITABLE: the same endpoint for POST, PUT and PATCH."""
    return [Endpoint(method, path, handler, args, guard) for method in ("POST", "PUT", "PATCH")]


def anonymous_refused(error: tuple[str, str]) -> Guard:
    """A permission callback refusing anonymous callers with `error`."""

    def guard(call: Call) -> None:
        if call.key is None:
            raise WooError(error[0], error[1], 401)

    return guard


def refused_if(exists: Callable[[Call], bool], error: tuple[str, str]) -> Guard:
    """get/update/delete_item_permissions_check(): anonymous callers are refused only when the
    object exists (a missing one falls through to the handler's `Invalid ID.`)."""

    def guard(call: Call) -> None:
        if call.key is None and exists(call):
            raise WooError(error[0], error[1], 401)

    return guard


def found_then(lookup: Callable[[Call], WooError | None], error: tuple[str, str]) -> Guard:
    """Terms' check_permissions(): a missing term or taxonomy is its 404 first, then anonymous 401."""

    def guard(call: Call) -> None:
        problem = lookup(call)
        if problem is not None:
            raise problem
        if call.key is None:
            raise WooError(error[0], error[1], 401)

    return guard


def body_response(body: bytes, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(status=status, body=body, headers=dict(headers or {}))


def payload_response(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return body_response(dumps(payload), status, headers)


def created(payload: dict[str, Any], location: str) -> Response:
    """create_item(): 201 with a Location header."""
    return payload_response(payload, 201, {"Location": location})
