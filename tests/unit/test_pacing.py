"""Pacers wait just long enough to stay under the platforms' live limits (fake clock, no sleeping)."""

from __future__ import annotations

import pytest

from connectors.errors import RetriableError
from connectors.http import RetryPolicy, StoreClient
from connectors.pacing import RestoringBucket, ShopifyRestPacer, WindowPacer


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_shopify_pacer_waits_when_the_bucket_is_nearly_full() -> None:
    clock = Clock()
    pacer = ShopifyRestPacer(clock=clock, sleep=clock.sleep)
    pacer.observe({"X-Shopify-Shop-Api-Call-Limit": "39/40"})
    assert pacer.wait() == pytest.approx(0.5)  # one free call and one of headroom, leaking 2/s


def test_shopify_pacer_learns_the_plan_from_the_bucket_size() -> None:
    clock = Clock()
    pacer = ShopifyRestPacer(clock=clock, sleep=clock.sleep)
    pacer.observe({"X-Shopify-Shop-Api-Call-Limit": "400/400"})
    assert pacer.restore_rate == 20
    assert pacer.wait() == pytest.approx(0.1)


def test_shopify_pacer_does_not_wait_with_room_and_ignores_junk() -> None:
    clock = Clock()
    pacer = ShopifyRestPacer(clock=clock, sleep=clock.sleep)
    pacer.observe({"X-Shopify-Shop-Api-Call-Limit": "nonsense"})
    pacer.observe({"X-Shopify-Shop-Api-Call-Limit": "3/40"})
    assert [pacer.wait() for _ in range(30)] == [0.0] * 30


def test_window_pacer_waits_for_the_reset_when_the_quota_is_spent() -> None:
    clock = Clock()
    pacer = WindowPacer(clock=clock, sleep=clock.sleep)
    pacer.observe({"X-Rate-Limit-Requests-Left": "2", "X-Rate-Limit-Time-Reset-Ms": "15000"})
    assert pacer.wait() == 0.0
    assert pacer.wait() == pytest.approx(15.0)
    assert pacer.wait() == 0.0  # a new window


def test_window_pacer_without_headers_never_waits() -> None:
    pacer = WindowPacer()
    pacer.observe({})
    assert pacer.wait() == 0.0


def test_requests_that_never_reached_the_store_give_their_points_back(unused_port_base: int) -> None:
    """A store that is down must not drain the bucket: else each retry waits for points the store
    never charged (a Shopify GraphQL page costs ~1,000 of 2,000, so a few tries cost minutes)."""
    clock = Clock()
    bucket = RestoringBucket(capacity=2000, restore_rate=100, clock=clock, sleep=clock.sleep)
    client = StoreClient(
        f"http://127.0.0.1:{unused_port_base}",  # nothing listens there: the connection is refused
        pacer=bucket,
        retry=RetryPolicy(attempts=4, base_delay=0, max_delay=0),
        allow_private=True,
    )
    with pytest.raises(RetriableError, match="refused"):
        client.read("POST", "graphql.json", json_body={"query": "{ shop { name } }"}, cost=1000)
    assert clock.slept == []  # four tries of 1,000 points each, and no wait for any of them
    assert bucket.wait(1000) == 0.0
