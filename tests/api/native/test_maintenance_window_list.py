"""The native maintenance window API: listing windows, filtered and paged."""

import pytest
from fastapi.testclient import TestClient

from tests.api.native.test_maintenance_windows import WINDOWS, error_of, make, shop
from tests.conftest import QueryCounter
from tests.maintenance.builders import travel
from tests.maintenance.windows_builders import WindowShop

__all__ = ["shop", "travel"]


# --- list -----------------------------------------------------------------------------------


def test_the_list_pages_windows_by_planned_start(client: TestClient, shop: WindowShop) -> None:
    late = make(client, start="2026-03-02T16:00")
    early = make(client, start="2026-03-02T13:00")

    found = client.get(WINDOWS).json()

    assert (found["total"], found["offset"], found["limit"]) == (2, 0, 50)
    assert [w["id"] for w in found["windows"]] == [early["id"], late["id"]]


def test_the_list_links_to_the_next_page_while_more_remain(
    client: TestClient, shop: WindowShop
) -> None:
    made = [make(client, start=f"2026-03-02T1{hour}:00") for hour in (3, 4, 5)]

    first = client.get(WINDOWS, params={"limit": 2, "routingKey": "db"})
    following = client.get(first.links["next"]["url"])

    assert [w["id"] for w in first.json()["windows"]] == [made[0]["id"], made[1]["id"]]
    assert first.headers["Link"] == (f'<{WINDOWS}?routingKey=db&offset=2&limit=2>; rel="next"')
    assert [w["id"] for w in following.json()["windows"]] == [made[2]["id"]]
    assert (following.json()["offset"], "Link" in following.headers) == (2, False)


def test_listing_windows_takes_a_fixed_number_of_queries(
    client: TestClient, shop: WindowShop, queries: QueryCounter
) -> None:
    def count() -> int:
        queries.statements.clear()
        assert client.get(WINDOWS).status_code == 200
        return queries.count

    first = make(client, recipients=[{"type": "user", "ref": "ada"}])
    client.post(f"{WINDOWS}/{first['id']}/start")
    one = count()
    for hour in (3, 4, 5):
        made = make(client, start=f"2026-03-02T1{hour}:00", routingKeys=["ops"])
        client.post(f"{WINDOWS}/{made['id']}/start")
    many = count()

    assert one == many == 6


def test_the_list_filters_by_status(client: TestClient, shop: WindowShop) -> None:
    started = make(client)
    client.post(f"{WINDOWS}/{started['id']}/start")
    scheduled = make(client, routingKeys=["ops"])
    canceled = make(client, start="2026-03-02T18:00")
    client.post(f"{WINDOWS}/{canceled['id']}/cancel")

    def ids(query: str) -> list[str]:
        return [w["id"] for w in client.get(f"{WINDOWS}?{query}").json()["windows"]]

    assert ids("status=in_progress") == [started["id"]]
    assert ids("status=scheduled,canceled") == [scheduled["id"], canceled["id"]]
    assert ids("status=scheduled&status=in_progress") == [started["id"], scheduled["id"]]


def test_the_list_filters_by_routing_key_and_scope(client: TestClient, shop: WindowShop) -> None:
    on_db = make(client)
    everywhere = make(client, routingKeys=None, start="2026-03-02T14:00", **{"global": True})
    make(client, routingKeys=["ops"], start="2026-03-02T15:00")

    def ids(**params: str) -> list[str]:
        return [w["id"] for w in client.get(WINDOWS, params=params).json()["windows"]]

    assert ids(routingKey="db") == [on_db["id"], everywhere["id"]]
    assert ids(**{"global": "true"}) == [everywhere["id"]]
    assert len(ids(**{"global": "false"})) == 2


def test_the_list_filters_by_planned_times(client: TestClient, shop: WindowShop) -> None:
    early = make(client, start="2026-03-02T13:00", durationMinutes=60)
    late = make(client, start="2026-03-02T16:00", durationMinutes=60)

    def ids(**params: str) -> list[str]:
        return [w["id"] for w in client.get(WINDOWS, params=params).json()["windows"]]

    assert ids(startAfter="2026-03-02T14:00:00Z") == [late["id"]]
    assert ids(startBefore="2026-03-02T14:00:00Z") == [early["id"]]
    assert ids(endAfter="2026-03-02T16:00:00+01:00") == [late["id"]]
    assert ids(endBefore="2026-03-02T15:00") == [early["id"]]


def test_the_list_filters_by_external_ref(client: TestClient, shop: WindowShop) -> None:
    tagged = make(client, externalRef="CHG-7")
    make(client, externalRef="CHG-8")

    found = client.get(WINDOWS, params={"externalRef": "CHG-7"}).json()

    assert [w["id"] for w in found["windows"]] == [tagged["id"]]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("limit=0", "limit must be a whole number from 1 to 200"),
        ("limit=201", "limit must be a whole number from 1 to 200"),
        ("limit=ten", "limit must be a whole number"),
        ("offset=-1", "offset must be a whole number at least 0"),
        ("startAfter=yesterday", "startAfter must be an ISO 8601"),
        ("endBefore=2026-13-01T00:00", "endBefore must be an ISO 8601"),
        ("global=maybe", "global must be true or false"),
        ("status=done", "done"),
    ],
)
def test_bad_list_parameters_are_refused_with_400(
    client: TestClient, shop: WindowShop, query: str, message: str
) -> None:
    assert message in error_of(client.get(f"{WINDOWS}?{query}"), 400)
