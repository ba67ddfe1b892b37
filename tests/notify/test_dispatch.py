"""Requesting deliveries and the engine handler: send, record every attempt, retry with backoff.

These run the real worker (`Worker(sessions, HANDLERS)`) against the local SMTP and HTTP servers,
with the clock moved by time_machine instead of sleeping.
"""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from tests.notify.helpers import TIMEOUT, page
from tests.notify.servers import HttpServer, Reply, SmtpServer
from vigil.config import get_settings
from vigil.db import transaction
from vigil.engine import timers
from vigil.engine.models import Timer
from vigil.engine.worker import Worker
from vigil.errors import Invalid
from vigil.incidents import service
from vigil.incidents.models import Incident
from vigil.notify import webhooks
from vigil.notify.dispatch import HANDLERS, KIND, backoff, request_delivery
from vigil.notify.message import Notification
from vigil.notify.models import Delivery
from vigil.notify.webhook import sign
from vigil.orgs.service import NewOrganization
from vigil.people.users import UserFields, create_user, delete_user

T0 = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)
BACKOFF = 30.0


@pytest.fixture(autouse=True)
def no_other_deliveries(sessions: sessionmaker[Session]) -> Iterator[None]:
    """A worker claims every due delivery in the database, whichever test left it behind."""
    clear_delivery_timers(sessions)
    yield
    clear_delivery_timers(sessions)


