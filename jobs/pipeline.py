"""The import itself: pages from the source, filters, mapping, the content-hash check, write
batches, links and checkpoints. Pure of RQ and of the web.

Exactly once: every write is keyed by source identity (links), the writer reconciles ambiguous
creates before retrying, and a killed run resumes where it stopped; re-reading a page does no harm.
Several batches are written at once (a BatchExecutor, jobs/executor.py) while the source is read
ahead (jobs/readahead.py); the books stay as they were one batch at a time:
- links and content hashes are committed per finished batch;
- the creates of each batch are recorded (`pending_creates`, keyed by batch) before it is sent and
  cleared in the commit of its links, so a run killed in between finds what they made;
- the checkpoint (the page token to resume after) moves past a page only when that page and
  every page before it are wholly written;
- two batches in flight never hold the same product or SKU (jobs/batching.py), so concurrency
  cannot create a product twice, and the one read first keeps a contested SKU.

The watermark for incremental runs moves only when a run has read every page: a run that stops
keeps the old one (and its checkpoint). Items that failed (a SKU another product holds, say)
are listed with their reasons and written again when they change or on the next full run; holding
the watermark back for them would turn every later run into a full read.
"""

from __future__ import annotations

import enum
import functools
import hashlib
import itertools
import json
import logging
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import asdict, dataclass, field, fields, is_dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from connectors.base import Page as SourcePage
from connectors.base import SourceConnector
from connectors.errors import ConnectorError
from connectors.model import Product
from connectors.pagination import Token
from connectors.woocommerce import WooProduct, WooWriter, WriteItem, WriteResult
from jobs.batching import BatchQueue
from jobs.definition import ImportDefinition, VanishedAction, WriteMode
from jobs.executor import BatchExecutor, ThreadBatchExecutor
from jobs.filters import compile_filters
from jobs.mapping import Mapper
from jobs.memory import cap_malloc_arenas
from jobs.readahead import ReadAhead
from jobs.seen import SeenIds
from jobs.store.links import LinkUpdate, find_links, import_state, product_links, save_links
from jobs.store.models import Link

log = logging.getLogger(__name__)

# The watermark is when a run started (by our clock): a product changed while the run read other
# pages is seen by the next run. Re-reading a little before it covers a source clock behind ours
# and changes saved in the same second; hashes make those re-reads cost no write.
WATERMARK_OVERLAP = timedelta(minutes=5)
BATCH_SIZE = 100  # WooCommerce's batch limit
READ_AHEAD = 1  # pages read while earlier ones are written

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
    # A targeted run (a webhook's products, a retry of failed items) reads from `since` and leaves
    # the import's watermark where it is: products outside its target may have changed too.
    since: datetime | None = None
    keep_watermark: bool = False


Progress = Callable[[RunCounts], None]
# Told once, before the first read, from when the run reads (None: the whole catalog).
Reading = Callable[[datetime | None], None]


@functools.cache
def _field_names(kind: type) -> tuple[str, ...]:
    return tuple(item.name for item in fields(kind))


