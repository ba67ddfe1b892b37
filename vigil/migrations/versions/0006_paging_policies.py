"""personal paging policies

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import vigil.db

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "paging_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("timeout_minutes", sa.Integer(), nullable=False),
        sa.Column("created_at", vigil.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("timeout_minutes > 0", name=op.f("ck_paging_steps_timeout_minutes")),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_paging_steps_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_paging_steps_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_paging_steps")),
        sa.UniqueConstraint("user_id", "position", name=op.f("uq_paging_steps_user_id_position")),
    )
    op.create_table(
        "paging_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("step_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=8), nullable=False),
        sa.Column("contact_method_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "type IN ('push', 'email', 'sms', 'phone')", name=op.f("ck_paging_rules_type")
        ),
        sa.CheckConstraint(
            "contact_method_id IS NOT NULL OR type = 'push'", name=op.f("ck_paging_rules_contact")
        ),
        sa.ForeignKeyConstraint(
            ["contact_method_id"],
            ["contact_methods.id"],
            name=op.f("fk_paging_rules_contact_method_id_contact_methods"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_paging_rules_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["step_id"],
            ["paging_steps.id"],
            name=op.f("fk_paging_rules_step_id_paging_steps"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_paging_rules")),
        sa.UniqueConstraint("step_id", "position", name=op.f("uq_paging_rules_step_id_position")),
    )
    with op.batch_alter_table("paging_rules", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_paging_rules_contact_method_id"), ["contact_method_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("paging_rules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_paging_rules_contact_method_id"))

    op.drop_table("paging_rules")
    op.drop_table("paging_steps")
