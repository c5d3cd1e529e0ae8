"""The OpenAPI 3.1 document of the JSON API (wizard/api.py), kept as data.

Each operation's `operationId` is its view's endpoint name, and tests/integration/test_api.py
checks that the document and the blueprint's routes list the same paths and methods. The enums
come from the models' own str Enums, so a new status cannot be missing here.
"""

from __future__ import annotations

import enum
from typing import Any

from jobs.run_request import MAX_PRODUCT_IDS
from jobs.store.models import ConnectionKind, ConnectionStatus, RunScope, RunStatus, RunTrigger

Schema = dict[str, Any]

STRING: Schema = {"type": "string"}
INTEGER: Schema = {"type": "integer"}
NUMBER: Schema = {"type": "number"}
BOOLEAN: Schema = {"type": "boolean"}
MOMENT: Schema = {"type": "string", "format": "date-time"}
ANY_OBJECT: Schema = {"type": "object"}


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: Schema) -> Schema:
    return {"anyOf": [schema, {"type": "null"}]}


def _enum(kind: type[enum.StrEnum]) -> Schema:
    return {"type": "string", "enum": [member.value for member in kind]}


def _list(items: Schema) -> Schema:
    return {"type": "array", "items": items}


def _object(properties: dict[str, Schema], optional: tuple[str, ...] = ()) -> Schema:
    """An object whose properties are all present except the `optional` ones."""
    return {
        "type": "object",
        "properties": properties,
        "required": [name for name in properties if name not in optional],
    }


def _wrapped(key: str, items: Schema) -> Schema:
    return _object({key: _list(items)})


COUNTS: Schema = {
    "type": "object",
    "description": "Products read (seen) and what became of them; empty until the run reports progress.",
    "properties": {
        name: INTEGER for name in ("seen", "created", "updated", "unchanged", "skipped", "failed", "vanished")
    },
    "additionalProperties": INTEGER,
}

CONNECTION = _object(
    {
        "id": INTEGER,
        "kind": _enum(ConnectionKind),
        "platform": STRING,
        "name": STRING,
        "url": STRING,
        "settings": {**ANY_OBJECT, "description": "The settings that are not secret."},
        "credentials": {**_list(STRING), "description": "Which secret fields are set; never their values."},
        "status": _enum(ConnectionStatus),
        "last_error": _nullable(STRING),
        "last_checked_at": _nullable(MOMENT),
    }
)

REPORT = _object(
    {
        "platform": STRING,
        "store_name": STRING,
        "product_count": _nullable(INTEGER),
        "plan": _nullable(STRING),
        "currency": _nullable(STRING),
        "latency_ms": _nullable(NUMBER),
        "missing_permissions": _list(STRING),
        "can_write": _nullable(BOOLEAN),
        "details": ANY_OBJECT,
        "ok": BOOLEAN,
    }
)

ERROR_BODY = _object(
    {
        "code": {**STRING, "description": "Stable and machine-readable, e.g. not_found, invalid_input."},
        "message": {**STRING, "description": "Plain words: what went wrong and what to do."},
        "field": {**STRING, "description": "The input field at fault (422 only)."},
    },
    optional=("field",),
)

CONNECTION_TEST = _object(
    {
        "ok": BOOLEAN,
        "report": {
            **_nullable(_ref("ConnectionReport")),
            "description": "Null when the store did not answer.",
        },
        "error": {
            **_nullable(_ref("ErrorBody")),
            "description": "Why the test failed: auth_failed, refused, unreachable, connection_failed, "
            "bad_settings or insufficient_access.",
        },
        "connection": _ref("Connection"),
    }
)

RUN = _object(
    {
        "id": INTEGER,
        "import_id": INTEGER,
        "trigger": _enum(RunTrigger),
        "scope": _enum(RunScope),
        "product_ids": _nullable(_list(STRING)),
        "dry_run": BOOLEAN,
        "status": _enum(RunStatus),
        "terminal": {**BOOLEAN, "description": "The status is final: stop polling."},
        "phase": _nullable(STRING),
        "counts": _ref("RunCounts"),
        "total": {**_nullable(INTEGER), "description": "Products expected, when known."},
        "products_per_s": {**_nullable(NUMBER), "description": "Products read per second so far."},
        "duration_s": {**_nullable(NUMBER), "description": "From the first start to the end (or now)."},
        "error": _nullable(STRING),
        "warnings": _list(STRING),
        "attempts": INTEGER,
        "source_requests": INTEGER,
        "target_requests": INTEGER,
        "cancel_requested": BOOLEAN,
        "worker": _nullable(STRING),
        "queued_at": MOMENT,
        "started_at": _nullable(MOMENT),
        "heartbeat_at": _nullable(MOMENT),
        "finished_at": _nullable(MOMENT),
    }
)

