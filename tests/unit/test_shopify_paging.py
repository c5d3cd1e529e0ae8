"""Shopify REST pagination and versions as pure functions: cursors, link walking, fall-forward."""

from __future__ import annotations

from email.message import Message
from urllib.parse import parse_qsl, urlsplit

import pytest

from sandbox.http import HttpError, Request
from sandbox.shopify import served_version
from sandbox.shopify.paging import Cursor, Listing

ROWS = [(number, title) for number, title in enumerate(["b", "A", "c", "a", "B", "d", "e"], start=1)]
LISTING: Listing[tuple[int, str]] = Listing(
    id_of=lambda row: row[0],
    title_of=lambda row: row[1],
    filters={"title": lambda raw: lambda row: row[1].lower() == raw},
)


def request(url: str) -> Request:
    split = urlsplit(url)
    return Request("GET", split.path, parse_qsl(split.query), Message(), b"", "shop.test")


def walk(url: str, rel: str) -> list[tuple[str, list[int]]]:
    """Every page from `url` on, following `rel` links: (its url, its row ids)."""
    pages = []
    while url:
        page = LISTING.page(request(url), lambda order: LISTING.sort(ROWS, order))
        pages.append((url, [row[0] for row in page.items]))
        found = [part for part in (page.link or "").split(", ") if part.endswith(f'rel="{rel}"')]
        url = found[0].split(">")[0][1:] if found else ""
    return pages


@pytest.mark.parametrize(
    ("query", "pages"),
    [
        pytest.param("limit=3", [[2, 4, 1], [5, 3, 6], [7]], id="by-title-ties-by-id"),
        pytest.param("limit=2&since_id=3", [[4, 5], [6, 7]], id="since-id-by-id"),
        pytest.param("limit=1&title=b", [[1], [5]], id="filter-carried"),
    ],
)
def test_next_links_walk_every_row_once(query: str, pages: list[list[int]]) -> None:
    assert [ids for _, ids in walk(f"http://shop.test/products.json?{query}", "next")] == pages


def test_previous_links_walk_back_to_the_first_page() -> None:
    forward = walk("http://shop.test/products.json?limit=2", "next")
    last_url, _ = forward[-1]
    backward = [ids for _, ids in walk(last_url, "previous")]
    assert backward == [ids for _, ids in reversed(forward)] == [[7], [3, 6], [1, 5], [2, 4]]


@pytest.mark.parametrize("token", ["garbled!", "e30", Cursor({}, 1, None, "sideways").encode()])
def test_a_bad_page_info_is_an_invalid_value(token: str) -> None:
    with pytest.raises(HttpError) as raised:
        LISTING.page(request(f"http://shop.test/p.json?page_info={token}"), lambda o: ROWS)
    assert raised.value.response.status == 400
    assert b'"page_info":"Invalid value."' in raised.value.response.body


@pytest.mark.parametrize(
    ("requested", "served"),
    [
        pytest.param("2025-07", "2025-07", id="latest"),
        pytest.param("2024-10", "2024-10", id="oldest-supported"),
        pytest.param("2024-07", "2024-10", id="retired-falls-forward"),
        pytest.param("2025-02", "2025-04", id="between-releases"),
        pytest.param("2031-01", "2025-07", id="future"),
        pytest.param(None, "2024-10", id="none-given"),
        pytest.param("unstable", "unstable", id="unstable"),
        pytest.param("2025-00", None, id="month-zero"),
        pytest.param("v1", None, id="not-a-version"),
    ],
)
def test_served_version(requested: str | None, served: str | None) -> None:
    assert served_version(requested, "2025-07") == served
