"""The JSON API under /api/v1: connections, saved imports and their runs, for scripts and other tools.

Every route but the OpenAPI document needs a bearer token (`ferry token create`): GET needs a
read or write token, everything else a write token. Every error under /api/v1, routing's 404 and
405 and unexpected 500s included, is `{"error": {"code": ..., "message": ...}}`.

CSRF: the API is exempt. It reads no cookie and no session; a request is authorised only by its
`Authorization: Bearer` header, which a browser never adds to a cross-site request by itself, so
there is nothing for a forged request to ride on. When the web UI adds Flask-WTF's CSRFProtect,
exempt this blueprint with one line: `csrf.exempt(api.blueprint)`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, NoReturn, TypeVar

from flask import Blueprint, Flask, Response, g, jsonify, request, url_for
from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from jobs import control
from jobs.broker import MissingRedis
from jobs.connection_check import check_connection
from jobs.definition import DefinitionError
from jobs.run_report import failure_dict, log_line_dict, run_summary
from jobs.run_request import RunRequest, RunRequestError
from jobs.saved_imports import export_toml, public_settings
from jobs.scheduling import Schedule, describe, next_slot
from jobs.secrets import SecretKeyError
from jobs.store import runs as repo
from jobs.store.models import Connection, Run, RunStatus, RunTrigger, SavedImport, TokenScope
from jobs.tokens import permits, verify_token
from wizard import openapi
from wizard.services import services

log = logging.getLogger(__name__)

PREFIX = "/api/v1"
HISTORY_LIMIT, HISTORY_LIMIT_MAX = 50, 500
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PUBLIC_ENDPOINTS = frozenset({"api.openapi_document"})

blueprint = Blueprint("api", __name__, url_prefix=PREFIX)

Row = TypeVar("Row", Connection, SavedImport, Run)


# -- errors ------------------------------------------------------------------------------------------
class ApiError(Exception):
    """An error answered as `{"error": {"code", "message"[, "field"]}}` with its HTTP status."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        field: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field
        self.headers = dict(headers or {})


def error_response(error: ApiError) -> Response:
    body: dict[str, Any] = {"code": error.code, "message": error.message}
    if error.field is not None:
        body["field"] = error.field
    response = jsonify(error=body)
    response.status_code = error.status
    response.headers.update(error.headers)
    return response


@blueprint.errorhandler(ApiError)
def _api_error(error: ApiError) -> Response:
    return error_response(error)


@blueprint.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> Response:
    """Werkzeug's errors (a bad JSON body, an unexpected 500) in the API's shape. Flask logs the
    exception behind a 500 itself; its text never reaches the client, which might hold a secret."""
    code = (error.name or "error").lower().replace(" ", "_")
    headers = {name: value for name, value in error.get_headers() if name.lower() != "content-type"}
    return error_response(ApiError(error.code or 500, code, error.description or error.name, headers=headers))


def _routing_error(error: HTTPException) -> HTTPException | Response:
    """404 and 405 arise while routing, before Flask knows the blueprint, so blueprint handlers
    never see them: this app-wide handler answers those under /api/v1 and leaves the rest as they
    were. A web UI that registers its own 404/405 handler must leave /api/v1 paths to this one."""
    if request.path == PREFIX or request.path.startswith(PREFIX + "/"):
        return _http_error(error)
    return error


blueprint.app_errorhandler(NotFound)(_routing_error)
blueprint.app_errorhandler(MethodNotAllowed)(_routing_error)


# -- the request's database session and token --------------------------------------------------------
def db() -> Session:
    if "api_session" not in g:
        g.api_session = services().sessions()
    return g.api_session


@blueprint.teardown_request
def _close_session(_error: BaseException | None) -> None:
    session = g.pop("api_session", None)
    if session is not None:
        session.close()


