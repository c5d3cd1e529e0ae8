"""Signing in and out, and the rule that every page but a few needs a signed-in user.

Open without a session: the sign-in page, /healthz, the static files, and the machine blueprints
(wizard/security.py MACHINE_BLUEPRINTS: /api/v1 with bearer tokens, /webhooks with signatures).
Accounts are made on the server with `ferry create-user EMAIL` (jobs/accounts_cli.py).
"""

from __future__ import annotations

import logging

from flask import Blueprint, Flask, g, redirect, request, session, url_for
from werkzeug.wrappers import Response

from jobs.accounts import TooManyAttempts, authenticate, has_users
from jobs.store.models import User
from wizard.forms import LoginForm
from wizard.rendering import is_htmx, render
from wizard.security import MACHINE_BLUEPRINTS
from wizard.services import services

log = logging.getLogger(__name__)

blueprint = Blueprint("auth", __name__)

OPEN_ENDPOINTS = frozenset({"auth.login", "static", "healthz"})
USER_KEY = "user_id"


def current_user() -> User | None:
    """The signed-in user of this request (loaded once per request)."""
    if "user" not in g:
        user_id = session.get(USER_KEY)
        g.user = None
        if isinstance(user_id, int):
            with services().sessions() as db:
                g.user = db.get(User, user_id)
    return g.user


def _require_login() -> Response | None:
    if request.endpoint is None or request.endpoint in OPEN_ENDPOINTS:
        return None  # an unknown URL gets its 404, which tells nothing
    if request.blueprint in MACHINE_BLUEPRINTS or current_user() is not None:
        return None
    target = url_for("auth.login", next=request.full_path.rstrip("?"))
    if is_htmx():
        # A fragment request from a page whose session ended: load the sign-in page whole.
        return Response(status=204, headers={"HX-Redirect": target})
    return redirect(target)


def _safe_next(value: str | None) -> str:
    """Only a path on this site: never `//evil.example` or an absolute URL (an open redirect)."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return url_for("index")


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> Response | str:
    if request.method == "GET" and current_user() is not None:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    with services().sessions() as db:
        first_start = not has_users(db)
        if form.validate_on_submit():
            try:
                user = authenticate(db, form.email.data or "", form.password.data or "", request.remote_addr)
            except TooManyAttempts as refusal:
                form.form_errors.append(f"{str(refusal)[0].upper()}{str(refusal)[1:]}.")
                user = None
            else:
                if user is None:
                    form.form_errors.append("Wrong email or password.")
            db.commit()
            if user is not None:
                session.clear()  # nothing from before the sign-in carries over
                session.permanent = True
                session[USER_KEY] = user.id
                log.info("user %s signed in", user.id)
                return redirect(_safe_next(request.args.get("next")))
    return render("auth/login.html", form=form, first_start=first_start)


@blueprint.post("/logout")
def logout() -> Response:
    session.clear()
    return redirect(url_for("auth.login"))


def init_app(app: Flask) -> None:
    app.register_blueprint(blueprint)
    app.before_request(_require_login)
    app.context_processor(lambda: {"current_user": current_user()})
