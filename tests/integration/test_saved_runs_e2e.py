"""Issue 4's acceptance, on real infrastructure: real `ferry worker` processes, a real Redis, SQLite
and PostgreSQL, and the sandbox stores as real HTTP servers.

- a schedule of every minute fires exactly once per minute with three workers running;
- a worker SIGKILLed in the middle of a 5,000-product import: another worker resumes the run, which
  ends with one Woo product per source product and counts that add up;
- Redis restarted (empty) in the middle of a run: the run still ends, and nothing is doubled;
- no secret in the database, the workers' logs or Redis.
"""

from __future__ import annotations

import itertools
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
import tomli_w
from cryptography.fernet import Fernet
from redis import Redis
from rq.job import Job
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from jobs.control import start_run
from jobs.embedded_redis import EmbeddedRedis
from jobs.saved_imports import import_toml
from jobs.secrets import secret_box
from jobs.store.database import sessions, upgrade
from jobs.store.models import Run, RunScope, RunStatus, RunTrigger, SavedImport, ScheduleFire
from jobs.tasks import enqueue_run
from sandbox.catalog import Catalog
from sandbox.settings import SandboxSettings
from sandbox.shopify import ShopifyStore
from sandbox.woocommerce import WooCommerceStore
from tests.conftest import Workers
from tests.databases import database
from tests.processes import eventually

pytestmark = pytest.mark.slow
SETTINGS = SandboxSettings(seed=11, shopify_plan="plus", woo_workers=4)
TERMINAL = {status for status in RunStatus if status.terminal}


@dataclass
class Setup:
    engine: Engine
    db: sessionmaker[Session]
    import_id: int
    shop_url: str
    woo_url: str
    secrets: tuple[str, ...]

    def run(self, run_id: int) -> Run:
        with self.db() as session:
            return session.get(Run, run_id)

    def queue(self, redis_url: str, scope: RunScope = RunScope.FULL) -> int:
        with self.db() as session:
            run = start_run(session, session.get(SavedImport, self.import_id), RunTrigger.API, scope)
            session.commit()
            run_id = run.id
        client = Redis.from_url(redis_url)
        try:
            enqueue_run(client, run_id)
        finally:
            client.close()
        return run_id

    def woo_products(self) -> list[dict[str, Any]]:
        products = requests.get(f"{self.woo_url}/_sandbox/products", timeout=60).json()["products"]
        return [product for product in products if product["status"] != "trash"]


