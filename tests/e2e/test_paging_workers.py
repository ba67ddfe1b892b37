"""Paging with real `vigil worker` processes on PostgreSQL: a worker killed with SIGKILL
mid-escalation loses no page, and two workers at once send none twice.

Every incident pages one person by e-mail, received by a local SMTP server. A message keeps
its Message-ID across redeliveries, so a worker killed after sending but before committing
(the one duplicate at-least-once delivery allows) is recognisable to mail clients and here.
"""

import os
import signal
import time
import uuid
from collections import Counter
from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.e2e.servers import vigil_worker
from tests.notify.servers import SmtpServer, smtp_server
from vigil import clock
from vigil.db import transaction
from vigil.incidents.service import NewIncident, TargetRef, trigger
from vigil.orgs.service import NewOrganization
from vigil.people.users import UserFields, create_user

pytestmark = pytest.mark.postgres_only

INCIDENTS = 40
TIMEOUT = 30.0

__all__ = ["smtp_server"]


@pytest.fixture
def paged(sessions: sessionmaker[Session], org: NewOrganization) -> Iterator[set[str]]:
    """INCIDENTS incidents, each paging its own person (e-mail only), due now; their addresses
    (the database is shared with other tests, whose pending pages the workers send too)."""
    run = uuid.uuid4().hex[:8]
    addresses = set()
    with transaction(sessions) as session:
        for n in range(INCIDENTS):
            name = f"p{n}-{run}"
            address = f"{name}@example.com"
            create_user(session, org.org.id, UserFields(name, "P", str(n), address))
            new = NewIncident(routing_key="e2e", entity_id=f"e{n}", entity_state="CRITICAL")
            trigger(session, org.org.id, new, clock.now(), targets=[TargetRef("user", name)])
            addresses.add(address)
    yield addresses


def received(smtp: SmtpServer, addresses: set[str]) -> list[tuple[str, str]]:
    """(recipient, Message-ID) of every message that reached one of `addresses`."""
    with smtp.lock:
        mails = list(smtp.received)
    return [
        (recipient, str(mail.message["Message-ID"]))
        for mail in mails
        for recipient in mail.recipients
        if recipient in addresses
    ]


def pages(smtp: SmtpServer, addresses: set[str]) -> Counter[str]:
    """How many pages each person received, counting a redelivery (same Message-ID) once."""
    return Counter(recipient for recipient, _ in set(received(smtp, addresses)))


def wait_for(smtp: SmtpServer, addresses: set[str], count: int) -> None:
    deadline = time.monotonic() + TIMEOUT
    while (got := sum(pages(smtp, addresses).values())) < count:
        assert time.monotonic() < deadline, f"only {got} of {count} pages"
        time.sleep(0.01)


def test_a_worker_killed_mid_escalation_loses_no_page_and_sends_none_twice(
    database_url: str, paged: set[str], smtp_server: SmtpServer
) -> None:
    with vigil_worker(database_url, smtp_url=smtp_server.url) as first:
        wait_for(smtp_server, paged, 5)
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
    assert sum(pages(smtp_server, paged).values()) < INCIDENTS
    with vigil_worker(database_url, smtp_url=smtp_server.url):
        wait_for(smtp_server, paged, INCIDENTS)
        time.sleep(0.5)  # anything sent twice would have arrived by now
    assert pages(smtp_server, paged) == Counter(paged)


def test_two_workers_at_once_send_every_page_exactly_once(
    database_url: str, paged: set[str], smtp_server: SmtpServer
) -> None:
    with (
        vigil_worker(database_url, smtp_url=smtp_server.url),
        vigil_worker(database_url, smtp_url=smtp_server.url),
    ):
        wait_for(smtp_server, paged, INCIDENTS)
        time.sleep(0.5)
    assert sorted(recipient for recipient, _ in received(smtp_server, paged)) == sorted(paged)
