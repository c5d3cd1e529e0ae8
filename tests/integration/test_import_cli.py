"""`ferry check` and `ferry import` as a user runs them: real processes, exit codes, kill and rerun."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import requests

from sandbox.catalog import Catalog
from sandbox.settings import SandboxSettings
from sandbox.shopify import ShopifyStore
from sandbox.woocommerce import WooCommerceStore

FERRY = shutil.which("ferry", path=str(Path(sys.executable).parent))
CATALOG = Catalog(seed=9, count=120)


def toml(section: str, values: dict[str, str]) -> str:
    return f"[{section}]\n" + "".join(f'{key} = "{value}"\n' for key, value in values.items())


@pytest.fixture
def setup(serve, tmp_path: Path) -> dict[str, Any]:
    shop = ShopifyStore(CATALOG.copy(), SandboxSettings(seed=9, shopify_plan="plus"))
    shop_url = serve(shop)
    # Slow writes, so a run can be stopped halfway.
    woo = WooCommerceStore(SandboxSettings(seed=9, woo_workers=2, woo_request_ms=40, woo_create_ms=4))
    woo_url = serve(woo)
    credentials = woo.credentials(woo_url)
    definition = tmp_path / "import.toml"
    definition.write_text(
        toml("source", {"platform": "shopify", "url": shop_url, "token": "env:SHOP_TOKEN"})
        + toml("target", {"url": woo_url, "key": credentials["key"], "secret": "env:WOO_SECRET"})
    )
    env = {
        **os.environ,
        "FERRY_ALLOW_PRIVATE_NETWORKS": "1",
        "FERRY_DATA_DIR": str(tmp_path / "data"),
        "SHOP_TOKEN": shop.token,
        "WOO_SECRET": credentials["secret"],
    }
    env.pop("DATABASE_URL", None)
    return {"file": definition, "env": env, "woo_url": woo_url, "shop_url": shop_url, "tmp": tmp_path}


def ferry(setup: dict[str, Any], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [FERRY, *args], capture_output=True, text=True, env=setup["env"], timeout=300, check=False
    )


def woo_sources(setup: dict[str, Any]) -> Counter[str]:
    products = requests.get(f"{setup['woo_url']}/_sandbox/products").json()["products"]
    return Counter(p["meta_data"].get("_ferry_source") for p in products if p["status"] != "trash")


def test_check_reports_both_stores(setup) -> None:
    result = ferry(setup, "check", str(setup["file"]), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["source"]["product_count"] == len(CATALOG)
    assert report["target"]["can_write"] is True


def test_import_prints_one_json_object_and_a_rerun_writes_nothing(setup) -> None:
    first = ferry(setup, "import", str(setup["file"]), "--json")
    summary = json.loads(first.stdout)
    for key in (
        "created",
        "updated",
        "unchanged",
        "skipped",
        "failed",
        "seen",
        "source_requests",
        "target_requests",
        "duration_s",
    ):
        assert key in summary
    assert first.returncode == (1 if summary["failed"] else 0)
    assert summary["created"] + summary["failed"] == len(CATALOG)
    assert all(count == 1 for count in woo_sources(setup).values())
    second = json.loads(ferry(setup, "import", str(setup["file"]), "--json").stdout)
    assert (second["created"], second["updated"]) == (0, 0)


def test_dry_run_prints_the_plan_and_writes_nothing(setup) -> None:
    result = ferry(setup, "import", str(setup["file"]), "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "plan:" in result.stdout and "create" in result.stdout
    assert woo_sources(setup) == Counter()


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        pytest.param(("platform", "platfrom"), "source.platfrom", id="misspelled-key"),
        pytest.param(('"shopify"', '"etsy"'), "source.platform", id="bad-platform"),
        pytest.param(("env:SHOP_TOKEN", "env:NOPE"), "NOPE is not set", id="missing-env"),
        pytest.param(("env:SHOP_TOKEN", "shpat_wrong"), "token was refused", id="bad-token"),
    ],
)
def test_bad_definitions_and_credentials_exit_2_naming_the_problem(setup, edit, message: str) -> None:
    old, new = edit
    setup["file"].write_text(setup["file"].read_text().replace(old, new))
    result = ferry(setup, "import", str(setup["file"]))
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert "shpat_wrong" not in result.stderr


@pytest.mark.slow
def test_a_killed_import_completes_on_the_next_run_without_duplicates(setup) -> None:
    process = subprocess.Popen(
        [FERRY, "import", str(setup["file"]), "--json"],
        env=setup["env"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while sum(woo_sources(setup).values()) < 30 and time.monotonic() < deadline:
        time.sleep(0.1)
    process.send_signal(signal.SIGKILL)
    process.wait()
    written = sum(woo_sources(setup).values())
    assert 0 < written < len(CATALOG), "the run was not stopped halfway"
    result = ferry(setup, "import", str(setup["file"]), "--json")
    summary = json.loads(result.stdout)
    sources = woo_sources(setup)
    assert all(count == 1 for count in sources.values())
    assert len(sources) + summary["failed"] == len(CATALOG)
