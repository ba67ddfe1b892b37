import json

import pytest
from fastapi.testclient import TestClient

from vigil.config import get_settings


def test_org_create_json_prints_one_object_with_working_keys(run, anonymous: TestClient) -> None:
    code, output = run("org", "create", "Scripted", "--json")
    assert code == 0
    created = json.loads(output)
    assert set(created) == {"org", "api_id", "api_key", "rest_key"}
    assert created["org"] == "Scripted"
    headers = {"X-VO-Api-Id": created["api_id"], "X-VO-Api-Key": created["api_key"]}
    assert anonymous.get("/api-public/v1/user", headers=headers).status_code == 200


def test_apikey_create_read_only_makes_a_key_that_cannot_write(run, anonymous: TestClient) -> None:
    created = json.loads(run("org", "create", "Keys", "--json")[1])
    code, output = run("apikey", "create", "--org", created["api_id"], "--read-only", "--json")
    assert code == 0
    key = json.loads(output)
    assert key["read_only"] is True
    headers = {"X-VO-Api-Id": created["api_id"], "X-VO-Api-Key": key["secret"]}
    assert anonymous.get("/api-public/v1/user", headers=headers).status_code == 200
    body = {"username": "x", "firstName": "X", "lastName": "Y", "email": "x@example.com"}
    assert anonymous.post("/api-public/v1/user", headers=headers, json=body).status_code == 403


def test_apikey_list_shows_hints_never_secrets(run) -> None:
    created = json.loads(run("org", "create", "Listing", "--json")[1])
    code, output = run("apikey", "list", "--org", created["api_id"], "--json")
    assert code == 0
    keys = json.loads(output)
    assert [k["kind"] for k in keys] == ["api", "rest"]
    assert created["api_key"] not in output
    assert keys[0]["hint"] == created["api_key"][:6] + "…"


def test_apikey_revoke_refuses_the_key_at_once(run, anonymous: TestClient) -> None:
    created = json.loads(run("org", "create", "Revoking", "--json")[1])
    key_id = json.loads(run("apikey", "list", "--org", created["api_id"], "--json")[1])[0]["id"]
    code, _ = run("apikey", "revoke", str(key_id), "--org", created["api_id"])
    assert code == 0
    headers = {"X-VO-Api-Id": created["api_id"], "X-VO-Api-Key": created["api_key"]}
    assert anonymous.get("/api-public/v1/user", headers=headers).status_code == 401


def test_revoking_an_unknown_key_fails_with_a_message(run) -> None:
    created = json.loads(run("org", "create", "Unknown", "--json")[1])
    code, output = run("apikey", "revoke", "999999", "--org", created["api_id"])
    assert code == 2
    assert "No active key 999999" in output


def test_apikey_commands_need_org_when_several_exist(run) -> None:
    run("org", "create", "One", "--json")
    run("org", "create", "Two", "--json")
    code, output = run("apikey", "list")
    assert code == 2
    assert "choose one with --org" in output


def test_an_unknown_org_is_refused(run) -> None:
    code, output = run("apikey", "list", "--org", "nope")
    assert code == 2
    assert "No organization with API id nope" in output


def test_serving_several_processes_on_sqlite_is_refused(run, database_url: str) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite only")
    code, output = run("serve", "--workers", "2")
    assert code == 2
    assert "needs PostgreSQL" in output


def test_page_create_refuses_a_subdomain_that_is_not_a_dns_label(run) -> None:
    created = json.loads(run("org", "create", "Pages", "--json")[1])
    code, output = run("page", "create", "Acme", "--subdomain", "-bad-", "--org", created["api_id"])
    assert code == 2
    assert "Subdomain '-bad-' is not valid" in output
    good = f"good-{created['api_id'].lower()}"
    assert run("page", "create", "Acme", "--subdomain", good, "--org", created["api_id"])[0] == 0


def test_page_create_prints_the_public_url_under_the_base_url(run, monkeypatch) -> None:
    monkeypatch.setenv("VIGIL_BASE_URL", "https://status.example.com/")
    get_settings.cache_clear()
    created = json.loads(run("org", "create", "Urls", "--json")[1])
    subdomain = f"urls-{created['api_id'].lower()}"
    code, output = run(
        "page", "create", "Acme", "--subdomain", subdomain, "--org", created["api_id"], "--json"
    )
    assert code == 0, output
    assert json.loads(output)["url"] == f"https://status.example.com/status/{subdomain}"
