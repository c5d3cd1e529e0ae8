"""API tokens on both databases: shown once, stored only as a hash, verified, revoked; the API
refuses what it must with JSON errors; `ferry token` from a real process."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session, sessionmaker

from jobs.store.database import sessions, upgrade
from jobs.store.models import ApiToken, TokenScope
from jobs.tokens import (
    TOKEN_PREFIX,
    TokenError,
    create_token,
    list_tokens,
    permits,
    revoke_token,
    verify_token,
)
from jobs.tokens_cli import token_group
from tests.databases import KINDS, database
from tests.integration.api_client import Api, api_on


@pytest.fixture(params=KINDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    with database(request.param, tmp_path) as engine:
        upgrade(engine)
        yield sessions(engine)


def make(db: sessionmaker[Session], name: str = "ci", scope: str = "read") -> tuple[int, str]:
    with db() as session:
        row, token = create_token(session, name, scope)
        session.commit()
        return row.id, token


def database_bytes(engine: Engine, folder: Path) -> bytes:
    if engine.dialect.name == "sqlite":
        engine.dispose()  # checkpoint the WAL into the file
        return b"".join(path.read_bytes() for path in folder.glob("ferry.db*"))
    url = engine.url
    return subprocess.run(
        ["pg_dump", "-h", url.host, "-U", url.username, url.database], capture_output=True, check=True
    ).stdout


def test_the_database_holds_the_hash_and_prefix_but_never_the_token(
    db: sessionmaker[Session], tmp_path: Path
) -> None:
    tokens = [make(db, f"bot {n}")[1] for n in range(3)]
    assert all(token.startswith(TOKEN_PREFIX) and len(token) >= 40 for token in tokens)
    dumped = database_bytes(db.kw["bind"], tmp_path)
    for token in tokens:
        assert token[:12].encode() in dumped  # the display prefix is there: the dump is readable
        assert token.encode() not in dumped
        assert token[12:].encode() not in dumped


def test_a_live_token_verifies_and_wrong_or_revoked_ones_do_not(db: sessionmaker[Session]) -> None:
    token_id, token = make(db)
    _, other = make(db, "other")
    with db() as session:
        assert verify_token(session, token).id == token_id
        assert verify_token(session, token[:-1] + ("A" if token[-1] != "A" else "B")) is None
        assert verify_token(session, token.removeprefix(TOKEN_PREFIX)) is None
        assert verify_token(session, "") is None
        revoke_token(session, str(token_id))
        session.commit()
        assert verify_token(session, token) is None
        assert verify_token(session, other) is not None  # revoking one leaves the others


def test_last_used_is_written_at_most_once_a_minute(db: sessionmaker[Session]) -> None:
    token_id, token = make(db)

    def last_used() -> datetime | None:
        with db() as session:
            return session.get(ApiToken, token_id).last_used_at

    assert last_used() is None
    with db() as session:
        verify_token(session, token)
        session.commit()
    first = last_used()
    assert first is not None
    with db() as session:
        verify_token(session, token)
        session.commit()
    assert last_used() == first  # within the minute: not written again
    with db() as session:
        earlier = first - timedelta(minutes=2)
        session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=earlier))
        verify_token(session, token)
        session.commit()
    assert last_used() > first


def test_revoke_by_id_or_prefix_and_refuse_what_is_unclear(db: sessionmaker[Session]) -> None:
    first_id, first = make(db, "one")
    second_id, _ = make(db, "two")
    with db() as session:
        assert revoke_token(session, first[:12]).id == first_id
        assert revoke_token(session, str(second_id)).id == second_id
        with pytest.raises(TokenError, match="no API token with id 99"):
            revoke_token(session, "99")
        with pytest.raises(TokenError, match="neither a token id nor a prefix"):
            revoke_token(session, TOKEN_PREFIX)  # too short: would match every token
        with pytest.raises(TokenError, match="no API token with the prefix"):
            revoke_token(session, TOKEN_PREFIX + "____")  # "_" is no wildcard
        session.commit()
        assert all(row.revoked_at is not None for row in list_tokens(session))


@pytest.mark.parametrize(
    ("name", "scope", "message"),
    [
        pytest.param("  ", "read", "name: give the token a name", id="blank-name"),
        pytest.param("x" * 256, "read", "name: at most 255", id="long-name"),
        pytest.param("ci", "admin", "scope: must be read or write, not 'admin'", id="bad-scope"),
    ],
)
def test_bad_token_requests_name_the_field(
    db: sessionmaker[Session], name: str, scope: str, message: str
) -> None:
    with db() as session, pytest.raises(TokenError, match=message):
        create_token(session, name, scope)


def test_a_write_token_may_read_and_a_read_token_may_not_write(db: sessionmaker[Session]) -> None:
    make(db, "reader", "read")
    make(db, "writer", "write")
    with db() as session:
        reader, writer = session.scalars(select(ApiToken).order_by(ApiToken.id))
    assert permits(reader, TokenScope.READ) and not permits(reader, TokenScope.WRITE)
    assert permits(writer, TokenScope.READ) and permits(writer, TokenScope.WRITE)


# -- the API's door ------------------------------------------------------------------------------------
@pytest.fixture(params=KINDS)
def api(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    with api_on(request.param, tmp_path, monkeypatch) as api:
        yield api


def test_the_api_refuses_missing_wrong_revoked_and_read_only_tokens(api: Api) -> None:
    reader, writer = api.token(TokenScope.READ), api.token(TokenScope.WRITE, "writer")
    revoked = api.token(TokenScope.WRITE, "gone")
    with api.db() as session:
        revoke_token(session, revoked[:12])
        session.commit()
    cases = [
        (None, "GET", 401, "unauthorized"),
        ("fry_not-a-token-at-all", "GET", 401, "invalid_token"),
        (revoked, "GET", 401, "invalid_token"),
        (reader, "POST", 403, "insufficient_scope"),
    ]
    for token, method, status, code in cases:
        path = "/api/v1/runs/1/cancel" if method == "POST" else "/api/v1/connections"
        response = api.call(method, path, token)
        assert response.status_code == status, (token, response.json)
        assert response.json["error"]["code"] == code
        assert response.json["error"]["message"]
        if status == 401:
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "--scope write" in response.json["error"]["message"]
    # A header that is not a bearer token is refused the same way as none.
    assert (
        api.call("GET", "/api/v1/connections", headers={"Authorization": f"Basic {writer}"}).status_code
        == 401
    )
    assert api.call("GET", "/api/v1/connections", reader).status_code == 200
    assert api.call("POST", "/api/v1/runs/1/cancel", writer).status_code == 404  # past the door


def test_ferry_token_create_list_and_revoke_from_the_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with api_on("sqlite", tmp_path, monkeypatch) as api:
        env = {**os.environ, "DATABASE_URL": api.database_url}
        ferry = str(Path(sys.executable).parent / "ferry")

        def run(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [ferry, "token", *args], env=env, capture_output=True, text=True, timeout=120
            )

        made = run("create", "deploy bot", "--scope", "write")
        assert made.returncode == 0, made.stderr
        token = made.stdout.strip()
        assert token.startswith(TOKEN_PREFIX) and "\n" not in token  # stdout: the token alone
        assert "not shown again" in made.stderr
        assert api.call("GET", "/api/v1/imports", token).status_code == 200
        assert api.call("POST", "/api/v1/runs/7/cancel", token).json["error"]["code"] == "not_found"

        listed = run("list")
        assert listed.returncode == 0 and "deploy bot" in listed.stdout and token[:12] in listed.stdout
        assert token not in listed.stdout and token[12:] not in listed.stdout

        revoked = run("revoke", token[:12])
        assert revoked.returncode == 0 and "revoked API token 1" in revoked.stdout
        assert api.call("GET", "/api/v1/imports", token).status_code == 401

        # The refusals, in this process: a real one starts in a second.
        cli = CliRunner(env={"DATABASE_URL": api.database_url})
        refused = cli.invoke(token_group, ["create", "x", "--scope", "admin"])
        assert refused.exit_code == 2 and "admin" in refused.stderr
        unknown = cli.invoke(token_group, ["revoke", "42"])
        assert unknown.exit_code == 2 and "no API token with id 42" in unknown.stderr
