"""The import itself: pages from the source, filters, mapping, the content-hash check, write
batches, links and checkpoint committed together after each batch. Pure of RQ and of the web.

Exactly once: every write is keyed by source identity (links), the writer reconciles ambiguous
creates before retrying, and a checkpoint (the page token to resume after) is committed with the
links of the batch it follows, so a killed run resumes where it stopped and re-reading a page does
no harm. The watermark for incremental runs moves only when a run has read every page: a run that
stops keeps the old one (and its checkpoint). Items that failed (a SKU another product holds, say)
are listed with their reasons and written again when they change or on the next full run; holding
the watermark back for them would turn every later run into a full read.
"""

from __future__ import annotations

import enum
import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from connectors.base import SourceConnector
from connectors.errors import ConnectorError
from connectors.model import Product
from connectors.woocommerce import WooProduct, WooWriter, WriteItem, WriteResult
from jobs.definition import ImportDefinition, VanishedAction, WriteMode
from jobs.filters import compile_filters
from jobs.mapping import Mapper
from jobs.store.links import LinkUpdate, find_links, import_state, product_links, save_links
from jobs.store.models import Link

log = logging.getLogger(__name__)

# The watermark is when a run started (by our clock): a product changed while the run read other
# pages is seen by the next run. Re-reading a little before it covers a source clock behind ours
# and changes saved in the same second; hashes make those re-reads cost no write.
WATERMARK_OVERLAP = timedelta(minutes=5)
BATCH_SIZE = 100  # WooCommerce's batch limit

# The mapped values each update group covers (WriteOptions.update_fields): an update hashes only
# the groups it may write, so a change elsewhere costs no write.
HASHED_FIELDS: dict[str, tuple[str, ...]] = {
    "content": ("name", "description", "short_description", "slug", "weight_grams", "meta_data", "sku"),
    "prices": ("regular_price", "sale_price"),
    "stock": ("manage_stock", "stock_quantity"),
    "images": ("images", "image_src"),
    "categories": ("category_paths", "tags"),
    "attributes": ("attributes", "options"),
    "status": ("status",),
    "seo": (),
}


class Action(enum.StrEnum):
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    SKIP = "skip"
    ERROR = "error"


@dataclass(frozen=True)
class PlannedItem:
    """One product's fate in a run (the dry-run plan, and the failures of a real run)."""

    source_id: str
    sku: str | None
    title: str
    action: Action
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # field -> (old, new)
    reason: str | None = None


@dataclass
class RunCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    failed: int = 0
    seen: int = 0
    vanished: int = 0


@dataclass
class RunResult:
    counts: RunCounts
    source_requests: int
    target_requests: int
    duration_s: float
    dry_run: bool
    full: bool
    resumed: bool
    plan: list[PlannedItem]
    failures: list[PlannedItem]
    warnings: list[str]

    def summary(self) -> dict[str, Any]:
        return {
            **asdict(self.counts),
            "source_requests": self.source_requests,
            "target_requests": self.target_requests,
            "duration_s": round(self.duration_s, 3),
            "dry_run": self.dry_run,
            "full": self.full,
            "resumed": self.resumed,
            "failures": [_item_dict(item) for item in self.failures],
            "warnings": self.warnings,
        }


def _item_dict(item: PlannedItem) -> dict[str, Any]:
    data = asdict(item)
    data["action"] = item.action.value
    data["changes"] = {name: {"old": old, "new": new} for name, (old, new) in item.changes.items()}
    return data


@dataclass(frozen=True)
class RunOptions:
    full: bool = False
    dry_run: bool = False
    confirm_vanished: bool = False


Progress = Callable[[RunCounts], None]


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


def snapshot(product: WooProduct) -> dict[str, Any]:
    """The mapped product as plain JSON values: what the content hash covers and dry runs compare."""
    return _plain(asdict(product))


