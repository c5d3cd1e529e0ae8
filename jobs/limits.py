"""Limits that every worker on every machine keeps together, held in Redis as leases.

- `TargetSlots`: at most N write requests (batches) in flight against one WooCommerce store.
- `ImportLock`: one run at a time per saved import.

A lease is a hold with a deadline that its holder pushes back from a background thread while it
lives; a holder that is SIGKILLed stops renewing, and its hold lapses by itself within the lease
time. Deadlines are read from Redis's own clock (TIME inside the script), so the clocks of the
workers' machines never matter. Each check-and-take is one Lua script, atomic in Redis.

A renewal that finds its hold gone takes it again if nobody else did (Redis restarted empty, or
the holder stalled past its deadline and nobody noticed) and otherwise marks the lease `lost`;
a holder that must not go on without it (a run) checks `lost`.
"""

from __future__ import annotations

import hashlib
import logging
import os
import random
import socket
import threading
import time
import uuid
from abc import ABC, abstractmethod
from typing import Any, ClassVar, Self

from redis import Redis
from redis.exceptions import RedisError

from jobs.broker import key

log = logging.getLogger(__name__)

# Both scripts read Redis's clock with TIME before writing, which needs Redis >= 5 (effects
# replication: https://redis.io/docs/latest/develop/interact/programmability/eval-intro/).
_NOW_MS = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
"""

# KEYS[1]: sorted set of lease tokens scored by deadline (ms). ARGV: token, limit, lease ms.
# Takes a slot, or renews the caller's; the set expires when its last lease would have.
HOLD_SLOT = (
    _NOW_MS
    + """
local lease = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZSCORE', KEYS[1], ARGV[1]) or redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now + lease, ARGV[1])
  if redis.call('PTTL', KEYS[1]) < lease then redis.call('PEXPIRE', KEYS[1], lease) end
  return 1
end
return 0
"""
)
RELEASE_SLOT = "return redis.call('ZREM', KEYS[1], ARGV[1])"
COUNT_SLOTS = (
    _NOW_MS
    + """
return redis.call('ZCOUNT', KEYS[1], '(' .. now, '+inf')
"""
)

# KEYS[1]: the lock, its value the holder's token. ARGV: token, ttl ms.
HOLD_LOCK = """
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if not holder then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
return 0
"""
# Compare-and-delete: a holder whose lock lapsed and went to another never deletes the other's.
RELEASE_LOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class LeaseTimeout(TimeoutError):
    """A lease could not be had in time."""


def _new_token() -> str:
    # Who holds it, readable in redis-cli, and unique across holders in one process.
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


class Lease(ABC):
    """The mechanism both limits share: take (blocking or not), renew on a thread, release.

    A subclass declares its scripts, its key and the extra script arguments; `acquire` and
    `release` and the context manager are the same for every lease. One instance holds one lease
    at a time, from one thread.
    """

    hold_script: ClassVar[str]
    release_script: ClassVar[str]
    poll_s: ClassVar[float]  # how often a blocked `acquire` tries again
    default_wait_s: ClassVar[float]  # how long `with` waits before LeaseTimeout

    def __init__(self, connection: Redis, redis_key: str, lease_s: float, wait_s: float | None) -> None:
        if lease_s < 1:
            raise ValueError(f"lease_s must be at least 1 second, not {lease_s}")
        if wait_s is not None and wait_s < 0:
            raise ValueError(f"wait_s must not be negative, not {wait_s}")
        self.connection = connection
        self.key = redis_key
        self.lease_s = lease_s
        self.wait_s = self.default_wait_s if wait_s is None else wait_s
        self.token: str | None = None
        self._hold = connection.register_script(self.hold_script)
        self._release = connection.register_script(self.release_script)
        self._lost = threading.Event()
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None

    @abstractmethod
    def _hold_args(self, token: str) -> list[Any]:
        """The hold script's arguments after KEYS."""

    @abstractmethod
    def _describe_busy(self) -> str:
        """What LeaseTimeout says."""

    @property
    def held(self) -> bool:
        return self.token is not None and not self._lost.is_set()

    @property
    def lost(self) -> bool:
        """The lease went to another holder while this one thought it held it."""
        return self._lost.is_set()

    def acquire(self, blocking: bool = True, timeout_s: float | None = None) -> bool:
        """Take the lease; with `blocking`, try until `timeout_s` (None: forever). True if taken."""
        if self.token is not None:
            raise RuntimeError(f"{self.key} is already held by this {type(self).__name__}")
        token = _new_token()
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        while not self._hold(keys=[self.key], args=self._hold_args(token)):
            if not blocking or (deadline is not None and time.monotonic() >= deadline):
                return False
            time.sleep(self.poll_s * random.uniform(0.5, 1.5))  # jitter: waiters do not move in step
        self.token = token
        self._lost.clear()
        self._stop.clear()
        self._renewer = threading.Thread(
            target=self._renew_until_stopped, name=f"lease {self.key}", daemon=True
        )
        self._renewer.start()
        return True

    def release(self) -> bool:
        """Give the lease back; True if it was still this holder's. Never raises on a Redis error:
        a lease that cannot be released lapses by itself."""
        token, self.token = self.token, None
        if token is None:
            return False
        self._stop.set()
        if self._renewer is not None:
            self._renewer.join()
            self._renewer = None
        try:
            return bool(self._release(keys=[self.key], args=[token]))
        except RedisError as error:
            log.warning("could not release %s (%s); it lapses within %g s", self.key, error, self.lease_s)
            return False

    def __enter__(self) -> Self:
        if not self.acquire(blocking=self.wait_s > 0, timeout_s=self.wait_s):
            raise LeaseTimeout(self._describe_busy())
        return self

    def __exit__(self, *_exc: object) -> None:
        self.release()

    def _renew_until_stopped(self) -> None:
        every_s = self.lease_s / 3
        while not self._stop.wait(every_s):
            token = self.token
            if token is None:
                return
            try:
                renewed = self._hold(keys=[self.key], args=self._hold_args(token))
            except RedisError as error:  # a blip: the next renewal comes well before the deadline
                log.warning("could not renew %s: %s", self.key, error)
                continue
            if not renewed:
                log.warning("%s went to another holder while %s held it", self.key, token)
                self._lost.set()
                return


