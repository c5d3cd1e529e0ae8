"""The JSON API on a real database, for test_api.py and test_tokens.py: the app built by
`create_app`, a Flask test client that keeps every response body (so a test can search them all
for secrets), and tokens made the way `ferry token create` makes them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.test import TestResponse

from app import create_app
from jobs.secrets import SecretBox
from jobs.store.models import TokenScope
from jobs.tokens import create_token
from tests.databases import database_url
from wizard.services import services


@dataclass
class Api:
    app: Flask
    client: FlaskClient
    db: sessionmaker[Session]
    box: SecretBox
    database_url: str
    bodies: list[bytes] = field(default_factory=list)

    def token(self, scope: TokenScope = TokenScope.WRITE, name: str = "test") -> str:
        with self.db() as session:
            _, token = create_token(session, name, scope)
            session.commit()
        return token

    def call(self, method: str, path: str, token: str | None = None, **options: Any) -> TestResponse:
        headers = dict(options.pop("headers", {}))
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        response = self.client.open(path, method=method, headers=headers, **options)
        self.bodies.append(response.get_data())
        return response

    def leaked(self, secrets: list[str]) -> list[str]:
        """The secrets that appear in any response body so far."""
        return [secret for secret in secrets if any(secret.encode() in body for body in self.bodies)]


@contextmanager
def api_on(
    kind: str, folder: Path, monkeypatch: pytest.MonkeyPatch, redis_url: str | None = None
) -> Iterator[Api]:
    monkeypatch.setenv("FERRY_SECRET_KEY", Fernet.generate_key().decode())
    monkeypatch.setenv("FERRY_DATA_DIR", str(folder))
    with database_url(kind, folder) as url:
        app = create_app({"DATABASE_URL": url, "REDIS_URL": redis_url, "TESTING": True})
        with app.app_context():
            made = services()
        try:
            yield Api(app, app.test_client(), made.sessions, made.box, url)
        finally:
            made.engine.dispose()
