"""Shopify's search syntax for a connection's `query` argument, parsed and evaluated.

    query=status:active vendor:"Acme Goods" (tag:sale OR -tag:clearance) updated_at:>'2024-01-01T00:00:00Z'

Grammar (https://shopify.dev/docs/api/usage/search-syntax): terms separated by whitespace, AND
implied between them, `AND` / `OR` as connectives (OR binds looser), `-` or `NOT ` to negate, and
parentheses to group; a term is `field:value`, with comparators `:<`, `:<=`, `:>`, `:>=`, or a bare
value searched in the default fields. A value is a name (no whitespace, no special character) or
a quoted string; "Date values must be a string surrounded by quotes".

How Shopify treats the edges, from live captures (github.com/airhorns/shopify-draft-proxy
fixtures/conformance/.../product-invalid-search-query-syntax.json, customers-count.json,
gift-card-lifecycle.json, inventory-connection-query-windowing.json):
- a malformed query is never an error: `tag:(value` is the literal value "(value", a stray `(` or a
  dangling `OR` is ignored;
- a field the connection does not know is ignored (it filters nothing) and reported in
  `extensions.search` as {"field", "message": "Invalid search field for this query.", "code":
  "invalid_field"};
- an unquoted value ends at a colon, so `updated_at:<2000-01-01T00:00:00Z` is `updated_at` before
  the hour 2000-01-01T00 in the shop's zone, plus an ignored field "00" with value "00Z".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any

SPECIAL = set(" \t\r\n():\"'\\")
COMPARATORS = ("<=", ">=", "<", ">")
INVALID_FIELD = "Invalid search field for this query."
# The keys Shopify's `parsed` echo uses for each comparator (extensions.search in the captures).
PARSED_KEYS = {"<": "range_lt", "<=": "range_lte", ">": "range_gt", ">=": "range_gte"}
# A filter table row of a schema `query` argument description: "| created_at | time | ...".
FILTER_ROW = re.compile(r"^\| ([\w.{}]+) \| (\w+) \|", re.MULTILINE)
TIME = re.compile(
    r"(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2})"
    r"(?:[T ](?P<hour>\d{2})(?::(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.\d+)?)?)?)?)?)?"
    r"(?P<zone>Z|[+-]\d{2}:?\d{2})?\Z"
)


@dataclass(frozen=True)
class Term:
    field: str  # "default" for a bare value
    value: str
    comparator: str = ":"
    quoted: bool = False

    def parsed(self) -> dict[str, Any]:
        key = PARSED_KEYS.get(self.comparator) or ("match_phrase" if self.quoted else "match_all")
        return {"field": self.field, key: self.value}


@dataclass(frozen=True)
class Not:
    operand: Node

    def parsed(self) -> dict[str, Any]:
        return {"not": self.operand.parsed()}


@dataclass(frozen=True)
class Group:
    operator: str  # "and" | "or"
    operands: tuple[Node, ...]

    def parsed(self) -> dict[str, Any]:
        return {self.operator: [operand.parsed() for operand in self.operands]}


Node = Term | Not | Group


# -- parsing --------------------------------------------------------------------------------------
@dataclass
class _Token:
    kind: str  # "(" | ")" | "AND" | "OR" | "NOT" | "term"
    term: Term | None = None
    negated: bool = False


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    position, depth = 0, 0
    while position < len(text):
        char = text[position]
        if char.isspace() or char == ":":  # a stray colon is skipped, as Shopify does
            position += 1
        elif char == "(":
            tokens.append(_Token("("))
            depth, position = depth + 1, position + 1
        elif char == ")":
            tokens.append(_Token(")"))
            depth, position = max(0, depth - 1), position + 1
        else:
            token, after = _term(text, position, depth)
            if after == position:  # a lone backslash: nothing to read, step over it
                position += 1
                continue
            tokens.append(token)
            position = after
    return tokens


def _term(text: str, position: int, depth: int) -> tuple[_Token, int]:
    negated = text[position] == "-" and position + 1 < len(text) and text[position + 1] not in SPECIAL
    if negated:
        position += 1
    if text[position] in "\"'":
        value, position = _quoted(text, position)
        return _Token("term", Term("default", value, quoted=True), negated), position
    name, position = _name(text, position, stop=SPECIAL)
    if (
        not negated
        and name in ("AND", "OR", "NOT")
        and (position >= len(text) or text[position] in " \t\r\n(")
    ):
        return _Token(name), position
    if position >= len(text) or text[position] != ":":
        return _Token("term", Term("default", name), negated), position
    position += 1
    comparator = next((c for c in COMPARATORS if text.startswith(c, position)), ":")
    position += 0 if comparator == ":" else len(comparator)
    if position < len(text) and text[position] in "\"'":
        value, position = _quoted(text, position)
        return _Token("term", Term(name, value, comparator, quoted=True), negated), position
    # An unquoted value may start with "(" (a literal) and ends at whitespace, a colon, or a ")"
    # that closes an open group.
    stop = set(" \t\r\n:") | ({")"} if depth else set())
    value, position = _name(text, position, stop=stop)
    return _Token("term", Term(name, value, comparator), negated), position


def _name(text: str, position: int, stop: set[str]) -> tuple[str, int]:
    chars = []
    while position < len(text):
        if text[position] == "\\" and position + 1 < len(text):
            chars.append(text[position + 1])  # a backslash escapes a special character
            position += 2
            continue
        if text[position] in stop:
            break
        chars.append(text[position])
        position += 1
    return "".join(chars), position


def _quoted(text: str, position: int) -> tuple[str, int]:
    quote, chars = text[position], []
    position += 1
    while position < len(text) and text[position] != quote:
        if text[position] == "\\" and position + 1 < len(text):
            position += 1
        chars.append(text[position])
        position += 1
    return "".join(chars), position + 1


class _Parser:
    """Recursive descent that never fails: what it cannot place, it drops."""

    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.position = 0

    def query(self, closing: bool = False) -> Node | None:
        alternatives: list[Node] = []
        conjunction: list[Node] = []
        while self.position < len(self.tokens):
            token = self.tokens[self.position]
            if token.kind == ")":
                self.position += 1
                if closing:
                    break
                continue  # an unmatched ")" is ignored
            if token.kind == "OR":
                self.position += 1
                if conjunction:
                    alternatives.append(_join("and", conjunction))
                    conjunction = []
                continue
            if token.kind == "AND":
                self.position += 1
                continue
            operand = self.operand()
            if operand is not None:
                conjunction.append(operand)
        if conjunction:
            alternatives.append(_join("and", conjunction))
        return _join("or", alternatives) if alternatives else None

    def operand(self) -> Node | None:
        token = self.tokens[self.position]
        self.position += 1
        if token.kind == "NOT":
            if self.position >= len(self.tokens) or self.tokens[self.position].kind in (")", "OR", "AND"):
                return None
            inner = self.operand()
            return Not(inner) if inner is not None else None
        if token.kind == "(":
            return self.query(closing=True)
        assert token.term is not None
        return Not(token.term) if token.negated else token.term


def _join(operator: str, operands: Sequence[Node]) -> Node:
    return operands[0] if len(operands) == 1 else Group(operator, tuple(operands))


def parse(query: str | None) -> Node | None:
    """The query's tree, or None for an empty query."""
    return _Parser(_tokens(query or "")).query()


