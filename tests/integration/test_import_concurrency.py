"""Several write batches in flight at once, through the real sandbox stores: still exactly once.

Batches are made small here (10 products) and Magento pages short (20), so a catalog of 60
products is 3 pages and 6 batches, and the executor runs 4 of them at once against a store whose
requests take time. An executor that counts the batches running at once proves they overlapped;
one that loses the answers of some batches after they were written stands for a worker lost
mid-batch, and a progress callback that raises stands for a run stopped from outside.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import requests

from connectors.errors import RetriableError
from connectors.magento import MagentoConnector, MagentoSettings
from connectors.shopify import ShopifyConnector, ShopifySettings
from connectors.woocommerce import WooWriter, WriteItem, WriteResult
from jobs import pipeline as pipeline_module
from jobs.connect import open_target, source_prefix
from jobs.definition import ImportDefinition
from jobs.executor import BatchExecutor
from jobs.pipeline import Pipeline, RunCounts, RunOptions, RunResult, import_key
from jobs.store.database import make_engine, sessions, upgrade
from jobs.store.links import import_state
from sandbox.catalog import Catalog
from sandbox.magento import MagentoStore
from sandbox.settings import SandboxSettings
from sandbox.shopify import ShopifyStore
from sandbox.woocommerce import WooCommerceStore

CATALOG = Catalog(seed=7, count=60)  # below key 69, which shares a SKU on Shopify
SETTINGS = SandboxSettings(seed=7, shopify_plan="plus", woo_workers=4, woo_request_ms=15, woo_create_ms=1)
BATCH = 10
PAGE = 20


class ShortPages(MagentoConnector):
    page_size = PAGE


class Counting(BatchExecutor):
    """Writes like the default executor, counting the batches that run at once; the batches from
    number `lose_from` on are written, then their answers lost (a worker gone before reporting)."""

    def __init__(self, writer: WooWriter, lose_from: int | None = None) -> None:
        self.writer = writer
        self.capacity = writer.workers
        self.lose_from = lose_from
        self.submitted = self.running = self.most = 0
        self.flying: dict[int, set[str]] = {}  # batch number -> the SKUs it holds
        self.shared: list[str] = []  # SKUs a batch was sent with while another in flight held them
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=self.capacity)

    def submit(self, items: Sequence[WriteItem]) -> Future[list[WriteResult]]:
        self.submitted += 1
        skus = {sku.casefold() for item in items for sku in item.product.skus}
        with self._lock:
            self.shared += sorted(skus.intersection(*self.flying.values()) if self.flying else ())
            self.flying[self.submitted] = skus
        return self._pool.submit(self._write, list(items), self.submitted)

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    def _write(self, items: list[WriteItem], number: int) -> list[WriteResult]:
        with self._lock:
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            results = self.writer.write(items)
        finally:
            with self._lock:
                self.running -= 1
                del self.flying[number]
        if self.lose_from is not None and number >= self.lose_from:
            raise RetriableError(f"the answer of batch {number} was lost")
        return results


@pytest.fixture(autouse=True)
def small_batches(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(pipeline_module, "BATCH_SIZE", BATCH)
    monkeypatch.setenv("FERRY_ALLOW_PRIVATE_NETWORKS", "1")
    monkeypatch.setenv("FERRY_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("DATABASE_URL", raising=False)


class Import:
    """A source store and a WooCommerce store, served, and the import between them."""

    def __init__(self, serve: Any, source: MagentoStore | ShopifyStore) -> None:
        self.source_store = source
        self.source_url = serve(source)
        self.woo = WooCommerceStore(SETTINGS)
        self.woo_url = serve(self.woo)
        credentials = source.credentials(self.source_url)
        target = self.woo.credentials(self.woo_url)
        platform = "magento" if isinstance(source, MagentoStore) else "shopify"
        source_section = {"platform": platform, "url": credentials["url"], "token": credentials["token"]}
        if platform == "shopify":
            source_section["api"] = "rest"
        self.definition = ImportDefinition.from_dict(
            {
                "source": source_section,
                "target": {"url": target["url"], "key": target["key"], "secret": target["secret"]},
            }
        )
        self.engine = make_engine()
        upgrade(self.engine)

    def source(self) -> MagentoConnector | ShopifyConnector:
        spec = self.definition.source
        if spec.platform == "magento":
            return ShortPages(MagentoSettings(url=spec.url, token=spec.token))
        return ShopifyConnector(ShopifySettings(spec.url, spec.token, api="rest"))

    def pipeline(self, executor: type[Counting] | None = None, **options: Any) -> tuple[Pipeline, Any]:
        source = self.source()
        writer = WooWriter(open_target(self.definition.target))
        chosen = executor(writer, **options) if executor else None
        run = Pipeline(
            self.definition, source, writer, sessions(self.engine), source_prefix(source), executor=chosen
        )
        return run, chosen

    def run(self, **options: Any) -> RunResult:
        run, _ = self.pipeline(**options)
        return run.run()

    def woo_products(self) -> list[dict[str, Any]]:
        found = requests.get(f"{self.woo_url}/_sandbox/products", timeout=30).json()["products"]
        return [product for product in found if product["status"] != "trash"]

    def state(self) -> Any:
        with sessions(self.engine)() as session:
            state = import_state(session, import_key(self.definition))
            session.commit()
            return state

    def source_ids(self) -> set[str]:
        return {str(self.source_store.product_id(product.key)) for product in CATALOG.products()}


@pytest.fixture
def magento(serve: Any) -> Iterator[Import]:
    yield Import(serve, MagentoStore(CATALOG.copy(), SETTINGS))


def landed_once(stores: Import) -> Counter[str]:
    """Woo products by source id; asserts none is there twice and no variation twice."""
    products = stores.woo_products()
    by_source = Counter(product["meta_data"]["_ferry_source"].rsplit(":", 1)[1] for product in products)
    assert all(count == 1 for count in by_source.values()), "a source product landed twice"
    for product in products:
        variations = Counter(variation["meta_data"]["_ferry_source"] for variation in product["variations"])
        assert all(count == 1 for count in variations.values()), "a variation landed twice"
    return by_source


def test_batches_written_at_once_land_each_product_and_variation_once(magento: Import) -> None:
    run, executor = magento.pipeline(Counting)
    result = run.run()
    assert executor.most > 1, "no two batches were ever written at once"
    assert executor.submitted >= len(CATALOG) // BATCH
    assert result.counts.failed == 0, result.failures
    assert set(landed_once(magento)) == magento.source_ids()
    assert result.counts == RunCounts(created=len(CATALOG), seen=len(CATALOG))
    state = magento.state()
    assert state.pending_creates is None and state.checkpoint is None
    again = magento.run()
    assert (again.counts.created, again.counts.updated) == (0, 0)


def without_skus(catalog: Catalog, key: int) -> Catalog:
    """The catalog with product `key` holding no SKU: found again only by its meta after a loss."""
    bare = catalog.get(key)
    assert bare is not None
    bare = replace(bare, variants=tuple(replace(variant, sku=None) for variant in bare.variants))
    base = [bare if product.key == key else product for product in catalog.products()]
    return Catalog(catalog.seed, catalog.count, base=base)


@pytest.mark.parametrize(
    "store",
    [
        pytest.param(lambda: MagentoStore(CATALOG.copy(), SETTINGS), id="magento-pages-of-20"),
        # One page of 60, and product 22 (batch 3) without a SKU: only the pending record finds it.
        pytest.param(lambda: ShopifyStore(without_skus(CATALOG, 22), SETTINGS), id="shopify-one-page"),
    ],
)
def test_a_run_whose_batches_in_flight_fail_resumes_without_duplicates_or_losses(
    serve: Any, store: Any
) -> None:
    stores = Import(serve, store())
    run, executor = stores.pipeline(Counting, lose_from=3)
    with pytest.raises(RetriableError):
        run.run()
    assert executor.most > 1
    state = stores.state()
    # Every batch whose answer was lost keeps its record of creates; several were in flight.
    assert state.pending_creates is not None and len(state.pending_creates) >= 2
    lost = {key for batch in state.pending_creates.values() for key in batch["items"]}
    assert len(lost) >= 2 * BATCH
    # The checkpoint is before the first page with a lost batch (batches 1 and 2 are page 1 of
    # Magento's; Shopify's one page has lost batches, so there is none).
    checkpointed = state.checkpoint["counts"]["created"] if state.checkpoint else 0
    assert checkpointed <= 2 * BATCH
    assert len(landed_once(stores)) > checkpointed, "the lost batches wrote nothing"

    resumed = stores.run()
    assert resumed.resumed == (state.checkpoint is not None)
    assert resumed.counts.failed == 0, resumed.failures
    assert set(landed_once(stores)) == stores.source_ids()
    state = stores.state()
    assert state.pending_creates is None and state.checkpoint is None
    final = stores.run()
    assert (final.counts.created, final.counts.updated) == (0, 0)


def test_a_pending_record_left_by_a_run_of_one_batch_at_a_time_is_still_recovered(serve: Any) -> None:
    """Runs before batches went several at a time left one bare {"since", "items"} record."""
    stores = Import(serve, ShopifyStore(without_skus(CATALOG, 22), SETTINGS))
    run, _ = stores.pipeline(Counting, lose_from=1)
    with pytest.raises(RetriableError):
        run.run()
    with sessions(stores.engine)() as session:
        state = import_state(session, import_key(stores.definition))
        batches = list(state.pending_creates.values())
        state.pending_creates = {
            "since": min(batch["since"] for batch in batches),
            "items": {key: sku for batch in batches for key, sku in batch["items"].items()},
        }
        session.commit()
    stores.run()
    assert set(landed_once(stores)) == stores.source_ids()


def test_a_run_stopped_from_outside_records_what_its_batches_in_flight_wrote(magento: Import) -> None:
    class Stop(Exception):
        pass

    pages = 0

    def progress(counts: RunCounts) -> None:
        nonlocal pages
        pages += 1
        if pages == 2:
            raise Stop

    source = magento.source()
    writer = WooWriter(open_target(magento.definition.target))
    run = Pipeline(
        magento.definition,
        source,
        writer,
        sessions(magento.engine),
        source_prefix(source),
        RunOptions(),
        progress=progress,
    )
    with pytest.raises(Stop):
        run.run()
    state = magento.state()
    # The batches in flight when it stopped finished and were recorded, links and checkpoint:
    # nothing is pending, and the checkpoint covers every product written.
    assert state.pending_creates is None
    written = len(landed_once(magento))
    assert 0 < written < len(CATALOG)
    assert state.checkpoint is not None and state.checkpoint["counts"]["created"] == written
    resumed = magento.run()
    assert resumed.resumed
    assert set(landed_once(magento)) == magento.source_ids()
    # The resumed run reads on from the checkpoint: nothing is read or written twice.
    assert resumed.counts == RunCounts(created=len(CATALOG), seen=len(CATALOG))


def shared_sku_catalog() -> tuple[Catalog, int, int]:
    """CATALOG with the SKU of its first simple product given to a simple product of the next
    batch too (Shopify allows that; WooCommerce does not): the catalog and the two keys."""
    simple = [product for product in CATALOG.products() if product.is_simple and product.variants[0].sku]
    first = simple[0]
    second = next(product for product in simple if product.key // BATCH == first.key // BATCH + 1)
    sku = first.variants[0].sku
    twin = replace(second, variants=(replace(second.variants[0], sku=sku),))
    base = [twin if product.key == second.key else product for product in CATALOG.products()]
    return Catalog(CATALOG.seed, CATALOG.count, base=base), first.key, second.key


def test_two_batches_in_flight_never_hold_one_sku_and_the_first_read_keeps_it(serve: Any) -> None:
    """The two products sharing a SKU fall in batches 1 and 2, which would be in flight together:
    the later batch waits for the earlier, so the product read first holds the SKU and the other
    fails naming it, as one batch at a time would have it."""
    catalog, first_key, second_key = shared_sku_catalog()
    shop = Import(serve, ShopifyStore(catalog, SETTINGS))
    first, second = (str(shop.source_store.product_id(key)) for key in (first_key, second_key))
    sku = catalog.get(first_key).variants[0].sku  # type: ignore[union-attr]
    run, executor = shop.pipeline(Counting)
    result = run.run()
    assert executor.most > 1
    assert executor.shared == [], "two batches in flight held the same SKU"
    landed = landed_once(shop)
    assert first in landed and second not in landed
    (failure,) = [item for item in result.failures if item.source_id == second]
    assert f"SKU {sku!r} is already used by WooCommerce product" in (failure.reason or "")
    assert f"imported from {shop.definition.source.platform}:" in (failure.reason or "")
