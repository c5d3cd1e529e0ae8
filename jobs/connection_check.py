"""Testing a saved connection: open its store with its sealed credentials, ask the connector's
`test_connection()`, and record the outcome on the connection (`mark_checked`).

What comes back is safe to show: the connector's report, or an error sorted by what the user
should do, whose message the connectors have already redacted.
"""

from __future__ import annotations

import logging
from contextlib import closing
from dataclasses import asdict, dataclass
from typing import Any

from connectors.base import ConnectionReport
from connectors.errors import AuthError, ConnectorError, RefusedError, RetriableError
from jobs.connect import open_source, open_target
from jobs.definition import DefinitionError, TargetSpec
from jobs.saved_imports import connection_spec, mark_checked
from jobs.secrets import SecretBox
from jobs.store.models import Connection

log = logging.getLogger(__name__)

# First match wins: the subclasses before their base.
FAILURE_CODES: tuple[tuple[type[Exception], str], ...] = (
    (AuthError, "auth_failed"),  # fix the credentials or the key's permissions
    (RefusedError, "refused"),  # the address is not allowed (plain http, a private network)
    (RetriableError, "unreachable"),  # the store is down or slow: try again later
    (ConnectorError, "connection_failed"),
    (DefinitionError, "bad_settings"),  # the saved settings no longer hold (or were disconnected)
)


@dataclass(frozen=True)
class CheckResult:
    """`report` when the store answered; `code` and `message` when it did not, or answered that
    the credentials lack something an import needs."""

    report: ConnectionReport | None = None
    code: str | None = None
    message: str | None = None

    @property
    def ok(self) -> bool:
        return self.code is None

    def to_dict(self) -> dict[str, Any]:
        report = None if self.report is None else {**asdict(self.report), "ok": self.report.ok}
        error = None if self.ok else {"code": self.code, "message": self.message}
        return {"ok": self.ok, "report": report, "error": error}


def _shortcoming(report: ConnectionReport) -> str | None:
    """Why a store that answered still cannot serve an import, in words."""
    reasons = []
    if report.missing_permissions:
        reasons.append(f"the credentials lack the permissions {', '.join(report.missing_permissions)}")
    if report.can_write is False:
        reasons.append("the key cannot write products (give it read/write access)")
    return "; ".join(reasons) or None


def check_connection(connection: Connection, box: SecretBox) -> CheckResult:
    """Test the store behind `connection` and record the result on it (the caller commits).

    Raises SecretKeyError when the configured keys cannot open the credentials: that is the
    server's configuration, not the store's, so it is not recorded on the connection.
    """
    try:
        spec = connection_spec(connection, box)
        opened = open_target(spec) if isinstance(spec, TargetSpec) else open_source(spec)
        with closing(opened) as connector:
            report = connector.test_connection()
    except (ConnectorError, DefinitionError) as error:
        code = next(code for kind, code in FAILURE_CODES if isinstance(error, kind))
        message = str(error)
        log.info("connection %s failed its test (%s): %s", connection.id, code, message)
        mark_checked(connection, message)
        return CheckResult(code=code, message=message)
    shortcoming = _shortcoming(report)
    mark_checked(connection, shortcoming)
    if shortcoming:
        return CheckResult(report=report, code="insufficient_access", message=shortcoming)
    return CheckResult(report=report)
