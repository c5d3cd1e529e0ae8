"""`ferry sandbox`: the four fake stores as real HTTP servers, until SIGINT or SIGTERM."""

from __future__ import annotations

import json
import logging
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

import click

from sandbox.faults import FaultError, coerce
from sandbox.runner import Sandbox
from sandbox.settings import (
    BIGCOMMERCE_PLANS,
    MAGENTO_PAGE_MODES,
    SHOPIFY_PLANS,
    STORE_NAMES,
    SandboxSettings,
)


def parse_faults(values: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """`STORE:NAME=VALUE` flags to {store: {name: value}}, naming what is wrong."""
    faults: dict[str, dict[str, Any]] = {}
    for text in values:
        store, _, setting = text.partition(":")
        name, equals, value = setting.partition("=")
        if store not in STORE_NAMES or not equals:
            raise click.BadParameter(
                f"{text!r} is not STORE:NAME=VALUE with STORE one of {', '.join(STORE_NAMES)}",
                param_hint="--fault",
            )
        try:
            faults.setdefault(store, {})[name] = coerce(name, value)
        except FaultError as error:
            raise click.BadParameter(str(error), param_hint="--fault") from error
    return faults


@click.command("sandbox")
@click.option("--products", default=200, show_default=True, type=click.IntRange(min=0), help="Catalog size.")
@click.option(
    "--seed", default=1, show_default=True, type=int, help="Same seed, same catalog and credentials."
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port-base",
    default=0,
    type=click.IntRange(0, 65532),
    help="Fixed ports P..P+3 for shopify, magento, bigcommerce, woocommerce (default: free ports).",
)
@click.option(
    "--state-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Keep the stores' data here, so a restarted sandbox has it again.",
)
@click.option("--shopify-plan", type=click.Choice(SHOPIFY_PLANS), default="standard", show_default=True)
@click.option(
    "--bigcommerce-plan", type=click.Choice(BIGCOMMERCE_PLANS), default="standard", show_default=True
)
@click.option(
    "--magento-past-last-page",
    type=click.Choice(MAGENTO_PAGE_MODES),
    default="last",
    show_default=True,
    help="What Magento answers for a page past the end: the last page again, or an empty one.",
)
@click.option(
    "--woo-workers",
    default=4,
    show_default=True,
    type=click.IntRange(min=1),
    help="Requests WooCommerce serves at once; more wait.",
)
@click.option(
    "--woo-request-ms",
    default=0.0,
    show_default=True,
    type=click.FloatRange(min=0),
    help="WooCommerce cost per request.",
)
@click.option(
    "--woo-create-ms",
    default=0.0,
    show_default=True,
    type=click.FloatRange(min=0),
    help="WooCommerce cost per created item.",
)
@click.option(
    "--woo-update-ms",
    default=0.0,
    show_default=True,
    type=click.FloatRange(min=0),
    help="WooCommerce cost per updated item.",
)
@click.option(
    "--fault",
    "faults",
    multiple=True,
    metavar="STORE:NAME=VALUE",
    help="Inject a fault, e.g. shopify:error_rate=0.1 or woocommerce:drop_next=1 (repeatable).",
)
@click.option("-v", "--verbose", is_flag=True, help="Log every request to stderr.")
def sandbox_command(verbose: bool, faults: tuple[str, ...], **options: Any) -> None:
    """Start sandbox Shopify, Magento 2, BigCommerce and WooCommerce stores on loopback.

    Prints one line of JSON with each store's URL and credentials, then serves until interrupted.
    """
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        stream=sys.stderr,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )
    try:
        settings = SandboxSettings(faults=parse_faults(faults), **options)
    except ValueError as error:
        raise click.UsageError(str(error)) from error
    # Handlers first: whoever reads the JSON line may signal us the moment it arrives.
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    started = time.monotonic()
    sandbox = Sandbox(settings)
    try:
        sandbox.start()
    except ValueError as error:  # a saved state that does not fit these settings
        raise click.UsageError(str(error)) from error
    except OSError as error:
        raise click.ClickException(f"cannot listen on {settings.host}: {error.strerror or error}") from error
    click.echo(json.dumps(sandbox.credentials()), nl=True)
    sys.stdout.flush()
    click.echo(f"sandbox ready in {time.monotonic() - started:.1f}s; Ctrl-C stops it", err=True)
    stop.wait()
    sandbox.stop()
