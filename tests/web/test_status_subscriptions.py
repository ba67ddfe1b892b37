"""Subscribing to a public page through its HTML forms: the answers, in the page's own look, and
every way a request can miss (unknown page, unknown or foreign link, bad address). The whole
subscription flow (confirmation mail, one-click unsubscribe) is in tests/statuspages."""

import html

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.conftest import QueryCounter
from tests.web.test_status_page import Site, site, text_of, travel
from vigil import clock
from vigil.db import transaction
from vigil.statuspages import pages, subscribers
from vigil.statuspages.models import Subscriber

__all__ = ["site", "travel"]

LINKS = [
    ("GET", ""),
    ("POST", ""),
    ("GET", "/unsubscribe"),
    ("POST", "/unsubscribe"),
]


def subscribed(site: Site, subdomain: str, email: str, *, confirmed: bool = False) -> str:
    """A subscriber of the page made through the domain; returns its link's token."""
    with transaction(site.sessions) as session:
        page = pages.get_page(session, site.org_id, subdomain)
        found = subscribers.subscribe_email(session, page, email, [], at=clock.now())
        if confirmed:
            subscribers.confirm(session, found, clock.now())
        return found.token


def stored(site: Site, token: str) -> Subscriber | None:
    with transaction(site.sessions) as session:
        found = session.scalars(select(Subscriber).where(Subscriber.token == token)).one_or_none()
        if found is not None:
            session.expunge(found)
        return found


def test_an_answer_is_in_the_page_look_and_language(site: Site, anonymous: TestClient) -> None:
    subdomain = site.page("Acme", language="fr", color="#112233")

    answer = anonymous.post(f"/status/{subdomain}/subscribe", data={"email": "a@example.com"})

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    assert '<html lang="fr">' in answer.text
    assert "<title>Check your inbox · Acme status</title>" in answer.text
    assert "border-top:6px solid #112233" in answer.text
    assert f'<a class="brand" href="/status/{subdomain}">' in answer.text
    assert "If a@example.com can receive mail" in text_of(answer.text)


def test_subscribing_to_an_unknown_page_is_the_not_found_page(anonymous: TestClient) -> None:
    answer = anonymous.post("/status/nobody-here/subscribe", data={"email": "a@example.com"})

    assert answer.status_code == 404
    assert "Status page not found" in answer.text
    assert "/status/nobody-here" in answer.text


def test_a_bad_address_is_refused_and_shown_escaped(site: Site, anonymous: TestClient) -> None:
    subdomain = site.page()

    answer = anonymous.post(f"/status/{subdomain}/subscribe", data={"email": "<b>not@mail"})

    assert answer.status_code == 400
    assert "<title>Not subscribed · Acme status</title>" in answer.text
    assert "<b>" not in answer.text
    with transaction(site.sessions) as session:
        page = pages.get_page(session, site.org_id, subdomain)
        assert (
            session.scalars(select(Subscriber.id).where(Subscriber.page_id == page.id)).all() == []
        )


def test_a_missing_address_is_a_400(site: Site, anonymous: TestClient) -> None:
    answer = anonymous.post(f"/status/{site.page()}/subscribe", data={})

    assert answer.status_code == 400
    assert "email" in answer.json()["error"]


@pytest.mark.parametrize(("method", "suffix"), LINKS)
def test_an_unknown_link_is_a_404_on_the_page(
    site: Site, anonymous: TestClient, method: str, suffix: str
) -> None:
    subdomain = site.page()

    answer = anonymous.request(method, f"/status/{subdomain}/subscription/nope{suffix}")

    assert answer.status_code == 404
    assert "<title>Link not valid · Acme status</title>" in answer.text
    assert "<form" not in answer.text


@pytest.mark.parametrize(("method", "suffix"), LINKS)
def test_a_link_of_another_page_is_not_valid_here(
    site: Site, anonymous: TestClient, method: str, suffix: str
) -> None:
    mine, other = site.page(), site.page("Other")
    token = subscribed(site, other, "a@example.com")

    answer = anonymous.request(method, f"/status/{mine}/subscription/{token}{suffix}")

    assert answer.status_code == 404
    assert "Link not valid" in answer.text
    found = stored(site, token)
    assert found is not None and found.confirmed_at is None


@pytest.mark.parametrize(("method", "suffix"), LINKS)
def test_a_link_under_an_unknown_page_is_the_not_found_page(
    site: Site, anonymous: TestClient, method: str, suffix: str
) -> None:
    token = subscribed(site, site.page(), "a@example.com")

    answer = anonymous.request(method, f"/status/nobody-here/subscription/{token}{suffix}")

    assert answer.status_code == 404
    assert "Status page not found" in answer.text
    assert stored(site, token) is not None


def test_opening_the_confirm_link_only_shows_the_button(site: Site, anonymous: TestClient) -> None:
    subdomain = site.page()
    token = subscribed(site, subdomain, "a@example.com")
    link = f"/status/{subdomain}/subscription/{token}"

    shown = anonymous.get(link)

    assert shown.status_code == 200
    assert f'<form method="post" action="{link}"><button type="submit">Confirm' in shown.text
    found = stored(site, token)
    assert found is not None and found.confirmed_at is None


def test_a_confirmed_link_says_so_without_a_button(site: Site, anonymous: TestClient) -> None:
    subdomain = site.page()
    token = subscribed(site, subdomain, "a@example.com", confirmed=True)

    shown = anonymous.get(f"/status/{subdomain}/subscription/{token}")

    assert shown.status_code == 200
    assert "This subscription is already confirmed." in shown.text
    assert "<form" not in shown.text


def test_opening_the_unsubscribe_link_only_asks(site: Site, anonymous: TestClient) -> None:
    subdomain = site.page()
    token = subscribed(site, subdomain, "a@example.com", confirmed=True)
    link = f"/status/{subdomain}/subscription/{token}/unsubscribe"

    shown = anonymous.get(link)

    assert shown.status_code == 200
    assert "Stop sending Acme's updates to a@example.com?" in html.unescape(text_of(shown.text))
    assert f'<form method="post" action="{link}">' in shown.text
    assert stored(site, token) is not None


@pytest.mark.parametrize(
    ("method", "suffix", "count"),
    [("GET", "", 2), ("POST", "", 3), ("GET", "/unsubscribe", 2), ("POST", "/unsubscribe", 3)],
)
def test_a_link_takes_a_few_queries(
    site: Site,
    anonymous: TestClient,
    queries: QueryCounter,
    method: str,
    suffix: str,
    count: int,
) -> None:
    subdomain = site.page()
    token = subscribed(site, subdomain, "a@example.com")
    queries.statements.clear()

    answer = anonymous.request(method, f"/status/{subdomain}/subscription/{token}{suffix}")

    assert answer.status_code == 200
    assert queries.count == count, queries.statements
