"""Saved connections and imports: from import definitions to rows and back.

A definition's connection specs become `Connection` rows whose secret fields are sealed
(jobs/secrets.py) and whose other settings stay readable; the rest of the definition (filters,
mapping, options) is kept as the plain data the TOML file has. `definition_of` puts them together
again for a run; `export_toml` writes the same TOML file `ferry import` runs, with every secret as
an `env:` reference, so an exported file holds no secret.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime, timedelta
from typing import Any

import tomli_w
from sqlalchemy import select
from sqlalchemy.orm import Session

from jobs.definition import SECRET_FIELDS, DefinitionError, ImportDefinition, SourceSpec, TargetSpec
from jobs.secrets import SecretBox
from jobs.store.models import Connection, ConnectionKind, ConnectionStatus, SavedImport

WOOCOMMERCE = "woocommerce"
# A replaced webhook secret is still accepted this long, kept in the sealed secrets beside the
# new one: deliveries already signed (and retried) with it, or signed by a platform that has not
# switched yet ("it can take up to an hour", https://shopify.dev/docs/apps/build/webhooks/verify-deliveries).
WEBHOOK_SECRET_GRACE = timedelta(hours=24)
PREVIOUS_WEBHOOK_SECRET = "previous_webhook_secret"
WEBHOOK_SECRET_REPLACED_AT = "previous_webhook_secret_replaced_at"


# -- connections -----------------------------------------------------------------------------------
def _split(spec: SourceSpec | TargetSpec) -> tuple[dict[str, Any], dict[str, str]]:
    """(settings, secrets) of a spec: what may be shown, and what is sealed."""
    settings: dict[str, Any] = {}
    secrets: dict[str, str] = {}
    for item in fields(spec):
        value = getattr(spec, item.name)
        if item.name in {"platform", "url"} or value is None:
            continue
        (secrets if item.name in SECRET_FIELDS else settings)[item.name] = value
    return settings, secrets


def _identity(spec: SourceSpec | TargetSpec) -> tuple[ConnectionKind, str, str]:
    if isinstance(spec, TargetSpec):
        return ConnectionKind.TARGET, WOOCOMMERCE, spec.url.rstrip("/")
    return ConnectionKind.SOURCE, spec.platform, spec.url.rstrip("/")


def save_connection(
    session: Session, box: SecretBox, spec: SourceSpec | TargetSpec, name: str | None = None
) -> Connection:
    """The connection for this store, created or, when one with the same store and settings
    exists, given these credentials (a store is connected once, whatever imports use it)."""
    spec = spec.resolved()  # env: references are read now: the row keeps the values, sealed
    kind, platform, url = _identity(spec)
    settings, secrets = _split(spec)
    now = datetime.now(UTC)
    connection = next(
        (
            row
            for row in session.scalars(
                select(Connection).where(
                    Connection.kind == kind, Connection.platform == platform, Connection.url == url
                )
            )
            if row.settings == settings
        ),
        None,
    )
    if connection is None:
        connection = Connection(kind=kind, platform=platform, url=url, settings=settings, created_at=now)
        session.add(connection)
    connection.name = name or connection.name or _default_name(platform, url)
    earlier = box.open(connection.secrets) if connection.secrets else {}
    connection.secrets = box.seal({**secrets, **_kept_webhook_secret(earlier, secrets, now)})
    connection.secret_fields = sorted(secrets)
    connection.status = ConnectionStatus.ACTIVE
    connection.last_error = None
    session.flush()
    return connection


def _previous_webhook_secret(secrets: dict[str, Any], now: datetime) -> dict[str, str]:
    """The replaced webhook secret and when it was replaced, while its grace lasts."""
    previous, replaced_at = secrets.get(PREVIOUS_WEBHOOK_SECRET), secrets.get(WEBHOOK_SECRET_REPLACED_AT)
    if previous and replaced_at and now - datetime.fromisoformat(replaced_at) < WEBHOOK_SECRET_GRACE:
        return {PREVIOUS_WEBHOOK_SECRET: previous, WEBHOOK_SECRET_REPLACED_AT: replaced_at}
    return {}


def _kept_webhook_secret(earlier: dict[str, Any], secrets: dict[str, str], now: datetime) -> dict[str, str]:
    """What of a connection's earlier webhook secrets stays accepted when it is saved with these:
    the one being replaced (from now on), else an earlier rotation's while its grace lasts."""
    replaced = earlier.get("webhook_secret")
    if replaced and replaced != secrets.get("webhook_secret"):
        return {PREVIOUS_WEBHOOK_SECRET: replaced, WEBHOOK_SECRET_REPLACED_AT: now.isoformat()}
    return _previous_webhook_secret(earlier, now)


def webhook_secrets(connection: Connection, box: SecretBox, now: datetime | None = None) -> list[str]:
    """The secrets a webhook delivery for this connection may be signed with: the current one,
    and the one it replaced while WEBHOOK_SECRET_GRACE lasts."""
    if connection.secrets is None:
        return []
    opened = box.open(connection.secrets)
    previous = _previous_webhook_secret(opened, now or datetime.now(UTC))
    return [
        secret for secret in (opened.get("webhook_secret"), previous.get(PREVIOUS_WEBHOOK_SECRET)) if secret
    ]


def _default_name(platform: str, url: str) -> str:
    host = url.split("://", 1)[-1].split("/", 1)[0]
    return f"{platform} {host}"