def clear_delivery_timers(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        session.execute(delete(Timer).where(Timer.kind == KIND))


@pytest.fixture(autouse=True)
def configured(
    monkeypatch: pytest.MonkeyPatch, smtp_server: SmtpServer, http_server: HttpServer
) -> Iterator[None]:
    """The handler reads VIGIL_* settings, as in production: point them at the local servers."""
    environment = {
        "VIGIL_SMTP_URL": smtp_server.url,
        "VIGIL_SMTP_FROM": "vigil@example.com",
        "VIGIL_BASE_URL": "https://vigil.example.com",
        "VIGIL_TWILIO_BASE_URL": http_server.url,
        "VIGIL_TWILIO_ACCOUNT_SID": "AC0123456789abcdef",
        "VIGIL_TWILIO_AUTH_TOKEN": "token-secret",
        "VIGIL_TWILIO_FROM_NUMBER": "+15005550006",
        "VIGIL_NTFY_BASE_URL": http_server.url,
        "VIGIL_DELIVERY_TIMEOUT_SECONDS": str(TIMEOUT),
        "VIGIL_DELIVERY_MAX_ATTEMPTS": "3",
        "VIGIL_WEBHOOK_MAX_ATTEMPTS": "4",
        "VIGIL_DELIVERY_BACKOFF_SECONDS": str(BACKOFF),
        "VIGIL_DELIVERY_MAX_BACKOFF_SECONDS": "600",
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def frozen() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def worker(sessions: sessionmaker[Session]) -> Worker:
    return Worker(sessions, HANDLERS)


def request(
    sessions: sessionmaker[Session],
    org: NewOrganization,
    channel: str = "email",
    address: str = "ada@example.com",
    notification: Notification | None = None,
    **ids: int | None,
) -> None:
    with transaction(sessions) as session:
        request_delivery(
            session,
            org.org.id,
            channel=channel,
            address=address,
            notification=notification or page(7),
            **ids,
        )


def recorded(sessions: sessionmaker[Session], org: NewOrganization) -> list[Delivery]:
    with transaction(sessions) as session:
        query = select(Delivery).where(Delivery.org_id == org.org.id).order_by(Delivery.id)
        return list(session.scalars(query))


def attempts(sessions: sessionmaker[Session], org: NewOrganization) -> list[tuple[str, int]]:
    return [(delivery.status, delivery.attempt) for delivery in recorded(sessions, org)]


def pending(sessions: sessionmaker[Session], org: NewOrganization) -> list[Timer]:
    with transaction(sessions) as session:
        return timers.pending(session, org.org.id, KIND)


def open_incident(sessions: sessionmaker[Session], org: NewOrganization, entity: str) -> Incident:
    new = service.NewIncident(routing_key="ops", entity_id=entity, entity_state="CRITICAL")
    with transaction(sessions) as session:
        return service.trigger(session, org.org.id, new, T0)


# --- Requesting ----------------------------------------------------------------------------------


def test_requesting_a_delivery_writes_a_timer_due_now_and_sends_nothing_yet(
    sessions: sessionmaker[Session],
    org: NewOrganization,
    smtp_server: SmtpServer,
    frozen: time_machine.Traveller,
) -> None:
    request(sessions, org)
    [timer] = pending(sessions, org)
    assert timer.due_at == T0
    assert timer.payload["channel"] == "email"
    assert Notification.from_payload(timer.payload["notification"]) == page(7)
    assert smtp_server.received == []
    assert recorded(sessions, org) == []


def test_a_request_rolled_back_with_its_transaction_is_never_sent(
    sessions: sessionmaker[Session], org: NewOrganization, worker: Worker, smtp_server: SmtpServer
) -> None:
    with sessions() as session, session.begin():
        request_delivery(
            session, org.org.id, channel="email", address="ada@example.com", notification=page()
        )
        session.rollback()
    assert worker.run_due() == 0
    assert smtp_server.received == []


def test_an_unknown_channel_is_refused(
    sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    with pytest.raises(Invalid, match="pigeon"):
        request(sessions, org, channel="pigeon")


def test_a_webhook_delivery_needs_its_webhook(
    sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    with pytest.raises(Invalid, match="webhook"):
        request(sessions, org, channel="webhook", address="https://example.com/hook")


def test_an_empty_address_is_refused(sessions: sessionmaker[Session], org: NewOrganization) -> None:
    with pytest.raises(Invalid, match="address"):
        request(sessions, org, address=" ")


# --- Sending and recording -----------------------------------------------------------------------


def test_the_worker_sends_an_email_and_records_it_as_sent(
    sessions: sessionmaker[Session],
    org: NewOrganization,
    worker: Worker,
    smtp_server: SmtpServer,
    frozen: time_machine.Traveller,
) -> None:
    incident = open_incident(sessions, org, "disk")
    request(sessions, org, incident_id=incident.id)
    assert worker.run_due() == 1
    [mail] = smtp_server.received
    assert mail.message["Subject"] == "[Vigil] Incident #7: Disk 95% full on db-1"
    [delivery] = recorded(sessions, org)
    assert delivery.channel == "email"
    assert delivery.address == "ada@example.com"
    assert delivery.subject == "[Vigil] Incident #7: Disk 95% full on db-1"
    assert (delivery.status, delivery.attempt, delivery.error) == ("sent", 1, None)
    assert delivery.incident_id == incident.id
    assert delivery.at == T0
    assert pending(sessions, org) == []


@pytest.mark.parametrize(
    ("channel", "address", "path"),
    [
        ("sms", "+15551230001", "/2010-04-01/Accounts/AC0123456789abcdef/Messages.json"),
        ("voice", "+15551230001", "/2010-04-01/Accounts/AC0123456789abcdef/Calls.json"),
        ("push", "ops-alerts", "/ops-alerts"),
    ],
)
def test_each_http_channel_is_sent_through_its_provider(
    sessions: sessionmaker[Session],
    org: NewOrganization,
    worker: Worker,
    http_server: HttpServer,
    channel: str,
    address: str,
    path: str,
) -> None:
    request(sessions, org, channel=channel, address=address)
    worker.run_due()
    assert [r.path for r in http_server.requests] == [path]
    assert attempts(sessions, org) == [("sent", 1)]


def test_a_webhook_is_called_with_its_stored_url_and_secret(
    sessions: sessionmaker[Session], org: NewOrganization, worker: Worker, http_server: HttpServer
) -> None:
    with transaction(sessions) as session:
        hook = webhooks.create_webhook(
            session, org.org.id, "Chat", f"{http_server.url}/hook", "0123456789abcdef"
        )
    request(sessions, org, channel="webhook", address=hook.url, webhook_id=hook.id)
    worker.run_due()
    [call] = http_server.requests
    assert call.path == "/hook"
    assert call.headers["x-vigil-signature"] == sign("0123456789abcdef", call.body)
    [delivery] = recorded(sessions, org)
    assert (delivery.channel, delivery.address, delivery.status) == ("webhook", hook.url, "sent")


def test_a_webhook_removed_before_its_call_is_recorded_as_failed_without_retry(
    sessions: sessionmaker[Session], org: NewOrganization, worker: Worker, http_server: HttpServer
) -> None:
    with transaction(sessions) as session:
        hook = webhooks.create_webhook(session, org.org.id, "Chat", f"{http_server.url}/hook")
    request(sessions, org, channel="webhook", address=hook.url, webhook_id=hook.id)
    with transaction(sessions) as session:
        webhooks.delete_webhook(session, webhooks.get_webhook(session, org.org.id, hook.slug))
    worker.run_due()
    assert http_server.requests == []
    [delivery] = recorded(sessions, org)
    assert delivery.status == "failed"
    assert delivery.error == "the webhook was removed before it could be called"
    assert pending(sessions, org) == []


def test_a_delivery_to_a_user_deleted_meanwhile_is_recorded_without_the_user(
    sessions: sessionmaker[Session], org: NewOrganization, worker: Worker
) -> None:
    with transaction(sessions) as session:
        user = create_user(session, org.org.id, UserFields("ada", "Ada", "L", "ada@example.com"))
    request(sessions, org, user_id=user.id)
    with transaction(sessions) as session:
        delete_user(session, org.org.id, "ada", None)
    worker.run_due()
    [delivery] = recorded(sessions, org)
    assert (delivery.status, delivery.user_id) == ("sent", None)


def test_the_user_paged_is_recorded(
    sessions: sessionmaker[Session], org: NewOrganization, worker: Worker
) -> None:
    with transaction(sessions) as session:
        user = create_user(session, org.org.id, UserFields("ada", "Ada", "L", "ada@example.com"))
    request(sessions, org, user_id=user.id)
    worker.run_due()
    assert recorded(sessions, org)[0].user_id == user.id


# --- Retries -------------------------------------------------------------------------------------


def test_a_temporary_failure_is_recorded_and_retried_after_the_backoff(
    sessions: sessionmaker[Session],
    org: NewOrganization,
    worker: Worker,
    smtp_server: SmtpServer,
    frozen: time_machine.Traveller,
) -> None:
    smtp_server.fail(1, "451 4.3.0 Mailbox busy")
    request(sessions, org)
    worker.run_due()
    [failed] = recorded(sessions, org)
    assert (failed.status, failed.attempt) == ("failed", 1)
    assert (
        failed.error == "mail server answered 451 4.3.0 Mailbox busy (attempt 1 of 3; next in 30s)"
    )
    [retry] = pending(sessions, org)
    assert retry.due_at == T0 + timedelta(seconds=BACKOFF)
    assert retry.payload["attempt"] == 2


def test_a_retry_waits_for_its_backoff(
    sessions: sessionmaker[Session],
    org: NewOrganization,
    worker: Worker,
    smtp_server: SmtpServer,
    frozen: time_machine.Traveller,
) -> None:
    smtp_server.fail(1)
    request(sessions, org)
    worker.run_due()
    frozen.shift(timedelta(seconds=BACKOFF - 1))
    assert worker.run_due() == 0
    frozen.shift(timedelta(seconds=1))
    assert worker.run_due() == 1
    assert len(smtp_server.received) == 1
    assert attempts(sessions, org) == [("failed", 1), ("sent", 2)]


def test_backoff_doubles_after_each_failure(
    sessions: sessionmaker[Session],
    org: NewOrganization,
    worker: Worker,
    http_server: HttpServer,
    frozen: time_machine.Traveller,
) -> None:
    http_server.fail(2, 503)
    request(sessions, org, channel="push", address="ops")
    due = []
    for _ in range(2):
        worker.run_due()
        [retry] = pending(sessions, org)
        due.append(retry.due_at - T0)
        frozen.move_to(retry.due_at)
    assert due == [timedelta(seconds=30), timedelta(seconds=30 + 60)]
    worker.run_due()
    assert attempts(sessions, org) == [("failed", 1), ("failed", 2), ("sent", 3)]


def test_after_the_last_attempt_the_final_failure_is_recorded_and_nothing_retried(
    sessions: sessionmaker[Session],
    org: NewOrganization,
    worker: Worker,
    http_server: HttpServer,
    frozen: time_machine.Traveller,
) -> None:
    http_server.fail(10, 503)
    request(sessions, org, channel="sms", address="+15551230001")
    for _ in range(5):
        worker.run_due()
        frozen.shift(timedelta(hours=1))
    assert attempts(sessions, org) == [("failed", 1), ("failed", 2), ("failed", 3)]
    assert recorded(sessions, org)[-1].error == (
        "SMS provider answered 503 Service Unavailable: unavailable (gave up after 3 attempts)"
    )
    assert pending(sessions, org) == []
    assert len(http_server.requests) == 3


def test_webhooks_have_their_own_number_of_attempts(
    sessions: sessionmaker[Session],
    org: NewOrganization,
    worker: Worker,
    http_server: HttpServer,
    frozen: time_machine.Traveller,
) -> None:
    http_server.fail(10, 500)
    with transaction(sessions) as session:
        hook = webhooks.create_webhook(session, org.org.id, "Chat", f"{http_server.url}/hook")
    request(sessions, org, channel="webhook", address=hook.url, webhook_id=hook.id)
    for _ in range(6):
        worker.run_due()
        frozen.shift(timedelta(hours=1))
    assert [attempt for _, attempt in attempts(sessions, org)] == [1, 2, 3, 4]


def test_every_attempt_of_a_webhook_carries_the_same_delivery_id(
    sessions: sessionmaker[Session],
    org: NewOrganization,
    worker: Worker,
    http_server: HttpServer,
    frozen: time_machine.Traveller,
) -> None:
    http_server.fail(1, 500)
    with transaction(sessions) as session:
        hook = webhooks.create_webhook(session, org.org.id, "Chat", f"{http_server.url}/hook")
    request(sessions, org, channel="webhook", address=hook.url, webhook_id=hook.id)
    worker.run_due()
    frozen.shift(timedelta(seconds=BACKOFF))
    worker.run_due()
    first, second = http_server.requests
    assert first.headers["x-vigil-delivery"] == second.headers["x-vigil-delivery"]
    assert first.json()["id"] == second.json()["id"]


def test_a_permanent_failure_is_recorded_once_and_not_retried(
    sessions: sessionmaker[Session],
    org: NewOrganization,
    worker: Worker,
    smtp_server: SmtpServer,
    frozen: time_machine.Traveller,
) -> None:
    smtp_server.refuse("nobody@example.com")
    request(sessions, org, address="nobody@example.com")
    worker.run_due()
    [delivery] = recorded(sessions, org)
    assert delivery.status == "failed"
    assert delivery.error is not None and delivery.error.startswith("mail server refused")
    assert "attempt" not in delivery.error
    assert pending(sessions, org) == []


def test_a_timeout_is_retried(
    sessions: sessionmaker[Session],
    org: NewOrganization,
    worker: Worker,
    http_server: HttpServer,
    frozen: time_machine.Traveller,
) -> None:
    http_server.reply(Reply(delay=5.0))
    request(sessions, org, channel="push", address="ops")
    worker.run_due()
    [delivery] = recorded(sessions, org)
    assert delivery.error == "push server: no answer within 0.5s (attempt 1 of 3; next in 30s)"
    assert len(pending(sessions, org)) == 1


def test_backoff_is_capped() -> None:
    settings = get_settings()
    assert backoff(settings, 1) == timedelta(seconds=30)
    assert backoff(settings, 5) == timedelta(seconds=480)
    assert backoff(settings, 6) == timedelta(seconds=600)
    assert backoff(settings, 1000) == timedelta(seconds=600)
