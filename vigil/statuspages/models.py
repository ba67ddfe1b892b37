from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from vigil.db import Base, UTCDateTime

COMPONENT_STATUSES = (
    "OPERATIONAL",
    "UNDERMAINTENANCE",
    "DEGRADEDPERFORMANCE",
    "PARTIALOUTAGE",
    "MINOROUTAGE",
    "MAJOROUTAGE",
)
"""Least to most severe: a component shows the most severe status any cause gives it."""
INCIDENT_STATUSES = ("INVESTIGATING", "IDENTIFIED", "MONITORING", "RESOLVED")
SERVICE_STATUSES = ("up", "degraded", "down")
"""Prod Manager's expected impact of a maintenance on its service."""


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{value}'" for value in values) + ")"


_COMPONENT_STATUS_CHECK = _one_of("status", COMPONENT_STATUSES)


class StatusPage(Base):
    """A public status page, served at `/status/{subdomain}`."""

    __tablename__ = "status_pages"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    subdomain: Mapped[str] = mapped_column(String(63), unique=True)
    color: Mapped[str | None] = mapped_column(String(20), nullable=True)
    logo_url: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    public_email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    zone: Mapped[str] = mapped_column(String(64), default="UTC")
    language: Mapped[str] = mapped_column(String(10), default="en")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ComponentGroup(Base):
    """A named, ordered group of components on one page (collapsible on the page)."""

    __tablename__ = "component_groups"
    __table_args__ = (UniqueConstraint("page_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    page_id: Mapped[int] = mapped_column(ForeignKey("status_pages.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)


class Component(Base):
    """Something a page reports on. `status` is the one set by hand (or by the dialects'
    APIs); what the page shows also counts maintenance in progress and open incidents (see
    `vigil.statuspages.status`)."""

    __tablename__ = "components"
    __table_args__ = (
        CheckConstraint(_COMPONENT_STATUS_CHECK, name="status"),
        Index("ix_components_page_id_position", "page_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    page_id: Mapped[int] = mapped_column(ForeignKey("status_pages.id", ondelete="CASCADE"))
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("component_groups.id", ondelete="SET NULL"), nullable=True
    )
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    show_uptime: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(20), default="OPERATIONAL")
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    translations: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    """`{"name": {"fr": ...}, "description": {"fr": ...}}`, shown by the page's language."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class WindowComponent(Base):
    """A maintenance window's component, with the status it shows while the window is in
    progress (the component's own status comes back when it ends)."""

    __tablename__ = "maintenance_window_components"
    __table_args__ = (
        UniqueConstraint("window_id", "component_id"),
        CheckConstraint(_COMPONENT_STATUS_CHECK, name="status"),
        Index("ix_maintenance_window_components_component_id", "component_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    window_id: Mapped[int] = mapped_column(ForeignKey("maintenance_windows.id", ondelete="CASCADE"))
    component_id: Mapped[int] = mapped_column(ForeignKey("components.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20), default="UNDERMAINTENANCE")


class WindowPublication(Base):
    """How a maintenance window shows on status pages: its translations and whether the page's
    subscribers are told (Instatus' `notifyStart`, `notifyEnd`; `notifyEarly` is the window's
    own reminder)."""

    __tablename__ = "maintenance_window_publications"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    window_id: Mapped[int] = mapped_column(
        ForeignKey("maintenance_windows.id", ondelete="CASCADE"), unique=True
    )
    page_id: Mapped[int] = mapped_column(ForeignKey("status_pages.id", ondelete="CASCADE"))
    translations: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    """`{"name": {"fr": ...}, "message": {"fr": ...}}`."""
    notify_start: Mapped[bool] = mapped_column(Boolean, default=True)
    notify_end: Mapped[bool] = mapped_column(Boolean, default=True)
    notify_early_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    """Unused (always NULL): the early notice is `MaintenanceWindow.reminders`. Left for a
    migration to drop."""


class StatusIncident(Base):
    """A public incident on a page (INVESTIGATING → IDENTIFIED → MONITORING → RESOLVED),
    optionally linked to the paging incident behind it."""

    __tablename__ = "status_incidents"
    __table_args__ = (
        CheckConstraint(_one_of("status", INCIDENT_STATUSES), name="status"),
        Index("ix_status_incidents_page_id_started_at", "page_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    page_id: Mapped[int] = mapped_column(ForeignKey("status_pages.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20), default="INVESTIGATING")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incidents.id", ondelete="SET NULL"), nullable=True
    )
    translations: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class StatusIncidentComponent(Base):
    """A component a public incident affects, and the status it gives it while open."""

    __tablename__ = "status_incident_components"
    __table_args__ = (
        UniqueConstraint("status_incident_id", "component_id"),
        CheckConstraint(_COMPONENT_STATUS_CHECK, name="status"),
        Index("ix_status_incident_components_component_id", "component_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    status_incident_id: Mapped[int] = mapped_column(
        ForeignKey("status_incidents.id", ondelete="CASCADE")
    )
    component_id: Mapped[int] = mapped_column(ForeignKey("components.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20), default="MAJOROUTAGE")


class StatusIncidentUpdate(Base):
    """One update of a public incident: its status then and what was said."""

    __tablename__ = "status_incident_updates"
    __table_args__ = (Index("ix_status_incident_updates_status_incident_id", "status_incident_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    status_incident_id: Mapped[int] = mapped_column(
        ForeignKey("status_incidents.id", ondelete="CASCADE")
    )
    key: Mapped[str] = mapped_column(String(40), unique=True)
    status: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(Text, default="")
    notify: Mapped[bool] = mapped_column(Boolean, default=True)
    translations: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Subscriber(Base):
    """Someone told about a page's incidents and maintenance: an e-mail address (after it
    confirmed, double opt-in) or a stored webhook; all components, or only those listed."""

    __tablename__ = "status_subscribers"
    __table_args__ = (
        CheckConstraint(
            "(kind = 'email' AND email IS NOT NULL AND webhook_id IS NULL)"
            " OR (kind = 'webhook' AND webhook_id IS NOT NULL AND email IS NULL)",
            name="one_target",
        ),
        UniqueConstraint("page_id", "email"),
        UniqueConstraint("page_id", "webhook_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    page_id: Mapped[int] = mapped_column(ForeignKey("status_pages.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    webhook_id: Mapped[int | None] = mapped_column(
        ForeignKey("webhooks.id", ondelete="CASCADE"), nullable=True
    )
    components: Mapped[list[str]] = mapped_column(JSON, default=list)
    """Component ids (keys) the subscriber follows; empty: the whole page."""
    token: Mapped[str] = mapped_column(String(64), unique=True)
    """The secret in its confirmation and unsubscribe links."""
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Scope(Base):
    """Prod Manager's scope (a region, an availability zone): every Prod Manager maintenance
    names one scope and one service. Its integer `id` is Prod Manager's id on the wire."""

    __tablename__ = "scopes"
    __table_args__ = (UniqueConstraint("org_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Service(Base):
    """Prod Manager's service (Compute, Database): the other half of a maintenance's place.
    Shown on a status page as `component_id`, when set: its maintenances show there."""

    __tablename__ = "services"
    __table_args__ = (
        UniqueConstraint("org_id", "name"),
        Index("ix_services_component_id", "component_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    component_id: Mapped[int | None] = mapped_column(
        ForeignKey("components.id", ondelete="SET NULL"), nullable=True
    )


class WindowService(Base):
    """A maintenance window made as a Prod Manager maintenance: its scope, service and the
    service's expected status while it runs. Scopes and services in use cannot be deleted."""

    __tablename__ = "maintenance_window_services"
    __table_args__ = (
        CheckConstraint(_one_of("service_status", SERVICE_STATUSES), name="service_status"),
        Index("ix_maintenance_window_services_scope_id", "scope_id"),
        Index("ix_maintenance_window_services_service_id", "service_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    window_id: Mapped[int] = mapped_column(
        ForeignKey("maintenance_windows.id", ondelete="CASCADE"), unique=True
    )
    scope_id: Mapped[int] = mapped_column(ForeignKey("scopes.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    service_status: Mapped[str] = mapped_column(String(10))
