"""Public incidents of a page (`vigil.statuspages.incidents`): opened with their components,
updated, resolved; the page shows their components' status until they are resolved."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy.orm import Session, sessionmaker

from tests.maintenance.builders import MONDAY
from vigil import clock
from vigil.db import transaction
from vigil.errors import Invalid, NotFound
from vigil.orgs.service import NewOrganization
from vigil.statuspages import components, incidents, pages, status
from vigil.statuspages.components import ComponentFields
from vigil.statuspages.incidents import IncidentUpdateFields
from vigil.statuspages.models import StatusPage
from vigil.statuspages.pages import PageFields


@pytest.fixture
def travel() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def session(sessions: sessionmaker[Session], travel: time_machine.Traveller) -> Iterator[Session]:
    with transaction(sessions) as opened:
        yield opened


@pytest.fixture
def page(session: Session, org: NewOrganization) -> StatusPage:
    made = pages.create_page(
        session, org.org.id, PageFields(name="Acme", subdomain=f"acme-{org.org.id}"), at=clock.now()
    )
    for name in ("Website", "API"):
        components.create_component(session, made, ComponentFields(name=name), at=clock.now())
    return made


def key_of(session: Session, page: StatusPage, name: str) -> str:
    return next(c.key for c, _ in components.list_components(session, page) if c.name == name)


def shown(session: Session, page: StatusPage) -> dict[str, str]:
    found = status.component_statuses(session, page, clock.now())
    names = {c.id: c.name for c, _ in components.list_components(session, page)}
    return {names[i]: s for i, s in found.items()}


def open_incident(session: Session, page: StatusPage, **statuses: str) -> str:
    made = incidents.create_incident(
        session,
        page,
        name="Website down",
        components={key_of(session, page, name): s for name, s in statuses.items()},
        first=IncidentUpdateFields(message="Looking into it"),
        at=clock.now(),
    )
    return made.key


def test_an_incident_opens_investigating_with_its_first_update(
    session: Session, page: StatusPage
) -> None:
    key = open_incident(session, page, Website="MAJOROUTAGE")
    view = incidents.view(session, incidents.get_incident(session, page, key))
    assert view.incident.status == "INVESTIGATING"
    assert view.incident.started_at == MONDAY
    assert [(u.status, u.message) for u in view.updates] == [("INVESTIGATING", "Looking into it")]
    assert [(c.name, s) for c, s in view.components] == [("Website", "MAJOROUTAGE")]


def test_an_open_incident_shows_on_its_components(session: Session, page: StatusPage) -> None:
    open_incident(session, page, Website="PARTIALOUTAGE")
    assert shown(session, page) == {"Website": "PARTIALOUTAGE", "API": "OPERATIONAL"}


def test_a_resolved_incident_no_longer_shows(session: Session, page: StatusPage) -> None:
    key = open_incident(session, page, Website="MAJOROUTAGE")
    resolved = incidents.resolve_incident(session, page, key, at=clock.now())
    assert (resolved.status, resolved.resolved_at) == ("RESOLVED", MONDAY)
    assert shown(session, page) == {"Website": "OPERATIONAL", "API": "OPERATIONAL"}


def test_an_update_moves_the_incident_to_its_status(
    session: Session, page: StatusPage, travel: time_machine.Traveller
) -> None:
    key = open_incident(session, page)
    travel.shift(timedelta(minutes=5))
    incidents.add_update(
        session, page, key, IncidentUpdateFields("Found it", "IDENTIFIED"), at=clock.now()
    )
    found = incidents.get_incident(session, page, key)
    assert found.status == "IDENTIFIED"
    assert [u.message for u in incidents.list_updates(session, page, key)] == [
        "Found it",
        "Looking into it",
    ]


def test_an_update_without_a_status_keeps_the_incidents(session: Session, page: StatusPage) -> None:
    key = open_incident(session, page)
    update = incidents.add_update(session, page, key, IncidentUpdateFields("More"), at=clock.now())
    assert update.status == "INVESTIGATING"


def test_reopening_a_resolved_incident_clears_its_resolution(
    session: Session, page: StatusPage, travel: time_machine.Traveller
) -> None:
    key = open_incident(session, page)
    incidents.resolve_incident(session, page, key, at=clock.now())
    travel.shift(timedelta(minutes=5))
    incidents.add_update(
        session, page, key, IncidentUpdateFields("Back", "INVESTIGATING"), at=clock.now()
    )
    found = incidents.get_incident(session, page, key)
    assert (found.status, found.resolved_at) == ("INVESTIGATING", None)


def test_changing_an_incident_replaces_its_components(session: Session, page: StatusPage) -> None:
    key = open_incident(session, page, Website="MAJOROUTAGE")
    incidents.update_incident(
        session,
        page,
        key,
        at=clock.now(),
        name="API slow",
        components={key_of(session, page, "API"): "DEGRADEDPERFORMANCE"},
    )
    assert incidents.get_incident(session, page, key).name == "API slow"
    assert shown(session, page) == {"Website": "OPERATIONAL", "API": "DEGRADEDPERFORMANCE"}


def test_changing_only_the_name_posts_no_update(session: Session, page: StatusPage) -> None:
    key = open_incident(session, page)
    incidents.update_incident(session, page, key, at=clock.now(), name="Renamed")
    assert len(incidents.list_updates(session, page, key)) == 1


def test_editing_the_latest_update_status_moves_the_incident(
    session: Session, page: StatusPage
) -> None:
    key = open_incident(session, page)
    [first] = incidents.list_updates(session, page, key)
    incidents.edit_update(session, page, key, first.key, IncidentUpdateFields(status="MONITORING"))
    assert incidents.get_incident(session, page, key).status == "MONITORING"


def test_deleting_the_latest_update_brings_back_the_previous_status(
    session: Session, page: StatusPage, travel: time_machine.Traveller
) -> None:
    key = open_incident(session, page)
    travel.shift(timedelta(minutes=1))
    update = incidents.add_update(
        session, page, key, IncidentUpdateFields("Fixed", "RESOLVED"), at=clock.now()
    )
    incidents.delete_update(session, page, key, update.key)
    found = incidents.get_incident(session, page, key)
    assert (found.status, found.resolved_at) == ("INVESTIGATING", None)


def test_incidents_are_listed_latest_first(
    session: Session, page: StatusPage, travel: time_machine.Traveller
) -> None:
    first = open_incident(session, page)
    travel.shift(timedelta(hours=1))
    second = open_incident(session, page)
    listed = incidents.list_incidents(session, page)
    assert [i.key for i in listed] == [second, first]
    assert [i.key for i in incidents.list_incidents(session, page, offset=1, limit=1)] == [first]


def test_a_deleted_incident_is_gone(session: Session, page: StatusPage) -> None:
    key = open_incident(session, page, Website="MAJOROUTAGE")
    incidents.delete_incident(session, page, key)
    with pytest.raises(NotFound):
        incidents.get_incident(session, page, key)
    assert shown(session, page)["Website"] == "OPERATIONAL"


def test_an_unknown_status_is_refused(session: Session, page: StatusPage) -> None:
    with pytest.raises(Invalid, match="Unknown incident status 'BROKEN'"):
        incidents.create_incident(
            session,
            page,
            name="x",
            components={},
            first=IncidentUpdateFields(status="BROKEN"),
            at=clock.now(),
        )


def test_an_unknown_component_is_refused(session: Session, page: StatusPage) -> None:
    with pytest.raises(Invalid, match="Unknown component"):
        incidents.create_incident(
            session,
            page,
            name="x",
            components={"cknope": "MAJOROUTAGE"},
            first=IncidentUpdateFields(),
            at=clock.now(),
        )


def test_an_empty_name_is_refused(session: Session, page: StatusPage) -> None:
    with pytest.raises(Invalid, match="name"):
        incidents.create_incident(
            session, page, name="  ", components={}, first=IncidentUpdateFields(), at=clock.now()
        )


def test_translations_are_for_the_name_only(session: Session, page: StatusPage) -> None:
    with pytest.raises(Invalid, match="Translations"):
        incidents.create_incident(
            session,
            page,
            name="x",
            components={},
            first=IncidentUpdateFields(),
            at=clock.now(),
            translations={"message": {"fr": "non"}},
        )
