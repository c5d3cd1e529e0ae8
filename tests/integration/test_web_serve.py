"""`ferry web` serves the app over HTTP and stops on Ctrl-C."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

pytestmark = pytest.mark.slow


def test_ferry_web_serves_the_sign_in_page_until_interrupted(web_env: Path, tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'web.db'}"}
    process = subprocess.Popen(
        [sys.executable, "-c", "from app import cli; cli()", "web", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                health = requests.get(f"{base}/healthz", timeout=2)
                break
            except requests.ConnectionError:
                assert process.poll() is None, process.communicate()[0]
                assert time.monotonic() < deadline, "ferry web did not start within 60 s"
                time.sleep(0.2)
        assert health.json() == {"status": "ok"}
        login = requests.get(f"{base}/", timeout=5)
        assert login.url == f"{base}/login?next=/"
        assert "ferry create-user" in login.text
        cookie = login.headers["Set-Cookie"]  # the session holding the form's CSRF token
        assert cookie.startswith("ferry_session=") and "HttpOnly" in cookie
        assert "Secure" not in cookie  # plain http on loopback: a Secure cookie would never return
    finally:
        process.send_signal(signal.SIGINT)
        output = process.communicate(timeout=30)[0]
    assert f"Ferry is at http://127.0.0.1:{port}/" in output
