"""Fixtures shared by every test: sandbox stores served on loopback."""

from __future__ import annotations

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
