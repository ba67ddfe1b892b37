"""Small builders shared by API tests."""

from typing import Any

from fastapi.testclient import TestClient


def user_body(username: str = "ada", **overrides: Any) -> dict[str, Any]:
    body = {
        "username": username,
        "firstName": "Ada",
        "lastName": "Lovelace",
        "email": f"{username.replace('@', '.')}@example.com",
    }
    return body | overrides


def add_user(client: TestClient, username: str = "ada", **overrides: Any) -> dict[str, Any]:
    response = client.post("/api-public/v1/user", json=user_body(username, **overrides))
    assert response.status_code == 200, response.text
    created: dict[str, Any] = response.json()
    return created
