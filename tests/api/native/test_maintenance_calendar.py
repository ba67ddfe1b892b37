"""Maintenance windows as iCalendar feeds: /api/v1/maintenance/calendar.ics with the API
headers, and secret /maintenance/calendar/<token>.ics URLs calendar applications subscribe to
without them. Read back with `icalendar`."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar, Event
from sqlalchemy.orm import Session, sessionmaker

from tests.api.native.test_maintenance_windows import read_only_key
from tests.conftest import QueryCounter, vo_headers
from tests.maintenance.builders import MONDAY, travel
from tests.maintenance.windows_builders import WindowShop, spec
from vigil import clock
from vigil.db import transaction
from vigil.maintenance import windows
from vigil.orgs.service import NewOrganization

__all__ = ["travel"]

FEED = "/api/v1/maintenance/calendar"
ICS = f"{FEED}.ics"
HOUR = timedelta(hours=1)
ONE_PM = datetime(2026, 3, 2, 13, 0)
"""An hour after the frozen clock (MONDAY 12:00 UTC), as naive UTC wall-clock time."""
DOMAIN = "127.0.0.1"
"""The host of the test settings' base URL, which UIDs end with."""


@pytest.fixture
def shop(sessions: sessionmaker[Session], org: NewOrganization, travel: Any) -> WindowShop:
    return WindowShop(sessions, org)


def events(response: Any) -> list[Event]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    return [event for event in calendar.walk("VEVENT") if isinstance(event, Event)]


def summaries(response: Any) -> list[str]:
    return [str(event["summary"]) for event in events(response)]


def titled(title: str, start: datetime, **fields: Any) -> windows.WindowSpec:
    return replace(spec(start, **fields), title=title)


def secret_url(client: TestClient, body: dict[str, Any] | None = None) -> str:
    response = client.post(FEED, json=body or {})
    assert response.status_code == 200, response.text
    url: str = response.json()["url"]
    return url.removeprefix("http://127.0.0.1:8080")


def test_the_feed_has_one_event_per_occurrence(shop: WindowShop, client: TestClient) -> None:
    made = shop.make(spec(ONE_PM, rrule="FREQ=DAILY;COUNT=2"))

    found = events(client.get(ICS))

    key = made.window.key
    assert [str(e["uid"]) for e in found] == [f"{key}-0@{DOMAIN}", f"{key}-1@{DOMAIN}"]
    assert [(e.decoded("dtstart"), e.decoded("dtend")) for e in found] == [
        (MONDAY + HOUR, MONDAY + 3 * HOUR),
        (MONDAY + HOUR + timedelta(days=1), MONDAY + 3 * HOUR + timedelta(days=1)),
    ]
    assert [str(e["summary"]) for e in found] == ["Database upgrade"] * 2
    assert all(str(e["description"]) == "Mutes: db" for e in found)


def test_uids_are_stable_across_reads(shop: WindowShop, client: TestClient, travel: Any) -> None:
    shop.make(spec(ONE_PM, rrule="FREQ=WEEKLY"))
    first = [str(e["uid"]) for e in events(client.get(ICS))]
    travel.shift(timedelta(minutes=30))

    assert [str(e["uid"]) for e in events(client.get(ICS))] == first


def test_the_feed_covers_a_day_back_to_ninety_days_ahead(
    shop: WindowShop, client: TestClient, travel: Any
) -> None:
    shop.make(spec(ONE_PM, rrule="FREQ=DAILY"))

    found = events(client.get(ICS))

    starts = [e.decoded("dtstart") for e in found]
    assert starts[0] == MONDAY + HOUR
    assert starts[-1] < MONDAY + timedelta(days=90)
    assert len(found) == 90


