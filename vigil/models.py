"""Every domain's tables, imported in one place so Alembic and tests see the whole schema."""

from vigil.db import Base
from vigil.engine.models import Timer
from vigil.orgs.models import ApiKey, Organization
from vigil.people.models import ContactMethod, Team, TeamMembership, User

metadata = Base.metadata

__all__ = [
    "ApiKey",
    "ContactMethod",
    "Organization",
    "Team",
    "TeamMembership",
    "Timer",
    "User",
    "metadata",
]
