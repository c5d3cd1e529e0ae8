"""CSRF on every form and HTMX request, the machine blueprints exempt; the security headers."""

from __future__ import annotations

import json
import re

import pytest

from tests.integration.web_client import CSRF_META, Browser, form_block


def test_the_token_rides_in_a_meta_tag_and_in_hx_headers_on_the_body(signed_in: Browser) -> None:
    page = signed_in.get("/wizard/platform").get_data(as_text=True)
    meta = CSRF_META.search(page)
    body = re.search(r"<body hx-headers='([^']+)'>", page)
    assert meta and body
    assert json.loads(body.group(1)) == {"X-CSRFToken": meta.group(1)}
    assert f'name="csrf_token" type="hidden" value="{meta.group(1)}"' in page


@pytest.mark.parametrize(
    ("path", "data"),
    [
        pytest.param("/wizard/platform", {"platform": "shopify"}, id="wizard-form"),
        pytest.param("/logout", {}, id="logout"),
        pytest.param("/wizard/restart", {}, id="restart"),
    ],
)
def test_a_post_without_the_token_is_refused_with_a_clear_400_page(
    signed_in: Browser, path: str, data: dict[str, str]
) -> None:
    refused = signed_in.client.post(path, data=data)
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "This form could not be accepted" in page
    assert "The CSRF token is missing." in page
    forged = signed_in.client.post(path, data={**data, "csrf_token": "forged"})
    assert forged.status_code == 400
    # Refused means refused: the user is still signed in and the draft did not move.
    assert signed_in.get("/wizard/platform").status_code == 200


def test_an_htmx_post_without_the_header_is_refused_and_told_to_reload(signed_in: Browser) -> None:
    refused = signed_in.client.post("/wizard/platform", data={"platform": "shopify"}, headers=form_block())
    assert refused.status_code == 400
    assert refused.headers["HX-Refresh"] == "true"
    accepted = signed_in.post("/wizard/platform", {"platform": "shopify"}, htmx="step_form")
    assert accepted.status_code == 200


def test_the_sign_in_form_needs_its_token_too(browser: Browser) -> None:
    assert browser.client.post("/login", data={"email": "a@example.com", "password": "x"}).status_code == 400


def test_the_api_and_webhooks_are_exempt_from_csrf(browser: Browser) -> None:
    """They authenticate every request themselves: no cookie, so nothing for a forged form to use."""
    checked = 0
    for rule in browser.app.url_map.iter_rules():
        if not rule.endpoint.startswith(("api.", "webhooks.")) or "POST" not in (rule.methods or ()):
            continue
        url = rule.build({name: 1 for name in rule.arguments})[1]
        response = browser.client.post(url, data=b"{}", content_type="application/json")
        assert response.status_code in {401, 403, 404, 422}, (url, response.status_code)
        assert b"CSRF" not in response.data
        checked += 1
    if not checked:
        pytest.skip("no API or webhook blueprint registered yet")


def test_pages_carry_security_headers(signed_in: Browser) -> None:
    response = signed_in.get("/wizard/platform")
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    # The CSP forbids inline script and style: the pages have none.
    page = response.get_data(as_text=True)
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)
    assert "<style" not in page and " style=" not in page
