"""Start the four stores, tell how to reach them, keep their state, stop them cleanly."""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path
from typing import Any

from sandbox.bigcommerce import BigCommerceStore
from sandbox.catalog import Catalog
from sandbox.http import Store
from sandbox.magento import MagentoStore
from sandbox.server import ServerThread
from sandbox.settings import STORE_NAMES, SandboxSettings
from sandbox.shopify import ShopifyStore
from sandbox.woocommerce import WooCommerceStore

log = logging.getLogger(__name__)

# How often a changed store's state is written to --state-dir while it runs.
SAVE_INTERVAL_SECONDS = 2.0


def build_stores(settings: SandboxSettings) -> dict[str, Store]:
    catalog = Catalog(settings.seed, settings.products)
    return {
        "shopify": ShopifyStore(catalog, settings),
        "magento": MagentoStore(catalog.copy(), settings),
        "bigcommerce": BigCommerceStore(catalog.copy(), settings),
        "woocommerce": WooCommerceStore(settings),
    }


class Sandbox:
    """The four stores on loopback. Use as a context manager, or start() and stop()."""

    def __init__(self, settings: SandboxSettings) -> None:
        self.settings = settings
        self.stores = build_stores(settings)
        for name, changes in settings.faults.items():
            self.stores[name].faults.update(changes)
        self._threads: dict[str, ServerThread] = {}
        self._saver: threading.Thread | None = None
        self._stopped = threading.Event()
        self._saved: dict[str, int] = {}  # store name -> state_version() last written

    def start(self) -> Sandbox:
        self._load_state()
        for store in self.stores.values():
            store.warm()
        for name in STORE_NAMES:
            thread = ServerThread(self.stores[name], self.settings.host, self.settings.port(name))
            thread.start()
            self._threads[name] = thread
        if self.settings.state_dir:
            self._saver = threading.Thread(target=self._save_periodically, daemon=True)
            self._saver.start()
        return self

    def url(self, name: str) -> str:
        return self._threads[name].base_url

    def credentials(self) -> dict[str, dict[str, Any]]:
        return {name: self.stores[name].credentials(self.url(name)) for name in STORE_NAMES}

    def stop(self) -> None:
        self._stopped.set()
        for thread in self._threads.values():
            thread.stop()
        self._save_state()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- state -----------------------------------------------------------------------------
    def _state_file(self, name: str) -> Path:
        assert self.settings.state_dir is not None
        return self.settings.state_dir / f"{name}.json"

    def _load_state(self) -> None:
        if not self.settings.state_dir:
            return
        self.settings.state_dir.mkdir(parents=True, exist_ok=True)
        for name, store in self.stores.items():
            path = self._state_file(name)
            if path.exists():
                store.load_state(json.loads(path.read_text()))
                self._saved[name] = store.state_version()

    def _save_state(self) -> None:
        if not self.settings.state_dir:
            return
        for name, store in self.stores.items():
            version = store.state_version()
            if self._saved.get(name) == version:
                continue
            state = store.dump_state()
            if state is None:
                continue
            path = self._state_file(name)
            # Write beside, then rename: a crash mid-write never leaves half a state file.
            temporary = path.with_suffix(".tmp")
            temporary.write_text(json.dumps(state))
            temporary.replace(path)
            self._saved[name] = version

    def _save_periodically(self) -> None:
        while not self._stopped.wait(SAVE_INTERVAL_SECONDS):
            try:
                self._save_state()
            except OSError:
                log.exception("could not save the sandbox state to %s", self.settings.state_dir)
