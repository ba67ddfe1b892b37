"""Prod Manager services (Compute, Database): the routes of `vigil.api.prodmanager.scopes`
under `/api/service` (list, create, get, update, delete)."""

from vigil.api.prodmanager.scopes import PlaceApi, place_router
from vigil.statuspages import services as domain
from vigil.statuspages.models import Service

SERVICES = PlaceApi(
    kind=Service,
    create=domain.create_service,
    get=domain.get_service,
    listed=domain.list_services,
    update=domain.update_service,
    delete=domain.delete_service,
)

router = place_router(SERVICES, "service", "Prod Manager: services")