# -- the fields a connection accepts --------------------------------------------------------------
def filter_fields(description: str | None) -> dict[str, str]:
    """The filters a connection accepts, name -> type, read from the table Shopify publishes in
    the description of its `query` argument (the schema is the documentation)."""
    rows = FILTER_ROW.findall(description or "")
    return {name: kind for name, kind in rows if name != "name"}


def _accepts(fields: Mapping[str, str], name: str) -> str | None:
    if name in fields:
        return fields[name]
    if name.startswith("metafields.") and name.count(".") == 2 and "metafields.{namespace}.{key}" in fields:
        return "mixed"
    return None


@dataclass
class Search:
    """A query checked against the filters of one connection: unknown fields dropped, warned."""

    query: str
    fields: Mapping[str, str]
    tree: Node | None = None
    warnings: list[dict[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        parsed = parse(self.query)
        self.echo = parsed.parsed() if parsed is not None else None
        self.tree = self._known(parsed)

    def _known(self, node: Node | None) -> Node | None:
        if isinstance(node, Term):
            if _accepts(self.fields, node.field) is not None:
                return node
            self.warnings.append({"field": node.field, "message": INVALID_FIELD, "code": "invalid_field"})
            return None
        if isinstance(node, Not):
            inner = self._known(node.operand)
            return Not(inner) if inner is not None else None
        if isinstance(node, Group):
            kept = [known for operand in node.operands if (known := self._known(operand)) is not None]
            return _join(node.operator, kept) if kept else None
        return None

    def report(self, path: list[Any]) -> dict[str, Any] | None:
        """The `extensions.search` entry Shopify adds when a query had warnings."""
        if not self.warnings:
            return None
        return {"path": path, "query": self.query, "parsed": self.echo, "warnings": self.warnings}


Matcher = Callable[[Any, Term], bool]


def matches(
    node: Node | None, record: Any, matchers: Mapping[str, Matcher], fields: Mapping[str, str]
) -> bool:
    """Whether `record` satisfies the tree; a known filter without a matcher matches nothing
    (a boolean one matches `false`: the sandbox has no bundles, composites, gift cards...)."""
    if node is None:
        return True
    if isinstance(node, Not):
        return not matches(node.operand, record, matchers, fields)
    if isinstance(node, Group):
        results = (matches(operand, record, matchers, fields) for operand in node.operands)
        return all(results) if node.operator == "and" else any(results)
    matcher = matchers.get(node.field) or matchers.get(node.field.split(".", 1)[0] + ".*")
    if matcher is not None:
        return matcher(record, node)
    return _accepts(fields, node.field) == "boolean" and node.value.lower() == "false"


# -- comparing values -------------------------------------------------------------------------------
def text_matches(candidates: Sequence[str | None], term: Term) -> bool:
    """Case-insensitive equality with any candidate; `a,b` is either, a trailing `*` a prefix."""
    wanted = (
        [part.strip().lower() for part in term.value.split(",")] if not term.quoted else [term.value.lower()]
    )
    values = [candidate.lower() for candidate in candidates if candidate]
    return any(_text_equal(value, want) for value in values for want in wanted if want)


def _text_equal(value: str, wanted: str) -> bool:
    return value.startswith(wanted[:-1]) if wanted.endswith("*") else value == wanted


def words_match(haystack: str, term: Term) -> bool:
    """Free text: a quoted phrase must appear as is, otherwise every word must begin a word."""
    text = haystack.lower()
    if term.quoted:
        return term.value.lower() in text
    words = re.findall(r"\w+", text)
    wanted = re.findall(r"\w+", term.value.lower())
    return all(any(word.startswith(want) for word in words) for want in wanted)


def number_matches(actual: int | Decimal | None, term: Term) -> bool:
    try:
        wanted = Decimal(term.value)
    except InvalidOperation:
        return False
    if actual is None:
        return False
    return {
        ":": actual == wanted,
        "<": actual < wanted,
        "<=": actual <= wanted,
        ">": actual > wanted,
        ">=": actual >= wanted,
    }[term.comparator]


def bool_matches(actual: bool, term: Term) -> bool:
    return term.value.lower() in ("true", "false") and actual == (term.value.lower() == "true")


def time_matches(actual: datetime | None, term: Term, zone: tzinfo, now: datetime | None = None) -> bool:
    """`updated_at:>'2024-01-01'`: a value is the span it names (a year, a day, a second) and
    comparisons round outward from it, so `>` a day means after that whole day; times are
    compared to the second, as Shopify stores them."""
    span = time_span(term.value, zone, now)
    if span is None or actual is None:
        return False
    start, end = span
    moment = actual.replace(microsecond=0)
    return {
        ":": start <= moment < end,
        ">": moment >= end,
        ">=": moment >= start,
        "<": moment < start,
        "<=": moment < end,
    }[term.comparator]


def time_span(value: str, zone: tzinfo, now: datetime | None = None) -> tuple[datetime, datetime] | None:
    """The [start, end) a time value names; a value without a zone is in the shop's zone."""
    if value.lower() == "now":
        moment = (now or datetime.now(UTC)).replace(microsecond=0)
        return moment, moment + timedelta(seconds=1)
    found = TIME.match(value.strip())
    if found is None:
        return None
    parts = found.groupdict()
    try:
        start = datetime(
            int(parts["year"]),
            int(parts["month"] or 1),
            int(parts["day"] or 1),
            int(parts["hour"] or 0),
            int(parts["minute"] or 0),
            int(parts["second"] or 0),
            tzinfo=_zone(parts["zone"]) or zone,
        )
    except ValueError:
        return None
    if parts["second"] is not None:
        end = start + timedelta(seconds=1)
    elif parts["minute"] is not None:
        end = start + timedelta(minutes=1)
    elif parts["hour"] is not None:
        end = start + timedelta(hours=1)
    elif parts["day"] is not None:
        end = start + timedelta(days=1)
    elif parts["month"] is not None:
        end = (start + timedelta(days=32)).replace(day=1)
    else:
        end = start.replace(year=start.year + 1)
    return start, end


def _zone(text: str | None) -> tzinfo | None:
    if not text:
        return None
    if text == "Z":
        return UTC
    digits = text.replace(":", "")
    offset = timedelta(hours=int(digits[1:3]), minutes=int(digits[3:5]))
    return timezone(offset if digits[0] == "+" else -offset)
