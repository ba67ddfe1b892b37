"""The one-click acknowledgement link a page carries: opening it shows the incident, the button
acknowledges as the person it was sent to; no API key needed, nothing guessable."""

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.helpers import add_user
from vigil import clock
from vigil.db import transaction
from vigil.incidents import service
from vigil.incidents.models import Incident
from vigil.incidents.service import NewIncident
from vigil.orgs.service import NewOrganization
from vigil.paging.ack_links import link_token
from vigil.people.users import get_user


def paged(sessions: sessionmaker[Session], org: NewOrganization, username: str) -> str:
    """An open incident, and the token of the link paging `username` about it."""
    with transaction(sessions) as session:
        new = NewIncident(
            routing_key="ops",
            entity_id="db",
            entity_state="CRITICAL",
            entity_display_name="db down",
        )
        incident = service.trigger(session, org.org.id, new, clock.now())
        user = get_user(session, org.org.id, username)
        return link_token(session, org.org.id, incident.id, user.id, clock.now())


def phase(sessions: sessionmaker[Session], org: NewOrganization) -> tuple[str, str | None]:
    with transaction(sessions) as session:
        incident = session.query(Incident).filter_by(org_id=org.org.id).one()
        return incident.phase, incident.acknowledged_by


def test_opening_the_link_shows_the_incident_and_changes_nothing(
    client: TestClient, anonymous: TestClient, sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    add_user(client, "ada")
    token = paged(sessions, org, "ada")
    response = anonymous.get(f"/ack/{token}")
    assert response.status_code == 200
    assert "Incident #1: db down" in response.text
    assert "Acknowledge as ada" in response.text
    assert phase(sessions, org) == ("triggered", None)


def test_pressing_the_button_acknowledges_as_the_paged_person(
    client: TestClient, anonymous: TestClient, sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    add_user(client, "ada")
    token = paged(sessions, org, "ada")
    response = anonymous.post(f"/ack/{token}")
    assert response.status_code == 200
    assert "Acknowledged by ada" in response.text
    assert phase(sessions, org) == ("acknowledged", "ada")


def test_an_incident_acknowledged_meanwhile_is_said_so(
    client: TestClient, anonymous: TestClient, sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    add_user(client, "ada")
    token = paged(sessions, org, "ada")
    anonymous.post(f"/ack/{token}")
    response = anonymous.post(f"/ack/{token}")
    assert response.status_code == 409
    assert "already acknowledged" in response.text
    assert "already acknowledged" in anonymous.get(f"/ack/{token}").text


def test_a_link_naming_nothing_is_404_and_changes_nothing(
    client: TestClient, anonymous: TestClient, sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    add_user(client, "ada")
    paged(sessions, org, "ada")
    assert anonymous.get("/ack/not-a-token").status_code == 404
    assert anonymous.post("/ack/not-a-token").status_code == 404
    assert phase(sessions, org) == ("triggered", None)


def test_the_same_person_gets_the_same_link_for_the_same_incident(
    client: TestClient, sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    add_user(client, "ada")
    token = paged(sessions, org, "ada")
    with transaction(sessions) as session:
        incident = session.query(Incident).filter_by(org_id=org.org.id).one()
        user = get_user(session, org.org.id, "ada")
        assert link_token(session, org.org.id, incident.id, user.id, clock.now()) == token