def test_a_canceled_occurrence_is_cancelled_in_the_feed(
    shop: WindowShop, client: TestClient
) -> None:
    made = shop.make(spec(ONE_PM, rrule="FREQ=DAILY;COUNT=2"))
    with transaction(shop.sessions) as session:
        windows.cancel_window(session, shop.org_id, made.window.key, actor="bob", at=clock.now())

    found = events(client.get(ICS))

    assert [(str(e["uid"]), str(e["status"])) for e in found] == [
        (f"{made.window.key}-0@{DOMAIN}", "CANCELLED"),
        (f"{made.window.key}-1@{DOMAIN}", "CONFIRMED"),
    ]


def test_a_daily_window_keeps_its_wall_clock_time_across_the_spring_change(
    shop: WindowShop, client: TestClient
) -> None:
    shop.make(
        spec(
            datetime(2026, 3, 28, 2, 30),
            hours=1,
            zone="Europe/Berlin",
            rrule="FREQ=DAILY;COUNT=3",
        )
    )

    found = events(client.get(ICS))

    assert [e.decoded("dtstart") for e in found] == [
        datetime(2026, 3, 28, 1, 30, tzinfo=UTC),  # 02:30 CET
        datetime(2026, 3, 29, 1, 30, tzinfo=UTC),  # 02:30 does not exist: 03:30 CEST
        datetime(2026, 3, 30, 0, 30, tzinfo=UTC),  # 02:30 CEST
    ]


def test_the_feed_can_keep_to_the_windows_muting_one_routing_key(
    shop: WindowShop, client: TestClient
) -> None:
    shop.make(titled("Database", ONE_PM, keys=("db",)))
    shop.make(titled("Ops", ONE_PM + HOUR, keys=("ops",)))
    shop.make(titled("Everything", ONE_PM + 2 * HOUR, keys=(), is_global=True))

    assert summaries(client.get(ICS, params={"routingKey": "ops"})) == ["Ops", "Everything"]


def test_an_unknown_routing_key_is_a_bad_request(shop: WindowShop, client: TestClient) -> None:
    response = client.get(ICS, params={"routingKey": "nope"})

    assert response.status_code == 400
    assert "nope" in response.json()["error"]


def test_the_feed_needs_the_api_headers(shop: WindowShop, anonymous: TestClient) -> None:
    response = anonymous.get(ICS, params={"routingKey": "db"})

    assert response.status_code == 401
    assert "X-VO-Api-Key" in response.json()["error"]


def test_another_organizations_windows_stay_out_of_the_feed(
    shop: WindowShop, other_client: TestClient
) -> None:
    shop.make(spec(ONE_PM))

    assert events(other_client.get(ICS)) == []


def test_reading_the_feed_takes_a_fixed_number_of_statements(
    shop: WindowShop, client: TestClient, queries: QueryCounter
) -> None:
    for hour in range(6):
        shop.make(spec(ONE_PM + hour * HOUR, keys=("db", "ops"), rrule="FREQ=WEEKLY"))
    queries.statements.clear()

    assert len(events(client.get(ICS, params={"routingKey": "db"}))) == 6 * 13

    assert queries.count == 5  # authentication, the key checked, windows, occurrences, keys


# --- secret URLs --------------------------------------------------------------------------


def test_a_secret_url_reads_the_feed_without_headers(
    shop: WindowShop, client: TestClient, anonymous: TestClient
) -> None:
    shop.make(spec(ONE_PM))

    url = secret_url(client)

    assert url.startswith("/maintenance/calendar/") and url.endswith(".ics")
    assert events(anonymous.get(url))[0]["uid"] == events(client.get(ICS))[0]["uid"]


def test_a_secret_url_can_keep_to_one_routing_key(
    shop: WindowShop, client: TestClient, anonymous: TestClient
) -> None:
    shop.make(titled("Database", ONE_PM, keys=("db",)))
    shop.make(titled("Ops", ONE_PM, keys=("ops",)))

    url = secret_url(client, {"routingKey": "db"})

    assert summaries(anonymous.get(url)) == ["Database"]


def test_a_secret_url_is_made_without_a_body(shop: WindowShop, client: TestClient) -> None:
    response = client.post(FEED)

    assert response.status_code == 200, response.text
    assert response.json()["url"].startswith("http://127.0.0.1:8080/maintenance/calendar/")


