"""The web app under test: a real database, a user, and a browser-like client that keeps every
page it was sent (to search them for secrets) and sends the CSRF token the way pages do."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from app import create_app
from jobs.accounts import create_user
from tests.databases import database_url
from wizard.services import services

EMAIL, PASSWORD = "owner@example.com", "correct horse battery"
HTMX = {"HX-Request": "true"}
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def form_block(target: str = "step_form") -> dict[str, str]:
    """The headers of an HTMX request that swaps the element `target`."""
    return {**HTMX, "HX-Target": target}


def errors_beside(html: str, field_id: str) -> str:
    """The text of the error list tied to a field ('' when it has none)."""
    match = re.search(rf'<ul class="errors" id="{re.escape(field_id)}-error">(.*?)</ul>', html, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip() if match else ""


def input_value(html: str, field_id: str) -> str | None:
    tag = re.search(rf'<input[^>]*\bid="{re.escape(field_id)}"[^>]*>', html)
    if tag is None:
        return None
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0))
    return value.group(1) if value else ""


@dataclass
class Browser:
    """A test client that remembers every HTML body and knows its page's CSRF token."""

    app: Flask
    client: FlaskClient
    pages: list[str] = field(default_factory=list)
    token: str | None = None

    def _keep(self, response: TestResponse) -> TestResponse:
        if response.mimetype == "text/html":
            html = response.get_data(as_text=True)
            self.pages.append(html)
            found = CSRF_META.search(html)
            if found:
                self.token = found.group(1)
        return response

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        return self._keep(self.client.get(path, **kwargs))

    def post(
        self, path: str, data: dict[str, str] | None = None, *, htmx: str | None = None, **kwargs: Any
    ) -> TestResponse:
        """POST as the pages do: a form carries the token in a field; an HTMX request (swapping the
        element `htmx`) in the header that hx-headers on <body> adds."""
        if self.token is None:
            self.get("/login")
        body = dict(data or {})
        headers = dict(kwargs.pop("headers", {}))
        if htmx is None:
            body.setdefault("csrf_token", self.token or "")
        else:
            headers.update({**form_block(htmx), "X-CSRFToken": self.token or ""})
        return self._keep(self.client.post(path, data=body, headers=headers, **kwargs))

    def login(self, email: str = EMAIL, password: str = PASSWORD) -> TestResponse:
        """Sign in and, like a browser, open the page it leads to (whose token is the new session's)."""
        self.get("/login")
        response = self.post("/login", {"email": email, "password": password})
        if response.status_code == 302:
            self.get(response.headers["Location"], follow_redirects=True)
        return response

    def another(self) -> Browser:
        """A second browser: no cookies, no pages."""
        return Browser(self.app, self.app.test_client())


def make_app(url: str, **config: Any) -> Flask:
    return create_app({"DATABASE_URL": url, "TESTING": True, **config})


def add_user(app: Flask, email: str = EMAIL, password: str = PASSWORD) -> None:
    with app.app_context(), services().sessions() as db:
        create_user(db, email, password)
        db.commit()


def dispose(app: Flask) -> None:
    """Close the app's database connections (before its database is dropped)."""
    with app.app_context():
        services().engine.dispose()


@pytest.fixture
def web_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Keys and files in a folder of the test's own; connectors may reach the loopback sandbox."""
    data = tmp_path / "data"
    monkeypatch.setenv("FERRY_DATA_DIR", str(data))
    monkeypatch.setenv("FERRY_ALLOW_PRIVATE_NETWORKS", "1")
    for name in ("DATABASE_URL", "REDIS_URL", "FERRY_WEB_SECRET_KEY", "FERRY_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    return data


@pytest.fixture
def web_app(web_env: Path, tmp_path: Path) -> Iterator[Flask]:
    """The app on a SQLite database of its own, with one user."""
    with database_url("sqlite", tmp_path) as url:
        app = make_app(url)
        add_user(app)
        yield app
        dispose(app)


@pytest.fixture
def browser(web_app: Flask) -> Browser:
    return Browser(web_app, web_app.test_client())


@pytest.fixture
def signed_in(browser: Browser) -> Browser:
    assert browser.login().status_code == 302
    return browser
