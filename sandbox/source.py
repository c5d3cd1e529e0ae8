"""What the three source stores (Shopify, Magento, BigCommerce) share: a live catalog and the
control routes that change it, so incremental imports can be tested.

    GET  /_sandbox/catalog            {"count", "version", "ids"}  (ids in the platform's own form)
    POST /_sandbox/catalog/update     {"count": N} or {"ids": [...]}: new title, prices +1, stock
    POST /_sandbox/catalog/price      {"id": ..., "price": "12.34"}: one product, every variant
    POST /_sandbox/catalog/delete     {"count": N} or {"ids": [...]}
    POST /_sandbox/catalog/add        {"count": N}

Every change answers `{"ids": [...], "version": V}` with the platform ids it touched. A store that
sends webhooks (Shopify, BigCommerce) sets `webhooks` before calling this class's __init__; the
subscriptions then hear of every change, and `/_sandbox/webhooks` shows their deliveries.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from sandbox.catalog import Catalog
from sandbox.control import control_error, json_object
from sandbox.http import Request, Response, Route, Store, json_response, route
from sandbox.webhooks import Subscriptions


class SourceStore(Store):
    """A store that serves a generated catalog. Subclasses map catalog keys to their own ids."""

    webhooks: Subscriptions | None = None

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        # Called with the platform ids after every catalog change (webhooks hook in here).
        self.listeners: list[Callable[[str, list[Any]], None]] = []
        if self.webhooks is not None:
            self.listeners.append(self.webhooks.on_change)
        self._cache_lock = threading.Lock()
        self._cache: dict[Any, Any] = {}
        self._cache_version = -1
        super().__init__()

    # -- ids: the one decision each platform makes -----------------------------------------
    def product_id(self, key: int) -> Any:
        """The platform's id for the product with this catalog key (a pure function of the key)."""
        raise NotImplementedError

    def key_for_number(self, number: int) -> int | None:
        """The catalog key for a numeric platform id, or None when it cannot be one of ours."""
        raise NotImplementedError

    def key_for_id(self, product_id: Any) -> int | None:
        """The catalog key for a platform id given as number or text (a path segment, JSON)."""
        try:
            number = int(product_id)
        except (TypeError, ValueError):
            return None
        return self.key_for_number(number)

    # -- caching derived views (sorted indexes, rendered payloads) ------------------------
    def cached(self, name: Any, build: Callable[[], Any]) -> Any:
        """`build()` once per catalog version: sorted orders and rendered products stay valid
        until the catalog changes."""
        with self._cache_lock:
            if self._cache_version != self.catalog.version:
                self._cache = {}
                self._cache_version = self.catalog.version
            if name not in self._cache:
                self._cache[name] = build()
            return self._cache[name]

    # -- control ---------------------------------------------------------------------------
    def control_routes(self) -> Iterable[Route]:
        return (
            route("GET", "/_sandbox/catalog", self._catalog_info),
            route("POST", "/_sandbox/catalog/(?P<kind>update|delete|add|price)", self._change),
            *(self.webhooks.control_routes() if self.webhooks is not None else ()),
        )

    def _catalog_info(self, request: Request) -> Response:
        products = self.catalog.products()
        return json_response(
            {
                "count": len(products),
                "version": self.catalog.version,
                "ids": [self.product_id(product.key) for product in products],
            }
        )

    def _keys(self, ids: list[Any]) -> list[int]:
        keys = []
        for product_id in ids:
            key = self.key_for_id(product_id)
            if key is None or self.catalog.get(key) is None:
                raise control_error(404, f"no product with id {product_id!r}")
            keys.append(key)
        return keys

    def _change(self, request: Request) -> Response:
        kind = request.params["kind"]
        body = json_object(request)
        change: dict[str, Any] = {"kind": kind}
        if kind == "price":
            if "id" not in body or "price" not in body:
                raise control_error(400, "a price change needs 'id' and 'price'")
            try:
                price = Decimal(str(body["price"]))
            except InvalidOperation as error:
                raise control_error(400, f"'price' is not a number: {body['price']!r}") from error
            change.update(key=self._keys([body["id"]])[0], price=str(price))
        elif "ids" in body and kind != "add":
            if not isinstance(body["ids"], list):
                raise control_error(400, "'ids' must be a list")
            change["keys"] = self._keys(body["ids"])
        else:
            count = body.get("count", 1)
            if not isinstance(count, int) or count < 0:
                raise control_error(400, "'count' must be a whole number of products")
            change["count"] = count
        keys = self.catalog.apply(change)
        ids = [self.product_id(key) for key in keys]
        for listener in self.listeners:
            listener(kind, ids)
        return json_response({"ids": ids, "version": self.catalog.version})

    # -- state -----------------------------------------------------------------------------
    def reset(self) -> None:
        super().reset()
        self.catalog.reset()
        if self.webhooks is not None:
            self.webhooks.reset()

    def close(self) -> None:
        if self.webhooks is not None:
            self.webhooks.close()

    def state_version(self) -> int:
        # Both only grow, so the sum moves whenever either does.
        return self.catalog.version + (self.webhooks.version if self.webhooks is not None else 0)

    def dump_state(self) -> dict[str, Any]:
        state = {"seed": self.catalog.seed, "count": self.catalog.count, "changes": self.catalog.changes}
        if self.webhooks is not None:
            state["webhooks"] = self.webhooks.dump()
        return state

    def load_state(self, state: dict[str, Any]) -> None:
        if (state.get("seed"), state.get("count")) != (self.catalog.seed, self.catalog.count):
            raise ValueError(
                f"saved {self.platform} state is for seed {state.get('seed')} with {state.get('count')} "
                f"products, not seed {self.catalog.seed} with {self.catalog.count}"
            )
        self.catalog.reset()
        self.catalog.replay(state.get("changes", []))
        if self.webhooks is not None:
            self.webhooks.load(state.get("webhooks"))
