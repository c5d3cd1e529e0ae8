"""Fixtures shared by every test: sandbox stores served on loopback, a Redis and workers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from redis import Redis

from jobs.embedded_redis import EmbeddedRedis
from jobs.orphans import die_with_this_process
from sandbox.http import Store
from sandbox.server import ServerThread

PROJECT = Path(__file__).resolve().parent.parent
# The web app under test (app, browser-like client, signed-in user): tests/integration/web_client.py
pytest_plugins = ["tests.integration.web_client"]


@pytest.fixture
def serve() -> Iterator[Callable[[Store], str]]:
    """Serve a store on a free loopback port for one test; returns its base URL."""
    threads: list[ServerThread] = []

    def start(store: Store) -> str:
        thread = ServerThread(store, "127.0.0.1", 0)
        thread.start()
        threads.append(thread)
        return thread.base_url

    yield start
    for thread in threads:
        thread.stop()


@pytest.fixture
def unused_port_base() -> int:
    """A port P with P..P+3 free right now (bound and released, so good enough for one test)."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        if base > 65000:
            continue
        sockets = []
        try:
            for offset in range(4):
                held = socket.socket()
                sockets.append(held)
                held.bind(("127.0.0.1", base + offset))
            return base
        except OSError:
            continue
        finally:
            for held in sockets:
                held.close()
    raise RuntimeError("no four consecutive free ports")


# -- Redis and workers: a real redis-server of the tests' own, real `ferry worker` processes ------
@pytest.fixture(scope="session")
def embedded_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedRedis]:
    """One redis-server for the whole session, on a free port (never the machine's Redis)."""
    with EmbeddedRedis(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture
def redis_url(embedded_redis: EmbeddedRedis) -> str:
    """The session's Redis, emptied for this test."""
    client = Redis.from_url(embedded_redis.url)
    try:
        client.flushall()
    finally:
        client.close()
    return embedded_redis.url


@dataclass
class WorkerProcess:
    """One `ferry worker` started by the `workers` fixture; its stdout and stderr go to `log_path`."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL: the worker gets no chance to clean up, as when a machine is lost."""
        self.process.kill()
        self.process.wait()

    def stop(self, grace_s: float = 15.0) -> int | None:
        """SIGTERM (RQ's warm shutdown), then SIGKILL after `grace_s`; returns the exit status."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=grace_s)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.process.returncode


class Workers:
    """Starts `ferry worker` processes for a test: `workers(2)`, `workers(1, env={...}, burst=True)`.

    Each inherits the test's environment (so a monkeypatched DATABASE_URL or FERRY_SECRET_KEY
    reaches it), with REDIS_URL on the test Redis, FERRY_ALLOW_PRIVATE_NETWORKS=1, FERRY_DATA_DIR
    (the test's, else a folder of its own) and the project on PYTHONPATH (for jobs defined in
    tests), then `env`. The call returns once every worker is registered in Redis.
    """

    READY_TIMEOUT_S = 60.0

    def __init__(self, redis_url: str, folder: Path) -> None:
        self.redis_url = redis_url
        self.folder = folder
        self.started: list[WorkerProcess] = []

    def __call__(
        self,
        count: int = 1,
        env: Mapping[str, str] | None = None,
        queues: str | None = None,
        burst: bool = False,
    ) -> list[WorkerProcess]:
        environment = {
            **os.environ,
            "REDIS_URL": self.redis_url,
            "FERRY_ALLOW_PRIVATE_NETWORKS": "1",
            "FERRY_DATA_DIR": os.environ.get("FERRY_DATA_DIR") or str(self.folder / "data"),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT), os.environ.get("PYTHONPATH")])),
            **(env or {}),
        }
        started = [self._start(environment, queues, burst) for _ in range(count)]
        self._await_registration(started)
        return started

    def _start(self, environment: dict[str, str], queues: str | None, burst: bool) -> WorkerProcess:
        name = f"test-worker-{len(self.started) + 1}-{uuid.uuid4().hex[:6]}"
        command = [str(Path(sys.executable).parent / "ferry"), "worker", "--name", name]
        command += ["--queues", queues] if queues else []
        command += ["--burst"] if burst else []
        log_path = self.folder / f"{name}.log"
        with open(log_path, "wb") as output:
            process = subprocess.Popen(
                command,
                env=environment,
                cwd=PROJECT,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                # A pytest killed outright takes its workers with it.
                preexec_fn=die_with_this_process(),
            )
        worker = WorkerProcess(name, process, log_path)
        self.started.append(worker)
        return worker

    def _await_registration(self, started: list[WorkerProcess]) -> None:
        client = Redis.from_url(self.redis_url)
        deadline = time.monotonic() + self.READY_TIMEOUT_S
        try:
            for worker in started:
                while not client.exists(f"rq:worker:{worker.name}"):
                    if worker.process.poll() is not None:
                        if worker.process.returncode == 0:
                            break  # a burst worker that found nothing to do
                        raise RuntimeError(f"{worker.name} exited early:\n{worker.log()}")
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"{worker.name} did not register:\n{worker.log()}")
                    time.sleep(0.05)
        finally:
            client.close()

    def stop_all(self) -> None:
        for worker in self.started:  # all at once, then wait for each
            if worker.process.poll() is None:
                worker.process.terminate()
        for worker in self.started:
            worker.stop()


@pytest.fixture
def workers(redis_url: str, tmp_path: Path) -> Iterator[Workers]:
    """A factory of real `ferry worker` processes on the test Redis, all stopped at teardown."""
    folder = tmp_path / "workers"
    folder.mkdir()
    started = Workers(redis_url, folder)
    yield started
    started.stop_all()
