"""`ferry runs` and `ferry run ID` from real processes, on both databases."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from cryptography.fernet import Fernet

from jobs.control import start_run
from jobs.runs_cli import run_command, runs_command
from jobs.saved_imports import import_toml
from jobs.secrets import SecretBox
from jobs.store.database import make_engine, sessions, upgrade
from jobs.store.models import RunScope, RunStatus, RunTrigger
from tests.databases import KINDS, database_url
from tests.integration.run_rows import finish_with_failures

DEFINITION = """
name = "Shopify to Woo"

[source]
platform = "shopify"
url = "mystore.myshopify.com"
token = "shpat_0123456789abcdef0123456789abcdef"

[target]
url = "https://woo.example.com"
key = "ck_1f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c"
secret = "cs_9a8b7c6d5e4f30219a8b7c6d5e4f30219a8b7c6d"
"""


@dataclass
class History:
    url: str
    finished: int  # partially failed, with failures, a warning and a log
    failed: int
    queued: int

    def ferry(self, *args: str) -> Result:
        """The command in this process (a real `ferry` process starts in a second: see below)."""
        command = {"runs": runs_command, "run": run_command}[args[0]]
        return CliRunner().invoke(command, args[1:], env={"DATABASE_URL": self.url})

    def ferry_process(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "DATABASE_URL": self.url}
        ferry = str(Path(sys.executable).parent / "ferry")
        return subprocess.run([ferry, *args], env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture(params=KINDS)
def history(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[History]:
    with database_url(request.param, tmp_path) as url:
        engine = make_engine(url)
        upgrade(engine)
        db = sessions(engine)
        with db() as session:
            saved = import_toml(session, SecretBox([Fernet.generate_key()]), DEFINITION)
            ids = [start_run(session, saved, RunTrigger.API, RunScope.FULL).id for _ in range(3)]
            session.commit()
        finish_with_failures(db, ids[0])
        finish_with_failures(db, ids[1], RunStatus.FAILED)
        engine.dispose()
        yield History(url, *ids)


def test_ferry_runs_lists_the_history_newest_first_with_filters(history: History) -> None:
    listed = history.ferry_process("runs")
    assert listed.returncode == 0, listed.stderr
    header, *rows = listed.stdout.splitlines()
    assert header.split() == [
        "id", "import", "trigger", "scope", "status", "new/upd/same/skip/fail", "started", "duration"
    ]  # fmt: skip
    assert [row.split()[0] for row in rows] == [
        str(history.queued),
        str(history.failed),
        str(history.finished),
    ]
    finished = rows[2]
    for cell in (
        "Shopify to Woo",
        "api",
        "full",
        "partially_failed",
        "40/5/3/0/2 of 50",
        "2025-01-01 12:00:00",
        "10.0s",
    ):
        assert cell in finished
    queued = rows[0]
    assert "queued" in queued and queued.rstrip().endswith("-")  # not started: no duration

    only_failed = history.ferry("runs", "--status", "failed", "--limit", "5").stdout.splitlines()
    assert [row.split()[0] for row in only_failed[1:]] == [str(history.failed)]
    assert len(history.ferry("runs", "--import", "1", "--limit", "2").stdout.splitlines()) == 3
    assert history.ferry("runs", "--status", "cancelled").stdout.strip() == "no runs"
    unknown = history.ferry("runs", "--import", "9")
    assert unknown.exit_code == 2 and "no saved import 9" in unknown.stderr
    assert history.ferry("runs", "--status", "lost").exit_code == 2  # click names the choices


def test_ferry_run_shows_everything_about_one_run(history: History) -> None:
    shown = history.ferry_process("run", str(history.finished))
    assert shown.returncode == 0, shown.stderr
    text = shown.stdout
    expected = [
        f"run {history.finished} of import 1 (Shopify to Woo)",
        "status      partially_failed",
        "duration    10.0s",
        "throughput  5.0 products/s",
        "counts      50 read: 40 created, 5 updated, 3 unchanged, 0 skipped, 2 failed, 0 vanished",
        "requests    6 to the source, 30 to WooCommerce",
        "attempts    1 (last on worker-1)",
        "- 3 images could not be fetched",
        "failures (2)",
        "101 [SKU-1] Mug: duplicate SKU",
        "102 Cap: 400",
        "log (1 lines)",
        "info    started",
    ]
    for line in expected:
        assert line in text, line
    as_json = json.loads(history.ferry("run", str(history.finished), "--json").stdout)
    assert as_json["products_per_s"] == 5.0 and as_json["status"] == "partially_failed"
    assert [item["source_id"] for item in as_json["failures"]] == ["101", "102"]
    assert [line["message"] for line in as_json["log"]] == ["started"]

    queued = history.ferry("run", str(history.queued)).stdout
    assert "status      queued" in queued and "throughput  -" in queued and "failures (0)" in queued
    missing = history.ferry("run", "99")
    assert missing.exit_code == 2 and "no run 99" in missing.stderr
