"""Ferry's tables. Migrations (jobs/store/migrations) create and change them; never create_all."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Dialect, Integer, String, TypeDecorator, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


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
