"""Saved connections and imports, their runs, schedule firings, webhook events and API tokens.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def _when(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "connections",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("url", sa.String(1024), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("secrets", sa.Text(), nullable=True),
        sa.Column("secret_fields", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        _when("last_checked_at"),
        _when("created_at", nullable=False),
    )
    op.create_table(
        "saved_imports",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("source_id", sa.Integer(), sa.ForeignKey("connections.id"), nullable=False),
        sa.Column("target_id", sa.Integer(), sa.ForeignKey("connections.id"), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("schedule", sa.JSON(), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("paused_reason", sa.Text(), nullable=True),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        _when("last_slot"),
        _when("created_at", nullable=False),
        _when("updated_at", nullable=False),
    )
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "import_id", sa.Integer(), sa.ForeignKey("saved_imports.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("trigger", sa.String(16), nullable=False),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("product_ids", sa.JSON(), nullable=True),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("phase", sa.String(64), nullable=True),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("source_requests", sa.Integer(), nullable=False),
        sa.Column("target_requests", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("warnings", sa.JSON(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("worker", sa.String(255), nullable=True),
        sa.Column("cancel_requested", sa.Boolean(), nullable=False),
        _when("queued_at", nullable=False),
        _when("started_at"),
        _when("heartbeat_at"),
        _when("finished_at"),
    )
    op.create_index("ix_runs_import_id", "runs", ["import_id"])
    op.create_index("ix_runs_status", "runs", ["status"])
    op.create_table(
        "run_failures",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("source_id", sa.String(255), nullable=False),
        sa.Column("sku", sa.String(255), nullable=True),
        sa.Column("title", sa.String(1024), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        _when("at", nullable=False),
    )
    op.create_index("ix_run_failures_run_id", "run_failures", ["run_id"])
    op.create_table(
        "run_log",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
        _when("at", nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
    )
    op.create_index("ix_run_log_run_id", "run_log", ["run_id"])
    op.create_table(
        "schedule_fires",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "import_id", sa.Integer(), sa.ForeignKey("saved_imports.id", ondelete="CASCADE"), nullable=False
        ),
        _when("slot", nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.UniqueConstraint("import_id", "slot", name="uq_schedule_fires_slot"),
    )
    op.create_table(
        "webhook_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("event_id", sa.String(255), nullable=False),
        _when("received_at", nullable=False),
        sa.UniqueConstraint("platform", "event_id", name="uq_webhook_events_event"),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("scope", sa.String(8), nullable=False),
        _when("created_at", nullable=False),
        _when("last_used_at"),
        _when("revoked_at"),
    )


def downgrade() -> None:
    for table in (
        "api_tokens",
        "webhook_events",
        "schedule_fires",
        "run_log",
        "run_failures",
        "runs",
        "saved_imports",
        "connections",
    ):
        op.drop_table(table)
