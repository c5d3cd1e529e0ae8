"""Shopify's search syntax: parsing, the fields a connection accepts, and comparing values."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from sandbox.shopify.graphql_search import (
    Group,
    Not,
    Search,
    Term,
    filter_fields,
    matches,
    parse,
    text_matches,
    time_matches,
    words_match,
)

NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("query", "tree"),
    [
        pytest.param("status:active", Term("status", "active"), id="field"),
        pytest.param(
            "updated_at:>'2024-01-01T00:00:00Z'",
            Term("updated_at", "2024-01-01T00:00:00Z", ">", True),
            id="quoted-time",
        ),
        pytest.param(
            "a:1 b:2 OR c:3",
            Group("or", (Group("and", (Term("a", "1"), Term("b", "2"))), Term("c", "3"))),
            id="or-binds-looser",
        ),
        pytest.param(
            "-tag:x NOT tag:y", Group("and", (Not(Term("tag", "x")), Not(Term("tag", "y")))), id="negation"
        ),
        pytest.param(
            "(a:1 OR a:2) b:3",
            Group("and", (Group("or", (Term("a", "1"), Term("a", "2"))), Term("b", "3"))),
            id="group",
        ),
        pytest.param(
            "green hoodie", Group("and", (Term("default", "green"), Term("default", "hoodie"))), id="bare"
        ),
        # Live Shopify: a value may start with "(", and a stray "(" or a dangling OR is forgiven.
        pytest.param("tag:(har-549", Term("tag", "(har-549"), id="paren-in-value"),
        pytest.param("(har-549 OR", Term("default", "har-549"), id="dangling-or"),
        # Live Shopify: an unquoted value ends at a colon; the rest is a field "00".
        pytest.param(
            "updated_at:<2000-01-01T00:00:00Z",
            Group("and", (Term("updated_at", "2000-01-01T00", "<"), Term("00", "00Z"))),
            id="unquoted-time",
        ),
        pytest.param("", None, id="empty"),
        pytest.param(")\\", None, id="only-punctuation"),
    ],
)
def test_parse(query: str, tree: object) -> None:
    assert parse(query) == tree


def test_unknown_fields_are_dropped_and_warned_like_shopify() -> None:
    search = Search("notadraftfield:ignored tag:draftsort", {"tag": "string"})
    assert search.tree == Term("tag", "draftsort")
    # The `extensions.search` entry of a live answer to this query (draft orders, 2025-01).
    assert search.report(["draftOrders"]) == {
        "path": ["draftOrders"],
        "query": "notadraftfield:ignored tag:draftsort",
        "parsed": {
            "and": [
                {"field": "notadraftfield", "match_all": "ignored"},
                {"field": "tag", "match_all": "draftsort"},
            ]
        },
        "warnings": [
            {
                "field": "notadraftfield",
                "message": "Invalid search field for this query.",
                "code": "invalid_field",
            }
        ],
    }
    assert Search("tag:x", {"tag": "string"}).report(["p"]) is None


def test_filter_fields_come_from_the_schema_description() -> None:
    description = "A filter.\n| name | type | description |\n| ---- | ---- | --- |\n"
    description += "| default | string | x |\n| created_at | time | y |"
    assert filter_fields(description) == {"default": "string", "created_at": "time"}


def test_a_known_field_without_data_matches_nothing_but_false_booleans() -> None:
    fields = {"bundles": "boolean", "category_id": "string"}
    assert matches(Term("bundles", "false"), object(), {}, fields)
    assert not matches(Term("bundles", "true"), object(), {}, fields)
    assert not matches(Term("category_id", "sg-4"), object(), {}, fields)


@pytest.mark.parametrize(
    ("value", "comparator", "moment", "expected"),
    [
        pytest.param(
            "2024-01-01T00:00:00Z", ">", "2024-01-01T00:00:00.900000+00:00", False, id="same-second-not-after"
        ),
        pytest.param("2024-01-01T00:00:00Z", ">", "2024-01-01T00:00:01+00:00", True, id="next-second"),
        pytest.param("2024-01-01T00:00:00Z", ">=", "2024-01-01T00:00:00.500000+00:00", True, id="gte"),
        pytest.param("2024-01-01", ">", "2024-01-01T23:00:00-05:00", False, id="day-in-shop-zone"),
        pytest.param("2024-01-01", ":", "2024-01-01T04:59:59+00:00", False, id="before-shop-midnight"),
        pytest.param("2024-01-01", ":", "2024-01-01T05:00:00+00:00", True, id="shop-midnight"),
        pytest.param("2024", "<=", "2024-12-31T12:00:00-05:00", True, id="year"),
        pytest.param("2024-13-01", ":", "2024-01-01T05:00:00+00:00", False, id="not-a-date"),
    ],
)
def test_time_comparisons(value: str, comparator: str, moment: str, expected: bool) -> None:
    term = Term("updated_at", value, comparator, quoted=True)
    assert time_matches(datetime.fromisoformat(moment), term, NEW_YORK) is expected


def test_now() -> None:
    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert time_matches(datetime(2026, 1, 1, tzinfo=UTC), Term("created_at", "now", "<"), NEW_YORK, now)


@pytest.mark.parametrize(
    ("candidates", "value", "expected"),
    [
        pytest.param(["Acme Goods"], "acme goods", True, id="case-insensitive"),
        pytest.param(["Shirt"], "dress,shirt", True, id="list"),
        pytest.param(["Shirt"], "shi*", True, id="prefix"),
        pytest.param(["Shirt"], "shi", False, id="not-a-prefix-without-star"),
        pytest.param([None, ""], "x", False, id="nothing"),
    ],
)
def test_text_matches(candidates: list[str | None], value: str, expected: bool) -> None:
    assert text_matches(candidates, Term("vendor", value)) is expected


def test_words_match_prefixes_and_phrases() -> None:
    assert words_match("Classic Oxford Shirt", Term("default", "oxf clas"))
    assert not words_match("Classic Oxford Shirt", Term("default", "shirt oxford", quoted=True))