IMPORT = _object(
    {
        "id": INTEGER,
        "name": STRING,
        "source": _ref("Connection"),
        "target": _ref("Connection"),
        "definition": {
            **ANY_OBJECT,
            "description": "Filters, mapping and options as the TOML file has them.",
        },
        "schedule": {
            **_nullable(ANY_OBJECT),
            "description": "The schedule's plain data with a `description` in words; null when unscheduled.",
        },
        "next_run": {
            **_nullable(MOMENT),
            "description": "The schedule's next slot; null without a schedule, when paused or ended.",
        },
        "enabled": BOOLEAN,
        "paused_reason": _nullable(STRING),
        "consecutive_failures": INTEGER,
        "last_run": _nullable(_ref("Run")),
        "created_at": MOMENT,
        "updated_at": MOMENT,
    }
)

RUN_REQUEST: Schema = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "scope": {**_enum(RunScope), "default": RunScope.INCREMENTAL.value},
        "product_ids": {
            "type": "array",
            "items": {"type": ["string", "integer"]},
            "minItems": 1,
            "maxItems": MAX_PRODUCT_IDS,
            "description": 'Source product ids; required with scope "products", refused with any other.',
        },
        "dry_run": {**BOOLEAN, "default": False},
    },
}

SCHEMAS: dict[str, Schema] = {
    "Error": _object({"error": _ref("ErrorBody")}),
    "ErrorBody": ERROR_BODY,
    "Connection": CONNECTION,
    "ConnectionList": _wrapped("connections", _ref("Connection")),
    "ConnectionReport": REPORT,
    "ConnectionTest": CONNECTION_TEST,
    "Import": IMPORT,
    "ImportList": _wrapped("imports", _ref("Import")),
    "RunCounts": COUNTS,
    "Run": RUN,
    "RunList": _wrapped("runs", _ref("Run")),
    "RunRequest": RUN_REQUEST,
    "Failure": _object(
        {"source_id": STRING, "sku": _nullable(STRING), "title": STRING, "reason": STRING, "at": MOMENT}
    ),
    "FailureList": _wrapped("failures", _ref("Failure")),
    "LogLine": _object({"at": MOMENT, "level": STRING, "message": STRING}),
    "Log": _wrapped("log", _ref("LogLine")),
}


# -- responses and parameters ----------------------------------------------------------------------
def _json(description: str, schema: Schema) -> Schema:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERRORS: dict[str, str] = {
    "400": "The body is not JSON.",
    "401": "No token, or an unknown or revoked one (code unauthorized or invalid_token).",
    "403": "A read-only token on a route that changes something (code insufficient_scope).",
    "404": "No such connection, import or run (code not_found).",
    "409": "The run cannot start or end now; the message says why (code run_refused or run_finished).",
    "422": "A field does not hold; `field` names it (code invalid_input).",
    "500": "Ferry failed; the server log has the details.",
}
RESPONSES = {status: _json(description, _ref("Error")) for status, description in ERRORS.items()}


def _path_id(name: str, what: str) -> Schema:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": f"The {what}'s id.",
        "schema": INTEGER,
    }


PARAMETERS: dict[str, Schema] = {
    "ConnectionId": _path_id("connection_id", "connection"),
    "ImportId": _path_id("import_id", "saved import"),
    "RunId": _path_id("run_id", "run"),
    "Status": {
        "name": "status",
        "in": "query",
        "required": False,
        "description": "Only the runs in this status.",
        "schema": _enum(RunStatus),
    },
    "Limit": {
        "name": "limit",
        "in": "query",
        "required": False,
        "description": "How many runs, newest first.",
        "schema": {**INTEGER, "minimum": 1, "maximum": 500, "default": 50},
    },
}


def _operation(
    endpoint: str,
    summary: str,
    ok: tuple[str, Schema],
    *,
    write: bool = False,
    parameters: tuple[str, ...] = (),
    body: str | None = None,
    errors: tuple[str, ...] = (),
) -> Schema:
    """One operation: its success response, and the error responses every route of its kind has
    (401 always, 403 when it writes, 404 when it names a row, 500) beside its own `errors`."""
    status, response = ok
    codes = ["401", *(["403"] if write else []), *(["404"] if parameters else []), *errors, "500"]
    operation: Schema = {
        "operationId": endpoint,
        "summary": summary,
        "description": "Needs a token with scope write." if write else "Needs a token (read or write).",
        "parameters": [{"$ref": f"#/components/parameters/{name}"} for name in parameters],
        "responses": {
            status: response,
            **{code: {"$ref": f"#/components/responses/{code}"} for code in sorted(codes)},
        },
    }
    if body is not None:
        operation["requestBody"] = {
            "required": False,
            "content": {"application/json": {"schema": _ref(body)}},
        }
    return operation


