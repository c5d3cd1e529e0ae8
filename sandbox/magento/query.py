"""searchCriteria run over a table of rows: filters, sort orders and Magento's page clamp.

Filters compare as MySQL does for the column's type, since Magento hands each filter to
`Pdo\\Mysql::prepareSqlCondition` (lib/internal/Magento/Framework/DB/Adapter/Pdo/Mysql.php):
- text compares without regard to case (the tables' utf8 general collation), `like` takes `%` and
  `_` wildcards, numbers compare as numbers (a non-numeric value counts as 0), dates as
  `YYYY-MM-DD HH:MM:SS`; a row without a value matches only `null` (SQL's three-valued logic);
- `in`/`nin` split their value on commas, `from`/`to` are `>=`/`<=`, `finset` looks the value up
  in a comma-separated list;
- a condition type the adapter does not know (`moreq`, a typo) is not an error: the adapter falls
  through to its list-of-conditions branch, which compares for equality.
Filters within a group are ORed, groups are ANDed (api-notes §3.3). A sort order without a direction
sorts descending (SortingProcessor compares it with ASC); an unknown sort field is ignored
(EAV addAttributeToSort skips attributes it does not find). Without sort orders rows come in
entity id order.
"""

from __future__ import annotations

import math
import operator
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from sandbox.http import HttpError
from sandbox.magento import errors
from sandbox.magento.search_criteria import Filter, SearchCriteria

Predicate = Callable[[Any], bool]
_NUMBER_PREFIX = re.compile(r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq,
    "neq": operator.ne,
    "gt": operator.gt,
    "lt": operator.lt,
    "gteq": operator.ge,
    "lteq": operator.le,
    "from": operator.ge,
    "to": operator.le,
}
NUMERIC = {"int", "decimal"}
ID_FIELDS = {"entity_id", "id"}  # what a table's ids are, in both tables


@dataclass(frozen=True)
class Column:
    kind: str  # int | decimal | text | datetime | category (a tuple of category ids)
    values: list[Any]  # normalised (see normalise), aligned with the table's ids


class Table(Protocol):
    ids: list[int]  # every row id, ascending

    def column(self, field: str) -> Column | None:
        """The field's values for every row, or None when the entity has no such field."""


def mysql_number(text: str) -> Decimal:
    """MySQL's cast of a string to a number: its numeric prefix, else 0."""
    found = _NUMBER_PREFIX.match(text)
    try:
        return Decimal(found.group(0).strip()) if found else Decimal(0)
    except InvalidOperation:
        return Decimal(0)