def connection_spec(connection: Connection, box: SecretBox) -> SourceSpec | TargetSpec:
    """The connection as a spec with its secrets opened (for a run; never for display)."""
    if connection.status is ConnectionStatus.DISCONNECTED or connection.secrets is None:
        raise DefinitionError(
            f"{connection.kind.value}: the connection {connection.name!r} was disconnected; "
            "enter its credentials again"
        )
    opened = box.open(connection.secrets)
    secrets = {name: value for name, value in opened.items() if name in SECRET_FIELDS}  # not the previous
    values = {**connection.settings, **secrets, "url": connection.url}
    if connection.kind is ConnectionKind.TARGET:
        return TargetSpec(**values)
    return SourceSpec(platform=connection.platform, **values)


def public_settings(connection: Connection) -> dict[str, Any]:
    """What may be shown of a connection: never a secret, only which secrets are set."""
    return {
        "id": connection.id,
        "kind": connection.kind.value,
        "platform": connection.platform,
        "name": connection.name,
        "url": connection.url,
        "settings": dict(connection.settings),
        "credentials": list(connection.secret_fields),  # which are set, never their values
        "status": connection.status.value,
        "last_error": connection.last_error,
        "last_checked_at": connection.last_checked_at.isoformat() if connection.last_checked_at else None,
    }


def disconnect(connection: Connection) -> None:
    """Forget the credentials; imports using it stop running, what they imported stays."""
    connection.secrets = None
    connection.secret_fields = []
    connection.status = ConnectionStatus.DISCONNECTED


def mark_checked(connection: Connection, error: str | None) -> None:
    connection.last_checked_at = datetime.now(UTC)
    connection.last_error = error
    if connection.status is not ConnectionStatus.DISCONNECTED:
        connection.status = ConnectionStatus.ERROR if error else ConnectionStatus.ACTIVE


def rotate_secrets(session: Session, box: SecretBox) -> int:
    """Re-encrypt every stored secret under the box's first key; returns how many."""
    rotated = 0
    for connection in session.scalars(select(Connection).where(Connection.secrets.is_not(None))):
        assert connection.secrets is not None
        connection.secrets = box.rotate(connection.secrets)
        rotated += 1
    return rotated


# -- imports ---------------------------------------------------------------------------------------
def _rest_of(definition: ImportDefinition) -> dict[str, Any]:
    data = definition.to_dict()
    return {key: value for key, value in data.items() if key not in {"source", "target", "name"}}


def save_import(
    session: Session, box: SecretBox, definition: ImportDefinition, saved: SavedImport | None = None
) -> SavedImport:
    """Create a saved import from a definition, or replace an existing one's settings with it."""
    now = datetime.now(UTC)
    source = save_connection(session, box, definition.source)
    target = save_connection(session, box, definition.target)
    rest = _rest_of(definition)
    schedule = rest.pop("schedule", None)
    if saved is None:
        saved = SavedImport(created_at=now, consecutive_failures=0, enabled=True)
        session.add(saved)
    saved.name = definition.name or f"{source.name} to {target.name}"
    saved.source, saved.target = source, target
    saved.definition = rest
    if saved.schedule != schedule:
        saved.schedule = schedule
        saved.last_slot = None  # a new schedule starts from now, not from the old one's slots
    saved.updated_at = now
    session.flush()
    return saved


def definition_of(saved: SavedImport, box: SecretBox) -> ImportDefinition:
    """The import definition a run of this saved import executes (secrets opened)."""
    data: dict[str, Any] = {
        "name": saved.name,
        "source": _spec_dict(connection_spec(saved.source, box)),
        "target": _spec_dict(connection_spec(saved.target, box)),
        **saved.definition,
    }
    if saved.schedule is not None:
        data["schedule"] = saved.schedule
    return ImportDefinition.from_dict(data)


def _spec_dict(spec: SourceSpec | TargetSpec) -> dict[str, Any]:
    return {
        item.name: getattr(spec, item.name) for item in fields(spec) if getattr(spec, item.name) is not None
    }


def env_name(kind: ConnectionKind, platform: str, field_name: str) -> str:
    """The environment variable an exported file names for a secret: SHOPIFY_TOKEN, WOO_SECRET."""
    prefix = "WOO" if kind is ConnectionKind.TARGET else platform.upper()
    return f"{prefix}_{field_name.upper()}"


def _exported_spec(connection: Connection) -> dict[str, Any]:
    data: dict[str, Any] = {"url": connection.url, **connection.settings}
    if connection.kind is ConnectionKind.SOURCE:
        data = {"platform": connection.platform, **data}
    for name in _secret_names(connection):
        data[name] = f"env:{env_name(connection.kind, connection.platform, name)}"
    return data


def _secret_names(connection: Connection) -> list[str]:
    """The secret fields this connection has (known without opening them)."""
    return list(connection.secret_fields)


def export_toml(saved: SavedImport) -> str:
    """The saved import as the TOML file `ferry import` runs; every secret an `env:` reference."""
    data: dict[str, Any] = {
        "name": saved.name,
        "source": _exported_spec(saved.source),
        "target": _exported_spec(saved.target),
        **saved.definition,
    }
    if saved.schedule is not None:
        data["schedule"] = saved.schedule
    return tomli_w.dumps(_droppable_empty(data))


def _droppable_empty(data: dict[str, Any]) -> dict[str, Any]:
    """TOML has no null, and empty tables only add noise."""
    return {key: value for key, value in data.items() if value not in (None, {}, [])}


def import_toml(session: Session, box: SecretBox, text: str) -> SavedImport:
    """A saved import from a TOML definition (its `env:` secrets are read now and sealed)."""
    return save_import(session, box, ImportDefinition.from_toml(text))
