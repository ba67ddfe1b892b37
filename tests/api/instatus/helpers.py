"""Builders for the Instatus API tests."""

from typing import Any

from fastapi.testclient import TestClient


def add_component(client: TestClient, page_id: str, name: str = "Website", **fields: Any) -> str:
    response = client.post(f"/v1/{page_id}/components", json={"name": name, **fields})
    assert response.status_code == 200, response.text
    made: str = response.json()["id"]
    return made


def maintenance_body(components: list[str], **fields: Any) -> dict[str, Any]:
    """Instatus' own example: an hour from 2026-03-10 05:38:47.998 UTC."""
    return {
        "name": "Test maintenance",
        "message": "We are scheduling a test maintenance",
        "components": components,
        "start": "2026-03-10 05:38:47.998",
        "end": "2026-03-10 06:38:47.998",
        "notify": True,
        "notifyStart": True,
        "notifyEnd": True,
        "notifyEarly": True,
        "notifyMinutes": 60,
        "autoStart": True,
        "autoEnd": True,
        **fields,
    }


def add_maintenance(
    client: TestClient, page_id: str, components: list[str], **fields: Any
) -> dict[str, Any]:
    response = client.post(
        f"/v1/{page_id}/maintenances", json=maintenance_body(components, **fields)
    )
    assert response.status_code == 200, response.text
    made: dict[str, Any] = response.json()
    return made


def add_incident(client: TestClient, page_id: str, **fields: Any) -> dict[str, Any]:
    body = {"name": "Website down", "message": "We are looking into it", **fields}
    response = client.post(f"/v1/{page_id}/incidents", json=body)
    assert response.status_code == 200, response.text
    made: dict[str, Any] = response.json()
    return made
