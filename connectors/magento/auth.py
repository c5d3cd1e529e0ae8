"""Magento's bearer tokens and error bodies.

Every route but the admin token exchange wants `Authorization: Bearer <token>`: an integration's
access token, or an admin token from `POST /V1/integration/admin/token` (valid 4 hours by default):
https://developer.adobe.com/commerce/webapi/get-started/authentication/gs-authentication-token/
Errors are `{"message": template, "parameters": list | object}`: the template is untranslated and
the client substitutes `%1`... (a list) or `%name` (an object):
https://developer.adobe.com/commerce/webapi/get-started/gs-web-api-response/
"""

from __future__ import annotations

import json
import re
from typing import Any

import requests
from requests.auth import AuthBase

# Webapi\Controller\Rest\RequestValidator::checkPermissions names the ACL resources the route
# needs: {"message": "The consumer isn't authorized to access %resources.", "parameters":
# {"resources": "Magento_Catalog::products"}} (tests/samples/magento/magento2_tests_transcribed).
# An unknown or expired token gets the same answer: Magento treats it as no token at all.
NOT_AUTHORIZED = re.compile(r"isn't authorized to access (?P<resources>[\w:]+(?:, [\w:]+)*)")
# Magento_TwoFactorAuth refuses the plain exchange (Model/AdminAccessTokenService.php, 2.4).
TWO_FACTOR = re.compile(r"2fa|two-factor", re.IGNORECASE)


class BearerToken(AuthBase):
    """Sends the current token; holds none while signing in (the token route is anonymous)."""

    def __init__(self, token: str | None = None) -> None:
        self.token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        if self.token:
            request.headers["Authorization"] = f"Bearer {self.token}"
        return request


def render_message(template: str, parameters: Any) -> str:
    """Magento's message template with its parameters put in."""
    if isinstance(parameters, list):
        # From the highest number down, so %1 does not eat the start of %10.
        for index in range(len(parameters), 0, -1):
            template = template.replace(f"%{index}", str(parameters[index - 1]))
    elif isinstance(parameters, dict):
        for name in sorted(parameters, key=len, reverse=True):
            template = template.replace(f"%{name}", str(parameters[name]))
    return template


def describe_error(response: requests.Response) -> str:
    """A refused answer in plain words: the rendered message (and its sub-errors), or what the body is."""
    try:
        body = json.loads(response.content)
    except ValueError:
        if "html" in response.headers.get("Content-Type", "").lower():
            return "an HTML page, not an answer of Magento's REST API"
        return response.text[:200]
    if not isinstance(body, dict) or "message" not in body:
        return str(body)[:300]
    text = render_message(str(body["message"]), body.get("parameters"))
    details = [
        render_message(str(error.get("message", "")), error.get("parameters"))
        for error in body.get("errors") or ()
        if isinstance(error, dict)
    ]
    return "; ".join([text, *details])


def missing_resources(message: str) -> tuple[str, ...]:
    """The ACL resources a "not authorized" message names, e.g. ("Magento_Catalog::products",)."""
    found = NOT_AUTHORIZED.search(message)
    if not found:
        return ()
    return tuple(part.strip() for part in found.group("resources").split(",") if part.strip())
