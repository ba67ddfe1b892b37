"""VictorOps alerts endpoints."""

from fastapi import APIRouter

from vigil.api.deps import TransactionalRoute

router = APIRouter(tags=["Alerts"], route_class=TransactionalRoute)
