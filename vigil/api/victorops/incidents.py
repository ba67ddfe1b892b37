"""VictorOps incidents endpoints."""

from fastapi import APIRouter

from vigil.api.deps import TransactionalRoute

router = APIRouter(tags=["Incidents"], route_class=TransactionalRoute)
