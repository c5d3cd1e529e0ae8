"""The import definition: plain data the wizard, the CLI's TOML file and the API all build.

Everything is checked on construction, and every message names the field that is wrong
(`filters.rules[2].op: unknown operator 'bigger'; use one of ...`), so each entry point rejects bad
input the same way. `to_dict()`/`from_dict()` round-trip through JSON and TOML; secrets may be
written as `env:NAME` and are resolved only when a connection is opened.
"""

from __future__ import annotations

import enum
import os
import tomllib
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from jobs.scheduling import Schedule
from jobs.transforms import TransformError, validate_transform
from jobs.validation import DefinitionError
from jobs.validation import field_error as _fail
from jobs.validation import only_known_keys as _only_known

PLATFORMS = ("shopify", "magento", "bigcommerce")
SECRET_FIELDS = ("token", "password", "key", "secret", "webhook_secret")


def resolve_secret(value: str | None, path: str) -> str | None:
    """`env:NAME` to the variable's value; a plain value as it is."""
    if value is None or not value.startswith("env:"):
        return value
    name = value[4:]
    if name not in os.environ:
        raise _fail(path, f"environment variable {name} is not set")
    return os.environ[name]


# -- connections ------------------------------------------------------------------------------
@dataclass(frozen=True)
class SourceSpec:
    platform: str
    url: str
    token: str | None = None
    store_hash: str | None = None
    username: str | None = None
    password: str | None = None
    api: str = "graphql"  # shopify: graphql | rest
    store_view: str = "default"  # magento
    # The app's client secret that signs its webhook deliveries (shopify, bigcommerce; jobs/webhooks.py).
    webhook_secret: str | None = None

    def __post_init__(self) -> None:
        if self.platform not in PLATFORMS:
            raise _fail(
                "source.platform", f"unknown platform {self.platform!r}; use one of {', '.join(PLATFORMS)}"
            )
        if not self.url or not self.url.strip():
            raise _fail("source.url", "is required")
        if self.platform == "shopify" and self.api not in {"graphql", "rest"}:
            raise _fail("source.api", f"must be 'graphql' or 'rest', not {self.api!r}")
        if self.platform == "magento":
            if not self.token and not (self.username and self.password):
                raise _fail("source.token", "is required (or username and password) for Magento")
        elif not self.token:
            raise _fail("source.token", f"is required for {self.platform}")
        if self.platform == "bigcommerce" and not self.store_hash:
            raise _fail("source.store_hash", "is required for BigCommerce")

    def resolved(self) -> SourceSpec:
        return _resolve(self, "source")


@dataclass(frozen=True)
class TargetSpec:
    url: str
    key: str
    secret: str

    def __post_init__(self) -> None:
        for name in ("url", "key", "secret"):
            if not getattr(self, name):
                raise _fail(f"target.{name}", "is required")

    def resolved(self) -> TargetSpec:
        return _resolve(self, "target")


def _resolve(spec: Any, path: str) -> Any:
    values = {
        item.name: resolve_secret(getattr(spec, item.name), f"{path}.{item.name}")
        if item.name in SECRET_FIELDS
        else getattr(spec, item.name)
        for item in fields(spec)
    }
    return type(spec)(**values)


# -- filters ----------------------------------------------------------------------------------
class Match(enum.StrEnum):
    ALL = "all"
    ANY = "any"


# field -> the operators it takes
FILTER_FIELDS: dict[str, tuple[str, ...]] = {
    "status": ("in", "not_in"),
    "vendor": ("in", "not_in"),
    "product_type": ("in", "not_in"),
    "tag": ("in", "not_in"),
    "category": ("in", "not_in"),
    "price": ("gte", "lte", "between"),
    "stock": ("in_stock", "out_of_stock", "gte", "lte"),
    "updated_at": ("since",),
    "id": ("in", "not_in"),
    "sku": ("matches", "not_matches"),
}
VALUELESS_OPERATORS = {"in_stock", "out_of_stock"}


