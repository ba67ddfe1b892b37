from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from vigil.db import Base, UTCDateTime

PHASES = ("triggered", "acknowledged", "resolved")


class Incident(Base):
    """An incident: the lifecycle of one entity's trouble on one routing key.

    At most one incident per (organization, routing key, entity) is open at a time; the
    partial unique index enforces it on both databases.
    """

    __tablename__ = "incidents"
    __table_args__ = (
        UniqueConstraint("org_id", "number"),
        CheckConstraint("phase IN ('triggered', 'acknowledged', 'resolved')", name="phase"),
        Index(
            "uq_incidents_open_entity",
            "org_id",
            "routing_key",
            "entity_id",
            unique=True,
            sqlite_where=text("phase != 'resolved'"),
            postgresql_where=text("phase != 'resolved'"),
        ),
        Index("ix_incidents_org_id_phase_started_at", "org_id", "phase", "started_at"),
        Index("ix_incidents_org_id_started_at", "org_id", "started_at"),
        Index("ix_incidents_org_id_entity_id", "org_id", "entity_id"),
        # Reporting filters by host, service or routing key, newest first.
        *(
            Index(
                f"ix_incidents_org_id_{column}_started_at",
                "org_id",
                column,
                "started_at",
                postgresql_include=["phase"],
            )
            for column in ("host", "service", "routing_key")
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    phase: Mapped[str] = mapped_column(String(16))
    routing_key: Mapped[str] = mapped_column(String(200))
    entity_id: Mapped[str] = mapped_column(String(512))
    entity_display_name: Mapped[str] = mapped_column(Text, default="")
    entity_state: Mapped[str] = mapped_column(String(20))
    entity_type: Mapped[str] = mapped_column(String(20), default="SERVICE")
    state_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    host: Mapped[str | None] = mapped_column(String(512), nullable=True)
    service: Mapped[str | None] = mapped_column(String(512), nullable=True)
    monitoring_tool: Mapped[str | None] = mapped_column(String(200), nullable=True)
    alert_count: Mapped[int] = mapped_column(Integer, default=1)
    last_alert_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    last_alert_at: Mapped[datetime] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    acknowledged_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    resolved_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    seconds_to_acknowledge: Mapped[int | None] = mapped_column(Integer, nullable=True)
    seconds_to_resolve: Mapped[int | None] = mapped_column(Integer, nullable=True)
    muted: Mapped[bool] = mapped_column(Boolean, default=False)
    is_multi_responder: Mapped[bool] = mapped_column(Boolean, default=False)


class Transition(Base):
    """One entry of an incident's timeline, which is also its audit log."""

    __tablename__ = "incident_transitions"
    __table_args__ = (Index("ix_incident_transitions_incident_id", "incident_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    message: Mapped[str | None] = mapped_column(Text, nullable=True)
    manually: Mapped[bool] = mapped_column(Boolean, default=False)
    alert_id: Mapped[str | None] = mapped_column(String(36), nullable=True)


class Target(Base):
    """Whom an incident was asked to page (a manual incident, a reroute): a user (by username)
    or an escalation policy (by slug). Whom paging reached is in `Recipient`."""

    __tablename__ = "incident_targets"
    __table_args__ = (
        UniqueConstraint("incident_id", "kind", "slug"),
        CheckConstraint("kind IN ('user', 'policy')", name="kind"),
        Index("ix_incident_targets_org_id_kind_slug", "org_id", "kind", "slug"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))
    slug: Mapped[str] = mapped_column(String(200))


class Recipient(Base):
    """Someone or something an incident actually paged: a user, an escalation policy (with its
    team in `team_slug`/`team_name`) or a team. The incident's pagedUsers, pagedPolicies and
    pagedTeams are read from here; `acknowledged_at` is a responder's own acknowledgement."""

    __tablename__ = "incident_recipients"
    __table_args__ = (
        UniqueConstraint("incident_id", "kind", "ref_id"),
        CheckConstraint("kind IN ('user', 'policy', 'team')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))
    ref_id: Mapped[int] = mapped_column()
    slug: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))
    team_slug: Mapped[str | None] = mapped_column(String(40), nullable=True)
    team_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    paged_at: Mapped[datetime] = mapped_column(UTCDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class IncidentCounter(Base):
    """The last incident number an organization used: numbers are never reused."""

    __tablename__ = "incident_counters"

    org_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    last_number: Mapped[int] = mapped_column(Integer, default=0)
