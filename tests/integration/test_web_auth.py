"""Signing in: every page but a few needs a session; passwords, the throttle, cookies and the
signing key; `ferry create-user`."""

from __future__ import annotations

import os
import stat
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import select
from werkzeug.routing import IntegerConverter

from app import cli
from jobs.accounts import ACCOUNT_THROTTLE, TooManyAttempts, authenticate
from jobs.store.database import make_engine, sessions
from jobs.store.models import LoginFailure, User
from tests.databases import KINDS, database_url
from tests.integration.web_client import EMAIL, PASSWORD, Browser, add_user, dispose, make_app
from wizard.auth import OPEN_ENDPOINTS
from wizard.security import KEY_FILE_NAME, MACHINE_BLUEPRINTS, web_secret_key
from wizard.services import services


def _urls(app: Flask) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) of every route, its arguments filled with something plausible."""
    found = []
    for rule in app.url_map.iter_rules():
        arguments = {
            name: 1 if isinstance(converter, IntegerConverter) else "platform"
            for name, converter in rule._converters.items()
        }
        url = rule.build(arguments)[1]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method, url))
    return found


def test_every_page_but_sign_in_health_static_api_and_webhooks_needs_a_session(browser: Browser) -> None:
    browser.get("/login")  # a CSRF token, so POSTs reach the login gate
    checked = 0
    for endpoint, method, url in _urls(browser.app):
        blueprint = endpoint.rsplit(".", 1)[0] if "." in endpoint else None
        if endpoint in OPEN_ENDPOINTS or blueprint in MACHINE_BLUEPRINTS:
            continue
        response = browser.get(url) if method == "GET" else browser.post(url, {}, headers={"X-CSRFToken": ""})
        assert response.status_code == 302, (method, url, response.status_code)
        assert response.headers["Location"].startswith("/login?next="), (method, url)
        checked += 1
    assert checked >= 6  # the wizard's pages and forms, logout excepted only when it is open


def test_the_open_pages_and_the_machine_blueprints_answer_without_a_session(browser: Browser) -> None:
    assert browser.get("/healthz").status_code == 200
    assert browser.get("/login").status_code == 200
    assert browser.get("/static/ferry.css").status_code == 200
    assert browser.get("/static/htmx.min.js").status_code == 200
    for blueprint in MACHINE_BLUEPRINTS:
        if blueprint not in browser.app.blueprints:
            continue
        rules = [r for r in browser.app.url_map.iter_rules() if r.endpoint.startswith(f"{blueprint}.")]
        for rule in rules:
            url = rule.build({name: 1 for name in rule.arguments})[1]
            response = browser.client.get(url) if "GET" in (rule.methods or ()) else browser.client.post(url)
            assert not response.headers.get("Location", "").startswith("/login"), url


def test_an_htmx_request_without_a_session_is_sent_to_the_sign_in_page_whole(browser: Browser) -> None:
    response = browser.get("/wizard/platform", headers={"HX-Request": "true", "HX-Target": "step_form"})
    assert response.status_code == 204
    assert response.headers["HX-Redirect"].startswith("/login?next=")


def test_the_sign_in_page_says_how_to_create_the_first_account(web_env: Path, tmp_path: Path) -> None:
    with database_url("sqlite", tmp_path) as url:
        app = make_app(url)
        page = app.test_client().get("/login").get_data(as_text=True)
        assert "ferry create-user" in page
        add_user(app)
        assert "ferry create-user" not in app.test_client().get("/login").get_data(as_text=True)


def test_sign_in_with_a_wrong_password_fails_and_the_right_one_opens_the_next_page(browser: Browser) -> None:
    browser.get("/wizard/platform")
    wrong = browser.post("/login?next=/wizard/platform", {"email": EMAIL, "password": "not the password"})
    assert wrong.status_code == 200
    assert "Wrong email or password." in wrong.get_data(as_text=True)
    unknown = browser.post("/login", {"email": "nobody@example.com", "password": PASSWORD})
    assert "Wrong email or password." in unknown.get_data(as_text=True)
    right = browser.post(
        "/login?next=/wizard/platform", {"email": " Owner@Example.com ", "password": PASSWORD}
    )
    assert right.status_code == 302
    assert right.headers["Location"] == "/wizard/platform"
    assert browser.get("/wizard/platform").status_code == 200


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example"])
def test_sign_in_never_redirects_off_the_site(browser: Browser, target: str) -> None:
    browser.get("/login")
    response = browser.post(f"/login?next={target}", {"email": EMAIL, "password": PASSWORD})
    assert response.headers["Location"] == "/"


def test_sign_out_ends_the_session(signed_in: Browser) -> None:
    assert signed_in.get("/wizard/platform").status_code == 200
    assert signed_in.get("/logout").status_code == 405  # a link cannot sign anyone out
    signed_in.get("/wizard/platform")
    assert signed_in.post("/logout").headers["Location"] == "/login"
    assert signed_in.get("/wizard/platform").status_code == 302


def test_five_wrong_passwords_pause_the_account_even_for_the_right_one(browser: Browser) -> None:
    browser.get("/login")
    for _ in range(ACCOUNT_THROTTLE.limit):
        assert "Wrong email" in browser.post("/login", {"email": EMAIL, "password": "guess"}).get_data(
            as_text=True
        )
    refused = browser.post("/login", {"email": EMAIL, "password": PASSWORD})
    assert refused.status_code == 200
    assert "Too many attempts, try again in 15 minutes." in refused.get_data(as_text=True)
    # Another account from the same address is not paused by it.
    add_user(browser.app, "other@example.com", PASSWORD)
    assert browser.post("/login", {"email": "other@example.com", "password": PASSWORD}).status_code == 302


def test_one_address_trying_many_accounts_is_paused(browser: Browser) -> None:
    browser.get("/login")
    for number in range(20):
        browser.post("/login", {"email": f"guess{number}@example.com", "password": "guess"})
    add_user(browser.app, "fresh@example.com", PASSWORD)
    refused = browser.post("/login", {"email": "fresh@example.com", "password": PASSWORD})
    assert "Too many attempts" in refused.get_data(as_text=True)
    other_address = browser.another()
    other_address.get("/login", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    allowed = other_address.post(
        "/login",
        {"email": "fresh@example.com", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.1.2.3"},
    )
    assert allowed.status_code == 302


def test_the_pause_ends_when_the_failures_leave_the_window(web_app: Flask) -> None:
    start = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    with web_app.app_context(), services().sessions() as db:
        for minute in range(ACCOUNT_THROTTLE.limit):
            assert authenticate(db, EMAIL, "guess", "192.0.2.1", start + timedelta(minutes=minute)) is None
        with pytest.raises(TooManyAttempts) as paused:
            authenticate(db, EMAIL, PASSWORD, "192.0.2.1", start + timedelta(minutes=5))
        assert paused.value.minutes == 10  # the first failure leaves the 15-minute window at 12:15
        later = start + ACCOUNT_THROTTLE.window + timedelta(seconds=1)
        user = authenticate(db, EMAIL, PASSWORD, "192.0.2.1", later)
        assert user is not None and user.last_login_at == later


def _session_cookie(app: Flask, base_url: str) -> str:
    client = app.test_client()
    client.get("/login", base_url=base_url)
    response = client.post(
        "/login",
        data={"email": EMAIL, "password": PASSWORD},
        base_url=base_url,
        headers={"Referer": base_url},
    )
    return next(
        value for value in response.headers.getlist("Set-Cookie") if value.startswith("ferry_session=")
    )


@pytest.mark.parametrize(
    ("base_url", "testing", "secure"),
    [
        pytest.param("https://ferry.example.com", False, True, id="production"),
        pytest.param("http://ferry.example.com", False, True, id="production-behind-a-proxy"),
        pytest.param("http://127.0.0.1:8000", False, False, id="loopback-http"),
        pytest.param("http://localhost:8000", False, False, id="localhost-http"),
        pytest.param("https://ferry.example.com", True, False, id="testing"),
    ],
)
def test_session_cookies_are_httponly_lax_and_secure_in_production(
    web_env: Path, tmp_path: Path, base_url: str, testing: bool, secure: bool
) -> None:
    with database_url("sqlite", tmp_path) as url:
        app = make_app(url, TESTING=testing, WTF_CSRF_ENABLED=False)
        add_user(app)
        cookie = _session_cookie(app, base_url)
        assert "HttpOnly" in cookie
        assert "SameSite=Lax" in cookie
        assert ("Secure" in cookie) is secure


def test_the_signing_key_comes_from_the_environment_or_a_private_key_file(
    web_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with database_url("sqlite", tmp_path) as url:
        first = make_app(url)
        key_file = web_env / KEY_FILE_NAME
        assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
        assert make_app(url).secret_key == first.secret_key  # sessions survive a restart
        monkeypatch.setenv("FERRY_WEB_SECRET_KEY", "from-the-environment")
        assert make_app(url).secret_key == "from-the-environment"


@pytest.mark.parametrize("kind", KINDS)
def test_create_user_asks_twice_and_stores_only_a_hash(
    web_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    with database_url(kind, tmp_path) as url:
        monkeypatch.setenv("DATABASE_URL", url)
        runner = CliRunner()
        mismatch = runner.invoke(cli, ["create-user", "new@example.com"], input="one password\nanother one\n")
        assert mismatch.exit_code != 0
        short = runner.invoke(cli, ["create-user", "new@example.com"], input="short\nshort\n")
        assert short.exit_code == 1 and "at least 8 characters" in short.output
        made = runner.invoke(
            cli, ["create-user", "New@Example.com"], input="long enough pw\nlong enough pw\n"
        )
        assert made.exit_code == 0, made.output
        assert "created new@example.com" in made.output
        again = runner.invoke(
            cli, ["create-user", "new@example.com"], input="long enough pw\nlong enough pw\n"
        )
        assert again.exit_code == 1 and "exists already" in again.output
        reset = runner.invoke(
            cli, ["create-user", "new@example.com", "--reset"], input="newer password\n" * 2
        )
        assert reset.exit_code == 0, reset.output
        engine = make_engine(url)
        with sessions(engine)() as db:
            user = db.scalars(select(User)).one()
            assert "newer password" not in user.password_hash
            assert user.password_hash.startswith("scrypt:")
        engine.dispose()
        app = make_app(url)
        assert Browser(app, app.test_client()).login("new@example.com", "newer password").status_code == 302
        dispose(app)


def test_behind_a_trusted_proxy_the_client_address_and_https_come_from_its_headers(
    web_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FERRY_PROXIES", "1")
    with database_url("sqlite", tmp_path) as url:
        app = make_app(url, TESTING=False, WTF_CSRF_ENABLED=False)
        add_user(app)
        client = app.test_client()
        proxy = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "ferry.example.com"}
        for _ in range(ACCOUNT_THROTTLE.limit):  # one client, many wrong passwords, via the proxy
            client.post(
                "/login",
                data={"email": "someone@example.com", "password": "guess"},
                headers={**proxy, "X-Forwarded-For": "198.51.100.7"},
                base_url="http://127.0.0.1:8000",
            )
        with app.app_context(), services().sessions() as db:
            counted = set(db.scalars(select(LoginFailure.key)))
        assert counted == {"account:someone@example.com", "ip:198.51.100.7"}  # not the proxy's 127.0.0.1
        signed = client.post(
            "/login",
            data={"email": EMAIL, "password": PASSWORD},
            headers={**proxy, "X-Forwarded-For": "203.0.113.9"},
            base_url="http://127.0.0.1:8000",
        )
        cookie = next(v for v in signed.headers.getlist("Set-Cookie") if v.startswith("ferry_session="))
        assert "Secure" in cookie  # https at the proxy, though plain http on loopback behind it


def test_processes_starting_together_agree_on_one_signing_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FERRY_WEB_SECRET_KEY", raising=False)
    with ProcessPoolExecutor(max_workers=4) as pool:
        keys = set(pool.map(web_secret_key, [tmp_path] * 8))
    assert len(keys) == 1
    assert (tmp_path / KEY_FILE_NAME).read_text() == f"{keys.pop()}\n"
    assert [path.name for path in tmp_path.iterdir()] == [KEY_FILE_NAME]  # no temporary file left
