"""Every domain's tables, imported in one place so Alembic and tests see the whole schema."""

from vigil.alerts.models import Alert, RoutingKey
from vigil.db import Base
from vigil.engine.models import Timer
from vigil.incidents.models import Incident, IncidentCounter, Target, Transition
from vigil.notify.models import Delivery, Webhook
from vigil.orgs.models import ApiKey, Organization
from vigil.people.models import ContactMethod, Team, TeamMembership, User

metadata = Base.metadata

__all__ = [
    "Alert",
    "ApiKey",
    "ContactMethod",
    "Delivery",
    "Incident",
    "IncidentCounter",
    "Organization",
    "RoutingKey",
    "Target",
    "Team",
    "TeamMembership",
    "Timer",
    "Transition",
    "User",
    "Webhook",
    "metadata",
]
