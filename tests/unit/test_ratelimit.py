"""The platforms' rate-limit algorithms, on a fake clock."""

from __future__ import annotations

import pytest

from sandbox.ratelimit import LeakyBucket, WindowQuota


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_leaky_bucket_fills_then_refuses_with_the_wait() -> None:
    clock = Clock()
    bucket = LeakyBucket(capacity=40, leak_per_second=2, clock=clock)
    states = [bucket.add() for _ in range(41)]
    assert all(state.allowed for state in states[:40])
    assert states[39].level == 40
    assert not states[40].allowed
    assert states[40].retry_after == pytest.approx(0.5)


def test_leaky_bucket_drains_at_its_rate() -> None:
    clock = Clock()
    bucket = LeakyBucket(capacity=40, leak_per_second=2, clock=clock)
    for _ in range(39):
        bucket.add()
    clock.now += 10
    assert bucket.level() == pytest.approx(19)  # "39/40 ... after ten seconds ... 19/40"


def test_leaky_bucket_charges_amounts_and_refunds() -> None:
    clock = Clock()
    bucket = LeakyBucket(capacity=1000, leak_per_second=50, clock=clock)
    assert bucket.add(900).allowed
    refused = bucket.add(200)
    assert not refused.allowed and refused.retry_after == pytest.approx(2.0)
    bucket.refund(500)
    assert bucket.add(200).allowed


@pytest.mark.parametrize(
    ("capacity", "leak"), [pytest.param(0, 1, id="no-capacity"), pytest.param(1, 0, id="no-leak")]
)
def test_leaky_bucket_rejects_nonsense(capacity: float, leak: float) -> None:
    with pytest.raises(ValueError, match="positive"):
        LeakyBucket(capacity, leak)


def test_window_quota_counts_down_and_resets_with_the_window() -> None:
    clock = Clock()
    quota = WindowQuota(quota=3, window_ms=30_000, clock=clock)
    assert [quota.take().left for _ in range(3)] == [2, 1, 0]
    clock.now += 10
    refused = quota.take()
    assert not refused.allowed and refused.left == 0 and refused.reset_ms == 20_000
    clock.now += 20
    fresh = quota.take()
    assert fresh.allowed and fresh.left == 2 and fresh.reset_ms == 30_000