def test_a_secret_url_for_an_unknown_routing_key_is_refused(
    shop: WindowShop, client: TestClient
) -> None:
    response = client.post(FEED, json={"routingKey": "nope"})

    assert response.status_code == 400
    assert "nope" in response.json()["error"]


def test_an_unknown_field_in_the_body_is_refused(shop: WindowShop, client: TestClient) -> None:
    response = client.post(FEED, json={"routing_key": "db"})

    assert response.status_code == 400
    assert "routing_key" in response.json()["error"]


def test_making_a_secret_url_needs_the_api_headers(anonymous: TestClient) -> None:
    assert anonymous.post(FEED, json={}).status_code == 401


def test_an_unknown_token_is_not_found(anonymous: TestClient) -> None:
    response = anonymous.get("/maintenance/calendar/not-a-feed.ics")

    assert response.status_code == 404
    assert response.json() == {"error": "No maintenance calendar feed at this address"}


def test_a_revoked_secret_url_stops_working(
    shop: WindowShop, client: TestClient, anonymous: TestClient
) -> None:
    url = secret_url(client)
    token = url.removeprefix("/maintenance/calendar/").removesuffix(".ics")

    assert client.delete(f"{FEED}/{token}").status_code == 204

    assert anonymous.get(url).status_code == 404


def test_revoking_an_unknown_token_is_not_found(client: TestClient) -> None:
    response = client.delete(f"{FEED}/not-a-feed")

    assert response.status_code == 404
    assert "No maintenance calendar feed" in response.json()["error"]


def test_another_organization_cannot_revoke_a_feed(
    shop: WindowShop, client: TestClient, other_client: TestClient, anonymous: TestClient
) -> None:
    url = secret_url(client)
    token = url.removeprefix("/maintenance/calendar/").removesuffix(".ics")

    assert other_client.delete(f"{FEED}/{token}").status_code == 404
    assert anonymous.get(url).status_code == 200


def test_reading_a_secret_url_takes_a_fixed_number_of_statements(
    shop: WindowShop, client: TestClient, anonymous: TestClient, queries: QueryCounter
) -> None:
    for hour in range(6):
        shop.make(spec(ONE_PM + hour * HOUR, rrule="FREQ=WEEKLY"))
    url = secret_url(client)
    queries.statements.clear()

    assert len(events(anonymous.get(url))) == 6 * 13

    assert queries.count == 4  # the feed, windows, occurrences, keys


def test_the_feed_routes_are_documented(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]

    assert paths[ICS]["get"]["summary"].startswith("Upcoming maintenance windows")
    assert "post" in paths[FEED] and "delete" in paths[f"{FEED}/{{token}}"]
    assert "get" in paths["/maintenance/calendar/{token}.ics"]


def test_a_read_only_key_may_read_the_feed_but_not_make_or_revoke_one(
    app: Any,
    sessions: sessionmaker[Session],
    org: NewOrganization,
    shop: WindowShop,
    client: TestClient,
    anonymous: TestClient,
) -> None:
    url = secret_url(client)
    token = url.removeprefix("/maintenance/calendar/").removesuffix(".ics")
    with TestClient(app, headers=vo_headers(org, read_only_key(sessions, org))) as reader:
        assert reader.get(ICS).status_code == 200
        made = reader.post(FEED, json={})
        revoked = reader.delete(f"{FEED}/{token}")

    assert (made.status_code, made.json()) == (403, {"error": "This API key is read-only"})
    assert (revoked.status_code, revoked.json()) == (403, {"error": "This API key is read-only"})
    assert anonymous.get(url).status_code == 200


def test_revoking_needs_the_api_headers(
    shop: WindowShop, client: TestClient, anonymous: TestClient
) -> None:
    url = secret_url(client)
    token = url.removeprefix("/maintenance/calendar/").removesuffix(".ics")

    assert anonymous.delete(f"{FEED}/{token}").status_code == 401
    assert anonymous.get(url).status_code == 200
