"""The Magento connector's decisions that the sandbox cannot stage: a child changed while its parent
did not, routes refused for want of an ACL resource, two-factor sign-in, malformed entries; and
the settings' validation. Answers come from a small in-memory store behind requests-mock."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests_mock

from connectors.errors import AuthError
from connectors.http import RetryPolicy
from connectors.magento import MagentoConnector, MagentoSettings

URL = "https://shop.example.com"
API = f"{URL}/rest/default/V1"
OLD, SINCE, NEW = "2024-01-01 00:00:00", datetime(2025, 1, 1, tzinfo=UTC), "2025-06-01 12:00:00"
NOT_AUTHORIZED = "The consumer isn't authorized to access %resources."
SIZE = {
    "attribute_id": 141,
    "attribute_code": "size",
    "frontend_input": "select",
    "default_frontend_label": "Size",
    "options": [{"label": " ", "value": ""}, {"label": "S", "value": "1"}, {"label": "M", "value": "2"}],
}


def entity(
    entity_id: int, updated: str, *, kind: str = "simple", visibility: int = 4, **extra: Any
) -> dict[str, Any]:
    return {
        "id": entity_id,
        "sku": f"SKU-{entity_id}",
        "name": f"Product {entity_id}",
        "price": 10,
        "status": 1,
        "visibility": visibility,
        "type_id": kind,
        "created_at": OLD,
        "updated_at": updated,
        "custom_attributes": extra.pop("custom_attributes", []),
        **extra,
    }


def configurable(entity_id: int, updated: str, children: list[int]) -> dict[str, Any]:
    options = [
        {
            "attribute_id": "141",
            "label": "Size",
            "position": 0,
            "values": [{"value_index": 1}, {"value_index": 2}],
        }
    ]
    return entity(
        entity_id,
        updated,
        kind="configurable",
        extension_attributes={
            "configurable_product_options": options,
            "configurable_product_links": children,
        },
    )


def child(entity_id: int, updated: str, size: str) -> dict[str, Any]:
    return entity(
        entity_id, updated, visibility=1, custom_attributes=[{"attribute_code": "size", "value": size}]
    )


# Configurable 10 is old, one of its children (12) changed; configurable 20 and its child are old;
# configurable 40 changed together with its child; simple 30 changed.
STORE = [
    configurable(10, OLD, [11, 12]),
    child(11, OLD, "1"),
    child(12, NEW, "2"),
    configurable(20, OLD, [21]),
    child(21, OLD, "1"),
    entity(30, NEW),
    configurable(40, NEW, [41]),
    child(41, NEW, "2"),
]


def matches(item: dict[str, Any], field: str, value: str, condition: str) -> bool:
    held = str(item["id"] if field == "entity_id" else item[field])
    numeric = field in {"entity_id", "visibility"}
    left, right = (int(held), int(value)) if numeric and condition != "in" else (held, value)
    return {
        "eq": lambda: left == right,
        "neq": lambda: left != right,
        "gt": lambda: left > right,
        "gteq": lambda: left >= right,
        "lt": lambda: left < right,
        "in": lambda: held in value.split(","),
    }[condition]()


def search(request: Any, context: Any) -> dict[str, Any]:
    """searchCriteria over STORE: AND across groups, OR within one, sorted by id, first page only."""
    query = dict(parse_qsl(urlsplit(request.url).query))
    groups: dict[str, dict[str, dict[str, str]]] = {}
    for key, value in query.items():
        found = re.match(r"searchCriteria\[filter_groups\]\[(\d+)\]\[filters\]\[(\d+)\]\[(\w+)\]", key)
        if found:
            groups.setdefault(found[1], {}).setdefault(found[2], {})[found[3]] = value
    chosen = [
        item
        for item in STORE
        if all(
            any(matches(item, f["field"], f["value"], f["condition_type"]) for f in group.values())
            for group in groups.values()
        )
    ]
    size = int(query["searchCriteria[pageSize]"])
    return {"items": sorted(chosen, key=lambda item: item["id"])[:size], "total_count": len(chosen)}


@contextmanager
def store_answers() -> Iterator[requests_mock.Mocker]:
    """The in-memory store's routes for the length of a `with` block."""
    with requests_mock.Mocker() as mock:
        mock.get(f"{API}/products", json=search)
        mock.get(f"{API}/products/attributes/size", json=SIZE)
        mock.get(f"{API}/categories", json={"id": 1, "level": 0, "name": "Root Catalog", "children_data": []})
        mock.get(f"{API}/store/storeConfigs", json=[{"code": "default", "base_media_url": f"{URL}/media/"}])
        mock.get(f"{API}/store/storeViews", json=[{"id": 1, "code": "default", "name": "Main"}])
        yield mock


def connector() -> MagentoConnector:
    return MagentoConnector(
        MagentoSettings(url=URL, token="integration-token"), retry=RetryPolicy(attempts=1)
    )


def test_a_child_changed_alone_brings_its_parent_back_once() -> None:
    with store_answers():
        pages = list(connector().iter_pages(since=SINCE))
        found = [product.source_id for page in pages for product in page.products]
        assert sorted(found) == ["10", "30", "40"]  # 30 and 40 changed; 10 through its child 12
        assert [page.resume for page in pages] == ["parents:0", None]
        parent = next(product for page in pages for product in page.products if product.source_id == "10")
        assert [variant.option_values for variant in parent.variants] == [(("Size", "S"),), (("Size", "M"),)]
        assert connector().count(SINCE) == 3
        resumed = list(connector().iter_pages(since=SINCE, resume="parents:0"))
        assert [product.source_id for page in resumed for product in page.products] == ["10"]


