"""Where Redis is, how Ferry connects to it, and the queues Ferry's jobs travel on.

Production points `REDIS_URL` at its Redis; `ferry demo` and the tests run an embedded one
(jobs/embedded_redis.py). Every worker on every machine shares the one Redis and the queues below.

Ferry's own keys (locks, slots) start with `FERRY_REDIS_PREFIX` (default "ferry"), so they never
meet another application's keys. RQ's queues have no such namespace: two Ferry installs that share
a Redis server need a database number each (redis://host:6379/0 and redis://host:6379/1).
"""

from __future__ import annotations

import os
import re
from urllib.parse import urlsplit, urlunsplit

import rq
from redis import Redis
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import ConnectionError, TimeoutError
from redis.retry import Retry

RUNS_QUEUE = "ferry-runs"  # one job per run: reads the source, hands out write batches
WRITES_QUEUE = "ferry-writes"  # one job per write batch of a run
# A worker takes from the first queue that has a job: batches of the runs under way come before
# new runs, so the imports already started finish first.
QUEUE_NAMES = (WRITES_QUEUE, RUNS_QUEUE)

DEFAULT_PREFIX = "ferry"
_PREFIX_SHAPE = re.compile(r"[A-Za-z0-9_.-]{1,64}")

SOCKET_TIMEOUT_S = 10.0  # one command; RQ's worker raises it on its own connection for its long BLPOP
CONNECT_TIMEOUT_S = 5.0
HEALTH_CHECK_S = 30  # a connection idle this long is PINGed before use (a restarted Redis is noticed)
RETRIES = 5  # a blip (Redis restarting, a failover) is retried for a few seconds


class MissingRedis(RuntimeError):
    """Production has no REDIS_URL."""

    def __init__(self) -> None:
        super().__init__(
            "REDIS_URL is not set: point it at your Redis, e.g. redis://localhost:6379/0; "
            "`ferry demo` runs an embedded Redis for trying Ferry out"
        )


def redis_url() -> str | None:
    """`REDIS_URL`, or None when it is unset or blank."""
    return os.environ.get("REDIS_URL", "").strip() or None


def require_redis_url() -> str:
    url = redis_url()
    if url is None:
        raise MissingRedis()
    return url


def connect(url: str) -> Redis:
    """A client for `url` (redis://, rediss:// or unix://) with timeouts, health checks and retries.

    Connecting is lazy: the first command reaches the server. A malformed URL raises ValueError,
    whose message never repeats the URL (it may hold a password).
    """
    try:
        return Redis.from_url(
            url,
            socket_timeout=SOCKET_TIMEOUT_S,
            socket_connect_timeout=CONNECT_TIMEOUT_S,
            socket_keepalive=True,
            health_check_interval=HEALTH_CHECK_S,
            retry=Retry(ExponentialWithJitterBackoff(cap=2.0, base=0.1), RETRIES),
            retry_on_error=[ConnectionError, TimeoutError],
        )
    except ValueError:
        raise ValueError(
            "REDIS_URL is not a Redis URL: it must start with redis://, rediss:// or unix://"
        ) from None


def display_url(url: str) -> str:
    """The URL without its password, for logs and messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def key_prefix() -> str:
    """The start of every Redis key Ferry itself names (`FERRY_REDIS_PREFIX`, default "ferry")."""
    prefix = os.environ.get("FERRY_REDIS_PREFIX", "").strip() or DEFAULT_PREFIX
    if not _PREFIX_SHAPE.fullmatch(prefix):
        raise ValueError(f"FERRY_REDIS_PREFIX {prefix!r} must be 1 to 64 letters, digits, '_', '.' or '-'")
    return prefix


def key(*parts: object, prefix: str | None = None) -> str:
    """A namespaced key: key("lock", 7) -> "ferry:lock:7"."""
    return ":".join([prefix or key_prefix(), *(str(part) for part in parts)])


def queues(connection: Redis, names: tuple[str, ...] = QUEUE_NAMES) -> list[rq.Queue]:
    """Ferry's queues on `connection`, in the order a worker takes jobs from them."""
    unknown = [name for name in names if name not in QUEUE_NAMES]
    if unknown:
        raise ValueError(f"unknown queue {unknown[0]!r}: Ferry's queues are {', '.join(QUEUE_NAMES)}")
    return [rq.Queue(name, connection=connection) for name in names]
