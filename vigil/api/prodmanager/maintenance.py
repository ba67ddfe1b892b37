"""Prod Manager maintenances:

    GET  /api/maintenance                 filters below, ?page=&per_page= -> {"items": [...]}
    POST /api/maintenance/create          form: scope, service, name, service_status,
                                          scheduled_start_date, scheduled_end_date (required);
                                          description, external_reference, external_link
    GET  /api/maintenance/{id}            -> the maintenance with its `events` and `links`
    POST /api/maintenance/{id}/update     form: any of the above, status, start_date, end_date
    POST /api/maintenance/{id}/delete     -> {} (409 once it has started: cancel it instead)
    POST /api/maintenance/{id}/comment    form: comment, internal (0/1)
    GET  /api/maintenance/{id}/calendar   -> the maintenance as an iCalendar (.ics) file
    GET  /api/weather/maintenance         -> how many per status, same filters but status

A maintenance is a Vigil maintenance window that mutes no paging (`vigil.statuspages.services`):
scheduled in UTC from `scheduled_start_date` to `scheduled_end_date` (both required, 400
otherwise: Vigil schedules every window, and Prod Manager's documentation marks both required
too; the window must not be over already), started and ended by Vigil's engine on time, or by
hand: `status` in-progress starts it, succeed or failed ends it with that outcome (`start_date`
and `end_date`, when sent with that change, say when it happened; default now), canceled
cancels it. Going back to an earlier status is 409. Every field of an update is optional: only
what is sent and differs from what is stored changes, so clients sending every field back (as
Prod Manager's own form does) move nothing they did not change.

Filters (`status`, `scope`, `service`, `service_status`, `external_reference` repeatable and
OR-ed; `start_before`, `start_after`, `end_before`, `end_after` compare strictly with the
scheduled dates, `YYYY-MM-DDTHH:MM` in UTC). Latest scheduled start first.

Events are the window's timeline: `create`, `update` (every change, start and end) and
`comment`; `internal` ones (audit entries, internal comments) are never shown to anonymous
readers.
"""

from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from vigil import clock
from vigil.api.deps import DbSession, TransactionalRoute
from vigil.api.prodmanager import wire
from vigil.api.prodmanager.auth import ReaderOf, WriterOrg
from vigil.maintenance.calendar import CONTENT_TYPE, CalendarEntry, occurrence_uid, render_calendar
from vigil.statuspages import services as domain
from vigil.statuspages.services import Maintenance, MaintenanceFields, MaintenanceFilter

router = APIRouter(tags=["Prod Manager: maintenance"], route_class=TransactionalRoute)

BASE = "/api/maintenance"
WEATHER = "/api/weather/maintenance"
ICS: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/calendar": {}}, "description": "An iCalendar document"}
}

Text = Annotated[str | None, Field(max_length=300)]
LongText = Annotated[str | None, Field(max_length=20_000)]
Value = Annotated[str | None, Field(max_length=60)]


class MaintenanceForm(BaseModel):
    """The form of create and update (update also reads status, start_date, end_date)."""

    model_config = ConfigDict(extra="ignore")

    scope: Value = Field(default=None, description="The ID of the scope")
    service: Value = Field(default=None, description="The ID of the service")
    name: Text = None
    description: LongText = None
    external_reference: Annotated[str | None, Field(max_length=200)] = None
    external_link: Annotated[str | None, Field(max_length=2000)] = None
    service_status: Value = Field(default=None, description="up, degraded or down")
    scheduled_start_date: Value = Field(default=None, description="YYYY-MM-DDTHH:MM (UTC)")
    scheduled_end_date: Value = Field(default=None, description="YYYY-MM-DDTHH:MM (UTC)")
    status: Value = Field(
        default=None, description="Update only: scheduled, in-progress, succeed, failed, canceled"
    )
    start_date: Value = Field(default=None, description="Update only: when it started (UTC)")
    end_date: Value = Field(default=None, description="Update only: when it ended (UTC)")

    def fields(self, *, updating: bool) -> MaintenanceFields:
        """The domain's fields; 400 naming every field that is not well-formed."""
        problems = wire.Problems()
        if updating and self.name is not None and not self.name.strip():
            problems.add("name", "cannot be empty")
        if not updating:
            if _blank_none(self.status) not in (None, "scheduled"):
                problems.add("status", "a new maintenance is scheduled: change it by an update")
            for name in ("start_date", "end_date"):
                if _blank_none(getattr(self, name)) is not None:
                    problems.add(name, "is set by an update, not at creation")
        found = MaintenanceFields(
            name=self.name.strip() if self.name is not None else None,
            description=self.description,
            scope_id=wire.whole(self.scope, "scope", problems),
            service_id=wire.whole(self.service, "service", problems),
            service_status=_blank_none(self.service_status),
            external_ref=self.external_reference.strip()
            if self.external_reference is not None
            else None,
            external_link=wire.url(self.external_link, "external_link", problems),
            scheduled_start=wire.date(self.scheduled_start_date, "scheduled_start_date", problems),
            scheduled_end=wire.date(self.scheduled_end_date, "scheduled_end_date", problems),
            status=_blank_none(self.status) if updating else None,
            start=wire.date(self.start_date, "start_date", problems),
            end=wire.date(self.end_date, "end_date", problems),
        )
        problems.check()
        return found


