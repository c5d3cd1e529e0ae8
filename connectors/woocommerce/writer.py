"""The WooCommerce writer: mapped products in, one result per product out.

A call to `write` takes up to 100 products: it screens out duplicate SKUs, finds or creates the
categories, tags and attributes they name (taxonomy.py), sends one `products/batch` request with
the creates and updates together, then each variable product's variations (variations.py). A
failed item inside the 200 answer fails alone; the rest of the batch stands.

Several `write` calls may run at once on threads (jobs/executor.py): they share the taxonomy
(which creates each term once, under its lock) and one pool of 2 x `workers` threads for variation
batches: one request per PHP worker being served and one queued behind it, so no worker idles
while an answer travels back and the next request is built. The store sees at most that many
variation requests plus one products request per call. The caller keeps two concurrent calls from
holding the same product or SKU (jobs/batching.py): the screen below sees one call's products only.

Idempotent by source identity: a batch whose answer was lost (AmbiguousWriteError: a timeout, a
reset after sending, a 5xx, a dropped answer after the commit) is reconciled before any retry
(reconcile.py): what it created is adopted and updated, only what is truly missing is created.
A `product_invalid_sku` is settled the same way: the holder is ours (adopt it) or someone else's
(the item fails, naming the SKU and the holder; their product is never overwritten).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from connectors.errors import AmbiguousWriteError, FatalError, RetriableError
from connectors.woocommerce.batch import Answer, chunks, send_batch
from connectors.woocommerce.model import GROUPS, STATUSES, Outcome, WooProduct, WriteItem, WriteResult
from connectors.woocommerce.payload import image_refs, product_payload
from connectors.woocommerce.reconcile import Reconciler, source_of
from connectors.woocommerce.target import WooTarget, plain_errors
from connectors.woocommerce.taxonomy import Lookups, Taxonomy
from connectors.woocommerce.variations import VariationWriter

log = logging.getLogger(__name__)

# Look back this far (store time) for what a lost batch created: covers the Date header's whole
# seconds and a store whose clock steps; matching by meta keeps the extra products out.
CLOCK_MARGIN_S = 120.0
ANSWER_KEPT = ("id", "images", "variations")  # what variations.py reads of a written product
# Variation requests per store worker: one served and one waiting. With one, each worker idled
# while an answer came back and the next request was built (3.4 of 4 busy on average, sampled in
# the sandbox store during a 2,000-product import; 3.7 with two).
QUEUED_PER_WORKER = 2


@dataclass
class _Job:
    """One item's way through a write."""

    item: WriteItem
    woo_id: int | None
    groups: frozenset[str]
    created: bool = False
    body: Mapping[str, Any] | None = None
    variation_ids: dict[str, int] = field(default_factory=dict)
    error: str | None = None
    request: str | None = None
    recreated: bool = False
    last_problem: str = ""

    @property
    def product(self) -> WooProduct:
        return self.item.product

    @property
    def key(self) -> str:
        return self.item.product.source_key

    @property
    def open(self) -> bool:
        return self.error is None and self.body is None

    def fail(self, reason: str, request: str | None = None) -> None:
        self.error, self.request = reason, request

    def adopt(self, woo_id: int) -> None:
        """Ours already, made by a request whose answer was lost: write it whole as an update."""
        self.woo_id, self.groups, self.created = woo_id, GROUPS, True

    def result(self) -> WriteResult:
        if self.error is not None:
            outcome = Outcome.FAILED
        else:
            outcome = Outcome.CREATED if self.created else Outcome.UPDATED
        return WriteResult(self.key, outcome, self.woo_id, dict(self.variation_ids), self.error, self.request)


