"""BigCommerce's error answers: the v3 JSON body, and the gateway's plain-text ones.

v3 errors are `{status, title, type, errors}` (spec GeneralErrorWithErrors / errorResponse_422;
the example in https://github.com/bigcommerce/docs/blob/main/docs/start/migration/4_errors.md).
The API gateway answers some requests before any store code runs, in plain text; measured on
api.bigcommerce.com and recorded in a public integration (w6w BigCommerce app, lib/client.ts and
README "Four different problems, one status code", probes of 2026-08-11):

    no X-Auth-Token header         401 text/plain        X-Auth-Token header is required
    X-Auth-Token with empty value  401 text/plain        X-Auth-Token header should have correct format
    X-Auth-Token: <nonsense>       401 application/json  {"status":401,"title":"Unauthorized",...}
    a route that does not exist    404 text/plain        The route is not found, check the URL

The route is resolved before the token is checked, and the token before the store: a wrong store
hash with a good token is a 403 ("Check the URL. Are the endpoint and store hash correct?",
https://github.com/bigcommerce/docs/blob/main/docs/start/about/status-codes.mdx) whose body is the
scope error BigCommerce sends for a token not bound to the store (NangoHQ/nango#7026).
"""

from __future__ import annotations

from typing import Any

from sandbox.http import HttpError, Response, json_response

TYPE = "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes"
PLAIN = "text/plain; charset=utf-8"

NO_TOKEN = "X-Auth-Token header is required"
EMPTY_TOKEN = "X-Auth-Token header should have correct format"
NO_ROUTE = "The route is not found, check the URL"
NO_SCOPE = "You don't have a required scope to access the endpoint"


def v3_error(status: int, title: str, errors: dict[str, Any] | None = None) -> Response:
    """`errors` appears where BigCommerce sends it (validation, auth, scope), even when empty."""
    body: dict[str, Any] = {"status": status, "title": title, "type": TYPE}
    if errors is not None:
        body["errors"] = errors
    return json_response(body, status=status)


def plain(status: int, text: str) -> Response:
    return Response(status=status, body=text.encode(), content_type=PLAIN)


def invalid(parameter: str, message: str) -> HttpError:
    """A 422 naming the query parameter that is wrong."""
    return HttpError(v3_error(422, f"The parameter '{parameter}' is invalid.", {parameter: message}))
