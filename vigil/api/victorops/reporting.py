"""VictorOps reporting endpoints."""

from fastapi import APIRouter

from vigil.api.deps import TransactionalRoute

router = APIRouter(tags=["Reporting"], route_class=TransactionalRoute)
