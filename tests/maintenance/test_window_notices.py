"""A window's recipients hear about it: users, a team's on-call people, e-mail addresses and
webhooks, on create, reminder, start, end, reschedule, cancel and overrun, with times in the
window's zone and in UTC. The last tests send for real, to local SMTP and HTTP servers."""

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from tests.maintenance.builders import MONDAY, travel
from tests.maintenance.windows_builders import WindowShop, spec
from tests.notify.servers import HttpServer, SmtpServer, http_server, smtp_server
from tests.oncall.builders import person, policy, rotation, team, weekly
from vigil import clock
from vigil.config import get_settings
from vigil.db import transaction
from vigil.engine.handlers import HANDLERS
from vigil.engine.models import Timer
from vigil.engine.worker import Worker
from vigil.errors import Invalid
from vigil.maintenance import windows
from vigil.maintenance.recipients import RecipientSpec
from vigil.maintenance.recurrence import Schedule
from vigil.notify import webhooks
from vigil.orgs.service import NewOrganization
from vigil.people.models import Team

__all__ = ["http_server", "smtp_server", "travel"]

ONE_PM = datetime(2026, 3, 2, 13, 0)
DBA = RecipientSpec("email", "dba@example.com")


@pytest.fixture
def shop(sessions: sessionmaker[Session], org: NewOrganization, travel: Any) -> WindowShop:
    return WindowShop(sessions, org)


def subjects(shop: WindowShop) -> list[tuple[str, str]]:
    return [(e["address"], e["subject"]) for e in shop.emails()]


def test_recipients_hear_of_a_new_window(shop: WindowShop) -> None:
    shop.make(spec(ONE_PM, recipients=[DBA, RecipientSpec("user", "ada")]))

    assert subjects(shop) == [
        ("dba@example.com", "[Vigil] Maintenance scheduled: Database upgrade"),
        ("ada@example.com", "[Vigil] Maintenance scheduled: Database upgrade"),
    ]


def test_a_team_recipient_means_whoever_is_on_call_in_it(shop: WindowShop) -> None:
    with transaction(shop.sessions) as session:
        slug = session.scalar(select(Team.slug).where(Team.org_id == shop.org_id))
    shop.make(spec(ONE_PM, recipients=[RecipientSpec("team", str(slug))]))

    assert [address for address, _ in subjects(shop)] == ["ada@example.com"]


def test_a_team_recipient_reaches_only_that_teams_on_call(shop: WindowShop) -> None:
    with transaction(shop.sessions) as session:
        person(session, shop.org_id, "bob")
        dbas = team(session, shop.org_id, "DBAs")
        primary = rotation(session, shop.org_id, dbas, weekly("bob"))
        policy(session, shop.org_id, dbas, [("rotation_group", primary.slug)])
    shop.make(spec(ONE_PM, recipients=[RecipientSpec("team", dbas.slug)]))

    assert [address for address, _ in subjects(shop)] == ["bob@example.com"]


def test_an_unknown_recipient_is_refused(shop: WindowShop) -> None:
    with pytest.raises(Invalid, match="Unknown user recipient"):
        shop.make(spec(ONE_PM, recipients=[RecipientSpec("user", "nobody")]))


def test_times_are_shown_in_the_window_zone_and_in_utc(shop: WindowShop) -> None:
    shop.make(spec(datetime(2026, 3, 2, 14, 0), zone="Europe/Berlin", recipients=[DBA]))

    body = shop.emails()[0]["body"]
    assert "Start: Mon 02 Mar 2026 14:00 CET (Europe/Berlin) = 13:00 UTC" in body
    assert "End:   Mon 02 Mar 2026 16:00 CET (Europe/Berlin) = 15:00 UTC" in body
    assert "Scope: routing keys db" in body


