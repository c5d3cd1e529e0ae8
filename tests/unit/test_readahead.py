"""Reading ahead of the writes (jobs/readahead.py): bounded, in order, errors where pages are taken."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from jobs.readahead import ReadAhead


class Source:
    """Pages 0..count-1; records how far it has been asked, and whether it was closed."""

    def __init__(self, count: int, fail_at: int | None = None) -> None:
        self.count = count
        self.fail_at = fail_at
        self.fetched = 0
        self.closed = threading.Event()
        self.asked = threading.Condition()

    def pages(self) -> Iterator[int]:
        try:
            for number in range(self.count):
                if number == self.fail_at:
                    raise RuntimeError(f"page {number} could not be read")
                with self.asked:
                    self.fetched = number + 1
                    self.asked.notify_all()
                yield number
        finally:
            self.closed.set()

    def wait_fetched(self, count: int) -> None:
        with self.asked:
            assert self.asked.wait_for(lambda: self.fetched >= count, timeout=5)


def test_pages_arrive_in_order_and_the_source_is_closed() -> None:
    source = Source(5)
    with ReadAhead(source.pages(), depth=2) as pages:
        assert list(pages) == [0, 1, 2, 3, 4]
    assert source.closed.is_set()


def test_the_reader_stays_at_most_depth_pages_ahead() -> None:
    source = Source(10)
    with ReadAhead(source.pages(), depth=2) as pages:
        source.wait_fetched(2)
        # Nothing is taken yet: the reader waits for room before asking for a third page.
        assert not source.closed.wait(0.3) and source.fetched == 2
        assert next(pages) == 0
        source.wait_fetched(3)
        assert not source.closed.wait(0.3) and source.fetched == 3
        assert list(pages) == list(range(1, 10))


def test_an_error_of_the_reader_is_raised_where_pages_are_taken() -> None:
    source = Source(5, fail_at=2)
    with (
        pytest.raises(RuntimeError, match="page 2 could not be read"),
        ReadAhead(source.pages(), depth=1) as pages,
    ):
        assert [next(pages), next(pages)] == [0, 1]
        next(pages)
    assert source.closed.is_set()


def test_leaving_early_stops_the_reader() -> None:
    source = Source(1000)
    with pytest.raises(KeyError), ReadAhead(source.pages(), depth=1) as pages:
        next(pages)
        raise KeyError("the consumer failed")
    assert source.closed.wait(5), "the reader kept reading"
    assert source.fetched < 1000


def test_depth_must_be_positive() -> None:
    with pytest.raises(ValueError, match="depth must be at least 1"):
        ReadAhead(iter(()), depth=0)
