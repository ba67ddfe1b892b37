"""`vigil page create NAME --subdomain S [--json]`: a page the Instatus API then serves."""

import json

from fastapi.testclient import TestClient

from tests.api.instatus.conftest import bearer
from tests.conftest import Run
from vigil.orgs.service import NewOrganization


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
