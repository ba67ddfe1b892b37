"""The on-call users are e-mailed when a maintenance mode starts and when it ends."""

from typing import Any

import pytest
import time_machine
from sqlalchemy.orm import Session, sessionmaker

from tests.maintenance.builders import MONDAY, Shop, travel
from vigil.orgs.service import NewOrganization

__all__ = ["travel"]


@pytest.fixture
def shop(sessions: sessionmaker[Session], org: NewOrganization, travel: Any) -> Shop:
    return Shop(sessions, org)


def test_starting_a_mode_emails_the_on_call(shop: Shop) -> None:
    mode = shop.start("ops", "db", purpose="Kernel upgrade")

    [email] = shop.emails()
    assert email["address"] == "ada@example.com"
    assert email["kind"] == "maintenance"
    assert email["subject"] == "[Vigil] Maintenance mode started: Kernel upgrade"
    assert mode.instance_id in email["body"]
    assert "routing keys ops, db" in email["body"]


def test_ending_a_mode_emails_the_on_call(shop: Shop) -> None:
    mode = shop.start(purpose="")
    shop.clear_emails()

    shop.end(mode)

    [email] = shop.emails()
    assert email["subject"] == "[Vigil] Maintenance mode ended: all routing keys"
    assert "Paging resumes on all routing keys." in email["body"]


def test_a_repage_is_mentioned_in_the_end_email(shop: Shop) -> None:
    mode = shop.start("ops")
    shop.open("ops")
    shop.clear_emails()

    shop.end(mode)

    assert "1 incident(s) still triggered are paged again." in shop.emails()[0]["body"]


def test_nobody_on_call_means_no_email(
    sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    """The rotation only begins on MONDAY: a year earlier, no one is on call."""
    with time_machine.travel(MONDAY.replace(year=2025), tick=False):
        shop = Shop(sessions, org)
        shop.start("ops")

        assert shop.emails() == []
