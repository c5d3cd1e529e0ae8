"""The embedded Redis: a real redis-server that starts, answers, stops, restarts, and never outlives
the process that started it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from redis import Redis
from redis.exceptions import ConnectionError

from jobs.embedded_redis import EmbeddedRedis, EmbeddedRedisError
from tests.processes import alive, eventually

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")


def test_starts_answers_and_stops_leaving_no_process(tmp_path: Path) -> None:
    server = EmbeddedRedis(tmp_path)
    url = server.start()
    pid = server.pid
    assert pid is not None and alive(pid)
    assert url.startswith("redis://127.0.0.1:")
    client = Redis.from_url(url)
    assert client.ping()
    client.set("greeting", "hello")
    assert client.get("greeting") == b"hello"
    client.close()

    server.stop()

    assert not alive(pid)
    assert not server.running
    with pytest.raises(ConnectionError):
        Redis.from_url(url, retry=None, socket_connect_timeout=1).ping()


def test_restart_on_the_same_port_and_folder_comes_back_empty(tmp_path: Path) -> None:
    server = EmbeddedRedis(tmp_path)
    url = server.start()
    Redis.from_url(url).set("queued", "job")
    first_pid = server.pid
    server.stop()

    try:
        assert server.start() == url
        assert server.pid != first_pid
        client = Redis.from_url(url)
        assert client.ping()
        # No persistence, by design (see jobs/embedded_redis.py): a restart is a Redis that lost
        # its queue, which the workers repair from the database.
        assert client.get("queued") is None
        client.close()
    finally:
        server.stop()


def test_a_port_in_use_is_refused_with_the_reason(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(EmbeddedRedisError, match=f"port {port}"):
            EmbeddedRedis(tmp_path, port=port).start()


@linux_only
def test_sigkill_of_the_starter_leaves_no_redis_server(tmp_path: Path) -> None:
    starter_code = textwrap.dedent(
        f"""
        import sys, time
        from pathlib import Path
        from jobs.embedded_redis import EmbeddedRedis
        server = EmbeddedRedis(Path({str(tmp_path)!r}))
        server.start()
        print(server.pid, flush=True)
        time.sleep(600)
        """
    )
    starter = subprocess.Popen([sys.executable, "-c", starter_code], stdout=subprocess.PIPE)
    try:
        assert starter.stdout is not None
        redis_pid = int(starter.stdout.readline())
        assert alive(redis_pid)

        os.kill(starter.pid, signal.SIGKILL)
        starter.wait()

        assert eventually(lambda: not alive(redis_pid), timeout_s=10)
    finally:
        starter.kill()
        starter.wait()
