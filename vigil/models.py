"""Every domain's tables, imported in one place so Alembic and tests see the whole schema."""

from vigil.alerts.models import Alert, RoutingKey, RoutingKeyPolicy
from vigil.db import Base
from vigil.engine.models import Timer
from vigil.incidents.models import Incident, IncidentCounter, Recipient, Target, Transition
from vigil.maintenance.models import (
    MaintenanceCalendarFeed,
    MaintenanceMode,
    MaintenanceModeKey,
    MaintenanceOccurrence,
    MaintenanceWindow,
    MaintenanceWindowEvent,
    MaintenanceWindowKey,
    MaintenanceWindowRecipient,
)
from vigil.notify.models import Delivery, Webhook
from vigil.oncall.models import (
    CalendarFeed,
    EscalationEntry,
    EscalationPolicy,
    EscalationStep,
    OnCallTake,
    OverrideAssignment,
    Rotation,
    RotationMember,
    RotationShift,
    ScheduledOverride,
)
from vigil.orgs.models import ApiKey, Organization
from vigil.paging.models import AckLink, ContactThrottle
from vigil.people.models import ContactMethod, PagingRule, PagingStep, Team, TeamMembership, User
from vigil.statuspages.models import (
    Component,
    ComponentGroup,
    Scope,
    Service,
    StatusIncident,
    StatusIncidentComponent,
    StatusIncidentUpdate,
    StatusPage,
    Subscriber,
    WindowComponent,
    WindowPublication,
    WindowService,
)

metadata = Base.metadata

__all__ = [
    "AckLink",
    "Alert",
    "ApiKey",
    "CalendarFeed",
    "Component",
    "ComponentGroup",
    "ContactMethod",
    "ContactThrottle",
    "Delivery",
    "EscalationEntry",
    "EscalationPolicy",
    "EscalationStep",
    "Incident",
    "IncidentCounter",
    "MaintenanceCalendarFeed",
    "MaintenanceMode",
    "MaintenanceModeKey",
    "MaintenanceOccurrence",
    "MaintenanceWindow",
    "MaintenanceWindowEvent",
    "MaintenanceWindowKey",
    "MaintenanceWindowRecipient",
    "OnCallTake",
    "Organization",
    "OverrideAssignment",
    "PagingRule",
    "PagingStep",
    "Recipient",
    "Rotation",
    "RotationMember",
    "RotationShift",
    "RoutingKey",
    "RoutingKeyPolicy",
    "ScheduledOverride",
    "Scope",
    "Service",
    "StatusIncident",
    "StatusIncidentComponent",
    "StatusIncidentUpdate",
    "StatusPage",
    "Subscriber",
    "Target",
    "Team",
    "TeamMembership",
    "Timer",
    "Transition",
    "User",
    "Webhook",
    "WindowComponent",
    "WindowPublication",
    "WindowService",
    "metadata",
]