QUEUED = ("202", _json("The run is queued; `Location` is its URL.", _ref("Run")))

PATHS: dict[str, dict[str, Schema]] = {
    "/connections": {
        "get": _operation(
            "list_connections",
            "List saved connections (never a secret)",
            ("200", _json("The connections.", _ref("ConnectionList"))),
        )
    },
    "/connections/{connection_id}": {
        "get": _operation(
            "get_connection",
            "Get a connection (never a secret)",
            ("200", _json("The connection.", _ref("Connection"))),
            parameters=("ConnectionId",),
        )
    },
    "/connections/{connection_id}/test": {
        "post": _operation(
            "test_connection",
            "Test a connection against its store and record the result",
            ("200", _json("The test ran; `ok` says whether the store passed.", _ref("ConnectionTest"))),
            write=True,
            parameters=("ConnectionId",),
        )
    },
    "/imports": {
        "get": _operation(
            "list_imports",
            "List saved imports with their last run and next scheduled run",
            ("200", _json("The saved imports.", _ref("ImportList"))),
        )
    },
    "/imports/{import_id}": {
        "get": _operation(
            "get_import",
            "Get a saved import with its last run and next scheduled run",
            ("200", _json("The saved import.", _ref("Import"))),
            parameters=("ImportId",),
        )
    },
    "/imports/{import_id}/export": {
        "get": _operation(
            "export_import",
            "The saved import as the TOML file `ferry import` runs (secrets as env: references)",
            ("200", {"description": "The TOML file.", "content": {"application/toml": {"schema": STRING}}}),
            parameters=("ImportId",),
        )
    },
    "/imports/{import_id}/runs": {
        "get": _operation(
            "import_runs",
            "The saved import's run history, newest first",
            ("200", _json("The runs.", _ref("RunList"))),
            parameters=("ImportId", "Status", "Limit"),
            errors=("422",),
        ),
        "post": _operation(
            "start_import_run",
            "Start a run of the saved import (an empty body: an incremental run)",
            QUEUED,
            write=True,
            parameters=("ImportId",),
            body="RunRequest",
            errors=("400", "409", "422"),
        ),
    },
    "/runs/{run_id}": {
        "get": _operation(
            "get_run",
            "A run's status, counts, throughput, duration, error, warnings and phase",
            ("200", _json("The run.", _ref("Run"))),
            parameters=("RunId",),
        )
    },
    "/runs/{run_id}/failures": {
        "get": _operation(
            "run_failures",
            "The items that failed in a run, with their reasons",
            ("200", _json("The failures.", _ref("FailureList"))),
            parameters=("RunId",),
        )
    },
    "/runs/{run_id}/log": {
        "get": _operation(
            "run_log",
            "A run's log",
            ("200", _json("The log lines, oldest first.", _ref("Log"))),
            parameters=("RunId",),
        )
    },
    "/runs/{run_id}/cancel": {
        "post": _operation(
            "cancel_run",
            "Cancel a run: a queued one at once, a running one at its next progress report",
            ("200", _json("The run, cancelled or with cancel_requested.", _ref("Run"))),
            write=True,
            parameters=("RunId",),
            errors=("409",),
        )
    },
    "/runs/{run_id}/retry": {
        "post": _operation(
            "retry_run",
            "Start a run of only the items that failed in this run",
            QUEUED,
            write=True,
            parameters=("RunId",),
            errors=("409",),
        )
    },
}


def document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Ferry API",
            "version": "1",
            "description": "Saved connections, saved imports and their runs. Every route but this "
            "document needs `Authorization: Bearer <token>` (`ferry token create NAME [--scope write]`). "
            'Every error is `{"error": {"code": ..., "message": ...}}`.',
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": {
            **PATHS,
            "/openapi.json": {
                "get": {
                    "operationId": "openapi_document",
                    "summary": "This document",
                    "security": [],
                    "responses": {"200": _json("The OpenAPI document.", ANY_OBJECT)},
                }
            },
        },
        "components": {
            "schemas": SCHEMAS,
            "responses": RESPONSES,
            "parameters": PARAMETERS,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API token from `ferry token create`, scope read or write.",
                }
            },
        },
    }
