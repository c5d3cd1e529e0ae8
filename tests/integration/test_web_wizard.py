"""The wizard's first steps against the sandbox stores: platform, source credentials, WooCommerce.

Each step keeps what was entered in the draft (database), the cookie holds only its id; HTMX
requests get only the block they swap; errors land beside the field that is wrong; no secret is
ever sent back to the browser.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.test import TestResponse

from jobs.definition import SourceSpec, TargetSpec
from jobs.store.models import Draft
from sandbox.bigcommerce import BigCommerceStore
from sandbox.catalog import Catalog
from sandbox.http import Store
from sandbox.magento import MagentoStore
from sandbox.settings import SandboxSettings
from sandbox.shopify import ShopifyStore
from sandbox.woocommerce import WooCommerceStore
from tests.databases import KINDS, database_url
from tests.integration.web_client import Browser, add_user, dispose, errors_beside, input_value, make_app
from wizard.flow import WIZARD
from wizard.services import services
from wizard.steps import ConnectionStep

SETTINGS = SandboxSettings(seed=11)
CATALOG = Catalog(seed=11, count=6)
SOURCES: dict[str, Callable[[], Store]] = {
    "shopify": lambda: ShopifyStore(CATALOG.copy(), SETTINGS),
    "magento": lambda: MagentoStore(CATALOG.copy(), SETTINGS),
    "bigcommerce": lambda: BigCommerceStore(CATALOG.copy(), SETTINGS),
}


@dataclass
class Stores:
    source: dict[str, Any]  # what `ferry sandbox` prints for the source store
    woo: dict[str, Any]

    def secrets(self) -> list[str]:
        return [
            str(value)
            for credentials in (self.source, self.woo)
            for name, value in credentials.items()
            if name in {"token", "password", "key", "secret", "read_key", "read_secret"}
        ]


def _stores(serve: Callable[[Store], str], platform: str) -> Stores:
    source = SOURCES[platform]()
    woo = WooCommerceStore(SETTINGS)
    credentials = source.credentials(serve(source))
    return Stores(credentials, woo.credentials(serve(woo)))


@pytest.fixture
def shopify(serve: Callable[[Store], str]) -> Stores:
    return _stores(serve, "shopify")


def choose(browser: Browser, platform: str) -> None:
    browser.get("/wizard/platform")
    response = browser.post("/wizard/platform", {"platform": platform}, htmx="step_form")
    assert response.headers["HX-Push-Url"] == "/wizard/source"


def check(browser: Browser, step: str, form: dict[str, str]) -> TestResponse:
    """Press "Test connection" on a connection step (HTMX swaps the form)."""
    return browser.post(f"/wizard/{step}", {**form, "direction": "test"}, htmx="step_form")


def source_form(platform: str, credentials: dict[str, Any]) -> dict[str, str]:
    if platform == "bigcommerce":
        return {
            "store_hash": credentials["store_hash"],
            "token": credentials["token"],
            "url": credentials["url"],
        }
    if platform == "magento":
        return {
            "url": credentials["url"],
            "sign_in": "token",
            "token": credentials["token"],
            "store_view": "default",
        }
    return {"url": credentials["url"], "token": credentials["token"]}


def woo_form(woo: dict[str, Any], *, read_only: bool = False) -> dict[str, str]:
    prefix = "read_" if read_only else ""
    return {"url": woo["url"], "key": woo[f"{prefix}key"], "secret": woo[f"{prefix}secret"]}


def store_name_in(html: str) -> str:
    start = html.index('<strong class="store-name">') + len('<strong class="store-name">')
    return html[start : html.index("</strong>", start)]


# -- pages and blocks ---------------------------------------------------------------------------
def test_a_normal_request_gets_the_page_and_an_htmx_request_only_its_block(signed_in: Browser) -> None:
    page = signed_in.get("/wizard/platform").get_data(as_text=True)
    assert page.startswith("<!doctype html>")
    assert "<title>Choose your store&#39;s platform · Ferry</title>" in page
    block = signed_in.get("/wizard/platform", headers={"HX-Request": "true", "HX-Target": "step_form"})
    html = block.get_data(as_text=True).strip()
    assert html.startswith('<form id="step_form"') and html.endswith("</form>")
    assert "<html" not in html and "<nav" not in html
    restore = signed_in.get(
        "/wizard/platform",
        headers={"HX-Request": "true", "HX-Target": "step_form", "HX-History-Restore-Request": "true"},
    )
    assert restore.get_data(as_text=True).startswith("<!doctype html>")


def test_step_one_shows_a_card_per_platform_with_what_it_needs_and_where(signed_in: Browser) -> None:
    page = signed_in.get("/wizard/platform").get_data(as_text=True)
    for title, credential in [
        ("Shopify", "read_products and read_inventory"),
        ("Magento 2", "integration"),
        ("BigCommerce", "Products scope set to read-only"),
    ]:
        assert title in page and credential in page
    assert page.count('class="card choice-card"') == 3
    assert page.count("Where to find it in") == 3


def test_choosing_nothing_re_renders_the_step_with_the_message_beside_the_choice(signed_in: Browser) -> None:
    response = signed_in.post("/wizard/platform", {}, htmx="step_form")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<form id="step_form"')
    assert errors_beside(html, "platform") == "Choose the platform your products are on."


def test_a_later_step_cannot_be_opened_before_the_earlier_ones_are_done(signed_in: Browser) -> None:
    assert signed_in.get("/wizard/target").headers["Location"] == "/wizard/platform"
    choose(signed_in, "shopify")
    assert signed_in.get("/wizard/target").headers["Location"] == "/wizard/source"
    assert signed_in.get("/wizard/nowhere").status_code == 404


def test_moving_on_answers_with_the_next_step_in_one_round_trip(signed_in: Browser) -> None:
    signed_in.get("/wizard/platform")
    response = signed_in.post("/wizard/platform", {"platform": "shopify"}, htmx="step_form")
    assert response.headers["HX-Retarget"] == "#main"
    assert response.headers["HX-Push-Url"] == "/wizard/source"
    html = response.get_data(as_text=True)
    assert html.startswith("<title>Connect your store · Ferry</title>")
    assert 'id="step_form"' in html and "Admin API access token" in html
    # Without JavaScript the same form posts and redirects.
    plain = signed_in.post("/wizard/platform", {"platform": "shopify"})
    assert (plain.status_code, plain.headers["Location"]) == (303, "/wizard/source")


# -- source credentials ---------------------------------------------------------------------------
@pytest.mark.parametrize("platform", list(SOURCES))
def test_test_connection_shows_the_store_in_place_and_stays_on_the_step(
    signed_in: Browser, serve: Callable[[Store], str], platform: str
) -> None:
    stores = _stores(serve, platform)
    choose(signed_in, platform)
    response = check(signed_in, "source", source_form(platform, stores.source))
    assert response.status_code == 200 and "HX-Push-Url" not in response.headers
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<form id="step_form"')
    assert store_name_in(html)
    assert "Connected" in html and "Products" in html and " ms</dd>" in html
    assert not [secret for secret in stores.secrets() if secret in html]


def test_magento_signs_in_with_an_admin_user_too(signed_in: Browser, serve: Callable[[Store], str]) -> None:
    stores = _stores(serve, "magento")
    choose(signed_in, "magento")
    form = {"url": stores.source["url"], "sign_in": "admin", "store_view": "default"}
    wrong = check(signed_in, "source", {**form, "username": "admin", "password": "wrong"})
    assert "refused these credentials" in errors_beside(wrong.get_data(as_text=True), "password")
    right = check(signed_in, "source", {**form, "username": "admin", "password": stores.source["password"]})
    assert "Connected" in right.get_data(as_text=True)


@pytest.mark.parametrize("platform", list(SOURCES))
def test_a_wrong_token_shows_its_error_beside_the_token(
    signed_in: Browser, serve: Callable[[Store], str], platform: str
) -> None:
    stores = _stores(serve, platform)
    choose(signed_in, platform)
    form = {**source_form(platform, stores.source), "token": "wrong-token-0000"}
    html = check(signed_in, "source", form).get_data(as_text=True)
    assert errors_beside(html, "token").startswith("The store refused these credentials.")
    assert errors_beside(html, "url") == ""
    assert "wrong-token-0000" not in html


def test_an_address_without_a_store_shows_its_error_beside_the_url(
    signed_in: Browser, shopify: Stores
) -> None:
    choose(signed_in, "shopify")
    form = {"url": shopify.woo["url"], "token": shopify.source["token"]}  # a WooCommerce store, no Shopify
    html = check(signed_in, "source", form).get_data(as_text=True)
    assert errors_beside(html, "url").startswith("No store was found there.")
    assert errors_beside(html, "token") == ""


def test_an_unreachable_address_shows_its_error_beside_the_url(signed_in: Browser, shopify: Stores) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    choose(signed_in, "shopify")
    html = check(signed_in, "source", {"url": closed, "token": shopify.source["token"]}).get_data(
        as_text=True
    )
    assert errors_beside(html, "url").startswith("The store could not be reached at this address.")


def test_a_refused_address_shows_its_error_beside_the_url(
    signed_in: Browser, shopify: Stores, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FERRY_ALLOW_PRIVATE_NETWORKS", "0")  # the network guard as in production
    choose(signed_in, "shopify")
    html = check(signed_in, "source", source_form("shopify", shopify.source)).get_data(as_text=True)
    assert errors_beside(html, "url").startswith("Ferry will not connect to this address.")


def test_a_bigcommerce_hash_that_names_no_store_shows_its_error_beside_the_hash(
    signed_in: Browser, serve: Callable[[Store], str]
) -> None:
    stores = _stores(serve, "bigcommerce")
    choose(signed_in, "bigcommerce")
    form = {**source_form("bigcommerce", stores.source), "store_hash": "nosuchstore1"}
    html = check(signed_in, "source", form).get_data(as_text=True)
    message = errors_beside(html, "store_hash")
    assert message, html
    assert errors_beside(html, "url") == ""


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        pytest.param({"url": "", "token": "shpat_x"}, "url", "required", id="no-url"),
        pytest.param({"url": "ftp://shop", "token": "shpat_x"}, "url", "", id="bad-url"),
        pytest.param(
            {"url": "https://shop.myshopify.com", "token": ""}, "token", "is required", id="no-token"
        ),
    ],
)
def test_invalid_input_re_renders_with_the_message_beside_the_field(
    signed_in: Browser, form: dict[str, str], field: str, message: str
) -> None:
    choose(signed_in, "magento" if "sign_in" in form else "shopify")
    response = signed_in.post("/wizard/source", form, htmx="step_form")
    assert response.status_code == 200 and "HX-Push-Url" not in response.headers
    assert message in errors_beside(response.get_data(as_text=True), field)
    assert errors_beside(response.get_data(as_text=True), field)


# -- saved values, back and next, reloads -------------------------------------------------------------
def _through_source(browser: Browser, stores: Stores) -> None:
    choose(browser, "shopify")
    response = browser.post("/wizard/source", source_form("shopify", stores.source), htmx="step_form")
    assert response.headers["HX-Push-Url"] == "/wizard/target", response.get_data(as_text=True)


def test_a_saved_secret_is_never_sent_back_and_an_empty_field_keeps_it(
    signed_in: Browser, shopify: Stores
) -> None:
    _through_source(signed_in, shopify)
    page = signed_in.get("/wizard/source").get_data(as_text=True)
    assert input_value(page, "url") == shopify.source["url"]
    assert input_value(page, "token") == ""
    assert "Saved — leave empty to keep it." in page
    assert shopify.source["token"] not in page
    # Next with the token left empty tests with the saved one.
    kept = signed_in.post("/wizard/source", {"url": shopify.source["url"], "token": ""}, htmx="step_form")
    assert kept.headers["HX-Push-Url"] == "/wizard/target"


def test_the_woocommerce_step_checks_write_permission(signed_in: Browser, shopify: Stores) -> None:
    _through_source(signed_in, shopify)
    read_only = check(signed_in, "target", woo_form(shopify.woo, read_only=True))
    html = read_only.get_data(as_text=True)
    assert errors_beside(html, "key").startswith("This key can only read.")
    assert "May write products" in html
    assert (
        signed_in.post("/wizard/target", {"url": shopify.woo["url"]}, htmx="step_form").headers.get(
            "HX-Push-Url"
        )
        is None
    )  # the saved read-only key still cannot write
    wrong = check(signed_in, "target", {**woo_form(shopify.woo), "secret": "cs_wrong"})
    assert errors_beside(wrong.get_data(as_text=True), "key").startswith(
        "The store refused these credentials."
    )
    done = signed_in.post("/wizard/target", woo_form(shopify.woo), htmx="step_form")
    assert done.headers["HX-Push-Url"] == "/wizard/connected"
    assert "Both stores are connected" in done.get_data(as_text=True)
    assert "Choose which products to import" in done.get_data(as_text=True)


def test_back_keeps_what_was_typed_and_next_returns_to_it(signed_in: Browser, shopify: Stores) -> None:
    _through_source(signed_in, shopify)
    back = signed_in.post(
        "/wizard/target",
        {"url": shopify.woo["url"], "key": "", "secret": "", "direction": "back"},
        htmx="step_form",
    )
    assert back.headers["HX-Push-Url"] == "/wizard/source"
    assert input_value(back.get_data(as_text=True), "url") == shopify.source["url"]
    assert input_value(signed_in.get("/wizard/target").get_data(as_text=True), "url") == shopify.woo["url"]


def test_changing_the_platform_forgets_the_old_credentials(signed_in: Browser, shopify: Stores) -> None:
    _through_source(signed_in, shopify)
    choose(signed_in, "bigcommerce")
    page = signed_in.get("/wizard/source").get_data(as_text=True)
    assert "Store hash" in page and "Saved — leave empty" not in page
    assert signed_in.get("/wizard/target").headers["Location"] == "/wizard/source"


def test_start_over_begins_a_new_draft(signed_in: Browser, shopify: Stores) -> None:
    _through_source(signed_in, shopify)
    response = signed_in.post("/wizard/restart")
    assert response.headers["Location"] == "/wizard/platform"
    assert signed_in.get("/wizard/source").headers["Location"] == "/wizard/platform"


@pytest.mark.parametrize("kind", KINDS)
def test_the_draft_survives_a_reload_and_a_new_client_with_the_same_cookie(
    kind: str, web_env: Path, tmp_path: Path, shopify: Stores
) -> None:
    with database_url(kind, tmp_path) as url:
        app = make_app(url)
        add_user(app)
        first = Browser(app, app.test_client())
        first.login()
        _through_source(first, shopify)
        first.post("/wizard/target", {"url": shopify.woo["url"], "key": "", "secret": ""}, htmx="step_form")
        cookie = first.client.get_cookie("ferry_session")
        assert cookie is not None

        second = Browser(app, app.test_client())
        second.client.set_cookie("ferry_session", cookie.value)
        assert second.get("/wizard/").headers["Location"] == "/wizard/target"
        page = second.get("/wizard/target").get_data(as_text=True)
        assert input_value(page, "url") == shopify.woo["url"]
        assert (
            input_value(second.get("/wizard/source").get_data(as_text=True), "url") == shopify.source["url"]
        )
        _assert_draft_holds_no_plain_secret(app, shopify)
        dispose(app)


def _assert_draft_holds_no_plain_secret(app: Flask, stores: Stores) -> None:
    with app.app_context(), services().sessions() as db:
        draft = db.scalars(select(Draft)).one()
        stored = json.dumps(draft.data) + (draft.secrets or "")
        assert not [secret for secret in stores.secrets() if secret in stored]
        assert draft.data["saved_secrets"] == {"source": ["token"]}
        assert services().box.open(draft.secrets or "")["source"] == {"token": stores.source["token"]}


def test_no_secret_reaches_any_page_of_the_whole_walk(signed_in: Browser, shopify: Stores) -> None:
    _through_source(signed_in, shopify)
    check(signed_in, "target", woo_form(shopify.woo, read_only=True))
    check(signed_in, "target", woo_form(shopify.woo))
    signed_in.post("/wizard/target", woo_form(shopify.woo))
    for path in ("/wizard/platform", "/wizard/source", "/wizard/target", "/wizard/connected"):
        assert signed_in.get(path).status_code == 200
    assert len(signed_in.pages) >= 10
    leaked = [secret for page in signed_in.pages for secret in shopify.secrets() if secret in page]
    assert leaked == []


def test_later_steps_read_the_connections_from_the_draft(signed_in: Browser, shopify: Stores) -> None:
    _through_source(signed_in, shopify)
    signed_in.post("/wizard/target", woo_form(shopify.woo), htmx="step_form")
    with signed_in.app.app_context(), services().sessions() as db:
        draft = db.scalars(select(Draft)).one()
        source, target = WIZARD.get("source"), WIZARD.get("target")
        assert isinstance(source, ConnectionStep) and isinstance(target, ConnectionStep)
        assert source.spec(draft, services().box) == SourceSpec(
            platform="shopify", url=shopify.source["url"], token=shopify.source["token"]
        )
        assert target.spec(draft, services().box) == TargetSpec(**woo_form(shopify.woo))
