"""Subscribers: double opt-in by e-mail, one-click unsubscribe, and the maintenance of the
pages they follow (all of it, or only their components)."""

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from tests.helpers import run_all_due
from tests.maintenance.builders import MONDAY, travel
from tests.maintenance.windows_builders import spec
from tests.notify.servers import SmtpServer, smtp_server
from tests.statuspages.test_status import Board
from vigil import clock
from vigil.config import get_settings
from vigil.db import transaction
from vigil.engine.handlers import HANDLERS
from vigil.engine.models import Timer
from vigil.errors import Invalid
from vigil.notify import webhooks
from vigil.notify.dispatch import KIND as DELIVERY
from vigil.orgs.service import NewOrganization
from vigil.statuspages import subscribers
from vigil.statuspages.models import StatusPage, Subscriber, WindowPublication

__all__ = ["smtp_server", "travel"]

ONE_PM = datetime(2026, 3, 2, 13, 0)


class Readers(Board):
    """A board whose page has subscribers; deliveries are read from the engine's timers."""

    def page_row(self, session: Session) -> StatusPage:
        page = session.get(StatusPage, self.page.id)
        assert page is not None
        return page

    def subscribe(self, email: str, *components: str, confirmed: bool = True) -> Subscriber:
        with transaction(self.sessions) as session:
            keys = [self.keys[name] for name in components]
            found = subscribers.subscribe_email(
                session, self.page_row(session), email, keys, at=clock.now()
            )
            if confirmed:
                subscribers.confirm(session, found, clock.now())
            return found

    def window(self, *components: str, **fields: Any) -> str:
        made = self.make(spec(ONE_PM, keys=(), mutes_paging=False, **fields))
        self.publish(made.window.key, {name: "UNDERMAINTENANCE" for name in components})
        return made.window.key

    def run_everything(self) -> None:
        run_all_due(self.sessions, {k: v for k, v in HANDLERS.items() if k != DELIVERY})

    def sent(self) -> list[tuple[str, str]]:
        """(address, subject) of every delivery requested to a subscriber, in order."""
        with transaction(self.sessions) as session:
            payloads = session.scalars(
                select(Timer.payload)
                .where(Timer.org_id == self.org_id, Timer.kind == DELIVERY)
                .order_by(Timer.id)
            )
            return [
                (p["address"], p["notification"]["subject"])
                for p in payloads
                if p["notification"]["kind"] == "status"
            ]


@pytest.fixture
def readers(sessions: sessionmaker[Session], org: NewOrganization, travel: Any) -> Readers:
    return Readers(sessions, org)


def test_subscribing_sends_a_confirmation_link(readers: Readers) -> None:
    found = readers.subscribe("reader@example.com", confirmed=False)

    [(address, subject)] = readers.sent()
    assert (address, subject) == ("reader@example.com", "[Acme] Confirm your subscription")
    assert found.confirmed_at is None


def test_an_unconfirmed_address_hears_nothing(readers: Readers) -> None:
    readers.subscribe("reader@example.com", confirmed=False)
    readers.window("API")

    readers.run_everything()

    assert [subject for _, subject in readers.sent()] == ["[Acme] Confirm your subscription"]


def test_a_subscriber_hears_of_new_maintenance_its_start_and_its_end(
    readers: Readers, travel: Any
) -> None:
    readers.subscribe("reader@example.com")
    readers.window("API")
    readers.run_everything()
    travel.move_to(MONDAY + timedelta(hours=1))
    readers.run_everything()
    travel.move_to(MONDAY + timedelta(hours=3))
    readers.run_everything()

    assert [subject for _, subject in readers.sent()][-3:] == [
        "[Acme] Maintenance scheduled: Database upgrade",
        "[Acme] Maintenance started: Database upgrade",
        "[Acme] Maintenance completed: Database upgrade",
    ]


def test_a_subscriber_of_one_component_hears_only_of_its_maintenance(readers: Readers) -> None:
    readers.subscribe("api@example.com", "API")
    readers.subscribe("web@example.com", "Website")
    readers.window("API")

    readers.run_everything()

    told = [address for address, subject in readers.sent() if "Maintenance" in subject]
    assert told == ["api@example.com"]


