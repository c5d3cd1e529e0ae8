"""Ferry's tables. Migrations (jobs/store/migrations) create and change them; never create_all."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Dialect,
    Enum,
    ForeignKey,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware in and out on every database: SQLite keeps no offset, so store UTC and
    give it back as UTC (PostgreSQL's timestamptz does this itself)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("refusing a naive datetime: Ferry stores aware UTC times only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _enum(kind: type[enum.StrEnum], length: int) -> Enum:
    """A str Enum column stored as its value, a plain VARCHAR on both databases."""
    return Enum(
        kind, native_enum=False, length=length, values_callable=lambda members: [m.value for m in members]
    )


class Base(DeclarativeBase):
    pass


class Link(Base):
    """A source product or variant and the WooCommerce object it became in one target store.

    The identity that makes writes idempotent: a re-run, a retry or a resumed run finds the link
    and updates instead of creating. `content_hash` is what was last written, so an unchanged
    product costs no write; `snapshot` is those values, so a dry run can show old and new.
    """

    __tablename__ = "links"
    __table_args__ = (UniqueConstraint("target", "source_key", name="uq_links_target_source"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    target: Mapped[str] = mapped_column(String(255), index=True)
    source_key: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))  # product | variation
    woo_id: Mapped[int] = mapped_column(Integer)
    parent_woo_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    content_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ImportState(Base):
    """What an import remembers between runs: its watermark and, while a run is open, its checkpoint."""

    __tablename__ = "import_states"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    watermark: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    checkpoint: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # Creates sent but not yet recorded as links ({"since": store clock, "items": {key: sku}}):
    # written before the batch, cleared with its links, so a run killed in between can find
    # what it created instead of creating it twice.
    pending_creates: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    last_status: Mapped[str | None] = mapped_column(String(32), nullable=True)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


# -- saved connections, imports and their runs ---------------------------------------------------
class ConnectionKind(enum.StrEnum):
    SOURCE = "source"
    TARGET = "target"


class ConnectionStatus(enum.StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    ERROR = "error"  # the last check or run failed on it: `last_error` says why
    DISCONNECTED = "disconnected"  # credentials dropped by the user; what was imported stays


class Connection(Base):
    """A source store or WooCommerce target, reusable across imports.

    `settings` holds what is not secret (platform options such as the store hash, API flavour or
    store view, a Magento user name); `secrets` is the Fernet token of the secret fields
    (jobs/secrets.py), never the values themselves.
    """

    __tablename__ = "connections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[ConnectionKind] = mapped_column(_enum(ConnectionKind, 16))
    platform: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(255))
    url: Mapped[str] = mapped_column(String(1024))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    secrets: Mapped[str | None] = mapped_column(Text, nullable=True)
    secret_fields: Mapped[list[str]] = mapped_column(JSON, default=list)  # names only, for display
    status: Mapped[ConnectionStatus] = mapped_column(
        _enum(ConnectionStatus, 16), default=ConnectionStatus.ACTIVE
    )
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SavedImport(Base):
    """An import set up once and run by hand, on a schedule, from a webhook or the API.

    `definition` holds the filters, mapping and options exactly as the TOML file has them (plain
    data, no secrets); `schedule` the schedule's plain data (jobs/scheduling.py).
    """

    __tablename__ = "saved_imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    source_id: Mapped[int] = mapped_column(ForeignKey("connections.id"))
    target_id: Mapped[int] = mapped_column(ForeignKey("connections.id"))
    definition: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    schedule: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    paused_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    # The last schedule slot fired (its identity; see ScheduleFire) and when the schedule began.
    last_slot: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    source: Mapped[Connection] = relationship(foreign_keys=[source_id], lazy="joined")
    target: Mapped[Connection] = relationship(foreign_keys=[target_id], lazy="joined")


class RunStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    PARTIALLY_FAILED = "partially_failed"  # finished; some items failed (listed in run_failures)
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def terminal(self) -> bool:
        return self not in {RunStatus.QUEUED, RunStatus.RUNNING}


class RunTrigger(enum.StrEnum):
    MANUAL = "manual"
    SCHEDULE = "schedule"
    WEBHOOK = "webhook"
    API = "api"
    RETRY = "retry"  # the failed items of an earlier run


class RunScope(enum.StrEnum):
    INCREMENTAL = "incremental"  # what changed since the watermark
    FULL = "full"  # the whole catalog
    PRODUCTS = "products"  # only `Run.product_ids` (a webhook's products, a retry's failures)
    PRICES = "prices"  # the whole catalog, writing prices and stock only


class Run(Base):
    """One run of a saved import, from queued to a terminal status."""

    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("saved_imports.id", ondelete="CASCADE"), index=True)
    trigger: Mapped[RunTrigger] = mapped_column(_enum(RunTrigger, 16))
    scope: Mapped[RunScope] = mapped_column(_enum(RunScope, 16))
    product_ids: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[RunStatus] = mapped_column(_enum(RunStatus, 24), default=RunStatus.QUEUED, index=True)
    phase: Mapped[str | None] = mapped_column(String(64), nullable=True)
    counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    total: Mapped[int | None] = mapped_column(Integer, nullable=True)  # products expected, when known
    source_requests: Mapped[int] = mapped_column(Integer, default=0)
    target_requests: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    warnings: Mapped[list[str]] = mapped_column(JSON, default=list)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    worker: Mapped[str | None] = mapped_column(String(255), nullable=True)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # [[seconds since start, products done], ...] at each progress save: the run page's chart.
    samples: Mapped[list[list[float]] | None] = mapped_column(JSON, nullable=True)


class RunPlanItem(Base):
    """One product's planned fate in a dry run: what the review shows before anything is written."""

    __tablename__ = "run_plan_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    source_id: Mapped[str] = mapped_column(String(255))
    sku: Mapped[str | None] = mapped_column(String(255), nullable=True)
    title: Mapped[str] = mapped_column(String(1024), default="")
    action: Mapped[str] = mapped_column(String(16))  # create, update, unchanged, skip, error
    # field -> {"old": ..., "new": ...} for an update
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class RunFailure(Base):
    """One item that failed in a run, with the reason and the request it came from."""

    __tablename__ = "run_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    source_id: Mapped[str] = mapped_column(String(255))
    sku: Mapped[str | None] = mapped_column(String(255), nullable=True)
    title: Mapped[str] = mapped_column(String(1024), default="")
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class RunLogLine(Base):
    """The readable log of a run."""

    __tablename__ = "run_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    level: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(Text)