@dataclass(frozen=True)
class FilterRule:
    field: str
    op: str
    value: Any = None

    def validate(self, path: str) -> None:
        if self.field not in FILTER_FIELDS:
            raise _fail(
                f"{path}.field", f"unknown field {self.field!r}; use one of {', '.join(FILTER_FIELDS)}"
            )
        allowed = FILTER_FIELDS[self.field]
        if self.op not in allowed:
            raise _fail(
                f"{path}.op",
                f"unknown operator {self.op!r} for {self.field}; use one of {', '.join(allowed)}",
            )
        if self.op in VALUELESS_OPERATORS:
            return
        if self.value is None or self.value == "" or self.value == []:
            raise _fail(f"{path}.value", "is required")
        if self.op in {"in", "not_in"} and not (
            isinstance(self.value, list) and all(isinstance(v, str | int) for v in self.value)
        ):
            raise _fail(f"{path}.value", "must be a list of values")
        if self.op in {"gte", "lte"}:
            _decimal(self.value, f"{path}.value")
        if self.op == "between":
            if not (isinstance(self.value, list) and len(self.value) == 2):
                raise _fail(f"{path}.value", "must be [low, high]")
            low, high = (_decimal(v, f"{path}.value") for v in self.value)
            if low > high:
                raise _fail(f"{path}.value", "low is above high")
        if self.op == "since":
            parse_timestamp(self.value, f"{path}.value")
        if self.op in {"matches", "not_matches"} and not isinstance(self.value, str):
            raise _fail(f"{path}.value", "must be a pattern such as 'ABC-*'")