def _blank_none(text: str | None) -> str | None:
    return text.strip() if text is not None and text.strip() else None


Form_ = Annotated[MaintenanceForm, Form()]
Filter = Annotated[list[str] | None, Query(description="Repeatable: values are OR-ed")]
DateFilter = Annotated[str | None, Query(description="YYYY-MM-DDTHH:MM (UTC)")]


def _filter(request: Request, *, with_status: bool = True) -> MaintenanceFilter:
    problems = wire.Problems()
    query = request.query_params

    def moment(name: str) -> Any:
        return wire.date(query.get(name), name, problems)

    found = MaintenanceFilter(
        statuses=wire.repeated(request, "status") if with_status else (),
        scopes=wire.ids(wire.repeated(request, "scope"), "scope", problems),
        services=wire.ids(wire.repeated(request, "service"), "service", problems),
        service_statuses=wire.repeated(request, "service_status"),
        external_refs=wire.repeated(request, "external_reference"),
        start_before=moment("start_before"),
        start_after=moment("start_after"),
        end_before=moment("end_before"),
        end_after=moment("end_after"),
    )
    problems.check()
    return found


def _json(
    request: Request,
    session: Session,
    maintenance: Maintenance,
    *,
    public_only: bool,
) -> dict[str, Any]:
    events = domain.maintenance_events(session, maintenance, public_only=public_only)
    return wire.maintenance_json(maintenance, request.app.state.settings.base_url, events)


@router.get(BASE, summary="List all maintenances", responses=wire.errors(400, 401))
def list_all(
    reader: ReaderOf,
    session: DbSession,
    request: Request,
    response: Response,
    status: Filter = None,
    scope: Filter = None,
    service: Filter = None,
    service_status: Filter = None,
    external_reference: Filter = None,
    start_before: DateFilter = None,
    start_after: DateFilter = None,
    end_before: DateFilter = None,
    end_after: DateFilter = None,
) -> dict[str, Any]:
    """Without `events` (get a maintenance for them); two queries whatever the page size."""
    page, per_page, offset = wire.pagination(request)
    found, total = domain.list_maintenances(
        session, reader.org_id, _filter(request), offset, per_page
    )
    wire.page_headers(response, page, per_page, total)
    base_url = request.app.state.settings.base_url
    return {"items": [wire.maintenance_json(item, base_url) for item in found]}


@router.post(f"{BASE}/create", summary="Create a maintenance", responses=wire.errors(400, 401, 403))
def create(org_id: WriterOrg, session: DbSession, request: Request, form: Form_) -> dict[str, Any]:
    created = domain.create_maintenance(
        session, org_id, form.fields(updating=False), actor=wire.ACTOR, at=clock.now()
    )
    return _json(request, session, created, public_only=False)