class ScheduleFire(Base):
    """A schedule slot that fired: the unique row is what makes a slot fire once, however many
    workers look at the clock."""

    __tablename__ = "schedule_fires"
    __table_args__ = (UniqueConstraint("import_id", "slot", name="uq_schedule_fires_slot"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("saved_imports.id", ondelete="CASCADE"))
    slot: Mapped[datetime] = mapped_column(UTCDateTime())
    run_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class WebhookEvent(Base):
    """A webhook delivery already acted on: platforms deliver at least once, so repeats are dropped."""

    __tablename__ = "webhook_events"
    __table_args__ = (UniqueConstraint("platform", "event_id", name="uq_webhook_events_event"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    event_id: Mapped[str] = mapped_column(String(255))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TokenScope(enum.StrEnum):
    READ = "read"
    WRITE = "write"


class ApiToken(Base):
    """A bearer token for the JSON API, kept only as its SHA-256 (the token is shown once)."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))  # shown in listings to tell tokens apart
    scope: Mapped[TokenScope] = mapped_column(_enum(TokenScope, 8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


# -- the web app's accounts, login throttle and wizard drafts (migration 0003) -------------------
class User(Base):
    """A person who may sign in to the web app; only the password's salted hash is kept."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)  # stored lower-case
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class LoginFailure(Base):
    """One failed sign-in, counted against `key` (`account:<email>` or `ip:<address>`) for a while."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(400), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class Draft(Base):
    """A wizard not finished yet: the step it is on and what was entered so far.

    `data` holds only what may be shown again; the secret fields are sealed in `secrets` like a
    connection's (jobs/secrets.py). The browser's cookie holds only the draft's id.
    """

    __tablename__ = "drafts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    step: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    secrets: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
