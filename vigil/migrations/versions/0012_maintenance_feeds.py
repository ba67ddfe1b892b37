"""maintenance calendar feeds

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import vigil.db

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "maintenance_calendar_feeds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("routing_key", sa.String(length=200), nullable=True),
        sa.Column("created_at", vigil.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_maintenance_calendar_feeds_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_maintenance_calendar_feeds")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_maintenance_calendar_feeds_token_hash")),
    )
    with op.batch_alter_table("maintenance_calendar_feeds", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_maintenance_calendar_feeds_org_id"), ["org_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("maintenance_calendar_feeds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_maintenance_calendar_feeds_org_id"))

    op.drop_table("maintenance_calendar_feeds")