def _plain(value: Any) -> Any:
    """What `asdict` then JSON would make of it (dataclasses as dicts, Decimals as text), without
    asdict's deep copies: the run does this for every product it reads."""
    if isinstance(value, str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if is_dataclass(value):
        return {name: _plain(getattr(value, name)) for name in _field_names(type(value))}
    return value


def snapshot(product: WooProduct) -> dict[str, Any]:
    """The mapped product as plain JSON values: what the content hash covers and dry runs compare."""
    return _plain(product)


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


@dataclass(eq=False)
class _Page:
    """A page read from the source: the token to resume after it, what it counted, and how many
    of its products are still to be written (waiting for a batch or in one)."""

    token: Token
    counts: RunCounts = field(default_factory=RunCounts)
    open: int = 0


@dataclass(frozen=True, eq=False)
class _Entry:
    """One product on its way to WooCommerce: mapped, hashed, decided. It keeps the product's
    label (`item`), not the source product, so the source's raw payload is freed once planned."""

    item: PlannedItem  # the create or update it counts as
    woo: WooProduct
    values: dict[str, Any]
    digest: str
    write: WriteItem
    page: _Page
    skus: frozenset[str]  # case-folded, as WooCommerce compares them

    @property
    def key(self) -> str:
        return self.woo.source_key


class Pipeline:
    """One run of one import definition. `executor` writes the batches (by default a thread pool
    of the writer's `workers`); one given by the caller is left open for it to close."""

    def __init__(
        self,
        definition: ImportDefinition,
        source: SourceConnector,
        writer: WooWriter,
        sessions: sessionmaker[Session],
        source_prefix: str,
        options: RunOptions = RunOptions(),
        progress: Progress | None = None,
        executor: BatchExecutor | None = None,
        state_key: str | None = None,
        reading: Reading | None = None,
    ) -> None:
        self.definition = definition
        self.source = source
        self.writer = writer
        self.sessions = sessions
        self.options = options
        self.progress = progress or (lambda counts: None)
        self.reading = reading or (lambda since: None)
        self.executor = executor or ThreadBatchExecutor(writer)
        self._owns_executor = executor is None
        self.mapper = Mapper(definition.mapping, source_prefix)
        self.prefix = source_prefix + ":"
        self.target = definition.target.url.rstrip("/")
        self.keep = compile_filters(definition.filters)
        self.groups = frozenset(definition.options.update_fields)
        self.counts = RunCounts()
        self.committed = RunCounts()  # the counts of the pages the checkpoint covers
        self.plan: list[PlannedItem] = []
        self.failures: list[PlannedItem] = []
        self.warnings: list[str] = []
        self.key = state_key or import_key(definition)
        self._pages: deque[_Page] = deque()  # read, not yet covered by the checkpoint
        self._queue: BatchQueue[_Entry] = BatchQueue(BATCH_SIZE)
        self._batch_ids: dict[Future[list[WriteResult]], str] = {}
        self._numbers = itertools.count(1)
        self._pending: dict[str, dict[str, Any]] = {}  # batch id -> creates sent, not yet linked
        self._stopped: BaseException | None = None  # what failed a whole batch
        self._taken = 0  # products the filters kept, for the limit
        self._since: datetime | None = None
        self._started_at = datetime.now(UTC)

    # -- the run ----------------------------------------------------------------------------------
    def run(self) -> RunResult:
        started = time.monotonic()
        cap_malloc_arenas()  # before the run's threads start: see jobs/memory.py
        self._started_at = datetime.now(UTC)
        if not self.options.dry_run:
            self._recover_pending_creates()
        with self.sessions() as session:
            state = import_state(session, self.key)
            watermark = state.watermark
            checkpoint = dict(state.checkpoint or {})
            session.commit()
        self._since = since = self._since_for(watermark)
        resume = None
        if checkpoint and checkpoint.get("since") == _iso(since) and not self.options.dry_run:
            resume = checkpoint.get("token")
            self.counts = RunCounts(**checkpoint.get("counts", {}))
            self.committed = RunCounts(**checkpoint.get("counts", {}))
            # The run that stopped started earlier: its start is the safe watermark.
            self._started_at = _parse(checkpoint.get("started_at")) or self._started_at
        self.reading(since)
        seen_ids = SeenIds()
        try:
            self._read(since, resume, seen_ids)
        except BaseException:
            self._settle_in_flight()  # what the batches in flight wrote is recorded all the same
            raise
        finally:
            if self._owns_executor:
                self.executor.close()
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
        self._finish(self._started_at)
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

    def _since_for(self, watermark: datetime | None) -> datetime | None:
        candidates = [self.definition.filters.updated_since, self.options.since]
        if watermark is not None and not self.options.full:
            candidates.append(watermark - WATERMARK_OVERLAP)
        present = [moment for moment in candidates if moment is not None]
        return max(present) if present else None

    def _read(self, since: datetime | None, resume: Any, seen_ids: SeenIds) -> None:
        """Every page, read ahead of the writes; batches are sent as pages fill them."""
        with ReadAhead(self.source.iter_pages(since=since, resume=resume), READ_AHEAD) as pages:
            for source_page in pages:
                self._take(source_page, seen_ids)
                del source_page  # its raw payloads go now: only what is to be written stays
                # Read on while fewer than a batch wait: the queue, and memory, stay small.
                self._write(until=lambda: len(self._queue) < BATCH_SIZE)
                if self._stopped is not None:
                    break
                self.progress(self.counts)
        self._write(until=lambda: not len(self._queue) and not self._queue.in_flight)
        if self._stopped is not None:
            raise self._stopped

    # -- one page ---------------------------------------------------------------------------------
    def _take(self, source_page: SourcePage, seen_ids: SeenIds) -> None:
        """Count the page, keep what the filters select (up to the limit), and plan it."""
        page = _Page(source_page.resume)
        self._tally(page, "seen", source_page.raw_count)
        for source_id, reason in source_page.rejected:
            seen_ids.add(source_id)
            self._fail(page, PlannedItem(source_id, None, "", Action.ERROR, reason=reason))
        limit = self.definition.filters.limit
        selected = []
        for product in source_page.products:
            seen_ids.add(product.source_id)
            if (limit is None or self._taken < limit) and self.keep(product):
                self._taken += 1
                selected.append(product)
        self._plan(selected, page)

    def _plan(self, products: Sequence[Product], page: _Page) -> None:
        """Map, hash and decide the page's products; what is to be written joins the queue."""
        mapped: dict[str, tuple[Product, WooProduct]] = {}
        for product in products:
            try:
                woo = self.mapper.map(product)
            except (ValueError, ArithmeticError) as error:
                self._fail(page, _failed(_item(product, Action.ERROR), f"could not map: {error}"))
                continue
            # Read twice in one page (it changed while the page was read): the later read stands.
            mapped[woo.source_key] = (product, woo)
        # A product read again while its earlier write is under way (it changed meanwhile, and the
        # source's order moved it ahead) waits for that write: then its link is known.
        self._write(until=lambda: not self._queue.holds(mapped))
        if self._stopped is not None:
            return
        with self.sessions() as session:
            links = find_links(session, self.target, mapped)
            variation_links = find_links(
                session,
                self.target,
                [variation.source_key for _, woo in mapped.values() for variation in woo.variations],
            )
        entries: list[_Entry] = []
        for product, woo in mapped.values():
            values = snapshot(woo)
            link = links.get(woo.source_key)
            # A create writes every group, but the hash it leaves is of the groups later runs may
            # update: a hash of all of them would differ from the next run's and rewrite everything.
            digest = content_hash(values, self.groups)
            action = self._decide(link, digest)
            if self.options.dry_run or action in {Action.UNCHANGED, Action.SKIP}:
                changes = changed_fields(link.snapshot, values) if link and action is Action.UPDATE else {}
                self._count(page, _item(product, action, changes=changes))
                continue
            write = WriteItem(
                product=woo,
                woo_id=link.woo_id if link else None,
                variation_ids={
                    variation.source_key: variation_links[variation.source_key].woo_id
                    for variation in woo.variations
                    if variation.source_key in variation_links
                },
                update_groups=self.groups,
            )
            skus = frozenset(sku.casefold() for sku in woo.skus)
            entries.append(_Entry(_item(product, action), woo, values, digest, write, page, skus))
        page.open = len(entries)
        self._queue.add(entries)
        self._pages.append(page)
        self._commit_pages()

    def _decide(self, link: Link | None, digest: str) -> Action:
        mode = self.definition.options.mode
        if link is None:
            return Action.SKIP if mode is WriteMode.UPDATE_ONLY else Action.CREATE
        if link.content_hash == digest:
            return Action.UNCHANGED
        return Action.SKIP if mode is WriteMode.CREATE_ONLY else Action.UPDATE

    # -- batches ----------------------------------------------------------------------------------
    def _write(self, until: Callable[[], bool]) -> None:
        """Send batches while the executor has room and settle those that finish, until `until()`
        holds; after a batch failed as a whole, send nothing more and settle what is in flight."""
        while True:
            while (
                self._stopped is None and len(self._queue) and self._queue.in_flight < self.executor.capacity
            ):
                self._send(self._queue.take())
            if not self._queue.in_flight or (self._stopped is None and until()):
                return
            done, _ = wait(self._batch_ids, return_when=FIRST_COMPLETED)
            for future in done:
                self._settle(future)

    def _send(self, batch: list[_Entry]) -> None:
        batch_id = str(next(self._numbers))
        creates = {entry.key: entry.woo.sku for entry in batch if entry.write.woo_id is None}
        if creates:
            # Recorded before the batch is sent: a run killed before its links are saved finds
            # what it created (see _recover_pending_creates) instead of creating it twice.
            self._pending[batch_id] = {"since": self.writer.clock(), "items": creates}
            with self.sessions() as session:
                import_state(session, self.key).pending_creates = dict(self._pending)
                session.commit()
        future = self.executor.submit([entry.write for entry in batch])
        self._batch_ids[future] = batch_id
        self._queue.start(future, batch)

    def _settle(self, future: Future[list[WriteResult]]) -> None:
        """Record a finished batch: links, hashes and the cleared pending creates in one commit."""
        batch = self._queue.finish(future)
        batch_id = self._batch_ids.pop(future)
        error = future.exception()
        if error is not None:
            # The whole batch failed (target down, credentials revoked): its items are recorded as
            # failed and nothing more is sent; what it may have created stays in the pending record
            # and its page is never checkpointed, so the next run finds it. Nothing is lost.
            reason = error.message if isinstance(error, ConnectorError) else repr(error)
            for entry in batch:
                self._fail(entry.page, _failed(entry.item, reason))
            self._stopped = self._stopped or error
            return
        by_key = {result.source_key: result for result in future.result()}
        updates: list[LinkUpdate] = []
        for entry in batch:
            result = by_key.get(entry.key)
            if result is None:
                self._fail(entry.page, _failed(entry.item, "the writer returned no result for it"))
                continue
            updates.extend(self._link_updates(entry, result))
            if result.outcome == "failed":
                self._fail(entry.page, _failed(entry.item, result.error, result.request))
            else:
                self._count(entry.page, entry.item)
        self._pending.pop(batch_id, None)
        with self.sessions() as session:
            save_links(session, self.target, updates, datetime.now(UTC))
            import_state(session, self.key).pending_creates = dict(self._pending) or None
            session.commit()
        for entry in batch:
            entry.page.open -= 1
        self._commit_pages()

    def _settle_in_flight(self) -> None:
        """The run is stopping: wait for the batches in flight and record what they wrote."""
        for future in list(self._batch_ids):
            wait([future])
            self._settle(future)

    def _link_updates(self, entry: _Entry, result: WriteResult) -> list[LinkUpdate]:
        if result.woo_id is None:
            return []
        ok = result.outcome != "failed"
        updates = [
            LinkUpdate(
                entry.key,
                "product",
                result.woo_id,
                # A failed item keeps no hash, so the next run writes it again.
                content_hash=entry.digest if ok else None,
                snapshot=entry.values if ok else None,
            )
        ]
        updates += [
            LinkUpdate(key, "variation", variation_id, parent_woo_id=result.woo_id)
            for key, variation_id in result.variation_ids.items()
        ]
        return updates

    def _recover_pending_creates(self) -> None:
        """Record what a run stopped between sending creates and recording them had created."""
        with self.sessions() as session:
            pending = import_state(session, self.key).pending_creates
        if not pending:
            return
        # One record per batch that was in flight: {batch id: {"since": store clock, "items": {key: sku}}};
        # a run from before batches went several at a time left one bare record.
        batches = [pending] if "items" in pending else list(pending.values())
        items = {key: sku for batch in batches for key, sku in batch["items"].items()}
        since = min(float(batch["since"]) for batch in batches)
        found = self.writer.recover_creates(items, since)
        log.info("found %d of %d creates an interrupted run had sent", len(found), len(items))
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

    # -- checkpoints ------------------------------------------------------------------------------
    def _commit_pages(self) -> None:
        """Checkpoint after the last page that is wholly written with every page before it."""
        last = None
        while self._pages and self._pages[0].open == 0:
            last = self._pages.popleft()
            for name, value in asdict(last.counts).items():
                setattr(self.committed, name, getattr(self.committed, name) + value)
        if last is None or self.options.dry_run:
            return
        with self.sessions() as session:
            state = import_state(session, self.key)
            state.checkpoint = {
                "token": last.token,
                "since": _iso(self._since),
                "started_at": _iso(self._started_at),
                "counts": asdict(self.committed),
            }
            session.commit()

    # -- the end ----------------------------------------------------------------------------------
    def _handle_vanished(self, seen_ids: SeenIds) -> None:
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
            if not self.options.keep_watermark:
                state.watermark = started_at
            session.commit()

    # -- bookkeeping ------------------------------------------------------------------------------
    def _tally(self, page: _Page, counter: str, amount: int = 1) -> None:
        """Count on the run and on the page (the checkpoint holds the counts of the pages it covers)."""
        for counts in (self.counts, page.counts):
            setattr(counts, counter, getattr(counts, counter) + amount)

    def _count(self, page: _Page, item: PlannedItem) -> None:
        counter = {
            Action.CREATE: "created",
            Action.UPDATE: "updated",
            Action.UNCHANGED: "unchanged",
            Action.SKIP: "skipped",
            Action.ERROR: "failed",
        }[item.action]
        self._tally(page, counter)
        if self.options.dry_run:
            self.plan.append(item)

    def _fail(self, page: _Page, item: PlannedItem) -> None:
        self.failures.append(item)
        self._count(page, item)


def _item(product: Product, action: Action, **details: Any) -> PlannedItem:
    sku = next((variant.sku for variant in product.variants if variant.sku), None)
    return PlannedItem(product.source_id, sku, product.title, action, **details)


def _failed(item: PlannedItem, reason: str | None, request: str | None = None) -> PlannedItem:
    """The same product, failed; the reason names the request that failed, when one did."""
    if request and reason:
        reason = f"{reason} (request: {request})"
    return replace(item, action=Action.ERROR, changes={}, reason=reason)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _parse(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None
