"""What keeps the browser side safe: the session's signing key, cookie flags, CSRF and headers.

- The session cookie is signed with `FERRY_WEB_SECRET_KEY`, or with a key Ferry generates once
  into `web-secret.key` (mode 0600) in its data folder, so sessions survive a restart.
- Cookies are HttpOnly and SameSite=Lax always, and Secure in production: everywhere but debug,
  testing and plain http on a loopback address (`ferry web` on 127.0.0.1), where a Secure cookie
  would never come back.
- Behind reverse proxies, `FERRY_PROXIES=N` trusts the X-Forwarded-* headers of the N nearest, so
  the client's address and https are seen as the proxies saw them.
- Every POST carries a CSRF token (Flask-WTF): forms in a hidden field, HTMX requests in the
  X-CSRFToken header that `hx-headers` on <body> adds. The machine blueprints (the JSON API and the
  webhooks) are exempt: they read no cookie and authenticate each request themselves (bearer token,
  signature), so a forged cross-site request has nothing to ride on.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, has_request_context, render_template, request
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from jobs.secrets import read_key_file
from jobs.store.database import data_dir

log = logging.getLogger(__name__)

KEY_ENV = "FERRY_WEB_SECRET_KEY"
PROXIES_ENV = "FERRY_PROXIES"
KEY_FILE_NAME = "web-secret.key"
# Blueprints that authenticate every request themselves and need neither a session nor CSRF.
MACHINE_BLUEPRINTS = frozenset({"api", "webhooks"})
SESSION_LIFETIME = timedelta(hours=12)
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

csrf = CSRFProtect()


def web_secret_key(folder: Path | None = None) -> str:
    """`FERRY_WEB_SECRET_KEY`, else the key file's key (created on first use, mode 0600)."""
    configured = os.environ.get(KEY_ENV, "").strip()
    if configured:
        return configured
    path = (folder or data_dir()) / KEY_FILE_NAME
    if not path.exists():
        _create_once(path, secrets.token_urlsafe(48))
    return read_key_file(path)[0]


def _create_once(path: Path, key: str) -> None:
    """Write the key file whole, unless another process got there first (gunicorn's workers start
    together): the key is written to a file of this process's own, then hard-linked into place,
    which fails when the file exists, so every process reads the one complete key that won."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(f"{key}\n")
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        temporary.unlink()


def _loopback_http() -> bool:
    if request.is_secure:
        return False
    host = urlsplit(request.host_url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def cookies_must_be_secure(app: Flask) -> bool:
    return not (app.debug or app.testing or (has_request_context() and _loopback_http()))


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, Secure decided per request (see the module's docstring)."""

    def get_cookie_secure(self, app: Flask) -> bool:  # type: ignore[override]
        return cookies_must_be_secure(app)


def _check_csrf() -> None:
    if current_app.config["WTF_CSRF_ENABLED"] and request.blueprint not in MACHINE_BLUEPRINTS:
        csrf.protect(apply_exemptions=True)


def _csrf_refused(error: CSRFError) -> tuple[str, int, dict[str, str]]:
    log.info("refused a %s to %s: %s", request.method, request.path, error.description)
    # An HTMX request lost its token only when the session did (it expired, or the key changed):
    # reloading shows the sign-in page. htmx does not swap a 400 by itself.
    headers = {"HX-Refresh": "true"} if request.headers.get("HX-Request") == "true" else {}
    return render_template("errors/csrf.html", reason=error.description), 400, headers


def _security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.blueprint not in MACHINE_BLUEPRINTS and response.mimetype == "text/html":
        response.headers.setdefault("Cache-Control", "no-store")  # pages show store details
    return response


def trusted_proxies() -> int:
    """How many reverse proxies stand in front of the app (`FERRY_PROXIES`, default none)."""
    value = os.environ.get(PROXIES_ENV, "0").strip() or "0"
    if not value.isdigit():
        raise ValueError(f"{PROXIES_ENV} must be a whole number of proxies, not {value!r}")
    return int(value)


def init_app(app: Flask) -> None:
    proxies = trusted_proxies()
    if proxies:
        # The client's address (for the sign-in throttle) and https (for Secure cookies) as the
        # proxies saw them; trusting more hops than there are would let a client forge both.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)  # type: ignore[method-assign]
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = web_secret_key()
    app.config.update(
        SESSION_COOKIE_NAME="ferry_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=SESSION_LIFETIME,
        # `_check_csrf` calls protect() itself, to leave out the machine blueprints by name
        # whenever they are registered.
        WTF_CSRF_CHECK_DEFAULT=False,
        # The token lives as long as the session: a wizard left open over lunch still submits.
        WTF_CSRF_TIME_LIMIT=None,
    )
    app.session_interface = SessionInterface()
    csrf.init_app(app)
    app.before_request(_check_csrf)
    app.after_request(_security_headers)
    app.register_error_handler(CSRFError, _csrf_refused)
