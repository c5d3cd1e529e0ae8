"""One store, one HTTP server on its own port, served from a background thread."""

from __future__ import annotations

import logging
import threading
from http.server import ThreadingHTTPServer
from typing import Any

from sandbox.control import Control
from sandbox.http import Handler, Store

log = logging.getLogger(__name__)


class StoreServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def __init__(self, store: Store, host: str, port: int) -> None:
        self.store = store
        self.control = Control(store)
        super().__init__((host, port), Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that hang up mid-response are normal here (timeouts, resets we injected).
        log.debug("connection from %s ended with an error", client_address, exc_info=True)


class ServerThread:
    """Serves one store in a background thread until stopped."""

    def __init__(self, store: Store, host: str, port: int) -> None:
        self.server = StoreServer(store, host, port)
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.store.stopping.set()
        self.server.store.close()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
