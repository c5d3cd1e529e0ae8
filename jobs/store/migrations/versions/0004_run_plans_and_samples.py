"""A dry run's plan per product (the wizard's review) and a run's progress samples (its chart).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    op.add_column("runs", sa.Column("samples", sa.JSON(), nullable=True))
    op.create_table(
        "run_plan_items",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("source_id", sa.String(255), nullable=False),
        sa.Column("sku", sa.String(255), nullable=True),
        sa.Column("title", sa.String(1024), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
    )
    op.create_index("ix_run_plan_items_run_id", "run_plan_items", ["run_id"])


def downgrade() -> None:
    op.drop_table("run_plan_items")
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("samples")