class TargetSlots(Lease):
    """At most `limit` holders at once per WooCommerce store, across all workers and machines.

    with TargetSlots(connection, target_url, limit=4):
        writer.write(batch)

    `with` waits up to `wait_s` (default 10 minutes) for a slot, then raises LeaseTimeout.
    """

    hold_script = HOLD_SLOT
    release_script = RELEASE_SLOT
    poll_s = 0.05  # a write batch takes tenths of a second: a freed slot is taken soon
    default_wait_s = 600.0
    default_lease_s = 10.0

    def __init__(
        self,
        connection: Redis,
        target_url: str,
        limit: int,
        lease_s: float = default_lease_s,
        wait_s: float | None = None,
        prefix: str | None = None,
    ) -> None:
        if limit < 1:
            raise ValueError(f"limit must be at least 1, not {limit}")
        self.target_url = target_url
        self.limit = limit
        super().__init__(connection, self.slots_key(target_url, prefix), lease_s, wait_s)

    @staticmethod
    def slots_key(target_url: str, prefix: str | None = None) -> str:
        # Hashed: the key stays short and never carries anything written into the URL.
        target = hashlib.sha256(target_url.rstrip("/").lower().encode()).hexdigest()[:24]
        return key("slots", target, prefix=prefix)

    def in_use(self) -> int:
        """How many slots of this target are held right now (by anyone)."""
        return int(self.connection.eval(COUNT_SLOTS, 1, self.key))

    def _hold_args(self, token: str) -> list[Any]:
        return [token, self.limit, int(self.lease_s * 1000)]

    def _describe_busy(self) -> str:
        return f"no free write slot (of {self.limit}) on {self.target_url} within {self.wait_s:g} s"


class ImportLock(Lease):
    """One run at a time per saved import. Released only by its holder (compare-and-delete).

    lock = ImportLock(connection, import_id)
    if lock.acquire(blocking=False):
        try: ... finally: lock.release()

    `with` does not wait by default: it raises LeaseTimeout when another run holds the import.
    A SIGKILLed holder's lock lapses within `lease_s` (30 s), which `ImportLock.is_held` sees.
    """

    hold_script = HOLD_LOCK
    release_script = RELEASE_LOCK
    poll_s = 0.5
    default_wait_s = 0.0
    default_lease_s = 30.0

    def __init__(
        self,
        connection: Redis,
        import_id: int,
        lease_s: float = default_lease_s,
        wait_s: float | None = None,
        prefix: str | None = None,
    ) -> None:
        self.import_id = import_id
        super().__init__(connection, self.lock_key(import_id, prefix), lease_s, wait_s)

    @staticmethod
    def lock_key(import_id: int, prefix: str | None = None) -> str:
        return key("import-lock", import_id, prefix=prefix)

    @classmethod
    def is_held(cls, connection: Redis, import_id: int, prefix: str | None = None) -> bool:
        """Whether some run holds this import's lock now (a dead holder's lapses within its lease)."""
        return bool(connection.exists(cls.lock_key(import_id, prefix)))

    def _hold_args(self, token: str) -> list[Any]:
        return [token, int(self.lease_s * 1000)]

    def _describe_busy(self) -> str:
        return f"saved import {self.import_id} is being run by another worker"
