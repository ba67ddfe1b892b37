"""Outgoing webhooks: /api-public/v1/webhooks (the list is VictorOps' shape, reference 3.15)."""

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import QueryCounter, vo_headers
from vigil.db import transaction
from vigil.orgs.service import NewOrganization, create_api_key

WEBHOOKS = "/api-public/v1/webhooks"
SLUG = re.compile(r"^wh-[A-Za-z0-9]{17}$")
RFC3339_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def add_webhook(
    client: TestClient,
    label: str = "Chat",
    url: str = "https://chat.example.com/hook",
    **extra: Any,
) -> dict[str, Any]:
    response = client.post(WEBHOOKS, json={"label": label, "url": url, **extra})
    assert response.status_code == 200, response.text
    created: dict[str, Any] = response.json()
    return created


@pytest.fixture
def read_only(
    app: FastAPI, org: NewOrganization, sessions: sessionmaker[Session]
) -> Iterator[TestClient]:
    with transaction(sessions) as session:
        _, secret = create_api_key(session, org.org.id, read_only=True)
    with TestClient(
        app, headers=vo_headers(org, key=secret), raise_server_exceptions=False
    ) as test_client:
        yield test_client


# --- Creating ------------------------------------------------------------------------------------


def test_creating_a_webhook_returns_it_with_a_generated_secret(
    client: TestClient, queries: QueryCounter
) -> None:
    queries.statements.clear()
    response = client.post(WEBHOOKS, json={"label": "Chat", "url": "https://chat.example.com/h"})
    assert response.status_code == 200
    created = response.json()
    assert created == {
        "label": "Chat",
        "url": "https://chat.example.com/h",
        "slug": created["slug"],
        "createdAt": created["createdAt"],
        "_selfUrl": f"{WEBHOOKS}/{created['slug']}",
        "secret": created["secret"],
    }
    assert SLUG.match(created["slug"])
    assert RFC3339_UTC.match(created["createdAt"])
    assert re.fullmatch(r"[0-9a-f]{64}", created["secret"])
    assert queries.count == 2  # authenticate, insert


def test_each_webhook_gets_its_own_slug_and_secret(client: TestClient) -> None:
    created = [add_webhook(client, f"Hook {n}") for n in range(3)]
    assert len({hook["slug"] for hook in created}) == 3
    assert len({hook["secret"] for hook in created}) == 3


def test_a_webhook_can_be_created_with_a_chosen_secret(client: TestClient) -> None:
    created = add_webhook(client, secret="a-secret-of-my-own")
    assert created["secret"] == "a-secret-of-my-own"


def test_a_short_secret_is_refused(client: TestClient) -> None:
    response = client.post(
        WEBHOOKS, json={"label": "Chat", "url": "https://x.example.com", "secret": "short"}
    )
    assert response.status_code == 400
    assert "secret" in response.json()["error"]


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://files.example.com/hook", "http:// or https://"),
        ("javascript:alert(1)", "http:// or https://"),
        ("chat.example.com/hook", "http:// or https://"),
        ("https:///hook", "host"),
        ("https://chat.example.com:port/hook", "not a valid URL"),
        ("https://chat.example.com/a hook", "spaces"),
    ],
)
def test_only_http_and_https_urls_are_accepted(client: TestClient, url: str, reason: str) -> None:
    response = client.post(WEBHOOKS, json={"label": "Chat", "url": url})
    assert response.status_code == 400
    assert reason in response.json()["error"]


def test_a_missing_url_is_named_in_the_error(client: TestClient) -> None:
    response = client.post(WEBHOOKS, json={"label": "Chat"})
    assert response.status_code == 400
    assert "url" in response.json()["error"]


def test_a_blank_label_is_refused(client: TestClient) -> None:
    response = client.post(WEBHOOKS, json={"label": "  ", "url": "https://x.example.com"})
    assert response.status_code == 400
    assert "label" in response.json()["error"]


