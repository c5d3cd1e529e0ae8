"""WordPress's text and validation rules as the WooCommerce sandbox reproduces them."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.woocommerce import args
from sandbox.woocommerce.errors import WooError
from sandbox.woocommerce.schema import check, parse
from sandbox.woocommerce.text import (
    collation_key,
    format_content,
    format_decimal,
    post_text,
    sanitize_title,
    term_name,
)
from sandbox.woocommerce.times import gmt, local
from sandbox.woocommerce.times import parse as parse_date


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        pytest.param("Premium Quality", "premium-quality", id="words"),
        pytest.param("Crème Brûlée", "creme-brulee", id="accents"),
        pytest.param("Shirts &amp; Tops", "shirts-tops", id="entity"),
        pytest.param("Size 3.5 — Wide", "size-3-5-wide", id="dot-and-dash"),
        pytest.param("日本", "%e6%97%a5%e6%9c%ac", id="utf8-octets"),
        pytest.param("<b>Bold</b>  move", "bold-move", id="tags-and-spaces"),
    ],
)
def test_sanitize_title_makes_wordpress_slugs(text: str, slug: str) -> None:
    assert sanitize_title(text) == slug


@pytest.mark.parametrize(
    ("function", "given", "stored"),
    [
        pytest.param(term_name, "Shirts & <i>Tops</i>\n", "Shirts &amp; Tops", id="term-name"),
        pytest.param(term_name, "Fish &amp; Chips", "Fish &amp; Chips", id="term-name-no-double-encoding"),
        pytest.param(post_text, 'A <iframe src="x"></iframe>video', "A video", id="iframe-dropped"),
        pytest.param(post_text, '<img src="a.png" onerror="x()">', '<img src="a.png">', id="event-attribute"),
        pytest.param(format_decimal, " 1,299.00 ", "1299.00", id="decimal"),
        pytest.param(format_decimal, "1.2.3", "12.3", id="decimal-last-dot"),
        pytest.param(
            format_content, "Don't -- stop", "<p>Don&#8217;t &#8212; stop</p>\n", id="texturize-autop"
        ),
    ],
)
def test_text_is_stored_and_shown_as_wordpress_does(function: Any, given: str, stored: str) -> None:
    assert function(given) == stored


def test_skus_compare_like_mysql_unicode_ci() -> None:
    assert collation_key("ABC-é ") == collation_key("abc-e")
    assert collation_key("abc") != collation_key("abd")


INTEGER_ITEMS = {"type": "array", "items": {"type": "object", "properties": {"id": {"type": "integer"}}}}


@pytest.mark.parametrize(
    ("value", "spec", "message"),
    [
        pytest.param("x", {"type": "string", "enum": ["a", "b"]}, "p is not one of a and b.", id="enum-two"),
        pytest.param("x", {"type": "string", "enum": ["a"]}, "p is not a.", id="enum-one"),
        pytest.param(5, {"type": ["null", "string"]}, "p is not of type null,string.", id="multi-type"),
        pytest.param("1.5", {"type": "integer"}, "p is not of type integer.", id="integer"),
        pytest.param(0, {"type": "integer", "minimum": 1}, "p must be greater than or equal to 1", id="min"),
        pytest.param([{"id": "x"}], INTEGER_ITEMS, "p[0][id] is not of type integer.", id="nested"),
        pytest.param("2024-13", {"type": "string", "format": "date-time"}, "Invalid date.", id="date"),
    ],
)
def test_schema_checks_use_wordpress_messages(value: Any, spec: dict[str, Any], message: str) -> None:
    problem = check(value, spec, "p")
    assert problem is not None and problem.message == message


@pytest.mark.parametrize(
    ("value", "spec"),
    [
        pytest.param("3", {"type": "integer"}, id="numeric-string-integer"),
        pytest.param("true", {"type": "boolean"}, id="boolean-string"),
        pytest.param("1,2", {"type": "array", "items": {"type": "integer"}}, id="list-string"),
        pytest.param(None, {"type": ["null", "string"]}, id="null"),
    ],
)
def test_schema_accepts_what_wordpress_coerces(value: Any, spec: dict[str, Any]) -> None:
    assert check(value, spec, "p") is None


def test_parse_fills_defaults_types_values_and_treats_null_as_absent() -> None:
    params = parse(args.creating(args.PRODUCT), {"name": "X", "stock_quantity": "4", "sale_price": None})
    assert (params["type"], params["status"], params["stock_quantity"]) == ("simple", "publish", 4)
    assert "sale_price" not in params
    with pytest.raises(WooError) as refused:
        parse(args.PRODUCT_QUERY, {"per_page": "101", "order": "ASC"})
    assert refused.value.body()["data"]["params"] == {
        "per_page": "per_page must be between 1 (inclusive) and 100 (inclusive)",
        "order": "order is not one of asc and desc.",
    }


def test_dates_are_site_local_at_utc_minus_three() -> None:
    instant = parse_date("2024-03-01T12:00:00")
    assert (local(instant), gmt(instant)) == ("2024-03-01T12:00:00", "2024-03-01T15:00:00")
    assert parse_date("2024-03-01T12:00:00", is_gmt=True) == parse_date("2024-03-01T09:00:00")
    assert parse_date("2024-03-01T12:00:00+01:00") == parse_date("2024-03-01T11:00:00Z")
    assert parse_date("soon") is None
