"""Testing a store connection for a person waiting at the wizard, and saying in plain words what
is wrong and which field it is about.

The connector's `test_connection()` does the work; this module decides where its answer goes:
a refused token beside the token field, an address that cannot be reached, is refused or has no
store beside the URL, a BigCommerce store hash that does not go with the token beside the hash.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from connectors.base import ConnectionReport
from connectors.errors import AuthError, ConnectorError, FatalError, RefusedError, RetriableError
from connectors.http import RetryPolicy
from jobs.definition import SECRET_FIELDS, DefinitionError

log = logging.getLogger(__name__)

# A person is waiting: try twice, briefly, instead of the minute a background run may spend.
INTERACTIVE_RETRY = RetryPolicy(attempts=2, base_delay=0.5, max_delay=1.0)
FIELD_PATH = re.compile(r"^(?:source|target)\.(?P<field>\w+)(?:\[\d+\])?[:\s]\s*(?P<message>.*)$", re.S)
NOT_FOUND, FORBIDDEN = 404, 403


class Connectable(Protocol):
    """A source connector or a WooCommerce target: both test themselves and talk through `client`."""

    client: Any

    def test_connection(self) -> ConnectionReport: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class CheckOutcome:
    """A test's outcome: the report's plain data when the store answered, and the problem, if any,
    with the form field it belongs beside (None: the form as a whole)."""

    report: dict[str, Any] | None = None
    errors: dict[str | None, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.report is not None and not self.errors


def report_data(report: ConnectionReport) -> dict[str, Any]:
    data = {key: value for key, value in asdict(report).items() if key != "details"}
    data["missing_permissions"] = list(report.missing_permissions)
    data["ok"] = report.ok
    return data


def definition_problem(error: DefinitionError) -> tuple[str | None, str]:
    """(field, message) of a spec's or connector settings' complaint: `source.url: is required`
    is about `url`; the message loses the path."""
    match = FIELD_PATH.match(str(error))
    if match is None:
        return None, str(error)
    name, message = match["field"], match["message"].strip()
    if message.startswith(f"{name} "):  # "url must start with ..." says its field twice once placed
        message = message[len(name) + 1 :]
    return name, message


def connector_problem(error: ConnectorError, secret_field: str, platform: str) -> tuple[str, str]:
    """(field, message) of a failed test: a plain sentence, then the store's own words."""
    if platform == "bigcommerce" and error.status in {FORBIDDEN, NOT_FOUND}:
        # The API address is fixed and the hash picks the store: a token answered 403 or 404 there
        # most often belongs to another store (the connector's details name both causes).
        field_name = "store_hash"
        plain = "This store hash and token do not open a store together. Check the store hash."
    elif isinstance(error, AuthError) and error.status == FORBIDDEN:
        field_name, plain = secret_field, "These credentials work but may not read what Ferry needs."
    elif isinstance(error, AuthError):
        field_name = secret_field
        plain = "The store refused these credentials. Check that you copied all of it, for this store."
    elif isinstance(error, RefusedError):
        field_name, plain = "url", "Ferry will not connect to this address."
    elif isinstance(error, RetriableError):
        field_name, plain = "url", "The store could not be reached at this address."
    elif isinstance(error, FatalError) and error.status == NOT_FOUND:
        field_name, plain = "url", "No store was found there."
    else:
        field_name, plain = "url", "The store answered with an error."
    return field_name, f"{plain} Details: {error.message}"


def report_problems(report: ConnectionReport, secret_field: str) -> dict[str | None, str]:
    if report.missing_permissions:
        return {
            secret_field: "These credentials lack permissions Ferry needs: "
            f"{', '.join(report.missing_permissions)}. Add them on the store and test again."
        }
    if report.can_write is False:
        return {
            secret_field: "This key can only read. WooCommerce needs a key with Read/Write permission "
            "to create and update products."
        }
    return {}


def check(
    open_store: Callable[[], Connectable], secret_fields: tuple[str, ...], platform: str
) -> CheckOutcome:
    """Open the store (the spec and settings check their values) and test the connection."""
    secret_field = next((name for name in secret_fields if name in SECRET_FIELDS), "url")
    try:
        store = open_store()
    except DefinitionError as error:
        name, message = definition_problem(error)
        return CheckOutcome(errors={name: message})
    except ConnectorError as error:  # the network guard refuses some addresses before connecting
        return _failed(error, secret_field, platform)
    store.client.retry = INTERACTIVE_RETRY
    try:
        report = store.test_connection()
    except ConnectorError as error:
        return _failed(error, secret_field, platform)
    finally:
        store.close()
    return CheckOutcome(report=report_data(report), errors=report_problems(report, secret_field))


def _failed(error: ConnectorError, secret_field: str, platform: str) -> CheckOutcome:
    log.info("connection test of a %s store failed: %s", platform, error.message)
    name, message = connector_problem(error, secret_field, platform)
    return CheckOutcome(errors={name: message})