def test_a_full_read_leaves_children_out_and_reads_no_parents_twice() -> None:
    with store_answers():
        pages = list(connector().iter_pages())
        assert [product.source_id for page in pages for product in page.products] == ["10", "20", "30", "40"]
        assert connector().count() == 4


def test_a_malformed_entry_is_rejected_with_a_reason_and_the_rest_is_read() -> None:
    broken = {key: value for key, value in entity(50, NEW).items() if key != "updated_at"}
    STORE.append(broken)
    try:
        with store_answers():
            pages = list(connector().iter_pages())
    finally:
        STORE.remove(broken)
    assert [product.source_id for page in pages for product in page.products] == ["10", "20", "30", "40"]
    assert [(source_id, "updated_at" in reason) for page in pages for source_id, reason in page.rejected] == [
        ("50", True)
    ]
    assert sum(page.raw_count for page in pages) == 5


def test_routes_refused_for_an_acl_resource_are_reported_as_missing() -> None:
    with store_answers() as mock:
        refusal = {"message": NOT_AUTHORIZED, "parameters": {"resources": "Magento_Backend::store"}}
        mock.get(f"{API}/store/storeViews", status_code=401, json=refusal)
        mock.get(f"{API}/store/storeConfigs", status_code=401, json=refusal)
        mock.get(f"{API}/products/attributes/name", json={"attribute_id": 73})
        report = connector().test_connection()
    assert report.missing_permissions == ("Magento_Backend::store",) and not report.ok
    assert (report.product_count, report.store_name, report.currency) == (4, "shop.example.com", None)


def test_every_route_refused_is_a_refused_token() -> None:
    with requests_mock.Mocker() as mock:
        refusal = {"message": NOT_AUTHORIZED, "parameters": {"resources": "Magento_Backend::store"}}
        mock.get(re.compile(f"{re.escape(API)}/.*"), status_code=401, json=refusal)
        with pytest.raises(AuthError, match=r"the access token was refused: .*Magento_Backend::store"):
            connector().test_connection()


@pytest.mark.parametrize("status", [pytest.param(401, id="2.4.x-401"), pytest.param(400, id="older-400")])
def test_two_factor_sign_in_points_to_an_integration(status: int) -> None:
    with requests_mock.Mocker() as mock:
        message = {"message": "Please use the 2fa provider-specific endpoints to obtain a token."}
        mock.post(f"{API}/integration/admin/token", status_code=status, json=message)
        settings = MagentoSettings(url=URL, username="admin", password="secret-password")
        with pytest.raises(AuthError, match="create an integration") as raised:
            MagentoConnector(settings, retry=RetryPolicy(attempts=1)).test_connection()
    assert "secret-password" not in str(raised.value)
    assert json.loads(mock.request_history[0].body) == {"username": "admin", "password": "secret-password"}
    assert "Authorization" not in mock.request_history[0].headers  # the token route is anonymous


def test_an_admin_token_refused_again_after_a_fresh_sign_in_is_an_auth_error() -> None:
    with requests_mock.Mocker() as mock:
        token = mock.post(f"{API}/integration/admin/token", json="admin-token-0123456789")
        refusal = {"message": NOT_AUTHORIZED, "parameters": {"resources": "Magento_Catalog::products"}}
        mock.get(f"{API}/products", status_code=401, json=refusal)
        settings = MagentoSettings(url=URL, username="admin", password="secret-password")
        with pytest.raises(AuthError, match="Magento_Catalog::products") as raised:
            MagentoConnector(settings, retry=RetryPolicy(attempts=1)).count()
    assert token.call_count == 2  # the first token, and one fresh sign-in: never a loop
    assert "admin-token-0123456789" not in str(raised.value)
    assert mock.request_history[-1].headers["Authorization"] == "Bearer admin-token-0123456789"


def test_since_must_be_timezone_aware() -> None:
    with store_answers(), pytest.raises(ValueError, match="timezone-aware"):
        connector().count(datetime(2025, 1, 1))


# -- settings -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("values", "message"),
    [
        pytest.param(
            {"url": "shop.example.com", "token": "t"}, "url must start with https://", id="no-scheme"
        ),
        pytest.param({"url": URL}, "token is required", id="no-credentials"),
        pytest.param(
            {"url": URL, "username": "admin"}, "password is required with username", id="no-password"
        ),
        pytest.param({"url": URL, "password": "p"}, "username is required with password", id="no-username"),
        pytest.param({"url": URL, "token": "t", "username": "a", "password": "p"}, "not both", id="both"),
        pytest.param({"url": URL, "token": "Bearer abc"}, "without spaces", id="bearer-pasted"),
        pytest.param(
            {"url": URL, "token": "t", "store_view": "de-DE"}, "store_view must be", id="bad-store-code"
        ),
        pytest.param({"url": f"{URL}/?a=1", "token": "t"}, "without credentials, \\? or #", id="query"),
    ],
)
def test_settings_name_the_field_that_is_wrong(values: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        MagentoSettings(**values)


@pytest.mark.parametrize(
    ("url", "base"),
    [
        pytest.param("https://shop.example.com/", URL, id="trailing-slash"),
        pytest.param("https://shop.example.com/rest/default/V1", URL, id="pasted-rest-path"),
        pytest.param("https://shop.example.com/index.php", f"{URL}/index.php", id="without-url-rewrites"),
    ],
)
def test_settings_keep_the_store_base_url(url: str, base: str) -> None:
    assert MagentoSettings(url=url, token="t").url == base


def test_settings_never_show_their_secrets() -> None:
    shown = repr(MagentoSettings(url=URL, username="admin", password="hunter2-password"))
    shown += repr(MagentoSettings(url=URL, token="the-integration-token"))
    assert "hunter2-password" not in shown and "the-integration-token" not in shown
