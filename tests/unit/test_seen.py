"""The ids a run has read, kept compact (jobs/seen.py)."""

from __future__ import annotations

from jobs.seen import SeenIds


def test_ids_added_are_found_and_others_are_not() -> None:
    seen = SeenIds()
    for number in range(5000):
        seen.add(str(8_000_000_000 + number))
    seen.add("gid://shopify/Product/1")
    assert len(seen) == 5001
    assert all(str(8_000_000_000 + number) in seen for number in range(5000))
    assert "gid://shopify/Product/1" in seen
    assert "8000005000" not in seen and "" not in seen and 8_000_000_000 not in seen


def test_adding_after_a_lookup_still_finds_everything() -> None:
    seen = SeenIds()
    seen.add("b")
    assert "b" in seen and "a" not in seen
    seen.add("a")
    seen.add("a")
    assert "a" in seen and "b" in seen
