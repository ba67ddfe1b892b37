"""On-call tables: rotations and their shifts, escalation policies, overrides, take-on-call, feeds.

A rotation (VictorOps "rotation group", slug `rtg-…`) belongs to a team and has one or more
shifts. A shift hands off from one member to the next every `period_days` days at
`handoff_time` (local time in `time_zone`), counting from `start_date`; `kind` says when in a
period its member is on call (see `vigil.oncall.shifts`).
"""

from datetime import date, datetime, time

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from vigil.db import Base, UTCDateTime

SHIFT_KINDS = ("24/7", "partial_day", "multi_day")
ROTATION_ENTRY_KINDS = ("rotation_group", "rotation_group_next", "rotation_group_previous")
ENTRY_KINDS = ("user", *ROTATION_ENTRY_KINDS, "policy_routing", "email", "webhook")
ALL_WEEKDAYS = 0b1111111  # bit 0 is Monday


class Rotation(Base):
    __tablename__ = "rotations"
    __table_args__ = (UniqueConstraint("org_id", "slug"), UniqueConstraint("team_id", "name"))

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RotationShift(Base):
    """One shift of a rotation: who hands off to whom, when, and when the member is on call.

    * `24/7`: the member is on call for the whole period.
    * `partial_day`: on call `duration_minutes` from `handoff_time` on each day in `weekdays`.
    * `multi_day`: on call `duration_minutes` from the start of each period.
    """

    __tablename__ = "rotation_shifts"
    __table_args__ = (
        UniqueConstraint("rotation_id", "position"),
        CheckConstraint("kind IN ('24/7', 'partial_day', 'multi_day')", name="kind"),
        CheckConstraint("period_days >= 1", name="period_days"),
        CheckConstraint("duration_minutes > 0", name="duration_minutes"),
        CheckConstraint("weekdays >= 1 AND weekdays <= 127", name="weekdays"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    rotation_id: Mapped[int] = mapped_column(ForeignKey("rotations.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    time_zone: Mapped[str] = mapped_column(String(64))
    start_date: Mapped[date] = mapped_column(Date)
    handoff_time: Mapped[time] = mapped_column(Time)
    period_days: Mapped[int] = mapped_column(Integer)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    weekdays: Mapped[int] = mapped_column(Integer, default=ALL_WEEKDAYS)


class RotationMember(Base):
    """A user's place in a shift's order; `position` 0 is on call first."""

    __tablename__ = "rotation_members"
    __table_args__ = (UniqueConstraint("shift_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    shift_id: Mapped[int] = mapped_column(ForeignKey("rotation_shifts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)


class EscalationPolicy(Base):
    __tablename__ = "escalation_policies"
    __table_args__ = (UniqueConstraint("org_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    ignore_custom_paging_policies: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class EscalationStep(Base):
    """Step `position` (0 first) of a policy; the next step starts `timeout_minutes` later."""

    __tablename__ = "escalation_steps"
    __table_args__ = (
        UniqueConstraint("policy_id", "position"),
        CheckConstraint("timeout_minutes >= 0", name="timeout_minutes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    policy_id: Mapped[int] = mapped_column(ForeignKey("escalation_policies.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    timeout_minutes: Mapped[int] = mapped_column(Integer, default=0)


_ONE_TARGET = (
    "(CASE WHEN user_id IS NULL THEN 0 ELSE 1 END)"
    " + (CASE WHEN rotation_id IS NULL THEN 0 ELSE 1 END)"
    " + (CASE WHEN target_policy_id IS NULL THEN 0 ELSE 1 END)"
    " + (CASE WHEN webhook_id IS NULL THEN 0 ELSE 1 END)"
    " + (CASE WHEN email IS NULL THEN 0 ELSE 1 END) = 1"
)
_TARGET_MATCHES_KIND = (
    "(kind = 'user' AND user_id IS NOT NULL)"
    " OR (kind IN ('rotation_group', 'rotation_group_next', 'rotation_group_previous')"
    " AND rotation_id IS NOT NULL)"
    " OR (kind = 'policy_routing' AND target_policy_id IS NOT NULL)"
    " OR (kind = 'webhook' AND webhook_id IS NOT NULL)"
    " OR (kind = 'email' AND email IS NOT NULL)"
)


class EscalationEntry(Base):
    """Who or what one step pages: exactly one target, of the kind `kind` names."""

    __tablename__ = "escalation_entries"
    __table_args__ = (
        UniqueConstraint("step_id", "position"),
        CheckConstraint(_ONE_TARGET, name="one_target"),
        CheckConstraint(_TARGET_MATCHES_KIND, name="target_kind"),
        Index("ix_escalation_entries_rotation_id", "rotation_id"),
        Index("ix_escalation_entries_target_policy_id", "target_policy_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    step_id: Mapped[int] = mapped_column(ForeignKey("escalation_steps.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=True, index=True
    )
    rotation_id: Mapped[int | None] = mapped_column(
        ForeignKey("rotations.id", ondelete="CASCADE"), nullable=True
    )
    target_policy_id: Mapped[int | None] = mapped_column(
        ForeignKey("escalation_policies.id", ondelete="CASCADE"), nullable=True
    )
    webhook_id: Mapped[int | None] = mapped_column(
        ForeignKey("webhooks.id", ondelete="CASCADE"), nullable=True
    )
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)


class ScheduledOverride(Base):
    """A user away from `start` to `end`; each assignment names who covers one policy."""

    __tablename__ = "scheduled_overrides"
    __table_args__ = (
        UniqueConstraint("public_id"),
        CheckConstraint("end_at > start_at", name="end_after_start"),
        Index("ix_scheduled_overrides_org_id_end_at", "org_id", "end_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    public_id: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    time_zone: Mapped[str] = mapped_column(String(64))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime())
    end_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OverrideAssignment(Base):
    """Who covers an override's user in one escalation policy (nobody yet while `user_id` is null)."""

    __tablename__ = "override_assignments"
    __table_args__ = (UniqueConstraint("override_id", "policy_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    override_id: Mapped[int] = mapped_column(
        ForeignKey("scheduled_overrides.id", ondelete="CASCADE")
    )
    policy_id: Mapped[int] = mapped_column(
        ForeignKey("escalation_policies.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )


class OnCallTake(Base):
    """`to_user` took the on-call of `from_user` in a policy until `end_at` ("take on-call")."""

    __tablename__ = "on_call_takes"
    __table_args__ = (
        CheckConstraint("end_at > start_at", name="end_after_start"),
        Index("ix_on_call_takes_policy_id_end_at", "policy_id", "end_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    policy_id: Mapped[int] = mapped_column(ForeignKey("escalation_policies.id", ondelete="CASCADE"))
    from_user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    to_user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime())
    end_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CalendarFeed(Base):
    """A secret iCalendar URL of one user's or one team's upcoming shifts (token stored hashed)."""

    __tablename__ = "calendar_feeds"
    __table_args__ = (
        UniqueConstraint("token_hash"),
        CheckConstraint("(user_id IS NULL) <> (team_id IS NULL)", name="user_or_team"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=True, index=True
    )
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), nullable=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
