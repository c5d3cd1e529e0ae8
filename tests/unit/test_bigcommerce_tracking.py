"""BigCommerce's derived facts, without HTTP: SKU ownership, date_modified, the date quirk, links."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from sandbox.bigcommerce import query
from sandbox.bigcommerce.skus import SkuIndex
from sandbox.bigcommerce.tracking import Tracker
from sandbox.catalog import Catalog
from sandbox.http import HttpError, Request

NOW = datetime(2026, 3, 4, 15, 16, 17, tzinfo=UTC)


def request(*query_pairs: tuple[str, str]) -> Request:
    return Request("GET", "/", list(query_pairs), {}, b"", "127.0.0.1")


def test_the_first_carrier_of_a_sku_owns_it_whatever_the_case() -> None:
    catalog = Catalog(3, 4)
    first, second = catalog.get(1), catalog.get(2)
    twin = replace(second, variants=(replace(second.variants[0], sku=first.variants[0].sku.lower()),))
    index = SkuIndex()
    index.add(twin)
    index.add(first)
    assert index.owner(first.variants[0].sku) == first.variants[0].key  # the lower key wins
    index.remove(first)
    assert index.owner(first.variants[0].sku) == twin.variants[0].key
    index.remove(twin)
    assert index.owner(first.variants[0].sku) is None


def _multi_and_simple(catalog: Catalog) -> tuple[int, int]:
    multi = next(p.key for p in catalog.products() if len(p.variants) > 1)
    simple = next(p.key for p in catalog.products() if p.is_simple)
    return multi, simple


def test_only_product_level_changes_move_date_modified() -> None:
    catalog = Catalog(3, 40)
    tracker = Tracker(catalog)
    multi, simple = _multi_and_simple(catalog)
    _, before = tracker.sync()
    updated_at, repriced_at = NOW, NOW + timedelta(hours=1)
    catalog.apply({"kind": "update", "keys": [multi], "at": updated_at.isoformat()})
    tracker.sync()
    catalog.apply({"kind": "price", "key": multi, "price": "9.99", "at": repriced_at.isoformat()})
    catalog.apply({"kind": "price", "key": simple, "price": "9.99", "at": repriced_at.isoformat()})
    _, after = tracker.sync()
    # The title changed with the update (product level); the later price change touched variants only.
    assert after[multi].date_modified == int(updated_at.timestamp())
    assert after[multi].default_price != Decimal("9.99")
    # A simple product's price is the product's own.
    assert after[simple].date_modified == int(repriced_at.timestamp())
    assert after[simple].default_price == Decimal("9.99")
    catalog.reset()
    _, reset = tracker.sync()
    assert reset[multi] == before[multi] and reset[simple] == before[simple]


def test_a_deleted_product_gives_up_its_skus() -> None:
    catalog = Catalog(3, 10)
    tracker = Tracker(catalog)
    tracker.sync()
    sku = catalog.get(4).variants[0].sku
    catalog.apply({"kind": "delete", "keys": [4]})
    tracker.sync()
    assert tracker.skus.owner(sku) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param(
            "2025-01-15", datetime(2025, 1, 15, 15, 16, 17, tzinfo=UTC), id="date-gets-time-of-request"
        ),
        pytest.param("2025-01-15T00:03:17Z", datetime(2025, 1, 15, 0, 3, 17, tzinfo=UTC), id="iso-utc"),
        pytest.param(
            "2025-01-15T02:03:17+02:00", datetime(2025, 1, 15, 0, 3, 17, tzinfo=UTC), id="iso-offset"
        ),
        pytest.param(
            "2025-01-15T02:03:17 02:00", datetime(2025, 1, 15, 0, 3, 17, tzinfo=UTC), id="plus-as-space"
        ),
        pytest.param("2025-01-15T00:03:17", datetime(2025, 1, 15, 0, 3, 17, tzinfo=UTC), id="no-zone-is-utc"),
        pytest.param("1736899397", datetime(2025, 1, 15, 0, 3, 17, tzinfo=UTC), id="unix-seconds"),
    ],
)
def test_date_filter_values(raw: str, expected: datetime) -> None:
    assert query.moment("date_modified:min", raw, NOW) == expected


def test_a_bad_date_is_a_422_naming_the_parameter() -> None:
    with pytest.raises(HttpError) as raised:
        query.moment("date_modified:max", "soon", NOW)
    assert raised.value.response.status == 422
    assert b"date_modified:max" in raised.value.response.body


@pytest.mark.parametrize(
    ("pairs", "page", "expected"),
    [
        pytest.param((), 1, "?page=1&limit=50", id="no-parameters"),
        pytest.param(
            (("limit", "10"), ("sort", "name")), 2, "?limit=10&sort=name&page=2", id="dev-docs-example"
        ),
        pytest.param((("page", "3"), ("limit", "10")), 4, "?page=4&limit=10", id="page-kept-in-place"),
        pytest.param(
            (("id:in", ""), ("include", "variants,images")),
            1,
            "?id%3Ain=&include=variants%2Cimages&page=1&limit=10",
            id="encoded",
        ),
    ],
)
def test_links_echo_the_request(pairs, page: int, expected: str) -> None:
    limit = 50 if not pairs else 10
    assert query.link(request(*pairs), page, limit) == expected
