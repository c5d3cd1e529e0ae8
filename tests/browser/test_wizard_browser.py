"""A store owner in a real browser: signs in, connects the sandbox Shopify and WooCommerce, and
sees each answer in place; every page passes the accessibility check at desktop and phone width."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from sandbox.catalog import Catalog
from sandbox.http import Store
from sandbox.settings import SandboxSettings
from sandbox.shopify import ShopifyStore
from sandbox.woocommerce import WooCommerceStore
from tests.browser.conftest import LiveApp, check_page
from tests.integration.web_client import EMAIL, PASSWORD

pytestmark = pytest.mark.slow

SETTINGS = SandboxSettings(seed=3)
PHONE = {"width": 360, "height": 740}
SHOP_NAME = "Ferry Sandbox Outfitters"  # the sandbox Shopify's shop name


@pytest.fixture
def stores(serve: Callable[[Store], str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The credentials of a sandbox Shopify and a sandbox WooCommerce, as `ferry sandbox` prints them."""
    shop = ShopifyStore(Catalog(seed=3, count=8), SETTINGS)
    woo = WooCommerceStore(SETTINGS)
    return shop.credentials(serve(shop)), woo.credentials(serve(woo))


def sign_in(page: Any, live_app: LiveApp, name: str) -> None:
    page.goto(f"{live_app.url}/")
    page.wait_for_url(re.compile(r"/login\?next="))
    check_page(page, f"{name}-01-sign-in")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/wizard/platform")


def no_reload_marker(page: Any) -> None:
    """Mark the window: the mark survives only as long as no full page load happens."""
    page.evaluate("window.__ferryMark = 'same page'")


def same_page(page: Any) -> bool:
    return page.evaluate("window.__ferryMark") == "same page"


def test_a_new_user_connects_shopify_and_woocommerce(
    page: Any, live_app: LiveApp, stores: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    shopify, woo = stores

    sign_in(page, live_app, "desktop")
    check_page(page, "desktop-02-platform")
    page.get_by_label("Shopify").check()
    no_reload_marker(page)
    page.get_by_role("button", name="Next").click()
    page.wait_for_url("**/wizard/source")
    assert same_page(page), "moving to the next step reloaded the page"
    assert page.title() == "Connect your store · Ferry"
    check_page(page, "desktop-03-source")

    # A wrong token: the error appears beside the token field, in place.
    page.get_by_label("Store address").fill(shopify["url"])
    page.get_by_label("Admin API access token").fill("shpat_not_the_token")
    page.get_by_role("button", name="Test connection").click()
    token_error = page.locator("#token-error")
    token_error.wait_for()
    assert "refused these credentials" in token_error.inner_text()
    assert page.get_by_label("Admin API access token").get_attribute("aria-invalid") == "true"
    assert same_page(page)
    check_page(page, "desktop-04-source-wrong-token")

    page.get_by_label("Admin API access token").fill(shopify["token"])
    page.get_by_role("button", name="Test connection").click()
    store_name = page.locator("#connection_report .store-name")
    store_name.wait_for()
    assert store_name.inner_text() == SHOP_NAME
    assert page.locator("#token-error").count() == 0
    assert "Saved — leave empty to keep it." in page.locator("#token-field").inner_text()
    assert shopify["token"] not in page.content()
    assert same_page(page)
    check_page(page, "desktop-05-source-connected")

    page.get_by_role("button", name="Next").click()
    page.wait_for_url("**/wizard/target")
    check_page(page, "desktop-06-target")
    page.get_by_label("Store address").fill(woo["url"])
    page.get_by_label("Consumer key").fill(woo["key"])
    page.get_by_label("Consumer secret").fill(woo["secret"])
    page.get_by_role("button", name="Test connection").click()
    page.locator("#connection_report .store-name").wait_for()
    assert "May write products" in page.locator("#connection_report").inner_text()
    assert page.locator("#key-error").count() == 0
    check_page(page, "desktop-07-target-connected")

    # A reload shows the same step with the same values; the secrets stay on the server.
    page.reload()
    assert page.url.endswith("/wizard/target")
    assert page.get_by_label("Store address").input_value() == woo["url"]
    assert page.get_by_label("Consumer key").input_value() == ""
    assert "Saved — leave empty to keep it." in page.locator("#key-field").inner_text()

    page.get_by_role("button", name="Next").click()
    page.wait_for_url("**/wizard/connected")
    assert page.get_by_role("heading", name="Both stores are connected").is_visible()
    check_page(page, "desktop-08-connected")

    # Back keeps everything; the browser's back button reloads the step from the server.
    page.get_by_role("button", name="Back").click()
    page.wait_for_url("**/wizard/target")
    assert page.get_by_label("Store address").input_value() == woo["url"]
    page.go_back()
    page.wait_for_url("**/wizard/connected")
    page.get_by_role("heading", name="Both stores are connected").wait_for()


@pytest.mark.parametrize("page", [PHONE], indirect=True, ids=["phone"])
def test_every_step_fits_a_phone_and_passes_the_accessibility_check(
    page: Any, live_app: LiveApp, stores: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    shopify, woo = stores

    def fits(name: str) -> None:
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{name} is {width} px wide at a {PHONE['width']} px screen"
        check_page(page, f"phone-{name}")

    sign_in(page, live_app, "phone")
    fits("02-platform")
    page.get_by_label("Shopify").check()
    page.get_by_role("button", name="Next").click()
    page.wait_for_url("**/wizard/source")
    page.get_by_label("Store address").fill(shopify["url"])
    page.get_by_label("Admin API access token").fill("shpat_wrong")
    page.get_by_role("button", name="Test connection").click()
    page.locator("#token-error").wait_for()
    fits("03-source-error")
    page.get_by_label("Admin API access token").fill(shopify["token"])
    page.get_by_role("button", name="Test connection").click()
    page.locator("#connection_report .store-name").wait_for()
    fits("04-source-connected")
    page.get_by_role("button", name="Next").click()
    page.wait_for_url("**/wizard/target")
    page.get_by_label("Store address").fill(woo["url"])
    page.get_by_label("Consumer key").fill(woo["read_key"])
    page.get_by_label("Consumer secret").fill(woo["read_secret"])
    page.get_by_role("button", name="Next").click()
    page.locator("#key-error").wait_for()  # a read-only key: Next stays, the reason beside the key
    assert "can only read" in page.locator("#key-error").inner_text()
    fits("05-target-read-only-key")
    page.get_by_label("Consumer key").fill(woo["key"])
    page.get_by_label("Consumer secret").fill(woo["secret"])
    page.get_by_role("button", name="Next").click()
    page.wait_for_url("**/wizard/connected")
    fits("06-connected")


def test_a_form_posted_without_its_token_shows_the_refusal_page(page: Any, live_app: LiveApp) -> None:
    sign_in(page, live_app, "csrf")
    # A form another site could build: same fields, no token.
    page.evaluate(
        """url => {
            const form = document.createElement('form');
            form.method = 'post';
            form.action = url;
            const field = document.createElement('input');
            field.name = 'platform';
            field.value = 'shopify';
            form.append(field);
            document.body.append(form);
            form.submit();
        }""",
        f"{live_app.url}/wizard/platform",
    )
    page.wait_for_load_state()
    page.get_by_role("heading", name="This form could not be accepted").wait_for()
    check_page(page, "csrf-refused")
    # Nothing was saved: the wizard is still at its first step.
    page.goto(f"{live_app.url}/wizard/")
    page.wait_for_url("**/wizard/platform")
