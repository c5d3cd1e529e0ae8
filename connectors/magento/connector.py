"""The Magento 2 / Adobe Commerce source: `GET /rest/{store_view}/V1/products` with searchCriteria.

A run reads the store view's configuration and category tree once, then pages through the products
shoppers can see (visibility 2-4), sorted by entity id. Each page brings the children of its
configurables in `entity_id in (...)` batches and the metadata of the select attributes it meets
(once per run), so a page of 250 products costs a handful of requests, not one per product.

An incremental run (`since`) reads the products changed since then, and then the configurables
whose own row did not change but one of whose children did (a price or stock change is saved on
the child): their token is "parents:<last id>" instead of an entity id.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import quote, urlsplit

from connectors.base import ConnectionReport, Page, SourceConnector
from connectors.errors import AuthError, ConnectorError, FatalError
from connectors.http import Redactor, RetryPolicy, StoreClient, Timeouts
from connectors.magento.auth import TWO_FACTOR, BearerToken, describe_error, missing_resources
from connectors.magento.mapping import (
    Attribute,
    StoreContext,
    UnmappableProduct,
    attributes_to_look_up,
    category_index,
    child_ids,
    extension,
    to_product,
)
from connectors.magento.search import (
    CONFIGURABLE,
    NOT_VISIBLE,
    VISIBLE,
    EntityIdPaginator,
    Filter,
    Groups,
    after_id,
    batched,
    search_criteria,
    stamp,
)
from connectors.magento.settings import MagentoSettings
from connectors.pagination import Paginator, RawPage, Token

log = logging.getLogger(__name__)

PARENTS = "parents:"  # token prefix of an incremental run's second part
ROOT_CATEGORY = 1  # "Root Catalog": the tree above every store's root (CategoryManagement::getTree)


@dataclass
class _Run:
    """What one run looked up: the store view's context and the attributes met so far."""

    store: StoreContext
    attributes: dict[str, Attribute] = field(default_factory=dict)
    not_attributes: set[str] = field(default_factory=set)
    seen: set[int] = field(default_factory=set)  # entity ids yielded (~70 bytes each)