def test_a_body_that_is_not_an_object_is_refused(client: TestClient) -> None:
    response = client.post(
        WEBHOOKS, content=b"[1, 2]", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400


def test_a_read_only_key_cannot_create_webhooks(read_only: TestClient) -> None:
    response = read_only.post(WEBHOOKS, json={"label": "Chat", "url": "https://x.example.com"})
    assert response.status_code == 403


# --- Listing and reading ------------------------------------------------------------------------


def test_listing_returns_webhooks_by_label_without_their_secrets(
    client: TestClient, queries: QueryCounter
) -> None:
    chat = add_webhook(client, "Chat", "https://chat.example.com/hook")
    audit = add_webhook(client, "Audit", "http://audit.internal:8080/in")
    queries.statements.clear()
    response = client.get(WEBHOOKS)
    assert response.status_code == 200
    hooks = response.json()["webHooks"]
    assert [(h["label"], h["url"], h["slug"]) for h in hooks] == [
        ("Audit", "http://audit.internal:8080/in", audit["slug"]),
        ("Chat", "https://chat.example.com/hook", chat["slug"]),
    ]
    assert all("secret" not in hook for hook in hooks)
    assert queries.count == 2  # authenticate, webhooks


def test_an_organization_without_webhooks_lists_none(client: TestClient) -> None:
    assert client.get(WEBHOOKS).json() == {"webHooks": []}


def test_a_webhook_is_read_by_slug_without_its_secret(
    client: TestClient, queries: QueryCounter
) -> None:
    created = add_webhook(client)
    queries.statements.clear()
    response = client.get(f"{WEBHOOKS}/{created['slug']}")
    assert response.status_code == 200
    assert response.json() == {key: value for key, value in created.items() if key != "secret"}
    assert queries.count == 2  # authenticate, webhook


def test_a_read_only_key_can_list_webhooks(client: TestClient, read_only: TestClient) -> None:
    add_webhook(client)
    assert len(read_only.get(WEBHOOKS).json()["webHooks"]) == 1


def test_an_unknown_slug_is_not_found(client: TestClient) -> None:
    response = client.get(f"{WEBHOOKS}/wh-doesnotexist00000")
    assert response.status_code == 404
    assert response.json()["error"] == "Webhook wh-doesnotexist00000 not found"


def test_another_organizations_webhooks_are_invisible(
    client: TestClient, other_client: TestClient
) -> None:
    theirs = add_webhook(other_client)
    assert client.get(WEBHOOKS).json() == {"webHooks": []}
    assert client.get(f"{WEBHOOKS}/{theirs['slug']}").status_code == 404
    assert client.delete(f"{WEBHOOKS}/{theirs['slug']}").status_code == 404


def test_webhooks_need_credentials(anonymous: TestClient) -> None:
    assert anonymous.get(WEBHOOKS).status_code == 401


# --- Deleting ------------------------------------------------------------------------------------


def test_deleting_a_webhook_returns_it_and_removes_it(
    client: TestClient, queries: QueryCounter
) -> None:
    created = add_webhook(client)
    queries.statements.clear()
    response = client.delete(f"{WEBHOOKS}/{created['slug']}")
    assert response.status_code == 200
    assert response.json()["slug"] == created["slug"]
    assert "secret" not in response.json()
    assert queries.count == 3  # authenticate, webhook, delete
    assert client.get(f"{WEBHOOKS}/{created['slug']}").status_code == 404
    assert client.get(WEBHOOKS).json() == {"webHooks": []}


def test_deleting_an_unknown_webhook_is_not_found(client: TestClient) -> None:
    assert client.delete(f"{WEBHOOKS}/wh-doesnotexist00000").status_code == 404


def test_a_read_only_key_cannot_delete_webhooks(client: TestClient, read_only: TestClient) -> None:
    created = add_webhook(client)
    assert read_only.delete(f"{WEBHOOKS}/{created['slug']}").status_code == 403
