"""Reading the source while the target is written: a thread fetches the next pages ahead.

The import's two sides wait on different stores (the source's rate limit, the target's PHP
workers), so the next page is read while the batches of the last ones are written. At most
`depth` pages are fetched and not yet taken: the reader waits for room *before* it asks the source
for a page, so it never holds a finished page while waiting, and memory does not grow with the
catalog. An error the reader meets is raised where the pages are taken, with its own traceback.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Generic, TypeVar

T = TypeVar("T")

POLL_S = 0.1  # how soon a reader waiting for room notices that the consumer has stopped


class _End:
    pass


@dataclass(frozen=True)
class _Failed:
    error: Exception


class ReadAhead(Iterator[T], Generic[T]):
    """`with ReadAhead(pages, depth) as ahead: for page in ahead: ...`. Leaving the block early
    stops the reader after the request it is in (a daemon thread: a hung read never keeps the
    process alive). An iterator object, not a generator, so no frame of it keeps a page alive
    once it is handed over."""

    def __init__(self, items: Iterator[T], depth: int = 1) -> None:
        if depth < 1:
            raise ValueError(f"depth must be at least 1, not {depth}")
        self._items = items
        self._ready: queue.SimpleQueue[T | _End | _Failed] = queue.SimpleQueue()
        self._room = threading.Semaphore(depth)
        self._stop = threading.Event()
        self._done = False
        self._thread = threading.Thread(target=self._fill, name="source-reader", daemon=True)

    def __enter__(self) -> ReadAhead[T]:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._stop.set()
        if kind is None:
            self._thread.join()

    def __next__(self) -> T:
        if self._done:
            raise StopIteration
        item = self._ready.get()
        if isinstance(item, _End | _Failed):
            self._done = True
            if isinstance(item, _Failed):
                raise item.error
            raise StopIteration
        self._room.release()  # taken: the reader may fetch the next
        return item

    def _fill(self) -> None:
        try:
            while self._wait_for_room():
                try:
                    item = next(self._items)
                except StopIteration:
                    self._ready.put(_End())
                    return
                self._ready.put(item)
                del item  # handed over: this thread keeps no page while it waits for room
        except Exception as error:  # handed over: the consumer raises it
            self._ready.put(_Failed(error))
        finally:
            close = getattr(self._items, "close", None)
            if close is not None:
                close()  # a generator's own cleanup (its `with` blocks) runs on this thread

    def _wait_for_room(self) -> bool:
        while not self._stop.is_set():
            if self._room.acquire(timeout=POLL_S):
                return True
        return False