class WooWriter:
    """Writes mapped products to one store, which serves `workers` requests at once (WordPress
    hosts run a few PHP workers; more requests only queue); 2 x `workers` products' variations are
    written at once across every `write` under way, so each worker has the next one waiting.
    `rounds` bounds the attempts at a batch whose answers keep getting lost. `adopt_by_sku` takes
    over a product Ferry did not create when it holds the SKU (the import's `match_by = "sku"`);
    otherwise that is a failure."""

    def __init__(
        self, target: WooTarget, *, workers: int = 4, rounds: int = 4, adopt_by_sku: bool = False
    ) -> None:
        if workers < 1 or rounds < 1:
            raise ValueError("workers and rounds must be at least 1")
        self.target = target
        self.workers = workers
        self.rounds = rounds
        self.adopt_by_sku = adopt_by_sku
        self.taxonomy = Taxonomy(target)
        self.reconciler = Reconciler(target)
        self.variations = VariationWriter(target, self.reconciler, rounds)
        # Threads start on first use; close() stops them.
        self._pool = ThreadPoolExecutor(
            max_workers=QUEUED_PER_WORKER * workers, thread_name_prefix="woo-writer"
        )

    def __repr__(self) -> str:
        return f"WooWriter({self.target!r})"

    @property
    def requests_made(self) -> int:
        return self.target.requests_made

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self.target.close()

    # -- writing products --------------------------------------------------------------------------
    def write(self, items: Sequence[WriteItem]) -> list[WriteResult]:
        """Write up to a batch of products; one result per item, in order."""
        jobs = [_Job(item, item.woo_id, item.update_groups if item.woo_id else GROUPS) for item in items]
        with plain_errors():
            _screen(jobs)
            lookups = Lookups()
            self._resolve([job for job in jobs if job.open], lookups)
            for chunk in chunks([job for job in jobs if job.open]):
                self._write_products(list(chunk), lookups)
            self._write_variations(
                [job for job in jobs if job.body is not None and job.error is None], lookups
            )
        return [job.result() for job in jobs]

    def _resolve(self, jobs: Iterable[_Job], lookups: Lookups) -> None:
        """Ids for the categories, tags and attributes the jobs send; a job whose ids cannot be had fails."""
        jobs = list(jobs)
        found = self.taxonomy.resolve({job.key: (job.product, job.groups) for job in jobs})
        lookups.categories.update(found.categories)
        lookups.tags.update(found.tags)
        lookups.attributes.update(found.attributes)
        lookups.missing.update(found.missing)
        for job in jobs:
            problem = lookups.problem(job.product, job.groups)
            if problem:
                job.fail(problem)

    def _write_products(self, jobs: list[_Job], lookups: Lookups) -> None:
        pending = jobs
        for _ in range(self.rounds):
            self._resolve([job for job in pending if job.recreated], lookups)
            pending = [job for job in pending if job.open]
            if not pending:
                return
            pending = self._send_products(pending, lookups)
        for job in pending:
            job.fail(f"gave up after {self.rounds} tries: {job.last_problem}", "POST products/batch")

    def _send_products(self, jobs: list[_Job], lookups: Lookups) -> list[_Job]:
        """One products/batch request; returns the jobs to send again."""
        unit = self.target.weight_unit()
        since = self.target.store_now() - CLOCK_MARGIN_S
        creates = [job for job in jobs if job.woo_id is None]
        updates = [job for job in jobs if job.woo_id is not None]
        pictures = self._current_images(
            [job.woo_id for job in updates if job.woo_id and "images" in job.groups]
        )
        try:
            answer = send_batch(
                self.target,
                "products/batch",
                create=[product_payload(job.product, lookups, unit) for job in creates],
                update=[self._update_payload(job, lookups, unit, pictures) for job in updates],
            )
        except AmbiguousWriteError as error:
            log.warning("settling a lost products batch (%d creates): %s", len(creates), error.message)
            found = self.reconciler.find_products({job.key: job.product.sku for job in creates}, since)
            for job in jobs:
                job.last_problem = error.message
                if job.key in found:
                    job.adopt(found[job.key])
            return jobs
        again: list[_Job] = []
        clashes: list[tuple[_Job, Answer, str]] = []
        for kind, group, answers in (("create", creates, answer.create), ("update", updates, answer.update)):
            for number, (job, result) in enumerate(zip(group, answers, strict=True), 1):
                request = f"POST products/batch ({kind} #{number})"
                if result.ok:
                    # What the variations need of the product's answer, not the whole product.
                    job.woo_id, job.body = (
                        result.id,
                        {k: v for k, v in result.body.items() if k in ANSWER_KEPT},
                    )
                    job.created = job.created or kind == "create"
                elif result.code == "product_invalid_sku":
                    clashes.append((job, result, request))
                elif result.code == "woocommerce_rest_product_invalid_id" and not job.recreated:
                    # Deleted in WooCommerce since the last run: the source still has it.
                    log.info("WooCommerce product %s is gone; creating %s again", job.woo_id, job.key)
                    job.woo_id, job.groups, job.recreated = None, GROUPS, True
                    again.append(job)
                else:
                    job.fail(result.reason, request)
        return again + self._settle_clashes(clashes)

    def _update_payload(
        self, job: _Job, lookups: Lookups, unit: str, pictures: Mapping[int, Sequence[Mapping[str, Any]]]
    ) -> dict[str, Any]:
        assert job.woo_id is not None
        images = image_refs(job.product.images, pictures.get(job.woo_id, ()))
        return {"id": job.woo_id, **product_payload(job.product, lookups, unit, job.groups, images)}

    def _current_images(self, woo_ids: list[int]) -> dict[int, list[Mapping[str, Any]]]:
        """The pictures the products to update already have, to send them by id, not upload again."""
        found: dict[int, list[Mapping[str, Any]]] = {}
        for chunk in chunks(woo_ids):
            params = {"include": ",".join(map(str, chunk)), "_fields": "id,images"}
            for product in self.target.listing("products", params):
                found[int(product["id"])] = list(product.get("images") or ())
        return found

    def _settle_clashes(self, clashes: list[tuple[_Job, Answer, str]]) -> list[_Job]:
        """`product_invalid_sku`: who holds the SKU? Ours (a lost create made it): adopt it."""
        if not clashes:
            return []
        holders = self.reconciler.by_sku(job.product.sku or "" for job, _, _ in clashes)
        again = []
        for job, result, request in clashes:
            sku = job.product.sku or ""
            holder = holders.get(sku.casefold())
            owner = source_of(holder)
            creating = job.woo_id is None
            if (
                holder is not None
                and creating
                and (owner == job.key or (owner is None and self.adopt_by_sku))
            ):
                log.info(
                    "adopting WooCommerce product %s for %s (it holds SKU %r)", holder["id"], job.key, sku
                )
                job.adopt(int(holder["id"]))
                again.append(job)
                continue
            if holder is None:
                who = f"WooCommerce product or variation {result.data.get('resource_id')}"
            elif owner is None:
                who = f"WooCommerce product {holder['id']}, which this import did not create"
            else:
                who = f"WooCommerce product {holder['id']}, imported from {owner}"
            job.fail(f"SKU {sku!r} is already used by {who}; it was left untouched", request)
        return again

    def _write_variations(self, jobs: list[_Job], lookups: Lookups) -> None:
        todo = [job for job in jobs if job.product.is_variable or job.item.variation_ids]
        if not todo:
            return
        unit = self.target.weight_unit()

        def sync(job: _Job) -> None:
            assert job.body is not None
            try:
                outcome = self.variations.sync(
                    job.product, job.body, job.item.variation_ids, job.groups, lookups, unit
                )
            except (RetriableError, FatalError, AmbiguousWriteError) as error:
                job.fail(f"its variations could not be written: {error.message}")
                return
            job.variation_ids = outcome.ids
            if outcome.errors:
                job.fail("; ".join(outcome.errors), outcome.request)

        list(self._pool.map(sync, todo))

    # -- products gone from the source -------------------------------------------------------------
    def clock(self) -> float:
        """A moment by the store's clock just before now: products created after it can be found."""
        return self.target.store_now() - CLOCK_MARGIN_S

    def recover_creates(self, pending: Mapping[str, str | None], since: float) -> dict[str, int]:
        """Products a run created but was stopped before recording (source key -> SKU in, Woo id
        out), found by the `_ferry_source` meta, for creates sent after `since` (see clock())."""
        return self.reconciler.find_products(pending, since)

    def set_status(self, woo_ids: Iterable[int], status: str) -> dict[int, str | None]:
        """Set the status of these products (a batch update per 100); per id, None or the error."""
        if status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}, not {status!r}")
        results: dict[int, str | None] = {}
        with plain_errors():
            for chunk in chunks(list(dict.fromkeys(woo_ids))):
                answer = send_batch(
                    self.target, "products/batch", update=[{"id": i, "status": status} for i in chunk]
                )
                for woo_id, result in zip(chunk, answer.update, strict=True):
                    results[woo_id] = None if result.ok else result.reason
        return results

    def trash(self, woo_ids: Iterable[int]) -> dict[int, str | None]:
        """Move these products to the trash; per id, None or the error.

        One DELETE (without `force`) per product: the batch endpoint deletes for good
        (`'force' => true` in WC_REST_Controller::batch_items), and the trash is what lets a
        shop owner undo. Already trashed (410) or gone (404) counts as done.
        """

        def trash_one(woo_id: int) -> str | None:
            try:
                self.target.send("DELETE", f"products/{woo_id}", None)
            except FatalError as error:
                if error.status in {404, 410}:
                    return None
                return error.message
            return None

        ids = list(dict.fromkeys(woo_ids))
        with plain_errors():
            return dict(zip(ids, self._pool.map(trash_one, ids), strict=True))

    # -- reading back ------------------------------------------------------------------------------
    def fetch(self, woo_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
        """The products as WooCommerce has them now (trashed ones are not listed), by id."""
        found: dict[int, dict[str, Any]] = {}
        with plain_errors():
            for chunk in chunks(list(dict.fromkeys(woo_ids))):
                for product in self.target.listing("products", {"include": ",".join(map(str, chunk))}):
                    found[int(product["id"])] = product
        return found


def _screen(jobs: list[_Job]) -> None:
    """Fail what WooCommerce would refuse or double: one source product twice, or a SKU used twice
    (WooCommerce SKUs are unique across products and variations). Products already in WooCommerce
    keep their SKUs first, then the rest in order: the first holder imports, the next fails."""
    seen: set[str] = set()
    for job in jobs:
        if job.key in seen:
            job.fail("the same source product appears twice in one batch")
        seen.add(job.key)
    owners: dict[str, str] = {}
    for job in sorted((job for job in jobs if job.open), key=lambda job: job.woo_id is None):
        skus = {sku.casefold(): sku for sku in job.product.skus}
        if len(skus) < len(job.product.skus):
            repeated = next(sku for sku in job.product.skus if job.product.skus.count(sku) > 1)
            job.fail(f"SKU {repeated!r} is used twice within this product; WooCommerce SKUs are unique")
            continue
        taken = next((sku for folded, sku in skus.items() if owners.get(folded, job.key) != job.key), None)
        if taken is not None:
            job.fail(
                f"SKU {taken!r} is also used by {owners[taken.casefold()]}, which is imported first; "
                "WooCommerce SKUs are unique"
            )
            continue
        owners.update(dict.fromkeys(skus, job.key))