class MagentoConnector(SourceConnector):
    platform: ClassVar[str] = "magento"
    path: ClassVar[str] = "products"
    record_key: ClassVar[str] = "items"
    # 250 stays under the 300 a store may impose (`webapi/validation/input_limit_enabled`:
    # https://developer.adobe.com/commerce/webapi/get-started/api-security/) and keeps an `in (...)`
    # batch of child ids near 2 KB of URL; each request pays Magento's bootstrap once for 250 items.
    page_size: ClassVar[int] = 250
    incremental_field: ClassVar[str] = "updated_at"
    paginator: ClassVar[type[Paginator]] = EntityIdPaginator

    def __init__(
        self,
        settings: MagentoSettings,
        *,
        allow_private: bool | None = None,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.settings = settings
        self.client = StoreClient(
            f"{settings.url}/rest/{settings.store_view}/V1/",
            secrets=(settings.token, settings.password),
            retry=retry,
            timeouts=timeouts,
            allow_private=allow_private,
            describe_error=describe_error,
        )
        self._bearer = BearerToken(settings.token)
        self.client.session.auth = self._bearer

    def __repr__(self) -> str:
        return f"MagentoConnector({self.settings.url!r}, store_view={self.settings.store_view!r})"

    # -- the three methods -----------------------------------------------------------------------
    def test_connection(self) -> ConnectionReport:
        started = time.monotonic()
        views = self._store_views()
        latency_ms = (time.monotonic() - started) * 1000
        probes: dict[str, Callable[[], Any]] = {
            "store configuration": lambda: self._get("store/storeConfigs"),
            "products": lambda: self.count(),
            "categories": lambda: self._get("categories", {"rootCategoryId": ROOT_CATEGORY, "depth": 1}),
            "product attributes": lambda: self._get("products/attributes/name", {"fields": "attribute_id"}),
        }
        answers: dict[str, Any] = {}
        refusals: list[AuthError] = [views] if isinstance(views, AuthError) else []
        for name, probe in probes.items():
            try:
                answers[name] = probe()
            except AuthError as error:
                refusals.append(error)
        if len(refusals) == len(probes) + 1:
            raise refusals[0]
        # Some routes answered and some did not: the token works but lacks these ACL resources.
        missing = tuple(dict.fromkeys(r for error in refusals for r in missing_resources(error.message)))
        missing += tuple(error.message for error in refusals if not missing_resources(error.message))
        listed = views if isinstance(views, list) else []
        view = next((v for v in listed if v.get("code") == self.settings.store_view), {})
        config = _config_for(answers.get("store configuration"), self.settings.store_view)
        return ConnectionReport(
            platform=self.platform,
            store_name=str(view.get("name") or urlsplit(self.settings.url).hostname),
            product_count=answers.get("products"),
            currency=config.get("base_currency_code"),
            latency_ms=latency_ms,
            missing_permissions=missing,
            details={
                key: config[key]
                for key in (
                    "code",
                    "locale",
                    "timezone",
                    "weight_unit",
                    "base_url",
                    "default_display_currency_code",
                )
                if key in config
            },
        )

    def count(self, since: datetime | None = None) -> int:
        """Products shoppers can see (children of configurables are their variants, not products),
        changed since `since` when given, plus the configurables brought back by a changed child."""
        body = self._get(self.path, search_criteria(self._listing(since), page_size=1, fields="total_count"))
        total = int(body["total_count"])
        return total + len(self._parents_to_recheck(since)) if since is not None else total

    def iter_pages(self, since: datetime | None = None, resume: Token = None) -> Iterator[Page]:
        rechecking = isinstance(resume, str) and resume.startswith(PARENTS)
        if rechecking and since is None:
            raise ValueError(f"a {PARENTS!r} token resumes an incremental run: pass the run's since too")
        run = _Run(self._store_context())
        parents: list[int] | None = None
        after = int(str(resume).removeprefix(PARENTS)) if resume is not None else None
        if not rechecking:
            groups = self._listing(since)
            for raw, token in self.paginator().pages(lambda t: self._search(groups, t), after):
                if token is None and since is not None:
                    parents = self._parents_to_recheck(since)
                    token = f"{PARENTS}0" if parents else None
                yield self._page(run, raw, token)
            after = 0
        if since is None or parents == []:
            return
        if parents is None:  # resumed in the second part
            parents = self._parents_to_recheck(since)
        remaining = [entity for entity in parents if entity > (after or 0)]
        chunks = list(batched(remaining, self.page_size))
        for number, chunk in enumerate(chunks):
            # Their own row is older than `since`, or the first part has already read them.
            groups = [*self._listing(None), self._changed(since, "lt"), _ids_in(chunk)]
            token = f"{PARENTS}{chunk[-1]}" if number < len(chunks) - 1 else None
            yield self._page(run, self._search(groups, None), token)

    # -- reading ---------------------------------------------------------------------------------
    def _listing(self, since: datetime | None) -> list[Sequence[Filter]]:
        return [VISIBLE, self._changed(since, "gteq")] if since is not None else [VISIBLE]

    def _changed(self, since: datetime, condition: str) -> Sequence[Filter]:
        """`updated_at` against `since` cut to Magento's whole seconds: `gteq` keeps a product changed
        later in the same second as `since`, and `lt` with the same value is its exact complement."""
        return ((self.incremental_field, stamp(since), condition),)

    def _search(self, groups: Groups, token: Token, fields: str | None = None) -> RawPage:
        params = search_criteria(after_id(groups, token), page_size=self.page_size, fields=fields)
        body = self._get(self.path, params)
        if not isinstance(body, dict) or "total_count" not in body:
            raise FatalError(f"{self.path}: the store answered without total_count: {str(body)[:200]}")
        # A partial response (`fields=`) turns an empty list into null.
        return RawPage(records=body.get(self.record_key) or [], body=body)

    def _parents_to_recheck(self, since: datetime) -> list[int]:
        """Configurables (visible, unchanged themselves) with a child changed since `since`.

        A child names no parent; the parents' `configurable_product_links` name the children, read
        with a partial response so the scan costs little and runs only when some child changed."""
        changed: set[int] = set()
        for raw, _ in self._pages([NOT_VISIBLE, self._changed(since, "gteq")], "items[id],total_count"):
            changed.update(int(record["id"]) for record in raw.records)
        if not changed:
            return []
        parents = []
        links = "items[id,extension_attributes[configurable_product_links]],total_count"
        for raw, _ in self._pages([VISIBLE, CONFIGURABLE, self._changed(since, "lt")], links):
            parents.extend(
                int(record["id"])
                for record in raw.records
                if changed.intersection(
                    int(i) for i in extension(record).get("configurable_product_links") or ()
                )
            )
        return sorted(set(parents))

    def _pages(self, groups: Groups, fields: str) -> Iterator[tuple[RawPage, Token]]:
        return self.paginator().pages(lambda token: self._search(groups, token, fields))

    def _page(self, run: _Run, raw: RawPage, token: Token) -> Page:
        rejected: list[tuple[str, str]] = []
        fresh: list[tuple[dict[str, Any], list[int]]] = []
        for record in raw.records:
            try:
                entity, links = int(record["id"]), child_ids(record)
            except (KeyError, TypeError, ValueError) as error:
                label = record.get("id", record.get("sku", "?")) if isinstance(record, dict) else "?"
                rejected.append((str(label), f"malformed entry: {error!r}"))
                continue
            if entity not in run.seen:  # the same entity twice in one run: keep the first
                run.seen.add(entity)
                fresh.append((record, links))
        children = self._children([link for _, links in fresh for link in links])
        self._look_up(run, [*(record for record, _ in fresh), *children.values()])
        store = replace(run.store, attributes=dict(run.attributes))
        products = []
        for record, links in fresh:
            try:
                products.append(to_product(record, [children[i] for i in links if i in children], store))
            except (UnmappableProduct, ValueError, KeyError, TypeError, ArithmeticError) as error:
                reason = (
                    str(error) if isinstance(error, UnmappableProduct) else f"malformed product: {error!r}"
                )
                rejected.append((str(record["id"]), reason))
        return Page(products=products, raw_count=len(raw.records), resume=token, rejected=rejected)

    def _children(self, ids: list[int]) -> dict[int, dict[str, Any]]:
        """Child entities by id: one `entity_id in (...)` search per 250 ids, not a request per
        configurable (`GET /V1/configurable-products/{sku}/children`)."""
        found: dict[int, dict[str, Any]] = {}
        for chunk in batched(sorted(set(ids)), self.page_size):
            for record in self._search([_ids_in(chunk)], None).records:
                found[int(record["id"])] = record
        return found

    def _look_up(self, run: _Run, raws: list[dict[str, Any]]) -> None:
        """Metadata and option labels of every select-looking attribute not met before this run."""
        wanted = attributes_to_look_up(raws) - run.attributes.keys() - run.not_attributes
        fields = "attribute_id,attribute_code,frontend_input,default_frontend_label,options"
        for code in sorted(wanted):
            try:
                payload = self._get(f"products/attributes/{quote(code, safe='')}", {"fields": fields})
            except FatalError as error:
                if error.status != 404:
                    raise
                run.not_attributes.add(code)
                continue
            run.attributes[code] = Attribute.from_payload(payload)

    def _store_context(self) -> StoreContext:
        """The store view's media URL and weight unit, and the category tree: once per run."""
        tree = self._get("categories", {"rootCategoryId": ROOT_CATEGORY})
        try:
            config = _config_for(self._get("store/storeConfigs"), self.settings.store_view)
        except AuthError as error:
            # Magento_Backend::store is often left out of an integration; Magento's default
            # layout serves pub/media at /media/, and "kgs" is its default weight unit.
            log.warning(
                "reading the store configuration was refused (%s); using %s/media/", error, self.settings.url
            )
            config = {}
        https = self.settings.url.startswith("https://")
        media = config.get("secure_base_media_url" if https else "base_media_url") or config.get(
            "base_media_url"
        )
        return StoreContext(
            media_url=str(media or f"{self.settings.url}/media/"),
            weight_unit=str(config.get("weight_unit") or "kgs"),
            categories=category_index(tree),
        )

    def _store_views(self) -> list[dict[str, Any]] | AuthError:
        """`GET /V1/store/storeViews`: the first request of a test, so it also tells a wrong
        address or store view code (404 "Request does not match any route.") from the rest."""
        try:
            return self._get("store/storeViews")
        except AuthError as error:
            return error
        except FatalError as error:
            if error.status != 404:
                raise
        try:
            views = self._get(f"{self.settings.url}/rest/V1/store/storeViews")
        except FatalError as error:
            raise FatalError(
                f"no Magento REST API answers at {self.settings.url}/rest ({error.message}); is the "
                "address right?",
                status=error.status,
            ) from None
        except AuthError:
            views = []
        codes = ", ".join(str(view.get("code")) for view in views) or "unknown"
        raise FatalError(
            f"the store has no store view {self.settings.store_view!r} (store views: {codes})", status=404
        )

    # -- requests and tokens --------------------------------------------------------------------
    def _get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """GET with the token; an admin token refused mid-run (expired) is exchanged again once."""
        if self.settings.uses_password and self._bearer.token is None:
            self._sign_in()
        try:
            return self.client.get_json(path, params=params)
        except AuthError as error:
            if not self.settings.uses_password or error.status != 401:
                raise _refused(error) from None
            log.info("the admin token was refused (%s); signing in again", error.message)
        self._sign_in()
        try:
            return self.client.get_json(path, params=params)
        except AuthError as error:
            raise _refused(error) from None

    def _sign_in(self) -> None:
        """`POST /V1/integration/admin/token` {"username", "password"} -> the token as a JSON string."""
        self._bearer.token = None
        body = {"username": self.settings.username, "password": self.settings.password}
        try:
            token = self.client.send_json("POST", "integration/admin/token", body, idempotent=True)
        except (AuthError, FatalError) as error:
            if TWO_FACTOR.search(error.message):
                raise AuthError(
                    "the store requires two-factor sign-in for admin users, which an import cannot "
                    "do: create an integration (System > Extensions > Integrations) and use its "
                    "access token instead",
                    status=error.status,
                ) from None
            if isinstance(error, AuthError) or error.status == 400:
                raise AuthError(
                    f"the admin user name or password was refused: {error.message}", status=error.status
                ) from None
            raise
        if not isinstance(token, str) or not token:
            raise FatalError("the admin token exchange answered without a token")
        self._bearer.token = token
        self.client.redact = Redactor([self.settings.token, self.settings.password, token])


def _refused(error: AuthError) -> ConnectorError:
    # Magento answers an unknown token and a token without the route's ACL resource alike.
    return AuthError(f"the access token was refused: {error.message}", status=error.status, url=error.url)


def _ids_in(ids: Sequence[int]) -> Sequence[Filter]:
    return (("entity_id", ",".join(str(entity) for entity in ids), "in"),)


def _config_for(configs: Any, code: str) -> dict[str, Any]:
    """The storeConfigs entry of this store view (the default one for `all`, which has none)."""
    if not isinstance(configs, list) or not configs:
        return {}
    return next((c for c in configs if c.get("code") == code), None) or next(
        (c for c in configs if c.get("code") == "default"), configs[0]
    )
