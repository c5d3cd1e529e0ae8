"""WordPress REST errors: `{"code", "message", "data": {"status", ...}}`, raised as WooError.

A WP_Error becomes a response through rest_convert_error_to_response(): the HTTP status is
`data.status`, or 500 when the error carries no data (as some WordPress core errors do).
https://developer.wordpress.org/reference/functions/rest_convert_error_to_response/
"""

from __future__ import annotations

from typing import Any

from sandbox.http import Response, json_response

# https://github.com/WordPress/wordpress-develop/blob/trunk/src/wp-includes/rest-api/class-wp-rest-server.php
NO_ROUTE_MESSAGE = "No route was found matching the URL and request method"


class WooError(Exception):
    """A WP_Error: code, message and data (None for core errors raised without any)."""

    def __init__(self, code: str, message: str, status: int | None = 400, **data: Any) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.data: dict[str, Any] | None = None if status is None else {"status": status, **data}

    @property
    def status(self) -> int:
        return int((self.data or {}).get("status", 500))

    def body(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "data": self.data}

    def response(self) -> Response:
        return json_response(self.body(), status=self.status)


class ParamError(WooError):
    """One parameter failing WordPress's schema validation (rest_validate_value_from_schema)."""

    def __init__(self, code: str, message: str, param: str | None = None) -> None:
        super().__init__(code, message, status=None)
        # Type errors carry the parameter name as their data; the others carry none.
        self.data = {"param": param} if param is not None else None


def invalid_params(problems: dict[str, ParamError]) -> WooError:
    """WP_REST_Request::has_valid_params(): every bad argument, named, with its details."""
    return WooError(
        "rest_invalid_param",
        "Invalid parameter(s): " + ", ".join(problems),
        params={name: problem.message for name, problem in problems.items()},
        details={name: problem.body() for name, problem in problems.items()},
    )


def missing_params(names: list[str]) -> WooError:
    return WooError("rest_missing_callback_param", "Missing parameter(s): " + ", ".join(names), params=names)


def no_route() -> WooError:
    return WooError("rest_no_route", NO_ROUTE_MESSAGE, 404)


def invalid_id(kind: str, status: int) -> WooError:
    """WC_REST_CRUD_Controller: `woocommerce_rest_{post_type}_invalid_id`, 404 on read, 400 on write."""
    return WooError(f"woocommerce_rest_{kind}_invalid_id", "Invalid ID.", status)


def html_page(status: int, title: str) -> Response:
    """What a WordPress site answers outside /wp-json/: its theme's HTML page, not JSON."""
    body = (
        '<!DOCTYPE html>\n<html lang="en-US"><head><meta charset="UTF-8">'
        f"<title>{title} &#8211; Ferry Sandbox Store</title></head>"
        f'<body class="error{status}"><h1>{title}</h1></body></html>\n'
    )
    return Response(status=status, body=body.encode(), content_type="text/html; charset=UTF-8")