@router.get(
    WEATHER, summary="Maintenances count grouped by status", responses=wire.errors(400, 401)
)
def weather(
    reader: ReaderOf,
    session: DbSession,
    request: Request,
    scope: Filter = None,
    service: Filter = None,
    service_status: Filter = None,
    start_before: DateFilter = None,
    start_after: DateFilter = None,
    end_before: DateFilter = None,
    end_after: DateFilter = None,
) -> dict[str, int]:
    return domain.maintenance_weather(session, reader.org_id, _filter(request, with_status=False))


@router.get(
    f"{BASE}/{{resource_id:int}}",
    summary="Get single maintenance",
    responses=wire.errors(401, 404),
)
def get_one(
    resource_id: int, reader: ReaderOf, session: DbSession, request: Request
) -> dict[str, Any]:
    """With its `events`: anonymous readers get the public ones only."""
    found = domain.get_maintenance(session, reader.org_id, resource_id)
    return _json(request, session, found, public_only=reader.public_only)


@router.post(
    f"{BASE}/{{resource_id:int}}/update",
    summary="Update a maintenance",
    responses=wire.errors(400, 401, 403, 404, 409),
)
def update(
    resource_id: int, org_id: WriterOrg, session: DbSession, request: Request, form: Form_
) -> dict[str, Any]:
    changed = domain.update_maintenance(
        session,
        org_id,
        resource_id,
        form.fields(updating=True),
        actor=wire.ACTOR,
        at=clock.now(),
    )
    return _json(request, session, changed, public_only=False)


@router.post(
    f"{BASE}/{{resource_id:int}}/delete",
    summary="Delete a maintenance",
    responses=wire.errors(401, 403, 404, 409),
)
def delete(resource_id: int, org_id: WriterOrg, session: DbSession) -> dict[str, Any]:
    domain.delete_maintenance(session, org_id, resource_id)
    return {}


@router.post(
    f"{BASE}/{{resource_id:int}}/comment",
    summary="Comment a maintenance",
    responses=wire.errors(400, 401, 403, 404),
)
def comment(
    resource_id: int,
    org_id: WriterOrg,
    session: DbSession,
    request: Request,
    comment: Annotated[str | None, Form(max_length=20_000)] = None,
    internal: Annotated[str | None, Form(max_length=10, description="1: internal")] = None,
) -> dict[str, Any]:
    """An internal comment (`internal=1`) is never shown to anonymous readers."""
    problems = wire.Problems()
    hidden = wire.flag(internal, "internal", problems)
    if comment is None or not comment.strip():
        problems.add("comment", "this field is required")
    problems.check()
    assert comment is not None
    domain.comment_maintenance(
        session, org_id, resource_id, comment, internal=hidden, actor=wire.ACTOR, at=clock.now()
    )
    found = domain.get_maintenance(session, org_id, resource_id)
    return _json(request, session, found, public_only=False)


@router.get(
    f"{BASE}/{{resource_id:int}}/calendar",
    summary="The maintenance as an iCalendar file",
    response_class=Response,
    responses={**ICS, **wire.errors(401, 404)},
)
def calendar(resource_id: int, reader: ReaderOf, session: DbSession, request: Request) -> Response:
    """One VEVENT in UTC; its summary starts with the external reference, if any."""
    found = domain.get_maintenance(session, reader.org_id, resource_id)
    return Response(
        content=_ics(found, request.app.state.settings.base_url),
        media_type=CONTENT_TYPE,
        headers={"Content-Disposition": f'attachment; filename="maintenance-{found.id}.ics"'},
    )


def _ics(found: Maintenance, base_url: str) -> bytes:
    window, occurrence = found.window, found.occurrence
    start = occurrence.actual_start or occurrence.planned_start
    end = occurrence.actual_end or occurrence.planned_end
    if end <= start:
        start, end = occurrence.planned_start, occurrence.planned_end
    reference = f"[{window.external_ref}] " if window.external_ref else ""
    entry = CalendarEntry(
        uid=occurrence_uid(window.key, occurrence.index, urlsplit(base_url).hostname or "vigil"),
        summary=f"{reference}{window.title}",
        start=start,
        end=end,
        description=window.description,
        url=window.external_link or wire.api_url(base_url, f"/maintenance/{window.id}"),
        status="CANCELLED" if found.status == "canceled" else "CONFIRMED",
        sequence=occurrence.sequence,
    )
    return render_calendar([entry], name=window.title)
