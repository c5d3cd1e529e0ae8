"""Write slots per target and locks per import, kept in a real Redis by real processes."""

from __future__ import annotations

import os
import signal
import time

import pytest
from redis import Redis

from jobs.broker import connect
from jobs.limits import ImportLock, LeaseTimeout, TargetSlots
from tests.processes import eventually, spawn

TARGET = "https://shop.example"


# -- what the other processes do (top level, so a spawned interpreter can import them) ------------
def take_turns_at_the_slots(url: str, limit: int, holders: int, rounds: int) -> None:
    """Once every holder is ready: take a slot, count who is inside, leave; `rounds` times."""
    connection = connect(url)
    connection.incr("ready")
    assert eventually(lambda: int(connection.get("ready")) >= holders)
    for _ in range(rounds):
        with TargetSlots(connection, TARGET, limit, lease_s=2):
            connection.rpush("inside", connection.incr("active"))
            time.sleep(0.1)
            connection.decr("active")


def hold_a_slot(url: str, lease_s: float) -> None:
    connection = connect(url)
    with TargetSlots(connection, TARGET, 1, lease_s=lease_s):
        connection.rpush("holding", os.getpid())
        time.sleep(600)


def hold_the_lock(url: str, import_id: int, lease_s: float) -> None:
    """Hold the import's lock until told to go (a "go" pushed), then leave the `with`."""
    connection = connect(url)
    with ImportLock(connection, import_id, lease_s=lease_s):
        connection.rpush("locked", os.getpid())
        connection.blpop(["go"], timeout=600)


def hold_the_lock_then_release_late(url: str, import_id: int) -> None:
    """Hold with a 1 s lease; when told to go (after being paused past it), release and report."""
    connection = connect(url)
    lock = ImportLock(connection, import_id, lease_s=1)
    assert lock.acquire(blocking=False)
    connection.rpush("locked", os.getpid())
    connection.blpop(["go"], timeout=600)
    eventually(lambda: lock.lost, timeout_s=5)  # its renewal finds the lock gone to another
    connection.rpush("report", f"lost={lock.lost} released={lock.release()}")


# -- the tests --------------------------------------------------------------------------------------
@pytest.fixture
def redis(redis_url: str) -> Redis:
    return connect(redis_url)


def wait_for(redis: Redis, key: str) -> bytes:
    popped = redis.blpop([key], timeout=60)
    assert popped is not None, f"nothing arrived on {key}"
    return popped[1]


def test_three_processes_never_hold_more_than_two_slots(redis_url: str, redis: Redis) -> None:
    holders, limit, rounds = 3, 2, 5
    processes = [spawn(take_turns_at_the_slots, redis_url, limit, holders, rounds) for _ in range(holders)]
    for process in processes:
        process.join(timeout=120)
        assert process.exitcode == 0

    inside = [int(count) for count in redis.lrange("inside", 0, -1)]
    assert len(inside) == holders * rounds
    assert max(inside) == limit  # the limit is reached, never passed
    assert TargetSlots(redis, TARGET, limit).in_use() == 0  # every slot came back


def test_a_killed_holders_slot_comes_back_after_its_lease(redis_url: str, redis: Redis) -> None:
    holder = spawn(hold_a_slot, redis_url, 1.0)
    pid = int(wait_for(redis, "holding"))
    assert not TargetSlots(redis, TARGET, 1).acquire(blocking=False)

    os.kill(pid, signal.SIGKILL)
    holder.join()

    after_death = TargetSlots(redis, TARGET, 1)
    assert after_death.acquire(timeout_s=10)  # the lease is 1 s: it lapses, nobody releases it
    after_death.release()


def test_renewal_keeps_a_long_holders_slot(redis: Redis) -> None:
    holder, other = TargetSlots(redis, TARGET, 1, lease_s=1), TargetSlots(redis, TARGET, 1, wait_s=0.5)
    with holder:
        time.sleep(3)  # three leases long
        with pytest.raises(LeaseTimeout, match="no free write slot"):
            other.__enter__()
        assert holder.held and not holder.lost
    with other:
        assert other.held


def test_slots_are_counted_per_target(redis: Redis) -> None:
    with TargetSlots(redis, TARGET, 1):
        with TargetSlots(redis, "https://other.example", 1) as elsewhere:
            assert elsewhere.held
        # The same store spelled with a trailing slash or capitals is the same store.
        assert not TargetSlots(redis, "HTTPS://SHOP.EXAMPLE/", 1).acquire(blocking=False)


def test_installs_with_their_own_prefix_never_share_a_key(
    redis: Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    other_install = TargetSlots(redis, TARGET, 1, prefix="shop-b")
    with TargetSlots(redis, TARGET, 1, prefix="shop-a"), ImportLock(redis, 7, prefix="shop-a"):
        assert other_install.acquire(blocking=False)
        assert not ImportLock.is_held(redis, 7, prefix="shop-b")
        monkeypatch.setenv("FERRY_REDIS_PREFIX", "shop-a")  # the default comes from the environment
        assert ImportLock.is_held(redis, 7)
    assert redis.keys("*") == [other_install.key.encode()]
    assert other_install.key.startswith("shop-b:")
    other_install.release()


def test_import_lock_is_exclusive_across_processes_and_released_on_exit(redis_url: str, redis: Redis) -> None:
    holder = spawn(hold_the_lock, redis_url, 7, 30.0)
    wait_for(redis, "locked")
    assert ImportLock.is_held(redis, 7)
    assert not ImportLock(redis, 7).acquire(blocking=False)
    with pytest.raises(LeaseTimeout, match="saved import 7"):
        ImportLock(redis, 7).__enter__()
    with ImportLock(redis, 8) as another_import:
        assert another_import.held  # another import is free

    redis.rpush("go", 1)
    holder.join(timeout=60)

    assert holder.exitcode == 0
    assert not ImportLock.is_held(redis, 7)  # released at once, not left to lapse
    with ImportLock(redis, 7) as next_run:
        assert next_run.held


def test_import_lock_lapses_after_its_holder_is_killed(redis_url: str, redis: Redis) -> None:
    holder = spawn(hold_the_lock, redis_url, 7, 3.0)
    pid = int(wait_for(redis, "locked"))

    os.kill(pid, signal.SIGKILL)
    holder.join()

    assert ImportLock.is_held(redis, 7)  # nobody released it...
    assert eventually(lambda: not ImportLock.is_held(redis, 7), timeout_s=15)  # ...it lapsed
    with ImportLock(redis, 7) as next_run:
        assert next_run.held


def test_a_stale_holder_cannot_release_the_newer_holders_lock(redis_url: str, redis: Redis) -> None:
    stale = spawn(hold_the_lock_then_release_late, redis_url, 7)
    pid = int(wait_for(redis, "locked"))
    os.kill(pid, signal.SIGSTOP)  # frozen past its lease, as in a long GC pause or a VM stall
    try:
        assert eventually(lambda: not ImportLock.is_held(redis, 7), timeout_s=15)
        newer = ImportLock(redis, 7, lease_s=30)
        assert newer.acquire(blocking=False)
    finally:
        os.kill(pid, signal.SIGCONT)

    redis.rpush("go", 1)
    assert wait_for(redis, "report") == b"lost=True released=False"
    stale.join(timeout=60)

    assert redis.get(ImportLock.lock_key(7)).decode() == newer.token
    assert newer.held
    assert newer.release()
