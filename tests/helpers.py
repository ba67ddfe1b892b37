"""Small builders shared by API tests."""

from collections.abc import Iterable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
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


def api_routes(app: FastAPI) -> list[APIRoute]:
    """Every API route, including those of included routers (FastAPI nests them)."""

    def walk(routes: Iterable[Any]) -> Iterator[APIRoute]:
        for route in routes:
            if isinstance(route, APIRoute):
                yield route
            elif hasattr(route, "original_router"):
                yield from walk(route.original_router.routes)

    return list(walk(app.routes))
