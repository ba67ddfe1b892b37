"""`GET /api/maintenance`: Prod Manager's filters (repeatable ones OR-ed), pagination in
`x-*` headers, and `GET /api/weather/maintenance` (counts per status)."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.prodmanager.helpers import create, reasons, scope_of, service_of, update, valid
from tests.conftest import QueryCounter


def listed(client: TestClient, **query: Any) -> list[int]:
    """The ids answered, in order."""
    return [item["id"] for item in valid(client.get("/api/maintenance", params=query))["items"]]


@pytest.fixture
def three(pm: TestClient, scope: int, service: int) -> dict[str, int]:
    """Three maintenances: `db` (eu, Compute, degraded, CHG-1, Tuesday 02:00-04:00), `net`
    (us, Network, down, CHG-2, Wednesday 02:00-06:00) and `old` (eu, Network, up, no
    reference, today 11:00-13:00, succeeded)."""
    us = scope_of(pm, "us-east-1")
    network = service_of(pm, "Network")
    db = create(pm, scope, service, external_reference="CHG-1")["id"]
    net = create(
        pm,
        us,
        network,
        service_status="down",
        external_reference="CHG-2",
        scheduled_start_date="2026-03-04T02:00",
        scheduled_end_date="2026-03-04T06:00",
    )["id"]
    old = create(
        pm,
        scope,
        network,
        service_status="up",
        external_reference="",
        scheduled_start_date="2026-03-02T11:00",
        scheduled_end_date="2026-03-02T13:00",
    )["id"]
    valid(update(pm, old, status="succeed"))
    return {"db": db, "net": net, "old": old, "us": us, "network": network}


def test_the_list_is_latest_scheduled_start_first(pm: TestClient, three: dict[str, int]) -> None:
    assert listed(pm) == [three["net"], three["db"], three["old"]]


def test_list_items_validate_and_carry_no_events(pm: TestClient, three: dict[str, int]) -> None:
    items = valid(pm.get("/api/maintenance"))["items"]
    assert all("events" not in item and "links" in item for item in items)


def test_filter_by_status(pm: TestClient, three: dict[str, int]) -> None:
    assert listed(pm, status="succeed") == [three["old"]]
    assert listed(pm, status="scheduled") == [three["net"], three["db"]]


def test_repeated_statuses_are_ored(pm: TestClient, three: dict[str, int]) -> None:
    valid(update(pm, three["net"], status="canceled"))
    assert listed(pm, status=["canceled", "succeed"]) == [three["net"], three["old"]]


def test_filter_by_in_progress_and_failed(pm: TestClient, three: dict[str, int]) -> None:
    valid(update(pm, three["db"], status="in-progress"))
    assert listed(pm, status="in-progress") == [three["db"]]
    assert listed(pm, status="failed") == []


def test_filter_by_scope(pm: TestClient, three: dict[str, int], scope: int) -> None:
    assert listed(pm, scope=scope) == [three["db"], three["old"]]
    assert listed(pm, scope=[scope, three["us"]]) == [three["net"], three["db"], three["old"]]


def test_filter_by_service(pm: TestClient, three: dict[str, int], service: int) -> None:
    assert listed(pm, service=three["network"]) == [three["net"], three["old"]]
    assert listed(pm, service=service) == [three["db"]]


def test_filter_by_service_status(pm: TestClient, three: dict[str, int]) -> None:
    assert listed(pm, service_status="down") == [three["net"]]
    assert listed(pm, service_status=["up", "degraded"]) == [three["db"], three["old"]]


def test_filter_by_external_reference(pm: TestClient, three: dict[str, int]) -> None:
    assert listed(pm, external_reference="CHG-1") == [three["db"]]
    assert listed(pm, external_reference=["CHG-1", "CHG-2"]) == [three["net"], three["db"]]


def test_filter_by_scheduled_start(pm: TestClient, three: dict[str, int]) -> None:
    assert listed(pm, start_before="2026-03-03T02:00") == [three["old"]]
    assert listed(pm, start_after="2026-03-03T02:00") == [three["net"]]
    assert listed(pm, start_after="2026-03-02T00:00", start_before="2026-03-04T00:00") == [
        three["db"],
        three["old"],
    ]


def test_filter_by_scheduled_end(pm: TestClient, three: dict[str, int]) -> None:
    assert listed(pm, end_before="2026-03-03T05:00") == [three["db"], three["old"]]
    assert listed(pm, end_after="2026-03-03T04:00") == [three["net"]]


def test_filters_are_anded(pm: TestClient, three: dict[str, int], scope: int) -> None:
    assert listed(pm, scope=scope, service=three["network"]) == [three["old"]]
    assert listed(pm, scope=scope, service_status="down") == []


def test_bad_filter_values_are_400_with_their_reasons(pm: TestClient) -> None:
    response = pm.get(
        "/api/maintenance",
        params={"status": "done", "scope": "eu", "start_before": "yesterday"},
    )
    valid(response, 400)
    assert set(reasons(response)) == {"scope", "start_before"}
    response = pm.get("/api/maintenance", params={"status": "done"})
    assert list(reasons(response)) == ["status"]
    response = pm.get("/api/maintenance", params={"service_status": "slow"})
    assert list(reasons(response)) == ["service_status"]


def test_the_list_takes_three_queries_whatever_the_page_size(
    pm: TestClient, three: dict[str, int], queries: QueryCounter
) -> None:
    queries.statements.clear()
    valid(pm.get("/api/maintenance"))
    assert queries.count == 3  # the key, the count, the page


# --- pagination -------------------------------------------------------------------------------


def headers_of(client: TestClient, **query: Any) -> dict[str, str]:
    response = client.get("/api/maintenance", params=query)
    valid(response)
    return {
        name: value
        for name, value in response.headers.items()
        if name.startswith("x-") and name != "x-request-id"
    }


def test_pagination_headers_of_a_middle_page(pm: TestClient, three: dict[str, int]) -> None:
    assert headers_of(pm, page=2, per_page=1) == {
        "x-page": "2",
        "x-per-page": "1",
        "x-total": "3",
        "x-total-pages": "3",
        "x-next-page": "3",
        "x-prev-page": "1",
    }
    assert listed(pm, page=2, per_page=1) == [three["db"]]


def test_absent_pages_are_the_string_none(pm: TestClient, three: dict[str, int]) -> None:
    found = headers_of(pm)
    assert (found["x-page"], found["x-per-page"], found["x-total-pages"]) == ("1", "20", "1")
    assert (found["x-next-page"], found["x-prev-page"]) == ("None", "None")


def test_a_page_past_the_end_is_empty(pm: TestClient, three: dict[str, int]) -> None:
    assert listed(pm, page=5) == []
    assert headers_of(pm, page=5)["x-next-page"] == "None"


def test_per_page_is_at_most_50(pm: TestClient) -> None:
    valid(pm.get("/api/maintenance", params={"per_page": 50}))
    response = pm.get("/api/maintenance", params={"per_page": 51})
    valid(response, 400)
    assert reasons(response) == {"per_page": ["must be at most 50, got 51"]}


def test_page_and_per_page_are_whole_numbers_from_one(pm: TestClient) -> None:
    response = pm.get("/api/maintenance", params={"page": 0, "per_page": "ten"})
    assert response.status_code == 400
    assert set(reasons(response)) == {"page", "per_page"}


def test_another_organizations_maintenances_are_not_listed(
    other_org_pm: TestClient, three: dict[str, int]
) -> None:
    assert listed(other_org_pm) == []


# --- weather ----------------------------------------------------------------------------------


def test_weather_counts_maintenances_per_status(pm: TestClient, three: dict[str, int]) -> None:
    assert valid(pm.get("/api/weather/maintenance")) == {
        "scheduled": 2,
        "in-progress": 0,
        "succeed": 1,
        "failed": 0,
        "canceled": 0,
    }


def test_weather_takes_the_same_filters(pm: TestClient, three: dict[str, int], scope: int) -> None:
    counts = valid(pm.get("/api/weather/maintenance", params={"scope": scope}))
    assert (counts["scheduled"], counts["succeed"]) == (1, 1)
    response = pm.get("/api/weather/maintenance", params={"start_after": "soon"})
    valid(response, 400)
