"""A request to start a run, as the API receives it: checked on construction, each error naming
its field, so a bad request is refused before anything is queued."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jobs.store.models import RunScope

MAX_PRODUCT_IDS = 1000


class RunRequestError(ValueError):
    """A field of a run request that does not hold; `field` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


@dataclass(frozen=True)
class RunRequest:
    scope: RunScope = RunScope.INCREMENTAL
    product_ids: tuple[str, ...] | None = None
    dry_run: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.dry_run, bool):
            raise RunRequestError("dry_run", "must be true or false")
        if self.scope is RunScope.PRODUCTS and not self.product_ids:
            raise RunRequestError("product_ids", "a products run needs the source ids of its products")
        if self.scope is not RunScope.PRODUCTS and self.product_ids is not None:
            raise RunRequestError("product_ids", 'only a run with scope "products" takes product ids')
        if self.product_ids is not None and len(self.product_ids) > MAX_PRODUCT_IDS:
            raise RunRequestError("product_ids", f"at most {MAX_PRODUCT_IDS} ids in one run")

    @classmethod
    def from_dict(cls, data: Any) -> RunRequest:
        if not isinstance(data, Mapping):
            raise RunRequestError("body", "must be a JSON object")
        known = {"scope", "product_ids", "dry_run"}
        for name in data:
            if name not in known:
                raise RunRequestError(str(name), f"unknown field; the fields are {', '.join(sorted(known))}")
        return cls(
            scope=_scope(data.get("scope", RunScope.INCREMENTAL.value)),
            product_ids=_product_ids(data.get("product_ids")),
            dry_run=data.get("dry_run", False),
        )


def _scope(value: Any) -> RunScope:
    try:
        return RunScope(value)
    except ValueError:
        choices = ", ".join(scope.value for scope in RunScope)
        raise RunRequestError("scope", f"must be one of {choices}, not {value!r}") from None


def _product_ids(value: Any) -> tuple[str, ...] | None:
    """Source ids as strings; Shopify's and BigCommerce's are numbers, so integers are taken too."""
    if value is None:
        return None
    if not isinstance(value, list):
        raise RunRequestError("product_ids", "must be a list of source product ids")
    ids = []
    for index, item in enumerate(value):
        if isinstance(item, bool) or not isinstance(item, str | int) or not str(item).strip():
            raise RunRequestError(f"product_ids[{index}]", "must be a non-empty string or an integer")
        ids.append(str(item).strip())
    return tuple(dict.fromkeys(ids))
