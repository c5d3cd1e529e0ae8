"""`ferry worker`: real worker processes on the test Redis, running jobs a test enqueues."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from redis import Redis
from rq import Queue, get_current_job
from rq.job import Job, JobStatus
from rq.registry import StartedJobRegistry

from jobs.broker import RUNS_QUEUE, WRITES_QUEUE, connect
from jobs.embedded_redis import EmbeddedRedis
from tests.conftest import Workers
from tests.processes import alive, children_of, eventually

FERRY = str(Path(sys.executable).parent / "ferry")


# -- jobs the workers import from here --------------------------------------------------------------
def meet(expected: int) -> dict[str, Any]:
    """Wait until `expected` jobs run at once (each on its own worker), then say where it ran."""
    job = get_current_job()
    assert job is not None
    connection = job.connection
    connection.incr("test:met")
    if not eventually(lambda: int(connection.get("test:met")) >= expected, timeout_s=60):
        raise TimeoutError("the other jobs never started")
    return {"pid": os.getpid(), "flask_loaded": "flask" in sys.modules}


def where() -> int:
    return os.getpid()


def signal_then_sleep(seconds: float) -> str:
    job = get_current_job()
    assert job is not None
    job.connection.rpush("test:started", job.id)
    time.sleep(seconds)
    return "done"


# -- the tests --------------------------------------------------------------------------------------
@pytest.fixture
def redis(redis_url: str) -> Redis:
    return connect(redis_url)


def finished(job: Job, timeout_s: float = 60) -> bool:
    return eventually(lambda: job.get_status(refresh=True) == JobStatus.FINISHED, timeout_s=timeout_s)


def test_two_workers_share_a_queue_and_never_load_flask(workers: Workers, redis: Redis) -> None:
    started = workers(2)
    queue = Queue(RUNS_QUEUE, connection=redis)

    jobs = [queue.enqueue(meet, 2) for _ in range(2)]

    assert all(finished(job) for job in jobs), [worker.log() for worker in started]
    results = [job.return_value() for job in jobs]
    assert {result["pid"] for result in results} == {worker.pid for worker in started}
    assert not any(result["flask_loaded"] for result in results)


def test_a_worker_takes_write_batches_and_delayed_jobs(workers: Workers, redis: Redis) -> None:
    (worker,) = workers(1)

    batch = Queue(WRITES_QUEUE, connection=redis).enqueue(where)
    later = Queue(RUNS_QUEUE, connection=redis).enqueue_in(timedelta(seconds=1), where)

    assert finished(batch) and batch.return_value() == worker.pid
    assert finished(later), worker.log()  # RQ's scheduler runs beside the worker
    assert later.return_value() == worker.pid


def test_sigterm_lets_the_job_under_way_finish_then_exits(workers: Workers, redis: Redis) -> None:
    (worker,) = workers(1)
    job = Queue(RUNS_QUEUE, connection=redis).enqueue(signal_then_sleep, 1.5)
    assert redis.blpop(["test:started"], timeout=60) is not None

    assert worker.stop(grace_s=30) == 0

    assert job.get_status(refresh=True) == JobStatus.FINISHED
    assert job.return_value() == "done"
    assert "warm shut down" in worker.log()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_sigkill_takes_the_workers_scheduler_process_with_it(workers: Workers) -> None:
    (worker,) = workers(1)
    assert eventually(lambda: children_of(worker.pid), timeout_s=30)  # RQ's scheduler process
    scheduler_pids = children_of(worker.pid)

    worker.kill()

    assert eventually(lambda: not any(alive(pid) for pid in scheduler_pids), timeout_s=10)


@pytest.mark.slow
def test_a_long_job_keeps_its_heartbeat(workers: Workers, redis: Redis) -> None:
    """RQ's SimpleWorker sends no heartbeat during a job; a run takes hours and must not be taken
    for abandoned, so Ferry's worker beats for it (every 10 s, with a 70 s TTL)."""
    workers(1)
    queue = Queue(RUNS_QUEUE, connection=redis)
    job = queue.enqueue(signal_then_sleep, 14, job_timeout=-1)
    assert redis.blpop(["test:started"], timeout=60) is not None
    registry = StartedJobRegistry(queue=queue)

    def deadline() -> float:
        (_member, score), *_ = redis.zrange(registry.key, 0, -1, withscores=True)
        return score

    first = deadline()
    assert eventually(lambda: deadline() > first, timeout_s=13), "no heartbeat moved the job's deadline"
    assert finished(job)


@pytest.mark.slow
def test_a_worker_rides_out_a_redis_restart(tmp_path: Path) -> None:
    server = EmbeddedRedis(tmp_path / "redis")
    url = server.start()
    workers = Workers(url, tmp_path)
    try:
        (worker,) = workers(1)
        server.stop()
        time.sleep(2)  # the worker finds Redis gone and keeps trying
        server.start()

        job = Queue(RUNS_QUEUE, connection=connect(url)).enqueue(where)

        assert finished(job), worker.log()
        assert job.return_value() == worker.pid
    finally:
        workers.stop_all()
        server.stop()


def run_ferry_worker(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([FERRY, "worker"], env=env, capture_output=True, text=True, timeout=120)


def test_without_redis_url_it_says_what_to_set_and_exits_2() -> None:
    env = {name: value for name, value in os.environ.items() if name != "REDIS_URL"}

    result = run_ferry_worker(env)

    assert result.returncode == 2
    assert "REDIS_URL is not set: point it at your Redis, e.g. redis://localhost:6379/0" in result.stderr
    assert "ferry demo" in result.stderr


@pytest.mark.slow  # the client retries for a few seconds before it gives up
def test_an_unreachable_redis_is_named_without_its_password() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens here once the probe is closed
    env = {**os.environ, "REDIS_URL": f"redis://:hunter2@127.0.0.1:{port}/0"}

    result = run_ferry_worker(env)

    assert result.returncode == 1
    assert f"cannot use Redis at redis://:***@127.0.0.1:{port}/0" in result.stderr
    assert "hunter2" not in result.stderr + result.stdout
