"""A saved import's run executed on a worker's side (jobs/execution.py), against the sandbox stores
and a real database: the run row tells the truth from queued to its end, whatever the ending."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
import tomli_w
from cryptography.fernet import Fernet
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from connectors.http import RetryPolicy
from jobs import execution
from jobs.control import cancel_run, retry_failed, start_run
from jobs.execution import Outcome, RunExecution, state_key
from jobs.saved_imports import import_toml
from jobs.secrets import SecretBox
from jobs.store.database import sessions, upgrade
from jobs.store.links import import_state
from jobs.store.models import Connection, ConnectionStatus, Run, RunScope, RunStatus, RunTrigger, SavedImport
from jobs.store.runs import failures, log_lines, plan
from sandbox.catalog import Catalog
from sandbox.settings import SandboxSettings
from sandbox.shopify import ShopifyStore
from sandbox.woocommerce import WooCommerceStore
from tests.databases import KINDS, database

PRODUCTS = 80  # holds a product sharing another's SKU (every 71st): one item fails
SETTINGS = SandboxSettings(seed=9, shopify_plan="plus")


@dataclass
class World:
    db: sessionmaker[Session]
    box: SecretBox
    import_id: int
    shop: ShopifyStore
    shop_url: str
    woo_url: str

    def execute(self, run_id: int) -> Outcome:
        return RunExecution(run_id, self.db, self.box, "test-worker").execute()

    def queue(
        self, scope: RunScope = RunScope.INCREMENTAL, trigger: RunTrigger = RunTrigger.MANUAL, **options: Any
    ) -> int:
        with self.db() as session:
            saved = session.get(SavedImport, self.import_id)
            run = start_run(session, saved, trigger, scope, **options)
            session.commit()
            return run.id

    def run(self, run_id: int) -> Run:
        with self.db() as session:
            return session.get(Run, run_id)

    def woo_products(self) -> list[dict[str, Any]]:
        products = requests.get(f"{self.woo_url}/_sandbox/products").json()["products"]
        return [product for product in products if product["status"] != "trash"]


@pytest.fixture(params=KINDS)
def world(
    request: pytest.FixtureRequest, tmp_path: Path, serve, monkeypatch: pytest.MonkeyPatch
) -> Iterator[World]:
    monkeypatch.setenv("FERRY_ALLOW_PRIVATE_NETWORKS", "1")
    monkeypatch.setattr(execution, "HEARTBEAT_S", 0.1)
    shop = ShopifyStore(Catalog(seed=9, count=PRODUCTS), SETTINGS)
    shop_url = serve(shop)
    woo = WooCommerceStore(SETTINGS)
    woo_url = serve(woo)
    credentials, target = shop.credentials(shop_url), woo.credentials(woo_url)
    definition = {
        "name": "sandbox shop",
        "source": {"platform": "shopify", "url": credentials["url"], "token": credentials["token"]},
        "target": {"url": target["url"], "key": target["key"], "secret": target["secret"]},
    }
    box = SecretBox([Fernet.generate_key()])
    with database(request.param, tmp_path) as engine:
        upgrade(engine)
        db = sessions(engine)
        with db() as session:
            import_id = import_toml(session, box, tomli_w.dumps(definition)).id
            session.commit()
        yield World(db, box, import_id, shop, shop_url, woo_url)


def test_a_run_goes_from_queued_to_partially_failed_with_its_failures_listed(world: World) -> None:
    run_id = world.queue(RunScope.FULL)
    assert world.execute(run_id) == Outcome(RunStatus.PARTIALLY_FAILED)
    run = world.run(run_id)
    assert run.status is RunStatus.PARTIALLY_FAILED
    assert run.counts["created"] == len(world.woo_products()) == PRODUCTS - run.counts["failed"]
    assert run.counts["failed"] >= 1 and run.counts["seen"] == PRODUCTS
    assert run.source_requests > 0 and run.target_requests > 0
    assert run.started_at <= run.finished_at and run.attempts == 1
    with world.db() as session:
        failed = failures(session, run_id)
        assert len(failed) == run.counts["failed"]
        assert all(item.reason for item in failed)
        assert any("partially_failed" in line.message for line in log_lines(session, run_id))


def test_a_run_reports_its_total_and_progress_samples_for_the_run_page(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(execution, "PROGRESS_EVERY_S", 0.0)  # every page is a progress report
    run_id = world.queue(RunScope.FULL)
    world.execute(run_id)
    run = world.run(run_id)
    assert run.total == PRODUCTS  # the source's count, asked before the first read
    assert len(run.samples) >= 2
    seconds, done = zip(*run.samples, strict=True)
    assert list(seconds) == sorted(seconds) and list(done) == sorted(done)
    assert done[-1] == PRODUCTS


def test_a_dry_run_stores_its_plan_and_writes_nothing(world: World) -> None:
    first = world.queue(RunScope.FULL)
    world.execute(first)
    key = world.shop.catalog.products()[0].key
    world.shop.catalog.apply({"kind": "update", "keys": [key]})  # renames it "... (updated)"
    run_id = world.queue(RunScope.FULL, dry_run=True)
    world.execute(run_id)
    with world.db() as session:
        actions = {item.action for item in plan(session, run_id)}
        updates = plan(session, run_id, "update")
        creates = {item.source_id for item in plan(session, run_id, "create")}
        failed_before = {item.source_id for item in failures(session, first)}
    assert len(updates) == 1 and updates[0].title.endswith(" (updated)")
    assert updates[0].changes["name"]["new"] == updates[0].title
    assert creates == failed_before  # what the first run could not write is still to create
    assert actions == {"create", "update", "unchanged"}
    assert updates[0].title not in {product["name"] for product in world.woo_products()}


def test_a_second_run_is_incremental_and_writes_nothing(world: World) -> None:
    world.execute(world.queue(RunScope.FULL))
    second = world.queue()
    world.execute(second)
    run = world.run(second)
    assert run.counts["created"] == run.counts["updated"] == 0
    assert run.counts["seen"] < PRODUCTS  # only what changed since the watermark was read


def test_retrying_failed_items_runs_only_them(world: World) -> None:
    first = world.queue(RunScope.FULL)
    world.execute(first)
    with world.db() as session:
        retry = retry_failed(session, world.run(first))
        session.commit()
        retry_id, wanted = retry.id, retry.product_ids
    world.execute(retry_id)
    run = world.run(retry_id)
    assert run.scope is RunScope.PRODUCTS and run.trigger is RunTrigger.RETRY
    assert run.counts["seen"] == PRODUCTS  # read everything: a failed item need not have changed
    assert run.counts["failed"] == len(wanted)  # a shared SKU stays a failure
    assert run.counts["created"] == run.counts["updated"] == run.counts["unchanged"] == 0


def test_a_webhook_run_writes_only_its_products_and_keeps_the_watermark(world: World) -> None:
    world.execute(world.queue(RunScope.FULL))
    with world.db() as session:
        watermark = import_state(session, state_key(world.import_id, RunScope.INCREMENTAL)).watermark
    changed = requests.post(f"{world.shop_url}/_sandbox/catalog/update", json={"count": 3}).json()["ids"]
    target = str(changed[0])
    run_id = world.queue(RunScope.PRODUCTS, product_ids=[target], trigger=RunTrigger.WEBHOOK)
    world.execute(run_id)
    run = world.run(run_id)
    assert run.counts["updated"] == 1, run.counts
    with world.db() as session:
        assert import_state(session, state_key(world.import_id, RunScope.INCREMENTAL)).watermark == watermark
    # The other two changes are still picked up by the next incremental run.
    later = world.queue()
    world.execute(later)
    assert world.run(later).counts["updated"] == 2


def test_bad_credentials_fail_the_run_at_once_and_mark_the_connection(world: World) -> None:
    with world.db() as session:
        saved = session.get(SavedImport, world.import_id)
        opened = world.box.open(saved.source.secrets)
        saved.source.secrets = world.box.seal({**opened, "token": "shpat_wrong"})
        session.commit()
    run_id = world.queue()
    assert world.execute(run_id).status is RunStatus.FAILED
    run = world.run(run_id)
    assert "credentials" in run.error and "shpat_wrong" not in run.error
    with world.db() as session:
        source = session.scalar(select(Connection).where(Connection.platform == "shopify"))
        assert source.status is ConnectionStatus.ERROR and source.last_error


def test_an_unreachable_source_puts_the_run_back_in_the_queue_with_a_delay(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(RetryPolicy, "backoff", lambda self, attempt, rng: 0.0)  # retry, but at once
    with world.db() as session:
        saved = session.get(SavedImport, world.import_id)
        saved.source.url = "http://127.0.0.1:9"  # nothing listens on the discard port
        # REST: GraphQL paces each try to its cost bucket first, which only makes this test slower.
        saved.source.settings = {**saved.source.settings, "api": "rest"}
        session.commit()
    run_id = world.queue()
    outcome = world.execute(run_id)
    assert outcome.status is RunStatus.QUEUED and outcome.retry_in_s == execution.RETRY_DELAYS_S[0]
    run = world.run(run_id)
    assert run.status is RunStatus.QUEUED and run.error


def test_a_queued_run_cancelled_never_starts(world: World) -> None:
    run_id = world.queue()
    with world.db() as session:
        assert cancel_run(session, session.get(Run, run_id)) is RunStatus.CANCELLED
        session.commit()
    assert world.execute(run_id).status is RunStatus.CANCELLED
    assert world.woo_products() == []


def test_a_running_run_stops_when_cancelled(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    run_id = world.queue(RunScope.FULL)
    original = RunExecution._progress

    def cancel_then_report(self: RunExecution, *progress: Any) -> None:
        with world.db() as session:
            session.get(Run, run_id).cancel_requested = True
            session.commit()
        time.sleep(0.3)  # a heartbeat (0.1 s here) reads the flag
        original(self, *progress)

    monkeypatch.setattr(RunExecution, "_progress", cancel_then_report)
    assert world.execute(run_id).status is RunStatus.CANCELLED
    assert world.run(run_id).counts.get("seen", 0) < PRODUCTS


def test_a_scheduled_import_that_keeps_failing_pauses_itself_and_says_why(world: World) -> None:
    with world.db() as session:
        saved = session.get(SavedImport, world.import_id)
        saved.schedule = {"kind": "hourly", "timezone": "UTC", "pause_after_failures": 2}
        opened = world.box.open(saved.source.secrets)
        saved.source.secrets = world.box.seal({**opened, "token": "shpat_revoked"})
        session.commit()
    for _ in range(2):
        assert world.execute(world.queue()).status is RunStatus.FAILED
    with world.db() as session:
        saved = session.get(SavedImport, world.import_id)
        assert not saved.enabled
        assert "paused after 2 failed runs" in saved.paused_reason