def _decimal(value: Any, path: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except InvalidOperation as error:
        raise _fail(path, f"{value!r} is not a number") from error
    if not number.is_finite():
        raise _fail(path, f"{value!r} is not a number")
    return number


def parse_timestamp(value: Any, path: str) -> datetime:
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError as error:
            raise _fail(path, f"{value!r} is not an ISO 8601 timestamp") from error
    if moment.tzinfo is None:
        raise _fail(path, f"{value!r} needs a time zone (e.g. 2024-01-31T00:00:00Z)")
    return moment


@dataclass(frozen=True)
class FilterSpec:
    match: Match = Match.ALL
    rules: tuple[FilterRule, ...] = ()
    limit: int | None = None

    def __post_init__(self) -> None:
        if self.match not in tuple(Match):
            raise _fail("filters.match", f"must be 'all' or 'any', not {self.match!r}")
        object.__setattr__(self, "match", Match(self.match))
        for index, rule in enumerate(self.rules):
            rule.validate(f"filters.rules[{index}]")
        if self.limit is not None and (not isinstance(self.limit, int) or self.limit < 1):
            raise _fail("filters.limit", "must be a whole number of products, at least 1")

    @property
    def updated_since(self) -> datetime | None:
        """The `updated since` rule, which goes down to the source API (only when all rules must hold)."""
        if self.match is not Match.ALL:
            return None
        moments = [parse_timestamp(r.value, "filters") for r in self.rules if r.op == "since"]
        return max(moments) if moments else None


# -- mapping ----------------------------------------------------------------------------------
# Woo fields a rule may set: product-level ones, and item-level ones evaluated per variant.
WOO_PRODUCT_FIELDS = ("name", "description", "short_description", "status", "slug", "brand")
WOO_ITEM_FIELDS = ("sku", "regular_price", "sale_price", "weight", "manage_stock", "stock_quantity")
WOO_FIELDS = WOO_PRODUCT_FIELDS + WOO_ITEM_FIELDS


@dataclass(frozen=True)
class FieldRule:
    """Where one Woo field's value comes from: a source field, or a constant; then transforms."""

    source: str | None = None
    constant: Any = None
    transforms: tuple[Mapping[str, Any], ...] = ()

    def validate(self, path: str) -> None:
        if (self.source is None) == (self.constant is None):
            raise _fail(path, "needs exactly one of 'from' (a source field) or 'constant'")
        for index, transform in enumerate(self.transforms):
            try:
                validate_transform(transform)
            except TransformError as error:
                raise _fail(f"{path}.transforms[{index}]", str(error)) from error


@dataclass(frozen=True)
class MappingSpec:
    """Overrides of the platform's default mapping, per Woo field."""

    fields: Mapping[str, FieldRule] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, rule in self.fields.items():
            if name not in WOO_FIELDS:
                raise _fail(
                    f"mapping.{name}", f"unknown WooCommerce field; use one of {', '.join(WOO_FIELDS)}"
                )
            rule.validate(f"mapping.{name}")


# -- write options ----------------------------------------------------------------------------
class WriteMode(enum.StrEnum):
    CREATE_AND_UPDATE = "create_and_update"
    CREATE_ONLY = "create_only"
    UPDATE_ONLY = "update_only"


class VanishedAction(enum.StrEnum):
    LEAVE = "leave"
    DRAFT = "draft"
    TRASH = "trash"


UPDATABLE_GROUPS = ("content", "prices", "stock", "images", "categories", "attributes", "status", "seo")


@dataclass(frozen=True)
class WriteOptions:
    mode: WriteMode = WriteMode.CREATE_AND_UPDATE
    update_fields: tuple[str, ...] = UPDATABLE_GROUPS
    vanished: VanishedAction = VanishedAction.LEAVE
    # Never draft or trash more than this share of the catalog in one run without confirmation.
    max_vanished_share: Decimal = Decimal("0.1")
    match_by: str = "source_id"  # or "sku": adopt Woo products that already carry the SKU

    def __post_init__(self) -> None:
        for name, kind in (("mode", WriteMode), ("vanished", VanishedAction)):
            value = getattr(self, name)
            try:
                object.__setattr__(self, name, kind(value))
            except ValueError as error:
                choices = ", ".join(item.value for item in kind)
                raise _fail(f"options.{name}", f"{value!r} is not one of {choices}") from error
        unknown = sorted(set(self.update_fields) - set(UPDATABLE_GROUPS))
        if unknown:
            raise _fail(
                "options.update_fields", f"unknown group {unknown[0]!r}; use {', '.join(UPDATABLE_GROUPS)}"
            )
        share = _decimal(self.max_vanished_share, "options.max_vanished_share")
        if not 0 <= share <= 1:
            raise _fail("options.max_vanished_share", "must be between 0 and 1")
        object.__setattr__(self, "max_vanished_share", share)
        if self.match_by not in {"source_id", "sku"}:
            raise _fail("options.match_by", "must be 'source_id' or 'sku'")


@dataclass(frozen=True)
class ImportDefinition:
    source: SourceSpec
    target: TargetSpec
    filters: FilterSpec = field(default_factory=FilterSpec)
    mapping: MappingSpec = field(default_factory=MappingSpec)
    options: WriteOptions = field(default_factory=WriteOptions)
    name: str = ""
    # When a saved import runs by itself; `ferry import` ignores it and runs now.
    schedule: Schedule | None = None

    # -- plain data ------------------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ImportDefinition:
        _only_known("", data, {"name", "source", "target", "filters", "mapping", "options", "schedule"})
        for section in ("source", "target"):
            if section not in data:
                raise _fail(section, "section is missing")
        return cls(
            name=str(data.get("name", "")),
            source=_build(SourceSpec, "source", data["source"]),
            target=_build(TargetSpec, "target", data["target"]),
            filters=_filters(data.get("filters", {})),
            mapping=_mapping(data.get("mapping", {})),
            options=_options(data.get("options", {})),
            schedule=_schedule(data.get("schedule")),
        )

    @classmethod
    def from_toml(cls, text: str) -> ImportDefinition:
        try:
            return cls.from_dict(tomllib.loads(text))
        except tomllib.TOMLDecodeError as error:
            raise DefinitionError(f"not valid TOML: {error}") from error

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "source": _plain(self.source),
            "target": _plain(self.target),
            "filters": {
                "match": self.filters.match.value,
                "rules": [_plain(rule) for rule in self.filters.rules],
                **({"limit": self.filters.limit} if self.filters.limit else {}),
            },
            "mapping": {name: _rule_dict(rule) for name, rule in self.mapping.fields.items()},
            "options": {
                "mode": self.options.mode.value,
                "update_fields": list(self.options.update_fields),
                "vanished": self.options.vanished.value,
                "max_vanished_share": str(self.options.max_vanished_share),
                "match_by": self.options.match_by,
            },
            # TOML has no null: no schedule is no table.
            **({"schedule": self.schedule.to_dict()} if self.schedule else {}),
        }


