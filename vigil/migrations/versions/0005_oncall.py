"""rotations, overrides and escalation policies

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import vigil.db

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "calendar_feeds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("created_at", vigil.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(user_id IS NULL) <> (team_id IS NULL)", name=op.f("ck_calendar_feeds_user_or_team")
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_calendar_feeds_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_calendar_feeds_team_id_teams"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_calendar_feeds_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_feeds")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_calendar_feeds_token_hash")),
    )
    with op.batch_alter_table("calendar_feeds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_calendar_feeds_team_id"), ["team_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_calendar_feeds_user_id"), ["user_id"], unique=False)

    op.create_table(
        "escalation_policies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("ignore_custom_paging_policies", sa.Boolean(), nullable=False),
        sa.Column("created_at", vigil.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_escalation_policies_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_escalation_policies_team_id_teams"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation_policies")),
        sa.UniqueConstraint("org_id", "slug", name=op.f("uq_escalation_policies_org_id_slug")),
    )
    with op.batch_alter_table("escalation_policies", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_escalation_policies_team_id"), ["team_id"], unique=False
        )

    op.create_table(
        "rotations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", vigil.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_rotations_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_rotations_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rotations")),
        sa.UniqueConstraint("org_id", "slug", name=op.f("uq_rotations_org_id_slug")),
        sa.UniqueConstraint("team_id", "name", name=op.f("uq_rotations_team_id_name")),
    )
    with op.batch_alter_table("rotations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rotations_team_id"), ["team_id"], unique=False)

    op.create_table(
        "scheduled_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("start_at", vigil.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("end_at", vigil.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", vigil.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "end_at > start_at", name=op.f("ck_scheduled_overrides_end_after_start")
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_scheduled_overrides_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_scheduled_overrides_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduled_overrides")),
        sa.UniqueConstraint("public_id", name=op.f("uq_scheduled_overrides_public_id")),
    )
    with op.batch_alter_table("scheduled_overrides", schema=None) as batch_op:
        batch_op.create_index(
            "ix_scheduled_overrides_org_id_end_at", ["org_id", "end_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_scheduled_overrides_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "escalation_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("policy_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("timeout_minutes", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "timeout_minutes >= 0", name=op.f("ck_escalation_steps_timeout_minutes")
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_escalation_steps_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["escalation_policies.id"],
            name=op.f("fk_escalation_steps_policy_id_escalation_policies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation_steps")),
        sa.UniqueConstraint(
            "policy_id", "position", name=op.f("uq_escalation_steps_policy_id_position")
        ),
    )
    op.create_table(
        "on_call_takes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("policy_id", sa.Integer(), nullable=False),
        sa.Column("from_user_id", sa.Integer(), nullable=False),
        sa.Column("to_user_id", sa.Integer(), nullable=False),
        sa.Column("start_at", vigil.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("end_at", vigil.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", vigil.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("end_at > start_at", name=op.f("ck_on_call_takes_end_after_start")),
        sa.ForeignKeyConstraint(
            ["from_user_id"],
            ["users.id"],
            name=op.f("fk_on_call_takes_from_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_on_call_takes_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["escalation_policies.id"],
            name=op.f("fk_on_call_takes_policy_id_escalation_policies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["to_user_id"],
            ["users.id"],
            name=op.f("fk_on_call_takes_to_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_on_call_takes")),
    )
    with op.batch_alter_table("on_call_takes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_on_call_takes_policy_id_end_at", ["policy_id", "end_at"], unique=False
        )

    op.create_table(
        "override_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("override_id", sa.Integer(), nullable=False),
        sa.Column("policy_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_override_assignments_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["override_id"],
            ["scheduled_overrides.id"],
            name=op.f("fk_override_assignments_override_id_scheduled_overrides"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["escalation_policies.id"],
            name=op.f("fk_override_assignments_policy_id_escalation_policies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_override_assignments_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_override_assignments")),
        sa.UniqueConstraint(
            "override_id", "policy_id", name=op.f("uq_override_assignments_override_id_policy_id")
        ),
    )
    with op.batch_alter_table("override_assignments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_override_assignments_policy_id"), ["policy_id"], unique=False
        )

    op.create_table(
        "rotation_shifts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("rotation_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("handoff_time", sa.Time(), nullable=False),
        sa.Column("period_days", sa.Integer(), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("weekdays", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('24/7', 'partial_day', 'multi_day')", name=op.f("ck_rotation_shifts_kind")
        ),
        sa.CheckConstraint(
            "duration_minutes > 0", name=op.f("ck_rotation_shifts_duration_minutes")
        ),
        sa.CheckConstraint("period_days >= 1", name=op.f("ck_rotation_shifts_period_days")),
        sa.CheckConstraint(
            "weekdays >= 1 AND weekdays <= 127", name=op.f("ck_rotation_shifts_weekdays")
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_rotation_shifts_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["rotation_id"],
            ["rotations.id"],
            name=op.f("fk_rotation_shifts_rotation_id_rotations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rotation_shifts")),
        sa.UniqueConstraint(
            "rotation_id", "position", name=op.f("uq_rotation_shifts_rotation_id_position")
        ),
    )
    op.create_table(
        "escalation_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("step_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("rotation_id", sa.Integer(), nullable=True),
        sa.Column("target_policy_id", sa.Integer(), nullable=True),
        sa.Column("webhook_id", sa.Integer(), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.CheckConstraint(
            "(kind = 'user' AND user_id IS NOT NULL) OR (kind IN ('rotation_group', 'rotation_group_next', 'rotation_group_previous') AND rotation_id IS NOT NULL) OR (kind = 'policy_routing' AND target_policy_id IS NOT NULL) OR (kind = 'webhook' AND webhook_id IS NOT NULL) OR (kind = 'email' AND email IS NOT NULL)",
            name=op.f("ck_escalation_entries_target_kind"),
        ),
        sa.CheckConstraint(
            "(CASE WHEN user_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN rotation_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN target_policy_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN webhook_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN email IS NULL THEN 0 ELSE 1 END) = 1",
            name=op.f("ck_escalation_entries_one_target"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_escalation_entries_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["rotation_id"],
            ["rotations.id"],
            name=op.f("fk_escalation_entries_rotation_id_rotations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["step_id"],
            ["escalation_steps.id"],
            name=op.f("fk_escalation_entries_step_id_escalation_steps"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["target_policy_id"],
            ["escalation_policies.id"],
            name=op.f("fk_escalation_entries_target_policy_id_escalation_policies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_escalation_entries_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["webhook_id"],
            ["webhooks.id"],
            name=op.f("fk_escalation_entries_webhook_id_webhooks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation_entries")),
        sa.UniqueConstraint(
            "step_id", "position", name=op.f("uq_escalation_entries_step_id_position")
        ),
    )
    with op.batch_alter_table("escalation_entries", schema=None) as batch_op:
        batch_op.create_index("ix_escalation_entries_rotation_id", ["rotation_id"], unique=False)
        batch_op.create_index(
            "ix_escalation_entries_target_policy_id", ["target_policy_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_escalation_entries_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "rotation_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("shift_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_rotation_members_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shift_id"],
            ["rotation_shifts.id"],
            name=op.f("fk_rotation_members_shift_id_rotation_shifts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_rotation_members_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rotation_members")),
        sa.UniqueConstraint(
            "shift_id", "position", name=op.f("uq_rotation_members_shift_id_position")
        ),
    )
    with op.batch_alter_table("rotation_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rotation_members_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("rotation_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rotation_members_user_id"))

    op.drop_table("rotation_members")
    with op.batch_alter_table("escalation_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_escalation_entries_user_id"))
        batch_op.drop_index("ix_escalation_entries_target_policy_id")
        batch_op.drop_index("ix_escalation_entries_rotation_id")

    op.drop_table("escalation_entries")
    op.drop_table("rotation_shifts")
    with op.batch_alter_table("override_assignments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_override_assignments_policy_id"))

    op.drop_table("override_assignments")
    with op.batch_alter_table("on_call_takes", schema=None) as batch_op:
        batch_op.drop_index("ix_on_call_takes_policy_id_end_at")

    op.drop_table("on_call_takes")
    op.drop_table("escalation_steps")
    with op.batch_alter_table("scheduled_overrides", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scheduled_overrides_user_id"))
        batch_op.drop_index("ix_scheduled_overrides_org_id_end_at")

    op.drop_table("scheduled_overrides")
    with op.batch_alter_table("rotations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rotations_team_id"))

    op.drop_table("rotations")
    with op.batch_alter_table("escalation_policies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_escalation_policies_team_id"))

    op.drop_table("escalation_policies")
    with op.batch_alter_table("calendar_feeds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calendar_feeds_user_id"))
        batch_op.drop_index(batch_op.f("ix_calendar_feeds_team_id"))

    op.drop_table("calendar_feeds")