def test_recipients_hear_of_a_reschedule_and_a_cancel(shop: WindowShop) -> None:
    made = shop.make(spec(ONE_PM, recipients=[DBA]))
    moved = Schedule(start=ONE_PM + timedelta(days=1), zone="UTC", duration=timedelta(hours=1))
    with transaction(shop.sessions) as session:
        windows.update_window(
            session,
            shop.org_id,
            made.window.key,
            windows.WindowChanges(schedule=moved),
            actor="bob",
            at=clock.now(),
        )
        windows.cancel_window(
            session, shop.org_id, made.window.key, actor="bob", at=clock.now(), note="Postponed"
        )

    assert [subject for _, subject in subjects(shop)][1:] == [
        "[Vigil] Maintenance rescheduled: Database upgrade",
        "[Vigil] Maintenance canceled: Database upgrade",
    ]
    assert "Start: Tue 03 Mar 2026 13:00" in shop.emails()[1]["body"]
    assert "Postponed" in shop.emails()[2]["body"]


def test_the_end_message_of_a_digest_window_lists_what_fired(shop: WindowShop, travel: Any) -> None:
    made = shop.make(spec(ONE_PM, end_behavior="digest", recipients=[DBA]))
    with transaction(shop.sessions) as session:
        windows.start_window(session, shop.org_id, made.window.key, actor="bob", at=clock.now())
    shop.open("db", "disk-7")
    shop.clear_emails()
    travel.shift(timedelta(minutes=10))

    with transaction(shop.sessions) as session:
        windows.end_window(session, shop.org_id, made.window.key, actor="bob", at=clock.now())

    [email] = shop.emails()
    assert "Incidents opened muted during the maintenance (not paged):" in email["body"]
    assert "[db] triggered: disk-7" in email["body"]


def test_the_end_message_of_a_digest_window_says_when_nothing_fired(
    shop: WindowShop, travel: Any
) -> None:
    made = shop.make(spec(ONE_PM, end_behavior="digest", recipients=[DBA]))
    with transaction(shop.sessions) as session:
        windows.start_window(session, shop.org_id, made.window.key, actor="bob", at=clock.now())
    shop.open("ops", "elsewhere-1")  # another key: not the window's to list
    shop.clear_emails()
    travel.shift(timedelta(minutes=10))

    with transaction(shop.sessions) as session:
        windows.end_window(session, shop.org_id, made.window.key, actor="bob", at=clock.now())

    [email] = shop.emails()
    assert "No incident fired during the maintenance." in email["body"]
    assert "elsewhere-1" not in email["body"]


@pytest.fixture
def delivering(
    smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch, sessions: sessionmaker[Session]
) -> Iterator[None]:
    """Deliveries go to the local SMTP server; timers other tests left behind are dropped (each
    test session has a database of its own)."""
    with transaction(sessions) as session:
        session.execute(delete(Timer))
    monkeypatch.setenv("VIGIL_SMTP_URL", smtp_server.url)
    monkeypatch.setenv("VIGIL_SMTP_FROM", "vigil@example.com")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_a_window_start_reaches_an_smtp_server_and_a_signed_webhook(
    shop: WindowShop,
    travel: Any,
    delivering: None,
    smtp_server: SmtpServer,
    http_server: HttpServer,
) -> None:
    with transaction(shop.sessions) as session:
        hook = webhooks.create_webhook(session, shop.org_id, "Chat", f"{http_server.url}/hook")
    made = shop.make(spec(ONE_PM, recipients=[DBA, RecipientSpec("webhook", hook.slug)]))
    travel.move_to(MONDAY + timedelta(hours=1))

    Worker(shop.sessions, HANDLERS).run_due()

    assert [m.message["Subject"] for m in smtp_server.received] == [
        "[Vigil] Maintenance scheduled: Database upgrade",
        "[Vigil] Maintenance started: Database upgrade",
    ]
    started = http_server.requests[-1].json()
    assert started["kind"] == "maintenance"
    assert started["data"]["event"] == "started"
    assert started["data"]["windowId"] == made.window.key
    assert started["data"]["actualStart"] == "2026-03-02T13:00:00Z"
    assert http_server.requests[-1].headers["x-vigil-signature"].startswith("sha256=")
