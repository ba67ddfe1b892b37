from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from vigil.db import Base, UTCDateTime

END_BEHAVIORS = ("repage", "digest", "none")
"""What ending a mode does with incidents still triggered on its keys: page them again from the
first escalation step (VictorOps), send the on-call one message listing them, or nothing."""


class MaintenanceMode(Base):
    """One maintenance mode instance (`mm-...`): its routing keys are muted from `started_at`
    until `ended_at`; a global mode (no keys) mutes every key.

    At most one global mode started by hand is active per organization; the partial unique
    index enforces it (a global window's mode is exempt, see `modes.start_mode`).
    """

    __tablename__ = "maintenance_modes"
    __table_args__ = (
        CheckConstraint("end_behavior IN ('repage', 'digest', 'none')", name="end_behavior"),
        CheckConstraint("ended_at IS NULL OR ended_at >= started_at", name="ended_after_start"),
        Index("ix_maintenance_modes_org_id_ended_at", "org_id", "ended_at"),
        Index("ix_maintenance_modes_org_id_is_global_ended_at", "org_id", "is_global", "ended_at"),
        Index(
            "uq_maintenance_modes_active_global",
            "org_id",
            unique=True,
            sqlite_where=text("is_global AND ended_at IS NULL AND window_id IS NULL"),
            postgresql_where=text("is_global AND ended_at IS NULL AND window_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    instance_id: Mapped[str] = mapped_column(String(40), unique=True)
    is_global: Mapped[bool] = mapped_column(Boolean)
    purpose: Mapped[str] = mapped_column(Text, default="")
    started_by: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    end_behavior: Mapped[str] = mapped_column(String(8), default="repage")
    window_id: Mapped[int | None] = mapped_column(nullable=True)
    """The scheduled maintenance window that opened this mode, if any."""
    exceptions: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, nullable=True)
    """Alerts that still page while the mode mutes (a window's exceptions, copied at start)."""


class MaintenanceModeKey(Base):
    """A routing key (by name) a non-global maintenance mode mutes."""

    __tablename__ = "maintenance_mode_keys"
    __table_args__ = (
        UniqueConstraint("mode_id", "name"),
        Index("ix_maintenance_mode_keys_org_id_name", "org_id", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    mode_id: Mapped[int] = mapped_column(ForeignKey("maintenance_modes.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))


OCCURRENCE_STATUSES = ("scheduled", "in_progress", "completed", "canceled")
OUTCOMES = ("succeeded", "failed")
RECIPIENT_KINDS = ("user", "team", "email", "webhook")


class MaintenanceWindow(Base):
    """A maintenance window scheduled ahead (`mw-...`): what it mutes, when (a wall-clock start
    in an IANA zone, a duration, optionally an RRULE), and what happens around it.

    Its occurrences are rows of `maintenance_occurrences`, made one at a time: the next one is
    stored (with its planned instants) when the window is made and each time one finishes, so
    the engine never re-expands a series to know what is due.
    """

    __tablename__ = "maintenance_windows"
    __table_args__ = (
        CheckConstraint("end_behavior IN ('repage', 'digest', 'none')", name="end_behavior"),
        CheckConstraint("duration_seconds > 0", name="positive_duration"),
        Index("ix_maintenance_windows_org_id_external_ref", "org_id", "external_ref"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    is_global: Mapped[bool] = mapped_column(Boolean)
    mutes_paging: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    """False for a window that only shows on status pages: it names no routing key and opens
    no maintenance mode."""
    zone: Mapped[str] = mapped_column(String(64))
    start_local: Mapped[datetime] = mapped_column(DateTime())
    """The planned start as wall-clock time in `zone` (the first occurrence's, for a series)."""
    duration_seconds: Mapped[int] = mapped_column(Integer)
    rrule: Mapped[str | None] = mapped_column(Text, nullable=True)
    auto_start: Mapped[bool] = mapped_column(Boolean, default=True)
    auto_end: Mapped[bool] = mapped_column(Boolean, default=True)
    end_behavior: Mapped[str] = mapped_column(String(8), default="repage")
    exceptions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    """Alerts that still page while the window mutes (see `vigil.maintenance.exceptions`)."""
    reminders: Mapped[list[int]] = mapped_column(JSON, default=list)
    """Minutes before each occurrence's start at which recipients are reminded."""
    external_ref: Mapped[str | None] = mapped_column(String(200), nullable=True)
    external_link: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    canceled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    """When the whole series was canceled: no further occurrence is made."""
    schedule_revision: Mapped[int] = mapped_column(Integer, default=0)
    """How many times the schedule changed: the iCalendar SEQUENCE of occurrences made after a
    change starts there, so calendars replace the old times of every later occurrence."""
    index_base: Mapped[int] = mapped_column(Integer, default=0)
    """Added to the schedule's occurrence numbers: raised past every stored occurrence when the
    schedule changes, so occurrences of the old and new schedules never share a number."""


class MaintenanceWindowKey(Base):
    """A routing key (by name) a non-global window mutes while in progress."""

    __tablename__ = "maintenance_window_keys"
    __table_args__ = (
        UniqueConstraint("window_id", "name"),
        Index("ix_maintenance_window_keys_org_id_name", "org_id", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    window_id: Mapped[int] = mapped_column(ForeignKey("maintenance_windows.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))


class MaintenanceOccurrence(Base):
    """One occurrence of a window, with its own state: planned and actual times, the mode it
    opened while in progress, and how it went."""

    __tablename__ = "maintenance_occurrences"
    __table_args__ = (
        UniqueConstraint("window_id", "index"),
        CheckConstraint(
            "status IN ('scheduled', 'in_progress', 'completed', 'canceled')", name="status"
        ),
        CheckConstraint("outcome IS NULL OR outcome IN ('succeeded', 'failed')", name="outcome"),
        CheckConstraint("planned_end > planned_start", name="planned_end_after_start"),
        CheckConstraint(
            "actual_end IS NULL OR actual_end >= actual_start", name="actual_end_after_start"
        ),
        Index("ix_maintenance_occurrences_org_id_planned_start", "org_id", "planned_start"),
        Index("ix_maintenance_occurrences_org_id_status", "org_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    window_id: Mapped[int] = mapped_column(ForeignKey("maintenance_windows.id", ondelete="CASCADE"))
    index: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default="scheduled")
    outcome: Mapped[str | None] = mapped_column(String(10), nullable=True)
    planned_start: Mapped[datetime] = mapped_column(UTCDateTime())
    planned_end: Mapped[datetime] = mapped_column(UTCDateTime())
    actual_start: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    actual_end: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    mode_id: Mapped[int | None] = mapped_column(
        ForeignKey("maintenance_modes.id", ondelete="SET NULL"), nullable=True
    )
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    """Bumped at each reschedule, so calendars update the event in place (iCalendar SEQUENCE)."""


class MaintenanceWindowRecipient(Base):
    """Who hears about a window: a user, a team's on-call people, an e-mail address or a
    stored webhook (exactly one of them)."""

    __tablename__ = "maintenance_window_recipients"
    __table_args__ = (
        CheckConstraint(
            "(kind = 'user' AND user_id IS NOT NULL AND team_id IS NULL AND email IS NULL"
            " AND webhook_id IS NULL)"
            " OR (kind = 'team' AND team_id IS NOT NULL AND user_id IS NULL AND email IS NULL"
            " AND webhook_id IS NULL)"
            " OR (kind = 'email' AND email IS NOT NULL AND user_id IS NULL AND team_id IS NULL"
            " AND webhook_id IS NULL)"
            " OR (kind = 'webhook' AND webhook_id IS NOT NULL AND user_id IS NULL"
            " AND team_id IS NULL AND email IS NULL)",
            name="one_target",
        ),
        Index("ix_maintenance_window_recipients_window_id", "window_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    window_id: Mapped[int] = mapped_column(ForeignKey("maintenance_windows.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=True
    )
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), nullable=True
    )
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    webhook_id: Mapped[int | None] = mapped_column(
        ForeignKey("webhooks.id", ondelete="CASCADE"), nullable=True
    )


class MaintenanceWindowEvent(Base):
    """A window's timeline: public updates, internal comments, and every change with who made
    it and when (append-only)."""

    __tablename__ = "maintenance_window_events"
    __table_args__ = (Index("ix_maintenance_window_events_window_id_at", "window_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    window_id: Mapped[int] = mapped_column(ForeignKey("maintenance_windows.id", ondelete="CASCADE"))
    occurrence_index: Mapped[int | None] = mapped_column(Integer, nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    body: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class MaintenanceCalendarFeed(Base):
    """A secret iCalendar URL of an organization's upcoming maintenance windows, optionally only
    those muting one routing key (token stored hashed; revoked by deleting the row)."""

    __tablename__ = "maintenance_calendar_feeds"
    __table_args__ = (UniqueConstraint("token_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64))
    routing_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