@pytest.fixture
def setup_for(serve, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Builds the stores and a saved import (the database kind and catalog size chosen per test)."""
    monkeypatch.setenv("FERRY_SECRET_KEY", Fernet.generate_key().decode())
    monkeypatch.setenv("FERRY_ALLOW_PRIVATE_NETWORKS", "1")
    monkeypatch.setenv("FERRY_DATA_DIR", str(tmp_path / "data"))
    opened: list[Any] = []

    def make(kind: str, products: int, schedule: dict[str, Any] | None = None) -> Setup:
        shop = ShopifyStore(Catalog(seed=11, count=products), SETTINGS)
        shop_url = serve(shop)
        woo = WooCommerceStore(SETTINGS)
        woo_url = serve(woo)
        credentials, target = shop.credentials(shop_url), woo.credentials(woo_url)
        definition: dict[str, Any] = {
            "name": "e2e",
            "source": {"platform": "shopify", "url": shop_url, "token": credentials["token"], "api": "rest"},
            "target": {"url": woo_url, "key": target["key"], "secret": target["secret"]},
        }
        if schedule:
            definition["schedule"] = schedule
        context = database(kind, tmp_path)
        engine = context.__enter__()
        opened.append(context)
        upgrade(engine)
        monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
        db = sessions(engine)
        with db() as session:
            import_id = import_toml(session, secret_box(), tomli_w.dumps(definition)).id
            session.commit()
        secrets = (credentials["token"], target["key"], target["secret"])
        return Setup(engine, db, import_id, shop_url, woo_url, secrets)

    yield make
    for context in reversed(opened):
        context.__exit__(None, None, None)


def assert_exactly_once(setup: Setup, run: Run, products: int, exact_counts: bool = True) -> None:
    woo = setup.woo_products()
    keys = Counter(product["meta_data"]["_ferry_source"] for product in woo)
    assert keys and max(keys.values()) == 1, "a product was created twice"
    counts = run.counts
    assert counts["seen"] == products
    assert counts["created"] + counts["updated"] + counts["unchanged"] + counts["failed"] == products
    if exact_counts:
        assert len(woo) == products - counts["failed"]
    else:
        # Known gap: an attempt stopped by a lost write batch may count as failed an item that a
        # later attempt adopted (see the closing note of issue 4); nothing is lost or doubled.
        assert products - counts["failed"] <= len(woo) <= products


def test_a_schedule_of_every_minute_fires_once_a_minute_with_three_workers(
    setup_for: Any, workers: Workers
) -> None:
    setup = setup_for("sqlite", 20, {"kind": "cron", "cron": "* * * * *", "timezone": "UTC"})
    started = datetime.now(UTC)
    workers(3)
    # Two minute boundaries at least: wait until the clock has passed the second one.
    time.sleep(max(0.0, 125 - datetime.now(UTC).second))
    with setup.db() as session:
        fires = list(session.scalars(select(ScheduleFire).order_by(ScheduleFire.slot)))
        runs = list(session.scalars(select(Run).where(Run.trigger == RunTrigger.SCHEDULE)))
    slots = [fire.slot for fire in fires]
    assert len(slots) >= 2
    assert len(set(slots)) == len(slots), "a slot fired twice"
    assert all(slot.second == 0 and slot > started for slot in slots)
    gaps = {(later - earlier).total_seconds() for earlier, later in itertools.pairwise(slots)}
    assert gaps == {60.0}, "a minute was skipped or fired twice"
    assert len(runs) == len({fire.run_id for fire in fires if fire.run_id is not None})


def worker_holding(setup: Setup, run_id: int, pool: list[Any]) -> Any:
    name = setup.run(run_id).worker
    return next(worker for worker in pool if worker.name == name)


def test_a_worker_killed_mid_import_is_replaced_and_the_import_ends_exactly_once(
    setup_for: Any, workers: Workers, redis_url: str
) -> None:
    products = 5000
    setup = setup_for("postgresql", products)
    pool = workers(2)
    run_id = setup.queue(redis_url)
    assert eventually(lambda: len(setup.woo_products()) >= 800, timeout_s=300, every_s=1.0)
    victim = worker_holding(setup, run_id, pool)
    victim.kill()
    assert eventually(lambda: setup.run(run_id).status in TERMINAL, timeout_s=600, every_s=2.0)
    run = setup.run(run_id)
    assert run.worker != victim.name, "another worker finished the run"
    assert run.attempts >= 2
    assert run.status in {RunStatus.SUCCEEDED, RunStatus.PARTIALLY_FAILED}, run.error
    assert_exactly_once(setup, run, products)
    dumped = pg_dump(setup.engine)
    assert b"e2e" in dumped
    assert not [secret for secret in setup.secrets if secret.encode() in dumped], "a secret in PostgreSQL"


def test_redis_restarted_mid_run_the_run_ends_without_duplicates(setup_for: Any, tmp_path: Path) -> None:
    products = 1500
    setup = setup_for("sqlite", products)
    with EmbeddedRedis(tmp_path / "redis") as server:
        (tmp_path / "workers").mkdir()
        pool = Workers(server.url, tmp_path / "workers")
        try:
            pool(2)
            run_id = setup.queue(server.url)
            assert eventually(lambda: len(setup.woo_products()) >= 200, timeout_s=300, every_s=0.5)
            server.stop()
            time.sleep(2)
            server.start()  # empty: the queue, the locks and the slots are gone
            assert eventually(lambda: setup.run(run_id).status in TERMINAL, timeout_s=600, every_s=2.0)
        finally:
            pool.stop_all()
    run = setup.run(run_id)
    assert run.status in {RunStatus.SUCCEEDED, RunStatus.PARTIALLY_FAILED}, run.error
    assert_exactly_once(setup, run, products, exact_counts=False)


def test_no_secret_in_the_database_the_logs_or_redis(
    setup_for: Any, workers: Workers, redis_url: str, tmp_path: Path
) -> None:
    setup = setup_for("sqlite", 60)
    pool = workers(1)
    run_id = setup.queue(redis_url)
    assert eventually(lambda: setup.run(run_id).status in TERMINAL, timeout_s=120, every_s=0.5)
    setup.engine.dispose()
    stored = b"".join(path.read_bytes() for path in tmp_path.glob("ferry.db*"))
    in_redis = everything_in(redis_url)
    logs = "".join(worker.log() for worker in pool).encode()
    assert b"e2e" in stored and logs and in_redis  # each place was read: the checks below can fail
    for secret in setup.secrets:
        for place, content in (("database", stored), ("worker logs", logs), ("redis", in_redis)):
            assert secret.encode() not in content, f"a secret is in the {place}"


def everything_in(redis_url: str) -> bytes:
    """Every value in Redis as bytes, RQ jobs with their arguments decoded (RQ stores them pickled
    and zlib-compressed, where a plain grep would see nothing)."""
    client = Redis.from_url(redis_url)
    found: list[bytes] = []
    try:
        for key in client.scan_iter():
            kind = client.type(key).decode()
            if key.startswith(b"rq:job:") and kind == "hash":
                job = Job.fetch(key.decode()[len("rq:job:") :], connection=client)
                found.append(repr((job.func_name, job.args, job.kwargs, job.meta)).encode())
            values = {
                "string": lambda k: [client.get(k)],
                "hash": lambda k: [b"%s=%s" % item for item in client.hgetall(k).items()],
                "list": lambda k: client.lrange(k, 0, -1),
                "set": lambda k: list(client.smembers(k)),
                "zset": lambda k: client.zrange(k, 0, -1),
            }.get(kind, lambda k: [])(key)
            found.extend([key, *(value for value in values if value)])
    finally:
        client.close()
    return b"\n".join(found)


def pg_dump(engine: Engine) -> bytes:
    url = engine.url
    command = ["pg_dump", "-h", url.host, "-U", url.username, url.database]
    return subprocess.run(command, capture_output=True, check=True).stdout
