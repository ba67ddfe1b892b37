from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from vigil.db import Base, UTCDateTime

END_BEHAVIORS = ("repage", "digest", "none")
"""What ending a mode does with incidents still triggered on its keys: page them again from the
first escalation step (VictorOps), send the on-call one message listing them, or nothing."""


class MaintenanceMode(Base):
    """One maintenance mode instance (`mm-...`): its routing keys are muted from `started_at`
    until `ended_at`; a global mode (no keys) mutes every key.

    At most one global mode is active per organization; the partial unique index enforces it.
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
            sqlite_where=text("is_global AND ended_at IS NULL"),
            postgresql_where=text("is_global AND ended_at IS NULL"),
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
