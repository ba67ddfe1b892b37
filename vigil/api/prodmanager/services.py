"""Prod Manager services (Compute, Database): the routes of `vigil.api.prodmanager.scopes`
under `/api/service` (list, create, get, update, delete).

Vigil extension: `component`, a status-page component's id (as the Instatus API gives it), on
create and update ("" to clear) and in every service: the service's maintenances show on that
component's page, the component under maintenance while they run."""

from typing import Annotated, Any

from fastapi import Form, Request

from vigil.api.prodmanager.scopes import PlaceApi, place_router
from vigil.statuspages import services as domain
from vigil.statuspages.models import Service


async def component_field(
    request: Request,
    component: Annotated[
        str | None,
        Form(
            max_length=40,
            description="Vigil: the status-page component showing this service's maintenances"
            ' ("" for none)',
        ),
    ] = None,
) -> dict[str, Any]:
    """`component` as sent: FastAPI reads an empty field as a missing one, and "" clears it."""
    sent = (await request.form()).get("component")
    return {} if sent is None else {"component": str(sent)}


SERVICES = PlaceApi(
    kind=Service,
    create=domain.create_service,
    get=domain.get_service,
    listed=domain.list_services,
    update=domain.update_service,
    delete=domain.delete_service,
    form_extras=component_field,
    json_extras=lambda session, services: {
        service_id: {"component": key}
        for service_id, key in domain.service_components(session, services).items()
    },
)

router = place_router(SERVICES, "service", "Prod Manager: services")
