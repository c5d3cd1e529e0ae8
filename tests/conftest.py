"""Fixtures shared by every test: sandbox stores served on loopback."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator

import pytest

from sandbox.http import Store
from sandbox.server import ServerThread


@pytest.fixture
def serve() -> Iterator[Callable[[Store], str]]:
    """Serve a store on a free loopback port for one test; returns its base URL."""
    threads: list[ServerThread] = []

    def start(store: Store) -> str:
        thread = ServerThread(store, "127.0.0.1", 0)
        thread.start()
        threads.append(thread)
        return thread.base_url

    yield start
    for thread in threads:
        thread.stop()


@pytest.fixture
def unused_port_base() -> int:
    """A port P with P..P+3 free right now (bound and released, so good enough for one test)."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        if base > 65000:
            continue
        sockets = []
        try:
            for offset in range(4):
                held = socket.socket()
                sockets.append(held)
                held.bind(("127.0.0.1", base + offset))
            return base
        except OSError:
            continue
        finally:
            for held in sockets:
                held.close()
    raise RuntimeError("no four consecutive free ports")