def content_hash(values: dict[str, Any], groups: Iterable[str]) -> str:
    """A hash of the values that updates may touch: a change elsewhere costs no write."""
    covered = {name for group in groups for name in HASHED_FIELDS[group]}

    def keep(data: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in data.items() if k in covered or k in {"source_key", "variations"}}

    kept = keep(values)
    kept["variations"] = [keep(variation) for variation in values.get("variations", [])]
    return hashlib.sha256(json.dumps(kept, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def changed_fields(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    old = old or {}
    return {name: (old.get(name), value) for name, value in new.items() if old.get(name) != value}


def import_key(definition: ImportDefinition) -> str:
    """The identity an import's watermark and checkpoint are kept under."""
    source = definition.source
    return f"{source.platform}:{source.url}:{source.store_view if source.platform == 'magento' else ''}->" + (
        definition.target.url
    )


class Pipeline:
    """One run of one import definition."""

    def __init__(
        self,
        definition: ImportDefinition,
        source: SourceConnector,
        writer: WooWriter,
        sessions: sessionmaker[Session],
        source_prefix: str,
        options: RunOptions = RunOptions(),
        progress: Progress | None = None,
    ) -> None:
        self.definition = definition
        self.source = source
        self.writer = writer
        self.sessions = sessions
        self.options = options
        self.progress = progress or (lambda counts: None)
        self.mapper = Mapper(definition.mapping, source_prefix)
        self.prefix = source_prefix + ":"
        self.target = definition.target.url.rstrip("/")
        self.keep = compile_filters(definition.filters)
        self.groups = frozenset(definition.options.update_fields)
        self.counts = RunCounts()
        self.plan: list[PlannedItem] = []
        self.failures: list[PlannedItem] = []
        self.warnings: list[str] = []
        self.key = import_key(definition)

    # -- the run ----------------------------------------------------------------------------------
    def run(self) -> RunResult:
        started = time.monotonic()
        started_at = datetime.now(UTC)
        if not self.options.dry_run:
            self._recover_pending_creates()
        with self.sessions() as session:
            state = import_state(session, self.key)
            watermark = state.watermark
            checkpoint = dict(state.checkpoint or {})
            session.commit()
        since = self._since(watermark)
        resume = None
        if checkpoint and checkpoint.get("since") == _iso(since) and not self.options.dry_run:
            resume = checkpoint.get("token")
            self.counts = RunCounts(**checkpoint.get("counts", {}))
            # The run that stopped started earlier: its start is the safe watermark.
            started_at = _parse(checkpoint.get("started_at")) or started_at
        seen_ids: set[str] = set()
        taken = 0
        for page in self.source.iter_pages(since=since, resume=resume):
            self.counts.seen += page.raw_count
            for source_id, reason in page.rejected:
                seen_ids.add(source_id)
                self._fail(PlannedItem(source_id, None, "", Action.ERROR, reason=reason))
            selected = []
            for product in page.products:
                seen_ids.add(product.source_id)
                limit = self.definition.filters.limit
                if (limit is None or taken < limit) and self.keep(product):
                    taken += 1
                    selected.append(product)
            self._process(selected, page.resume, since, started_at)
            self.progress(self.counts)
        whole_catalog = (
            since is None and self.definition.filters.limit is None and not self.definition.filters.rules
        )
        if whole_catalog and resume is None:
            self._handle_vanished(seen_ids)
        elif whole_catalog:
            # The pages before the checkpoint were read by the run that stopped: their ids are not
            # known here, so products gone from the source are looked for on the next full run.
            self.warnings.append(
                "resumed run: products gone from the source are checked on the next full run"
            )
        self._finish(started_at)
        return RunResult(
            counts=self.counts,
            source_requests=self.source.requests_made,
            target_requests=self.writer.requests_made,
            duration_s=time.monotonic() - started,
            dry_run=self.options.dry_run,
            full=since is None,
            resumed=resume is not None,
            plan=self.plan,
            failures=self.failures,
            warnings=self.warnings,
        )

    def _since(self, watermark: datetime | None) -> datetime | None:
        candidates = [self.definition.filters.updated_since]
        if watermark is not None and not self.options.full:
            candidates.append(watermark - WATERMARK_OVERLAP)
        present = [moment for moment in candidates if moment is not None]
        return max(present) if present else None

    # -- one page ---------------------------------------------------------------------------------
    def _process(
        self, products: Sequence[Product], token: Any, since: datetime | None, started_at: datetime
    ) -> None:
        mapped: list[tuple[Product, WooProduct, dict[str, Any]]] = []
        for product in products:
            try:
                woo = self.mapper.map(product)
            except (ValueError, ArithmeticError) as error:
                self._fail(_item(product, Action.ERROR, reason=f"could not map: {error}"))
                continue
            mapped.append((product, woo, snapshot(woo)))
        with self.sessions() as session:
            links = find_links(session, self.target, [woo.source_key for _, woo, _ in mapped])
            variation_links = find_links(
                session,
                self.target,
                [variation.source_key for _, woo, _ in mapped for variation in woo.variations],
            )
        items: list[tuple[Product, WooProduct, dict[str, Any], str, WriteItem]] = []
        for product, woo, values in mapped:
            link = links.get(woo.source_key)
            # A create writes every group, but the hash it leaves is of the groups later runs may
            # update: a hash of all of them would differ from the next run's and rewrite everything.
            digest = content_hash(values, self.groups)
            action = self._decide(link, digest)
            if action is not Action.UNCHANGED and action is not Action.SKIP:
                changes = changed_fields(link.snapshot if link else None, values) if link else {}
                planned = _item(product, action, changes=changes)
            else:
                planned = _item(product, action)
            if self.options.dry_run or action in {Action.UNCHANGED, Action.SKIP}:
                self._count(planned)
                continue
            variation_ids = {
                variation.source_key: variation_links[variation.source_key].woo_id
                for variation in woo.variations
                if variation.source_key in variation_links
            }
            write = WriteItem(
                product=woo,
                woo_id=link.woo_id if link else None,
                variation_ids=variation_ids,
                update_groups=self.groups,
            )
            items.append((product, woo, values, digest, write))
        for start in range(0, len(items), BATCH_SIZE):
            self._write(items[start : start + BATCH_SIZE])
        if not self.options.dry_run:
            self._checkpoint(token, since, started_at)

    def _decide(self, link: Link | None, digest: str) -> Action:
        mode = self.definition.options.mode
        if link is None:
            return Action.SKIP if mode is WriteMode.UPDATE_ONLY else Action.CREATE
        if link.content_hash == digest:
            return Action.UNCHANGED
        return Action.SKIP if mode is WriteMode.CREATE_ONLY else Action.UPDATE

    def _recover_pending_creates(self) -> None:
        """Record what a run stopped between sending creates and recording them had created."""
        with self.sessions() as session:
            pending = import_state(session, self.key).pending_creates
        if not pending:
            return
        found = self.writer.recover_creates(pending["items"], pending["since"])
        log.info("found %d of %d creates an interrupted run had sent", len(found), len(pending["items"]))
        with self.sessions() as session:
            # No content hash: the next write of each is a full update.
            save_links(
                session,
                self.target,
                [LinkUpdate(key, "product", woo_id) for key, woo_id in found.items()],
                datetime.now(UTC),
            )
            import_state(session, self.key).pending_creates = None
            session.commit()

    def _write(self, batch: list[tuple[Product, WooProduct, dict[str, Any], str, WriteItem]]) -> None:
        creates = {woo.source_key: woo.sku for _, woo, _, _, write in batch if write.woo_id is None}
        if creates:
            with self.sessions() as session:
                state = import_state(session, self.key)
                state.pending_creates = {"since": self.writer.clock(), "items": creates}
                session.commit()
        try:
            results = self.writer.write([write for *_, write in batch])
        except ConnectorError as error:
            # The whole batch failed (target down, credentials revoked): record every item and
            # keep going is pointless for auth; the caller decides on retry, nothing is lost.
            for product, *_ in batch:
                self._fail(_item(product, Action.ERROR, reason=error.message))
            raise
        by_key = {result.source_key: result for result in results}
        updates: list[LinkUpdate] = []
        for product, woo, values, digest, write in batch:
            result = by_key.get(woo.source_key)
            if result is None:
                self._fail(_item(product, Action.ERROR, reason="the writer returned no result for it"))
                continue
            updates.extend(self._link_updates(woo, values, digest, result))
            if result.outcome == "failed":
                self._fail(_item(product, Action.ERROR, reason=result.error, request=result.request))
            else:
                action = Action.CREATE if write.woo_id is None else Action.UPDATE
                self._count(_item(product, action))
        with self.sessions() as session:
            save_links(session, self.target, updates, datetime.now(UTC))
            import_state(session, self.key).pending_creates = None
            session.commit()

    def _link_updates(
        self, woo: WooProduct, values: dict[str, Any], digest: str, result: WriteResult
    ) -> list[LinkUpdate]:
        if result.woo_id is None:
            return []
        ok = result.outcome != "failed"
        updates = [
            LinkUpdate(
                woo.source_key,
                "product",
                result.woo_id,
                # A failed item keeps no hash, so the next run writes it again.
                content_hash=digest if ok else None,
                snapshot=values if ok else None,
            )
        ]
        updates += [
            LinkUpdate(key, "variation", variation_id, parent_woo_id=result.woo_id)
            for key, variation_id in result.variation_ids.items()
        ]
        return updates

    def _checkpoint(self, token: Any, since: datetime | None, started_at: datetime) -> None:
        with self.sessions() as session:
            state = import_state(session, self.key)
            state.checkpoint = {
                "token": token,
                "since": _iso(since),
                "started_at": _iso(started_at),
                "counts": asdict(self.counts),
            }
            session.commit()

    # -- the end ----------------------------------------------------------------------------------
    def _handle_vanished(self, seen_ids: set[str]) -> None:
        action = self.definition.options.vanished
        gone: list[Link] = []
        linked = 0
        with self.sessions() as session:
            for link in product_links(session, self.target, self.prefix):
                linked += 1
                if link.source_key[len(self.prefix) :] not in seen_ids:
                    gone.append(link)
        self.counts.vanished = len(gone)
        if not gone or action is VanishedAction.LEAVE:
            return
        share = Decimal(len(gone)) / Decimal(max(linked, 1))
        if share > self.definition.options.max_vanished_share and not self.options.confirm_vanished:
            self.warnings.append(
                f"{len(gone)} of {linked} imported products are gone from the source ({share:.0%}), "
                "more than options.max_vanished_share allows; nothing was done to them "
                f"(confirm to {action.value} them)"
            )
            return
        if self.options.dry_run:
            return
        woo_ids = [link.woo_id for link in gone]
        if action is VanishedAction.DRAFT:
            self.writer.set_status(woo_ids, "draft")
        else:
            self.writer.trash(woo_ids)

    def _finish(self, started_at: datetime) -> None:
        if self.options.dry_run:
            return
        with self.sessions() as session:
            state = import_state(session, self.key)
            state.checkpoint = None
            state.last_run_at = datetime.now(UTC)
            state.last_status = "failed_items" if self.counts.failed else "succeeded"
            state.watermark = started_at
            session.commit()

    # -- bookkeeping ------------------------------------------------------------------------------
    def _count(self, item: PlannedItem) -> None:
        counter = {
            Action.CREATE: "created",
            Action.UPDATE: "updated",
            Action.UNCHANGED: "unchanged",
            Action.SKIP: "skipped",
            Action.ERROR: "failed",
        }[item.action]
        setattr(self.counts, counter, getattr(self.counts, counter) + 1)
        if self.options.dry_run:
            self.plan.append(item)

    def _fail(self, item: PlannedItem) -> None:
        self.failures.append(item)
        self._count(item)


def _item(product: Product, action: Action, **details: Any) -> PlannedItem:
    sku = next((variant.sku for variant in product.variants if variant.sku), None)
    request = details.pop("request", None)
    reason = details.get("reason")
    if request and reason:
        details["reason"] = f"{reason} (request: {request})"
    return PlannedItem(product.source_id, sku, product.title, action, **details)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _parse(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None