def mysql_datetime(text: str) -> str | None:
    """A date literal as MySQL reads it against a DATETIME column (times with an offset are moved
    to UTC, MySQL 8.0.19+); None when it is no date at all."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def normalise(kind: str, value: Any) -> Any:
    """A stored value in the form filters and sorts compare."""
    if value is None:
        return None
    if kind in NUMERIC:
        return value if isinstance(value, Decimal) else mysql_number(str(value))
    if kind == "text":
        return (",".join(value) if isinstance(value, list) else str(value)).casefold()
    return value


def _target(kind: str, text: str) -> Any:
    if kind in NUMERIC:
        return mysql_number(text)
    if kind == "datetime":
        return mysql_datetime(text)
    return text.casefold()


def _as_text(kind: str, value: Any) -> str:
    if kind == "decimal":
        return f"{value:.6f}"
    if kind == "int":
        return str(int(value))
    return str(value).casefold()


def like_pattern(text: str) -> re.Pattern[str]:
    parts = []
    escaped = False
    for char in text.casefold():
        if escaped:
            parts.append(re.escape(char))
            escaped = False
        elif char == "\\":
            escaped = True
        else:
            parts.append({"%": ".*", "_": "."}.get(char) or re.escape(char))
    return re.compile("".join(parts) + r"\Z", re.DOTALL)


def predicate(kind: str, item: Filter) -> Predicate:
    condition, raw = item.condition_type, item.value
    if condition == "null":
        return lambda value: value is None
    if condition == "notnull":
        return lambda value: value is not None
    if raw is None:
        return lambda value: False  # "field = NULL" is never true
    positive = condition not in {"nlike", "nregexp", "nfinset", "nin"}
    if kind == "category":
        wanted = {int(mysql_number(part)) for part in raw.split(",")}
        wanted_positive = condition not in {"neq", "nin"}
        return lambda value: bool(wanted.intersection(value)) == wanted_positive
    if condition in {"like", "nlike"}:
        pattern = like_pattern(raw)
        return lambda value: value is not None and bool(pattern.match(_as_text(kind, value))) == positive
    if condition in {"regexp", "nregexp"}:
        try:
            compiled = re.compile(raw, re.IGNORECASE)
        except re.error as error:
            raise HttpError(errors.internal_error()) from error  # MySQL rejects the statement
        return lambda value: value is not None and bool(compiled.search(_as_text(kind, value))) == positive
    if condition in {"finset", "nfinset"}:
        needle = raw.casefold()
        return lambda value: value is not None and (needle in _as_text(kind, value).split(",")) == positive
    if condition in {"in", "nin"}:
        allowed = {_target(kind, part) for part in raw.split(",")} - {None}
        return lambda value: value is not None and (value in allowed) == positive
    compare = _COMPARE.get(condition, operator.eq)
    target = _target(kind, raw)
    if target is None:
        return lambda value: False
    return lambda value: value is not None and compare(value, target)


def _column(table: Table, field: str | None) -> Column:
    found = table.column(field) if field is not None else None
    if found is None:
        raise errors.fail(400, errors.ATTRIBUTE_NAME_INVALID, [field])
    return found


def matching(table: Table, criteria: SearchCriteria) -> list[int]:
    """Ids of the rows that pass every filter group, in the criteria's sort order."""
    positions: list[int] | None = None
    for group in criteria.filter_groups:
        tests = [(_column(table, item.field), item) for item in group]
        tests = [(column.values, predicate(column.kind, item)) for column, item in tests]
        if not tests:
            continue
        candidates = range(len(table.ids)) if positions is None else positions
        if len(tests) == 1:
            values, test = tests[0]
            positions = [index for index in candidates if test(values[index])]
        else:
            positions = [index for index in candidates if any(test(values[index]) for values, test in tests)]
    if positions is None:
        positions = list(range(len(table.ids)))
    orders = criteria.sort_orders or ()
    if len(orders) == 1 and orders[0].field in ID_FIELDS:
        # Rows are kept in id order already: no need to sort them by it.
        ascending = orders[0].direction == "ASC"
        return [table.ids[index] for index in (positions if ascending else reversed(positions))]
    for order in reversed(orders):
        column = table.column(order.field) if order.field is not None else None
        if column is None or column.kind == "category":
            continue
        values = column.values
        positions.sort(
            key=lambda index: (values[index] is not None, values[index]), reverse=order.direction != "ASC"
        )
    return [table.ids[index] for index in positions]


def page(found: list[int], criteria: SearchCriteria, past_last_page: str) -> list[int]:
    """One page, as Magento's collection clamps it: a page past the end is the last page again
    (Data\\Collection::getCurPage; api-notes §3.5) unless the store runs in "empty" mode, a page
    below 1 is page 1, a page size of 0 or none is every row and a negative one a single row
    (Zend_Db_Select::limitPage)."""
    size = criteria.page_size
    if not size:
        return found
    if size < 0:
        return found[:1]
    last = max(1, math.ceil(len(found) / size))
    number = max(1, criteria.current_page or 1)
    if number > last:
        if past_last_page == "empty":
            return []
        number = last
    return found[(number - 1) * size : number * size]


class LRU:
    """A small thread-safe least-recently-used map."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, build: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = build()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value
