"""Prod Manager test helpers: forms, and `valid`, which checks an answer against Prod Manager's
own OpenAPI document (/work/shared/reference/prodmanager-openapi.yaml) with openapi-core."""

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

SPEC = Path("/work/shared/reference/prodmanager-openapi.yaml")
if not SPEC.exists():  # a checkout elsewhere: the copy beside the tests
    SPEC = Path(__file__).with_name("prodmanager-openapi.yaml")

MONDAY_NOON = "2026-03-02T12:00"


@cache
def openapi() -> OpenAPI:
    return OpenAPI.from_file_path(str(SPEC))


@dataclass
class _Request:
    """An httpx request as openapi-core reads one (the path is matched under the `/api`
    server of the document)."""

    sent: httpx.Request
    parameters: RequestParameters = field(init=False)

    def __post_init__(self) -> None:
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(list(self.sent.url.params.multi_items())),
            header=Headers(list(self.sent.headers.items())),
            cookie=ImmutableMultiDict(),
        )

    @property
    def host_url(self) -> str:
        return f"{self.sent.url.scheme}://{self.sent.url.netloc.decode()}"

    @property
    def path(self) -> str:
        return self.sent.url.path

    @property
    def full_url_pattern(self) -> str:
        return self.host_url + self.path

    @property
    def method(self) -> str:
        return self.sent.method.lower()

    @property
    def content_type(self) -> str:
        return str(self.sent.headers.get("content-type", "")).lower()

    @property
    def body(self) -> bytes | None:
        return self.sent.content or None


@dataclass
class _Response:
    answer: httpx.Response

    @property
    def status_code(self) -> int:
        return self.answer.status_code

    @property
    def content_type(self) -> str:
        return str(self.answer.headers.get("content-type", "")).lower()

    @property
    def headers(self) -> Headers:
        return Headers(list(self.answer.headers.items()))

    @property
    def data(self) -> bytes:
        return self.answer.content


def valid(response: httpx.Response, status: int = 200, *, like: str | None = None) -> Any:
    """The answer's JSON, after checking its status and that Prod Manager's OpenAPI document
    allows it (raises openapi-core's error saying what does not match). `like`: a documented
    path whose `GET` answer this one must match (for `/comment`, missing from the document)."""
    assert response.status_code == status, response.text
    request = response.request
    if like is not None:
        request = httpx.Request("GET", request.url.copy_with(path=like, query=None))
    openapi().validate_response(_Request(request), _Response(response))
    if response.headers.get("content-type", "").startswith("application/json"):
        return response.json()
    return response.text


def scope_of(client: TestClient, name: str = "eu-west-1", description: str = "") -> int:
    response = client.post("/api/scope/create", data={"name": name, "description": description})
    created: int = valid(response)["id"]
    return created


def service_of(client: TestClient, name: str = "Compute", description: str = "") -> int:
    response = client.post("/api/service/create", data={"name": name, "description": description})
    created: int = valid(response)["id"]
    return created


def maintenance_form(scope: int, service: int, **overrides: Any) -> dict[str, Any]:
    """A maintenance next Tuesday 02:00-04:00 UTC (the tests' clock: Monday 2 March 2026)."""
    form = {
        "scope": scope,
        "service": service,
        "name": "DB upgrade",
        "description": "PostgreSQL 16",
        "service_status": "degraded",
        "external_reference": "CHG-1234",
        "external_link": "https://changes.example.com/CHG-1234",
        "scheduled_start_date": "2026-03-03T02:00",
        "scheduled_end_date": "2026-03-03T04:00",
    }
    return form | overrides


def create(client: TestClient, scope: int, service: int, **overrides: Any) -> dict[str, Any]:
    response = client.post(
        "/api/maintenance/create", data=maintenance_form(scope, service, **overrides)
    )
    created: dict[str, Any] = valid(response)
    return created


def update(client: TestClient, maintenance_id: int, **form: Any) -> httpx.Response:
    response: httpx.Response = client.post(f"/api/maintenance/{maintenance_id}/update", data=form)
    return response


def reasons(response: httpx.Response) -> dict[str, list[str]]:
    body = response.json()
    assert set(body) == {"message", "reasons"}, body
    found: dict[str, list[str]] = body["reasons"]
    return found
