"""`ferry demo`: the whole product on one machine with nothing installed beside it.

It starts the sandbox stores (a demo catalog), an embedded Redis (unless REDIS_URL points at one),
a worker and the web app, all on loopback, with their data in one demo folder; it makes a demo
account and a saved import from the sandbox Shopify into the sandbox WooCommerce (ready to run,
scheduled hourly but paused), prints the URL and the login, and on Ctrl-C stops everything. Each
child dies with this process even when it is SIGKILLed (jobs/orphans.py), so nothing is left behind.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import click
import requests
import tomli_w

from jobs.accounts import create_user, find_user
from jobs.broker import redis_url
from jobs.embedded_redis import EmbeddedRedis
from jobs.orphans import die_with_this_process
from jobs.saved_imports import import_toml
from jobs.secrets import secret_box
from jobs.store.database import data_dir, make_engine, sessions, upgrade
from jobs.store.models import SavedImport
from wizard.serve import stop_on_signals

DEMO_EMAIL = "demo@ferry.invalid"
DEMO_PASSWORD = "ferry-demo-password"
STOP_GRACE_S = 10.0
READY_TIMEOUT_S = 120.0


def _ferry() -> list[str]:
    """The `ferry` command of this installation (beside this Python)."""
    return [str(Path(sys.executable).parent / "ferry")]


@contextmanager
def _child(
    args: list[str], env: Mapping[str, str], log_file: Path, **popen: Any
) -> Iterator[subprocess.Popen]:
    """A child process that is stopped (SIGTERM, then SIGKILL) when the block ends."""
    with log_file.open("ab") as log:
        process = subprocess.Popen(
            args, env=dict(env), stderr=log, preexec_fn=die_with_this_process(), **popen
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_up(url: str, process: subprocess.Popen, what: str, log_file: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise click.ClickException(f"the {what} stopped while starting; see {log_file}")
        try:
            if requests.get(url, timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise click.ClickException(f"the {what} did not answer at {url} within {READY_TIMEOUT_S:.0f} s")


def _demo_definition(stores: Mapping[str, Any]) -> str:
    shop, woo = stores["shopify"], stores["woocommerce"]
    return tomli_w.dumps(
        {
            "name": "Demo: sandbox Shopify to sandbox WooCommerce",
            "source": {"platform": "shopify", "url": shop["url"], "token": shop["token"]},
            "target": {"url": woo["url"], "key": woo["key"], "secret": woo["secret"]},
            "schedule": {"kind": "hourly", "timezone": "UTC"},
        }
    )


def _prepare(database: str, stores: Mapping[str, Any]) -> None:
    """The demo account and the demo import, made once (the demo folder keeps them)."""
    engine = make_engine(database)
    try:
        upgrade(engine)
        with sessions(engine)() as session:
            if find_user(session, DEMO_EMAIL) is None:
                create_user(session, DEMO_EMAIL, DEMO_PASSWORD)
            if session.query(SavedImport).count() == 0:
                saved = import_toml(session, secret_box(), _demo_definition(stores))
                saved.enabled = False
                saved.paused_reason = "paused in the demo: press Run now, or resume the schedule"
            session.commit()
    finally:
        engine.dispose()


@click.command("demo")
@click.option("--products", default=500, show_default=True, type=click.IntRange(1, 200_000))
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Web app port.")
@click.option(
    "--data-dir",
    "chosen_folder",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the demo keeps its data (default: the demo folder in Ferry's data folder).",
)
def demo_command(products: int, port: int, chosen_folder: Path | None) -> None:
    """Start everything a new user needs: sandbox stores, Redis, a worker and the web app."""
    folder = chosen_folder or data_dir() / "demo"
    folder.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "FERRY_DATA_DIR": str(folder),
        "DATABASE_URL": f"sqlite:///{folder / 'ferry.db'}",
        "FERRY_ALLOW_PRIVATE_NETWORKS": "1",  # the sandbox stores are on loopback
    }
    os.environ.update(FERRY_DATA_DIR=env["FERRY_DATA_DIR"])  # this process's key file is the demo's
    logs = folder / "logs"
    logs.mkdir(exist_ok=True)
    stop_on_signals()
    with ExitStack() as stack:
        sandbox_log = logs / "sandbox.log"
        sandbox = stack.enter_context(
            _child(
                [*_ferry(), "sandbox", "--products", str(products), "--state-dir", str(folder / "sandbox")],
                env,
                sandbox_log,
                stdout=subprocess.PIPE,
                text=True,
            )
        )
        line = sandbox.stdout.readline() if sandbox.stdout else ""
        if not line:
            raise click.ClickException(f"the sandbox stores did not start; see {sandbox_log}")
        stores = json.loads(line)
        if not redis_url():
            redis = stack.enter_context(EmbeddedRedis(folder / "redis"))
            env["REDIS_URL"] = redis.url
        _prepare(env["DATABASE_URL"], stores)
        stack.enter_context(_child([*_ferry(), "worker"], env, logs / "worker.log"))
        web_log = logs / "web.log"
        web = stack.enter_context(
            _child([*_ferry(), "web", "--port", str(port)], env, web_log, stdout=subprocess.DEVNULL)
        )
        _wait_until_up(f"http://127.0.0.1:{port}/healthz", web, "web app", web_log)
        urls = ", ".join(f"{name} {store['url']}" for name, store in stores.items())
        click.echo(
            f"\nFerry demo is running at http://127.0.0.1:{port}/\n"
            f"  sign in as {DEMO_EMAIL} with the password {DEMO_PASSWORD}\n"
            f"  sandbox stores: {urls}\n"
            f"  data and logs in {folder}\n"
            "Press Ctrl-C to stop everything."
        )
        try:
            while True:
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        click.echo("stopping the demo...")
