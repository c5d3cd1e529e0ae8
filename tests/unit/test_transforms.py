"""Named transforms: what each does, and bad parameters named before anything runs."""

from __future__ import annotations

from decimal import Decimal

import pytest

from jobs.transforms import TransformError, apply_transform, validate_transform

FIELDS = {"sku": "TEE-S", "vendor": "Acme", "title": "Tee"}


@pytest.mark.parametrize(
    ("spec", "value", "expected"),
    [
        pytest.param(
            {"name": "markup_percent", "value": 20}, Decimal("10.00"), Decimal("12.00"), id="markup-20%"
        ),
        pytest.param(
            {"name": "markup_percent", "value": "12.5"}, "9.99", Decimal("11.24"), id="markup-rounds-cents"
        ),
        pytest.param({"name": "markup_percent", "value": 20}, None, None, id="markup-keeps-missing"),
        pytest.param(
            {"name": "markup_fixed", "value": 2.5}, Decimal("10"), Decimal("12.50"), id="markup-fixed"
        ),
        pytest.param({"name": "round_to", "value": ".99"}, Decimal("12.30"), Decimal("12.99"), id="round-99"),
        pytest.param(
            {"name": "round_to", "value": ".99"}, Decimal("13.00"), Decimal("13.99"), id="round-whole"
        ),
        pytest.param(
            {"name": "strip_html"}, "<p>Caf&eacute; <b>au</b>\n lait</p>", "Café au lait", id="strip-html"
        ),
        pytest.param({"name": "prefix", "value": "NEW-"}, "TEE", "NEW-TEE", id="prefix"),
        pytest.param({"name": "suffix", "value": "-X"}, None, "-X", id="suffix-on-missing"),
        pytest.param({"name": "value_map", "map": {"active": "publish"}}, "active", "publish", id="map-hit"),
        pytest.param(
            {"name": "value_map", "map": {"active": "publish"}}, "draft", "draft", id="map-miss-keeps"
        ),
        pytest.param(
            {"name": "value_map", "map": {"active": "publish"}, "default": "private"},
            "x",
            "private",
            id="map-default",
        ),
        pytest.param({"name": "truncate", "length": 3}, "abcdef", "abc", id="truncate"),
        pytest.param({"name": "template", "template": "{vendor}-{sku}"}, "x", "Acme-TEE-S", id="template"),
        pytest.param({"name": "template", "template": "{value}!"}, "hi", "hi!", id="template-value"),
    ],
)
def test_transforms(spec: dict, value: object, expected: object) -> None:
    assert apply_transform(spec, value, FIELDS) == expected


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        pytest.param({"name": "exec"}, "unknown transform 'exec'", id="unknown"),
        pytest.param({"name": "markup_percent"}, "needs 'value'", id="missing-param"),
        pytest.param({"name": "markup_percent", "value": "lots"}, "must be a number", id="not-a-number"),
        pytest.param(
            {"name": "markup_percent", "value": 5, "extra": 1}, "no parameter 'extra'", id="extra-param"
        ),
        pytest.param({"name": "round_to", "value": "1.5"}, "the ending", id="round-ending"),
        pytest.param({"name": "truncate", "length": "3"}, "wrong type", id="wrong-type"),
        pytest.param({"name": "truncate", "length": 0}, "at least 1", id="zero-length"),
    ],
)
def test_bad_transforms_are_named(spec: dict, message: str) -> None:
    with pytest.raises(TransformError, match=message):
        validate_transform(spec)


@pytest.mark.parametrize(
    "template",
    [
        pytest.param("{sku.__class__}", id="attribute-access"),
        pytest.param("{sku[0]}", id="indexing"),
        pytest.param("{password}", id="unknown-field"),
    ],
)
def test_templates_only_read_plain_product_fields(template: str) -> None:
    with pytest.raises(TransformError, match="template field"):
        apply_transform({"name": "template", "template": template}, "x", FIELDS)