@blueprint.before_request
def _authenticate() -> None:
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    challenge = {"WWW-Authenticate": 'Bearer realm="ferry"'}
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not presented.strip():
        raise ApiError(
            401,
            "unauthorized",
            "send an API token as `Authorization: Bearer <token>`; `ferry token create NAME` makes one",
            headers=challenge,
        )
    token = verify_token(db(), presented.strip())
    db().commit()  # last_used_at
    if token is None:
        raise ApiError(401, "invalid_token", "the API token is unknown or revoked", headers=challenge)
    needed = TokenScope.READ if request.method in READ_METHODS else TokenScope.WRITE
    if not permits(token, needed):
        raise ApiError(
            403,
            "insufficient_scope",
            f"the token {token.prefix}... may only read; {request.method} needs a token made with "
            "`ferry token create NAME --scope write`",
        )


# -- helpers ---------------------------------------------------------------------------------------
def _found(kind: type[Row], ident: int, what: str) -> Row:
    row = db().get(kind, ident)
    if row is None:
        raise ApiError(404, "not_found", f"no {what} with id {ident}")
    return row


def _invalid(field: str, message: str) -> NoReturn:
    raise ApiError(422, "invalid_input", message, field=field)


def _json_body() -> Any:
    if not request.get_data():
        return {}
    body = request.get_json(silent=True)
    if body is None:
        raise ApiError(400, "bad_request", "the body is not JSON (send Content-Type: application/json)")
    return body


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _schedule(saved: SavedImport, now: datetime) -> tuple[dict[str, Any] | None, str | None]:
    """The schedule with its description, and the next run: the schedule's next slot after now,
    or null when there is none (no schedule, the import is paused, or the schedule has ended)."""
    if saved.schedule is None:
        return None, None
    try:
        schedule = Schedule.from_dict(saved.schedule)
    except DefinitionError as error:
        return {**saved.schedule, "description": f"invalid: {error}"}, None
    upcoming = next_slot(schedule, now) if saved.enabled else None
    return {**saved.schedule, "description": describe(schedule)}, _iso(upcoming)


def _import_dict(saved: SavedImport, now: datetime) -> dict[str, Any]:
    last = repo.history(db(), saved.id, limit=1)
    schedule, next_run = _schedule(saved, now)
    return {
        "id": saved.id,
        "name": saved.name,
        "source": public_settings(saved.source),
        "target": public_settings(saved.target),
        "definition": saved.definition,
        "schedule": schedule,
        "next_run": next_run,
        "enabled": saved.enabled,
        "paused_reason": saved.paused_reason,
        "consecutive_failures": saved.consecutive_failures,
        "last_run": run_summary(last[0], now) if last else None,
        "created_at": _iso(saved.created_at),
        "updated_at": _iso(saved.updated_at),
    }


