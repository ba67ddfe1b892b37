"""VictorOps routing keys endpoints."""

from fastapi import APIRouter

from vigil.api.deps import TransactionalRoute

router = APIRouter(tags=["Routing_keys"], route_class=TransactionalRoute)
