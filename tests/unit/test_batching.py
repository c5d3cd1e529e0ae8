"""Which products may go into the next batch while others are in flight (jobs/batching.py)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from jobs.batching import BatchQueue


@dataclass(frozen=True)
class Item:
    key: str
    skus: frozenset[str] = frozenset()


def items(*specs: str) -> list[Item]:
    """`"a:X,Y"` is product a holding SKUs x and y (folded); `"b"` holds none."""
    found = []
    for spec in specs:
        key, _, skus = spec.partition(":")
        found.append(Item(key, frozenset(sku.casefold() for sku in skus.split(",") if sku)))
    return found


def keys(batch: list[Item]) -> list[str]:
    return [item.key for item in batch]


def test_batches_take_waiting_products_in_order_up_to_the_size() -> None:
    queue: BatchQueue[Item] = BatchQueue(2)
    queue.add(items("a", "b", "c"))
    assert keys(queue.take()) == ["a", "b"]
    assert keys(queue.take()) == ["c"]
    assert queue.take() == [] and len(queue) == 0


def test_a_product_whose_sku_a_batch_in_flight_holds_waits_for_it() -> None:
    queue: BatchQueue[Item] = BatchQueue(10)
    queue.add(items("a:X", "b:Y"))
    first = queue.take()
    queue.start("first", first)
    queue.add(items("c:x", "d:Z"))  # c claims x, as a holds it (SKUs compare case-folded)
    assert keys(queue.take()) == ["d"]
    assert len(queue) == 1
    assert queue.finish("first") == first
    assert keys(queue.take()) == ["c"]


def test_a_later_product_sharing_a_sku_with_one_that_waits_waits_too() -> None:
    """So the product read first still claims a contested SKU first."""
    queue: BatchQueue[Item] = BatchQueue(10)
    queue.add(items("a:X"))
    queue.start(1, queue.take())
    queue.add(items("b:X,Y", "c:Y", "d:W"))
    assert keys(queue.take()) == ["d"]  # b waits on a's X; c waits behind b for Y
    queue.finish(1)
    assert keys(queue.take()) == ["b", "c"]  # together: the writer's screen orders them in a batch


def test_products_in_one_batch_may_share_a_sku() -> None:
    queue: BatchQueue[Item] = BatchQueue(10)
    queue.add(items("a:X", "b:X"))
    assert keys(queue.take()) == ["a", "b"]


def test_a_product_is_held_from_added_until_its_batch_is_finished() -> None:
    queue: BatchQueue[Item] = BatchQueue(10)
    queue.add(items("a:X"))
    assert queue.holds(["a"]) and not queue.holds(["b"])
    batch = queue.take()
    queue.start(7, batch)
    assert queue.holds(["a"]) and queue.in_flight == 1
    with pytest.raises(ValueError, match="a is already queued or in flight"):
        queue.add(items("a"))
    queue.finish(7)
    assert not queue.holds(["a"]) and queue.in_flight == 0
    queue.add(items("a:X"))  # free again, its SKU too
    assert keys(queue.take()) == ["a"]


def test_a_sku_two_batches_held_is_free_only_when_both_are_done() -> None:
    queue: BatchQueue[Item] = BatchQueue(1)
    queue.add(items("a:X", "b:X"))
    queue.start(1, queue.take())  # size 1: a alone; b waits for a's X
    assert queue.take() == []
    queue.finish(1)
    queue.start(2, queue.take())
    queue.add(items("c:X"))
    assert queue.take() == []
    queue.finish(2)
    assert keys(queue.take()) == ["c"]


def test_the_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="size must be at least 1"):
        BatchQueue(0)
