"""A real browser on the real app: Debian's chromium driven by Playwright (never a downloaded
browser), the app served over HTTP on loopback, sandbox stores, screenshots and axe-core checks.

`./dev test` installs chromium with apt-get when /usr/bin/chromium is missing. Without it these
tests skip on a developer's machine and fail in CI (CI=true), so a missing browser never passes
unnoticed there.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.databases import database_url
from tests.integration.web_client import add_user, dispose, make_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).parent / "artifacts"
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
# The WCAG 2.x A and AA rules: labels, contrast, landmarks, names, structure.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: `./dev test` installs it (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class LiveApp:
    app: Flask
    url: str


@pytest.fixture
def live_app(web_env: Path, tmp_path: Path) -> Iterator[LiveApp]:
    """The app served over HTTP on loopback by werkzeug's threaded server, with one user."""
    with database_url("sqlite", tmp_path) as url:
        app = make_app(url, TESTING=False)
        add_user(app)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, name="ferry-web", daemon=True)
        thread.start()
        try:
            yield LiveApp(app, f"http://127.0.0.1:{server.server_port}")
        finally:
            server.shutdown()
            thread.join(timeout=10)
            dispose(app)


@pytest.fixture
def page(chromium: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh browser context. The CSP is bypassed only so the test can inject axe-core."""
    viewport = getattr(request, "param", {"width": 1280, "height": 900})
    context = chromium.new_context(viewport=viewport, bypass_csp=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


def screenshot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def accessibility_violations(page: Any) -> list[str]:
    """What axe-core finds wrong with the page as it is now, one line per rule."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        AXE_TAGS,
    )
    return [
        f"{item['id']} ({item['impact']}): {item['help']} at "
        + "; ".join(" ".join(node["target"]) for node in item["nodes"][:5])
        for item in result["violations"]
    ]


def check_page(page: Any, name: str) -> None:
    """Screenshot the page and require it to pass the accessibility check."""
    screenshot(page, name)
    assert accessibility_violations(page) == [], name
