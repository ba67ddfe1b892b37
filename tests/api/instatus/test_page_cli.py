"""`vigil page create NAME --subdomain S [--json]`: a page the Instatus API then serves."""

import json
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tests.api.instatus.conftest import bearer
from vigil.cli import app as cli
from vigil.config import get_settings
from vigil.orgs.service import NewOrganization

Run = Callable[..., tuple[int, str]]


@pytest.fixture
def run(database_url: str, settings: object, monkeypatch: pytest.MonkeyPatch) -> Iterator[Run]:
    monkeypatch.setenv("VIGIL_DATABASE_URL", database_url)
    get_settings.cache_clear()
    runner = CliRunner()

    def invoke(*args: str) -> tuple[int, str]:
        result = runner.invoke(cli, list(args))
        return result.exit_code, result.output

    yield invoke
    get_settings.cache_clear()


def test_page_create_json_prints_the_page_id_and_url(
    run: Run, org: NewOrganization, anonymous: TestClient
) -> None:
    subdomain = f"cli-{org.org.id}"
    code, output = run(
        "page", "create", "Acme", "--subdomain", subdomain, "--org", org.org.api_id, "--json"
    )
    assert code == 0, output
    made = json.loads(output)
    assert made["url"].endswith(f"/status/{subdomain}")
    listed = anonymous.get("/v1/pages", headers=bearer(org.api_key)).json()
    assert [(p["id"], p["subdomain"]) for p in listed] == [(made["id"], subdomain)]


def test_page_create_prints_a_line_without_json(run: Run, org: NewOrganization) -> None:
    code, output = run(
        "page", "create", "Acme", "--subdomain", f"line-{org.org.id}", "--org", org.org.api_id
    )
    assert code == 0
    assert output.startswith("page ck") and f"/status/line-{org.org.id}" in output


def test_page_create_refuses_a_taken_subdomain(run: Run, org: NewOrganization) -> None:
    args = ("page", "create", "Acme", "--subdomain", f"taken-{org.org.id}", "--org", org.org.api_id)
    assert run(*args)[0] == 0
    code, output = run(*args)
    assert code == 2
    assert f"Subdomain taken-{org.org.id} is taken" in output
