"""`ferry sandbox` as a user runs it: a real process, one JSON line, signals, saved state."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

FERRY = shutil.which("ferry", path=str(Path(sys.executable).parent))


@contextmanager
def sandbox(*args: str) -> Iterator[dict]:
    process = subprocess.Popen(
        [FERRY, "sandbox", "--products", "40", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        assert line, process.stderr.read()
        yield json.loads(line)
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0


def test_prints_one_json_line_with_every_store_and_serves_them() -> None:
    with sandbox("--seed", "3") as stores:
        assert set(stores) == {"shopify", "magento", "bigcommerce", "woocommerce"}
        assert set(stores["shopify"]) >= {"url", "token"}
        assert set(stores["magento"]) >= {"url", "token"}
        assert set(stores["bigcommerce"]) >= {"url", "store_hash", "token"}
        assert set(stores["woocommerce"]) >= {"url", "key", "secret"}
        assert len({store["url"] for store in stores.values()}) == 4
        shop = stores["shopify"]
        count = requests.get(
            f"{shop['url']}/admin/api/2025-07/products/count.json",
            headers={"X-Shopify-Access-Token": shop["token"]},
        )
        assert count.json() == {"count": 40}
        bc = stores["bigcommerce"]
        listing = requests.get(
            f"{bc['url']}/stores/{bc['store_hash']}/v3/catalog/products",
            headers={"X-Auth-Token": bc["token"]},
        )
        assert listing.json()["meta"]["pagination"]["total"] == 40
        woo = stores["woocommerce"]
        products = requests.get(
            f"{woo['url']}/wp-json/wc/v3/products",
            params={"consumer_key": woo["key"], "consumer_secret": woo["secret"]},
        )
        assert products.status_code == 200 and products.json() == []


def test_same_seed_same_credentials_other_seed_other_credentials() -> None:
    with sandbox("--seed", "3") as first:
        pass
    with sandbox("--seed", "3") as again, sandbox("--seed", "4") as other:
        assert first["shopify"]["token"] == again["shopify"]["token"] != other["shopify"]["token"]


def test_port_base_picks_fixed_ports(unused_port_base: int) -> None:
    with sandbox("--port-base", str(unused_port_base)) as stores:
        ports = [
            int(stores[name]["url"].rsplit(":", 1)[1])
            for name in ("shopify", "magento", "bigcommerce", "woocommerce")
        ]
        assert ports == [unused_port_base + offset for offset in range(4)]


def test_state_dir_keeps_changes_across_restarts(tmp_path: Path) -> None:
    with sandbox("--state-dir", str(tmp_path)) as stores:
        shop = stores["shopify"]
        deleted = requests.post(f"{shop['url']}/_sandbox/catalog/delete", json={"count": 3}).json()["ids"]
        woo = stores["woocommerce"]
        auth = {"consumer_key": woo["key"], "consumer_secret": woo["secret"]}
        created = requests.post(
            f"{woo['url']}/wp-json/wc/v3/products",
            params=auth,
            json={"name": "Kept", "regular_price": "5.00", "sku": "KEEP-1"},
        )
        assert created.status_code == 201
    with sandbox("--state-dir", str(tmp_path)) as stores:
        shop = stores["shopify"]
        ids = requests.get(f"{shop['url']}/_sandbox/catalog").json()["ids"]
        assert len(ids) == 37 and not set(deleted) & set(ids)
        woo = stores["woocommerce"]
        auth = {"consumer_key": woo["key"], "consumer_secret": woo["secret"], "sku": "KEEP-1"}
        assert [
            p["name"] for p in requests.get(f"{woo['url']}/wp-json/wc/v3/products", params=auth).json()
        ] == ["Kept"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--products", "-1"], "--products", id="negative-products"),
        pytest.param(["--shopify-plan", "gold"], "--shopify-plan", id="unknown-plan"),
        pytest.param(["--fault", "shopify:explode=1"], "unknown fault 'explode'", id="unknown-fault"),
        pytest.param(["--fault", "etsy:error_next=1"], "STORE:NAME=VALUE", id="unknown-store"),
    ],
)
def test_bad_flags_are_named(args: list[str], message: str) -> None:
    result = subprocess.run([FERRY, "sandbox", *args], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stdout == ""


def test_faults_from_flags_reach_the_store() -> None:
    with sandbox("--fault", "shopify:error_next=1", "--fault", "shopify:error_status=502") as stores:
        shop = stores["shopify"]
        reply = requests.get(
            f"{shop['url']}/admin/api/2025-07/shop.json", headers={"X-Shopify-Access-Token": shop["token"]}
        )
        assert reply.status_code == 502
        assert "errors" in reply.json()