def _plain(spec: Any) -> dict[str, Any]:
    return {
        item.name: getattr(spec, item.name) for item in fields(spec) if getattr(spec, item.name) is not None
    }


def _rule_dict(rule: FieldRule) -> dict[str, Any]:
    data: dict[str, Any] = {"from": rule.source} if rule.source is not None else {"constant": rule.constant}
    if rule.transforms:
        data["transforms"] = [dict(t) for t in rule.transforms]
    return data


def _section(path: str, data: Any) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise _fail(path, "must be a table of settings")
    return data


def _build(kind: type, path: str, data: Any) -> Any:
    data = _section(path, data)
    names = {item.name for item in fields(kind)}
    _only_known(path, data, names)
    for item in fields(kind):
        value = data.get(item.name)
        if value is not None and not isinstance(value, str):
            raise _fail(f"{path}.{item.name}", "must be text")
    required = [item.name for item in fields(kind) if item.default is MISSING]
    missing = [name for name in required if name not in data]
    if missing:
        raise _fail(f"{path}.{missing[0]}", "is required")
    return kind(**data)


def _filters(data: Any) -> FilterSpec:
    data = _section("filters", data)
    _only_known("filters", data, {"match", "rules", "limit"})
    rules = data.get("rules", [])
    if not isinstance(rules, list):
        raise _fail("filters.rules", "must be a list of {field, op, value}")
    built = []
    for index, rule in enumerate(rules):
        rule = _section(f"filters.rules[{index}]", rule)
        _only_known(f"filters.rules[{index}]", rule, {"field", "op", "value"})
        for name in ("field", "op"):
            if name not in rule:
                raise _fail(f"filters.rules[{index}].{name}", "is required")
        built.append(FilterRule(rule["field"], rule["op"], rule.get("value")))
    return FilterSpec(match=data.get("match", "all"), rules=tuple(built), limit=data.get("limit"))


def _mapping(data: Any) -> MappingSpec:
    data = _section("mapping", data)
    rules = {}
    for name, rule in data.items():
        rule = _section(f"mapping.{name}", rule)
        _only_known(f"mapping.{name}", rule, {"from", "constant", "transforms"})
        transforms = rule.get("transforms", [])
        if not isinstance(transforms, list) or not all(isinstance(t, Mapping) for t in transforms):
            raise _fail(f"mapping.{name}.transforms", "must be a list of {name = ..., ...} tables")
        rules[name] = FieldRule(
            source=rule.get("from"), constant=rule.get("constant"), transforms=tuple(transforms)
        )
    return MappingSpec(fields=rules)


def _options(data: Any) -> WriteOptions:
    data = _section("options", data)
    _only_known("options", data, {item.name for item in fields(WriteOptions)})
    values = dict(data)
    if "update_fields" in values:
        if not isinstance(values["update_fields"], list):
            raise _fail("options.update_fields", "must be a list")
        values["update_fields"] = tuple(values["update_fields"])
    return WriteOptions(**values)


def _schedule(data: Any) -> Schedule | None:
    return None if data is None else Schedule.from_dict(_section("schedule", data))