def test_a_publication_can_keep_the_start_quiet(readers: Readers, travel: Any) -> None:
    readers.subscribe("reader@example.com")
    key = readers.window("API")
    with transaction(readers.sessions) as session:
        window_id = readers.get(key).window.id
        session.add(
            WindowPublication(
                org_id=readers.org_id,
                window_id=window_id,
                page_id=readers.page.id,
                translations={},
                notify_start=False,
                notify_end=True,
            )
        )
    travel.move_to(MONDAY + timedelta(hours=1))

    readers.run_everything()

    assert readers.get(key).current.status == "in_progress"
    assert [subject for _, subject in readers.sent()] == [
        "[Acme] Confirm your subscription",
        "[Acme] Maintenance scheduled: Database upgrade",
    ]


def test_a_webhook_subscriber_follows_without_confirming(readers: Readers) -> None:
    with transaction(readers.sessions) as session:
        hook = webhooks.create_webhook(session, readers.org_id, "Chat", "http://127.0.0.1:9/hook")
        subscribers.subscribe_webhook(
            session, readers.page_row(session), hook.slug, [], at=clock.now()
        )
    readers.window("API")

    readers.run_everything()

    assert readers.sent() == [
        ("http://127.0.0.1:9/hook", "[Acme] Maintenance scheduled: Database upgrade")
    ]


def test_an_unknown_component_is_refused(readers: Readers) -> None:
    with pytest.raises(Invalid, match="Unknown component"), transaction(readers.sessions) as s:
        subscribers.subscribe_email(
            s, readers.page_row(s), "a@example.com", ["nope"], at=clock.now()
        )


def test_subscribing_through_the_page_then_confirming_by_the_link(
    readers: Readers, anonymous: TestClient
) -> None:
    base = f"/status/{readers.page.subdomain}"
    answer = anonymous.post(f"{base}/subscribe", data={"email": "reader@example.com"})
    assert answer.status_code == 200
    assert "Check your inbox" in answer.text
    with transaction(readers.sessions) as session:
        body = session.scalars(
            select(Timer.payload).where(Timer.org_id == readers.org_id, Timer.kind == DELIVERY)
        ).one()["notification"]["body"]
    link = re.search(r"/status/\S+/subscription/\w+", body)
    assert link is not None

    shown = anonymous.get(link.group(0))
    confirmed = anonymous.post(link.group(0))

    assert "Confirm" in shown.text and "<form" in shown.text
    assert "Subscribed" in confirmed.text
    with transaction(readers.sessions) as session:
        [subscriber] = session.scalars(
            select(Subscriber).where(Subscriber.page_id == readers.page.id)
        ).all()
        assert subscriber.confirmed_at is not None


def test_one_click_unsubscribe_removes_the_subscriber(
    readers: Readers, anonymous: TestClient
) -> None:
    found = readers.subscribe("reader@example.com")
    link = f"/status/{readers.page.subdomain}/subscription/{found.token}/unsubscribe"

    answer = anonymous.post(link, data={"List-Unsubscribe": "One-Click"})

    assert answer.status_code == 200
    with transaction(readers.sessions) as session:
        assert session.scalars(select(Subscriber).where(Subscriber.id == found.id)).all() == []


def test_a_bad_address_or_an_unknown_link_is_refused(
    readers: Readers, anonymous: TestClient
) -> None:
    base = f"/status/{readers.page.subdomain}"
    assert anonymous.post(f"{base}/subscribe", data={"email": "not an address"}).status_code == 400
    assert anonymous.get(f"{base}/subscription/nope").status_code == 404
    assert anonymous.post(f"{base}/subscription/nope/unsubscribe").status_code == 404


@pytest.fixture
def mail(
    smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch, sessions: sessionmaker[Session]
) -> Iterator[SmtpServer]:
    """E-mail goes to a local SMTP server; timers other tests left due are dropped first."""
    with transaction(sessions) as session:
        session.execute(delete(Timer))
    monkeypatch.setenv("VIGIL_SMTP_URL", smtp_server.url)
    get_settings.cache_clear()
    yield smtp_server
    get_settings.cache_clear()


def test_a_subscriber_receives_the_confirmation_and_then_the_maintenance_by_smtp(
    readers: Readers, mail: SmtpServer
) -> None:
    readers.subscribe("reader@example.com")
    readers.window("API")

    run_all_due(readers.sessions, HANDLERS)

    received = {str(m.message["Subject"]): m.message for m in mail.received}
    assert "[Acme] Confirm your subscription" in received
    scheduled = received["[Acme] Maintenance scheduled: Database upgrade"]
    assert scheduled["To"] == "reader@example.com"
    assert "/unsubscribe>" in str(scheduled["List-Unsubscribe"])
    assert "Affected: API" in scheduled.get_content()