def _queued(run: Run) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Commit the queued run, then queue its job: a job must never look for a run not yet there.

    When Redis cannot take the job, the run stays queued in the database and a worker's watchdog
    queues it once Redis is back (jobs/watchdog.py `requeue_lost`), so it is still accepted.
    """
    db().commit()
    try:
        services().enqueue(run.id)
    except (MissingRedis, RedisError):
        log.exception("run %s is queued in the database; its job could not be queued yet", run.id)
    return run_summary(run), 202, {"Location": url_for("api.get_run", run_id=run.id)}


def _history_filters() -> tuple[RunStatus | None, int]:
    raw_status, raw_limit = request.args.get("status"), request.args.get("limit", str(HISTORY_LIMIT))
    try:
        status = RunStatus(raw_status) if raw_status else None
    except ValueError:
        choices = ", ".join(status.value for status in RunStatus)
        _invalid("status", f"status: must be one of {choices}, not {raw_status!r}")
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= HISTORY_LIMIT_MAX:
        _invalid("limit", f"limit: must be a whole number from 1 to {HISTORY_LIMIT_MAX}")
    return status, int(raw_limit)


# -- the document ----------------------------------------------------------------------------------
@blueprint.get("/openapi.json")
def openapi_document() -> Response:
    return jsonify(openapi.document())


# -- connections -----------------------------------------------------------------------------------
@blueprint.get("/connections")
def list_connections() -> dict[str, Any]:
    rows = db().scalars(select(Connection).order_by(Connection.id))
    return {"connections": [public_settings(row) for row in rows]}


@blueprint.get("/connections/<int:connection_id>")
def get_connection(connection_id: int) -> dict[str, Any]:
    return public_settings(_found(Connection, connection_id, "connection"))


@blueprint.post("/connections/<int:connection_id>/test")
def test_connection(connection_id: int) -> dict[str, Any]:
    connection = _found(Connection, connection_id, "connection")
    try:
        result = check_connection(connection, services().box)
    except SecretKeyError as error:
        raise ApiError(500, "secret_key", str(error)) from error
    db().commit()
    return {**result.to_dict(), "connection": public_settings(connection)}


# -- saved imports ---------------------------------------------------------------------------------
@blueprint.get("/imports")
def list_imports() -> dict[str, Any]:
    now = datetime.now(UTC)
    rows = db().scalars(select(SavedImport).order_by(SavedImport.id))
    return {"imports": [_import_dict(row, now) for row in rows]}


@blueprint.get("/imports/<int:import_id>")
def get_import(import_id: int) -> dict[str, Any]:
    return _import_dict(_found(SavedImport, import_id, "saved import"), datetime.now(UTC))


@blueprint.get("/imports/<int:import_id>/export")
def export_import(import_id: int) -> Response:
    saved = _found(SavedImport, import_id, "saved import")
    return Response(export_toml(saved), mimetype="application/toml")


@blueprint.get("/imports/<int:import_id>/runs")
def import_runs(import_id: int) -> dict[str, Any]:
    _found(SavedImport, import_id, "saved import")
    status, limit = _history_filters()
    now = datetime.now(UTC)
    return {"runs": [run_summary(run, now) for run in repo.history(db(), import_id, status, limit)]}


@blueprint.post("/imports/<int:import_id>/runs")
def start_import_run(import_id: int) -> tuple[dict[str, Any], int, dict[str, str]]:
    saved = _found(SavedImport, import_id, "saved import")
    try:
        wanted = RunRequest.from_dict(_json_body())
    except RunRequestError as error:
        _invalid(error.field, str(error))
    try:
        run = control.start_run(db(), saved, RunTrigger.API, wanted.scope, wanted.product_ids, wanted.dry_run)
    except control.RunRefused as error:
        raise ApiError(409, "run_refused", str(error)) from error
    return _queued(run)


# -- runs ------------------------------------------------------------------------------------------
@blueprint.get("/runs/<int:run_id>")
def get_run(run_id: int) -> dict[str, Any]:
    return run_summary(_found(Run, run_id, "run"))


@blueprint.get("/runs/<int:run_id>/failures")
def run_failures(run_id: int) -> dict[str, Any]:
    _found(Run, run_id, "run")
    return {"failures": [failure_dict(item) for item in repo.failures(db(), run_id)]}


@blueprint.get("/runs/<int:run_id>/log")
def run_log(run_id: int) -> dict[str, Any]:
    _found(Run, run_id, "run")
    return {"log": [log_line_dict(line) for line in repo.log_lines(db(), run_id)]}


@blueprint.post("/runs/<int:run_id>/cancel")
def cancel_run(run_id: int) -> dict[str, Any]:
    run = _found(Run, run_id, "run")
    if run.status.terminal:
        raise ApiError(409, "run_finished", f"run {run_id} has already ended ({run.status.value})")
    control.cancel_run(db(), run)
    db().commit()
    return run_summary(run)


@blueprint.post("/runs/<int:run_id>/retry")
def retry_run(run_id: int) -> tuple[dict[str, Any], int, dict[str, str]]:
    run = _found(Run, run_id, "run")
    try:
        again = control.retry_failed(db(), run)
    except control.RunRefused as error:
        raise ApiError(409, "run_refused", str(error)) from error
    return _queued(again)


def init_app(app: Flask) -> None:
    app.register_blueprint(blueprint)
