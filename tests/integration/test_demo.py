"""`ferry demo` (the README's first command): everything starts on loopback with nothing installed
beside Ferry, the printed URL answers with the sign-in page, and stopping it (SIGTERM, or SIGKILL)
leaves no process behind."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.processes import alive, children_of, eventually

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_demo(tmp_path: Path) -> tuple[subprocess.Popen[str], int, list[str]]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL"}}
    demo = subprocess.Popen(
        [str(Path(sys.executable).parent / "ferry"), "demo", "--products", "40", "--port", str(port),
         "--data-dir", str(tmp_path / "demo")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    lines = []
    assert demo.stdout is not None
    for line in demo.stdout:
        lines.append(line)
        if "Press Ctrl-C" in line:
            break
    return demo, port, lines


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
def test_the_demo_starts_everything_and_leaves_nothing_running(tmp_path: Path, stop: signal.Signals) -> None:
    demo, port, lines = start_demo(tmp_path)
    try:
        text = "".join(lines)
        assert f"http://127.0.0.1:{port}/" in text and "sign in as" in text, text
        page = requests.get(f"http://127.0.0.1:{port}/login", timeout=10)
        assert page.status_code == 200 and "Sign in" in page.text
        family = children_of(demo.pid)
        commands = " ".join(Path(f"/proc/{pid}/cmdline").read_text() for pid in family if alive(pid))
        for part in ("sandbox", "worker", "web", "redis-server"):
            assert part in commands, f"no {part} process"
    finally:
        demo.send_signal(stop)
        demo.wait(timeout=60)
    assert eventually(lambda: not any(alive(pid) for pid in family), timeout_s=30), (
        "a process outlived the demo"
    )
