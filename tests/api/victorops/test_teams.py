"""Teams, their members and admins: /api-public/v1/team (reference section 3.10)."""

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import QueryCounter, vo_headers
from tests.helpers import add_user
from vigil.db import transaction
from vigil.orgs.service import NewOrganization, create_api_key

TEAMS = "/api-public/v1/team"
TEAM_SLUG = re.compile(r"^team-[A-Za-z0-9]{16}$")
RFC3339_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def add_team(client: TestClient, name: str = "Ops", **extra: Any) -> dict[str, Any]:
    response = client.post(TEAMS, json={"name": name, **extra})
    assert response.status_code == 200, response.text
    created: dict[str, Any] = response.json()
    return created


def add_member(client: TestClient, slug: str, username: str, **extra: Any) -> dict[str, Any]:
    response = client.post(f"{TEAMS}/{slug}/members", json={"username": username, **extra})
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    return document


def member_names(client: TestClient, slug: str) -> list[str]:
    response = client.get(f"{TEAMS}/{slug}/members")
    assert response.status_code == 200, response.text
    return [member["username"] for member in response.json()["members"]]


def admin_names(client: TestClient, slug: str) -> list[str]:
    response = client.get(f"{TEAMS}/{slug}/admins")
    assert response.status_code == 200, response.text
    return [admin["username"] for admin in response.json()["teamAdmins"]]


def team_json(slug: str, name: str, **overrides: Any) -> dict[str, Any]:
    base = f"{TEAMS}/{slug}"
    return {
        "_selfUrl": base,
        "_membersUrl": f"{base}/members",
        "_policiesUrl": f"{base}/policies",
        "_adminsUrl": f"{base}/admins",
        "name": name,
        "slug": slug,
        "memberCount": 0,
        "version": 0,
        "isDefaultTeam": False,
        "description": "",
    } | overrides


def member_json(
    username: str, first_name: str = "Ada", last_name: str = "Lovelace"
) -> dict[str, Any]:
    return {
        "username": username,
        "firstName": first_name,
        "lastName": last_name,
        "version": 1,
        "verified": False,
    }


@pytest.fixture
def read_only(
    app: FastAPI, org: NewOrganization, sessions: sessionmaker[Session]
) -> Iterator[TestClient]:
    """A client of the same organization as `client`, holding a read-only key."""
    with transaction(sessions) as session:
        _, secret = create_api_key(session, org.org.id, read_only=True)
    with TestClient(
        app, headers=vo_headers(org, key=secret), raise_server_exceptions=False
    ) as test_client:
        yield test_client


# --- Listing -------------------------------------------------------------------------------------


def test_listing_teams_returns_a_bare_array_with_member_counts(
    client: TestClient, queries: QueryCounter
) -> None:
    add_user(client, "ada")
    add_user(client, "grace")
    ops = add_team(client, "Ops")
    web = add_team(client, "Web")
    add_member(client, ops["slug"], "ada")
    add_member(client, ops["slug"], "grace")
    add_member(client, web["slug"], "ada")
    queries.statements.clear()
    response = client.get(TEAMS)
    assert response.status_code == 200
    assert response.json() == [
        team_json(ops["slug"], "Ops", memberCount=2),
        team_json(web["slug"], "Web", memberCount=1),
    ]
    assert queries.count == 2  # authenticate, teams with their counts


def test_an_organization_without_teams_lists_an_empty_array(client: TestClient) -> None:
    response = client.get(TEAMS)
    assert response.status_code == 200
    assert response.json() == []


def test_teams_are_listed_in_name_order(client: TestClient) -> None:
    for name in ("Web", "Database", "Ops"):
        add_team(client, name)
    assert [team["name"] for team in client.get(TEAMS).json()] == ["Database", "Ops", "Web"]


def test_a_team_without_members_is_listed_with_a_member_count_of_zero(client: TestClient) -> None:
    add_user(client, "ada")
    ops = add_team(client, "Ops")
    add_team(client, "Web")
    add_member(client, ops["slug"], "ada")
    counts = {team["name"]: team["memberCount"] for team in client.get(TEAMS).json()}
    assert counts == {"Ops": 1, "Web": 0}


# --- Adding ----------------------------------------------------------------------------------------


def test_adding_a_team_returns_it_at_version_0_with_no_members(
    client: TestClient, queries: QueryCounter
) -> None:
    queries.statements.clear()
    response = client.post(TEAMS, json={"name": "Team Awesome"})
    assert response.status_code == 200
    created = response.json()
    assert created == team_json(created["slug"], "Team Awesome")
    assert queries.count == 3  # authenticate, name check, insert


def test_a_team_slug_is_team_and_16_alphanumerics(client: TestClient) -> None:
    slugs = {add_team(client, f"Team {n}")["slug"] for n in range(5)}
    assert len(slugs) == 5
    assert all(TEAM_SLUG.match(slug) for slug in slugs), slugs


def test_an_added_team_can_be_read_back(client: TestClient) -> None:
    created = add_team(client, "Ops")
    assert client.get(f"{TEAMS}/{created['slug']}").json() == created
    assert client.get(TEAMS).json() == [created]


def test_a_team_can_be_added_with_a_description(client: TestClient) -> None:
    created = add_team(client, "Ops", description="Keeps the lights on.")
    assert created["description"] == "Keeps the lights on."
    assert client.get(f"{TEAMS}/{created['slug']}").json()["description"] == "Keeps the lights on."


def test_surrounding_whitespace_is_trimmed_from_a_team_name(client: TestClient) -> None:
    assert add_team(client, "  Ops  ")["name"] == "Ops"


def test_the_slug_and_default_flag_terraform_sends_are_ignored(client: TestClient) -> None:
    created = add_team(client, "Ops", slug="team-AAAAAAAAAAAAAAAA", isDefaultTeam=True)
    assert created["slug"] != "team-AAAAAAAAAAAAAAAA"
    assert TEAM_SLUG.match(created["slug"])
    assert created["isDefaultTeam"] is False


def test_a_duplicate_team_name_is_422_naming_the_team(client: TestClient) -> None:
    first = add_team(client, "Ops")
    response = client.post(TEAMS, json={"name": "Ops"})
    assert response.status_code == 422
    assert response.json() == {"error": "Team name Ops is unavailable"}
    assert client.get(TEAMS).json() == [first]


def test_a_name_that_differs_only_by_surrounding_spaces_is_a_duplicate(client: TestClient) -> None:
    add_team(client, "Ops")
    response = client.post(TEAMS, json={"name": " Ops "})
    assert response.status_code == 422
    assert response.json() == {"error": "Team name Ops is unavailable"}


def test_team_names_are_unique_only_within_an_organization(
    client: TestClient, other_client: TestClient
) -> None:
    mine = add_team(client, "Ops")
    theirs = add_team(other_client, "Ops")
    assert mine["slug"] != theirs["slug"]
    assert client.get(f"{TEAMS}/Ops").json()["slug"] == mine["slug"]
    assert other_client.get(f"{TEAMS}/Ops").json()["slug"] == theirs["slug"]


# --- Bad bodies ----------------------------------------------------------------------------------


def test_a_team_without_a_name_is_400_naming_the_field(client: TestClient) -> None:
    response = client.post(TEAMS, json={"description": "nameless"})
    assert response.status_code == 400
    assert response.json() == {"error": "name: Field required"}
    assert client.get(TEAMS).json() == []


def test_a_team_name_that_is_not_a_string_is_400(client: TestClient) -> None:
    response = client.post(TEAMS, json={"name": 42})
    assert response.status_code == 400
    assert response.json() == {"error": "name: Input should be a valid string"}


def test_an_empty_team_name_is_400(client: TestClient) -> None:
    response = client.post(TEAMS, json={"name": ""})
    assert response.status_code == 400
    assert response.json() == {"error": "name: String should have at least 1 character"}


def test_a_blank_team_name_is_400(client: TestClient) -> None:
    response = client.post(TEAMS, json={"name": "   "})
    assert response.status_code == 400
    assert response.json() == {"error": "Team name must not be empty"}
    assert client.get(TEAMS).json() == []


def test_a_team_name_longer_than_200_characters_is_400(client: TestClient) -> None:
    response = client.post(TEAMS, json={"name": "x" * 201})
    assert response.status_code == 400
    assert response.json() == {"error": "name: String should have at most 200 characters"}


def test_malformed_json_in_a_team_body_is_400_with_a_json_error(client: TestClient) -> None:
    response = client.post(
        TEAMS, content=b'{"name": ', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json() == {"error": "Request body is not valid JSON: Expecting value"}
    assert client.get(TEAMS).json() == []


def test_a_json_array_instead_of_a_team_is_400(client: TestClient) -> None:
    response = client.post(TEAMS, json=[{"name": "Ops"}])
    assert response.status_code == 400
    assert response.json() == {
        "error": "Input should be a valid dictionary or object to extract fields from"
    }
    assert client.get(TEAMS).json() == []


def test_a_member_body_without_a_username_is_400(client: TestClient) -> None:
    team = add_team(client, "Ops")
    response = client.post(f"{TEAMS}/{team['slug']}/members", json={})
    assert response.status_code == 400
    assert response.json() == {"error": "username: Field required"}


def test_a_non_boolean_is_admin_flag_is_400(client: TestClient) -> None:
    add_user(client, "ada")
    team = add_team(client, "Ops")
    response = client.post(
        f"{TEAMS}/{team['slug']}/members", json={"username": "ada", "isAdmin": "maybe"}
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "isAdmin: Input should be a valid boolean, unable to interpret input"
    }
    assert member_names(client, team["slug"]) == []


def test_a_replacement_that_is_not_a_string_is_400(client: TestClient) -> None:
    add_user(client, "ada")
    team = add_team(client, "Ops")
    add_member(client, team["slug"], "ada")
    response = client.request(
        "DELETE", f"{TEAMS}/{team['slug']}/members/ada", json={"replacement": 5}
    )
    assert response.status_code == 400
    assert response.json() == {"error": "replacement: Input should be a valid string"}
    assert member_names(client, team["slug"]) == ["ada"]


# --- Getting ---------------------------------------------------------------------------------------


def test_a_team_can_be_fetched_by_slug(client: TestClient, queries: QueryCounter) -> None:
    add_user(client, "ada")
    team = add_team(client, "Ops")
    add_member(client, team["slug"], "ada")
    queries.statements.clear()
    response = client.get(f"{TEAMS}/{team['slug']}")
    assert response.status_code == 200
    assert response.json() == team_json(team["slug"], "Ops", memberCount=1)
    assert queries.count == 3  # authenticate, team, member count


def test_a_team_can_be_fetched_by_name_as_terraform_does(client: TestClient) -> None:
    team = add_team(client, "Team Awesome")
    response = client.get(f"{TEAMS}/Team%20Awesome")
    assert response.status_code == 200
    assert response.json() == team


def test_a_slug_wins_over_a_team_named_like_that_slug(client: TestClient) -> None:
    first = add_team(client, "Ops")
    impostor = add_team(client, first["slug"])
    assert impostor["slug"] != first["slug"]
    assert client.get(f"{TEAMS}/{first['slug']}").json()["slug"] == first["slug"]


def test_an_unknown_team_is_404_with_a_json_error(client: TestClient) -> None:
    response = client.get(f"{TEAMS}/team-AAAAAAAAAAAAAAAA")
    assert response.status_code == 404
    assert response.json() == {"error": "Team team-AAAAAAAAAAAAAAAA not found"}


def test_a_get_with_an_empty_json_body_is_answered_as_go_victorops_sends_it(
    client: TestClient,
) -> None:
    team = add_team(client, "Ops")
    response = client.request("GET", f"{TEAMS}/{team['slug']}", json={})
    assert response.status_code == 200
    assert response.json() == team


# --- Updating --------------------------------------------------------------------------------------


def test_updating_a_team_renames_it_and_increments_its_version(
    client: TestClient, queries: QueryCounter
) -> None:
    team = add_team(client, "Ops")
    queries.statements.clear()
    response = client.put(f"{TEAMS}/{team['slug']}", json={"name": "Operations"})
    assert response.status_code == 200
    assert response.json() == team_json(team["slug"], "Operations", version=1)
    assert queries.count == 5  # authenticate, team, name check, update, member count
    assert client.get(f"{TEAMS}/{team['slug']}").json() == response.json()


def test_each_update_increments_the_version_again(client: TestClient) -> None:
    team = add_team(client, "Ops")
    client.put(f"{TEAMS}/{team['slug']}", json={"name": "Ops 2"})
    response = client.put(f"{TEAMS}/{team['slug']}", json={"name": "Ops 3"})
    assert response.json()["version"] == 2


def test_a_team_can_be_updated_by_name_as_go_victorops_does(client: TestClient) -> None:
    team = add_team(client, "Ops")
    response = client.put(f"{TEAMS}/Ops", json={"name": "Operations"})
    assert response.status_code == 200
    assert response.json() == team_json(team["slug"], "Operations", version=1)


def test_saving_a_team_under_its_own_name_is_not_a_conflict(client: TestClient) -> None:
    team = add_team(client, "Ops")
    response = client.put(f"{TEAMS}/{team['slug']}", json={"name": "Ops"})
    assert response.status_code == 200
    assert response.json() == team_json(team["slug"], "Ops", version=1)


def test_renaming_a_team_to_a_taken_name_is_422_and_nothing_changes(client: TestClient) -> None:
    add_team(client, "Ops")
    web = add_team(client, "Web")
    response = client.put(f"{TEAMS}/{web['slug']}", json={"name": "Ops"})
    assert response.status_code == 422
    assert response.json() == {"error": "Team name Ops is unavailable"}
    assert client.get(f"{TEAMS}/{web['slug']}").json() == web


def test_an_update_can_change_the_description(client: TestClient) -> None:
    team = add_team(client, "Ops", description="Old.")
    response = client.put(f"{TEAMS}/{team['slug']}", json={"name": "Ops", "description": "New."})
    assert response.json()["description"] == "New."


def test_an_update_without_a_description_keeps_it(client: TestClient) -> None:
    team = add_team(client, "Ops", description="Keeps the lights on.")
    response = client.put(f"{TEAMS}/{team['slug']}", json={"name": "Operations"})
    assert response.json()["description"] == "Keeps the lights on."


def test_an_update_reports_the_member_count(client: TestClient) -> None:
    add_user(client, "ada")
    team = add_team(client, "Ops")
    add_member(client, team["slug"], "ada")
    response = client.put(f"{TEAMS}/{team['slug']}", json={"name": "Operations"})
    assert response.json()["memberCount"] == 1


def test_an_update_without_a_name_is_400_and_nothing_changes(client: TestClient) -> None:
    team = add_team(client, "Ops")
    response = client.put(f"{TEAMS}/{team['slug']}", json={"description": "x"})
    assert response.status_code == 400
    assert response.json() == {"error": "name: Field required"}
    assert client.get(f"{TEAMS}/{team['slug']}").json() == team


def test_renaming_a_team_to_a_blank_name_is_400(client: TestClient) -> None:
    team = add_team(client, "Ops")
    response = client.put(f"{TEAMS}/{team['slug']}", json={"name": "  "})
    assert response.status_code == 400
    assert response.json() == {"error": "Team name must not be empty"}
    assert client.get(f"{TEAMS}/{team['slug']}").json() == team


def test_updating_an_unknown_team_is_404(client: TestClient) -> None:
    response = client.put(f"{TEAMS}/nope", json={"name": "Ops"})
    assert response.status_code == 404
    assert response.json() == {"error": "Team nope not found"}
    assert client.get(TEAMS).json() == []


# --- Deleting --------------------------------------------------------------------------------------


def test_deleting_a_team_returns_the_deleted_team(
    client: TestClient, queries: QueryCounter
) -> None:
    add_user(client, "ada")
    team = add_team(client, "Ops")
    add_member(client, team["slug"], "ada")
    queries.statements.clear()
    response = client.delete(f"{TEAMS}/{team['slug']}")
    assert response.status_code == 200
    assert response.json() == team_json(team["slug"], "Ops", memberCount=1)
    assert queries.count == 4  # authenticate, team, member count, delete


def test_a_deleted_team_is_404_and_gone_from_the_list(client: TestClient) -> None:
    team = add_team(client, "Ops")
    web = add_team(client, "Web")
    client.delete(f"{TEAMS}/{team['slug']}")
    response = client.get(f"{TEAMS}/{team['slug']}")
    assert response.status_code == 404
    assert response.json() == {"error": f"Team {team['slug']} not found"}
    assert client.get(TEAMS).json() == [web]


def test_a_team_can_be_deleted_by_name(client: TestClient) -> None:
    team = add_team(client, "Ops")
    response = client.delete(f"{TEAMS}/Ops")
    assert response.status_code == 200
    assert response.json() == team
    assert client.get(TEAMS).json() == []


def test_a_team_delete_with_an_empty_json_body_is_accepted(client: TestClient) -> None:
    team = add_team(client, "Ops")
    response = client.request("DELETE", f"{TEAMS}/{team['slug']}", json={})
    assert response.status_code == 200
    assert client.get(TEAMS).json() == []


def test_deleting_a_team_takes_its_members_off_it_but_keeps_the_users(client: TestClient) -> None:
    add_user(client, "ada")
    team = add_team(client, "Ops")
    add_member(client, team["slug"], "ada")
    client.delete(f"{TEAMS}/{team['slug']}")
    assert client.get("/api-public/v1/user/ada").status_code == 200
    assert client.get("/api-public/v1/user/ada/teams").json() == {"teams": []}


def test_a_new_team_with_a_deleted_teams_name_starts_empty(client: TestClient) -> None:
    add_user(client, "ada")
    old = add_team(client, "Ops")
    add_member(client, old["slug"], "ada")
    client.delete(f"{TEAMS}/{old['slug']}")
    new = add_team(client, "Ops")
    assert new["slug"] != old["slug"]
    assert member_names(client, new["slug"]) == []
    assert client.get(f"{TEAMS}/{new['slug']}").json()["memberCount"] == 0


def test_deleting_an_unknown_team_is_404(client: TestClient) -> None:
    response = client.delete(f"{TEAMS}/nope")
    assert response.status_code == 404
    assert response.json() == {"error": "Team nope not found"}


# --- Members ---------------------------------------------------------------------------------------


def test_the_members_document_has_links_and_boolean_verified(
    client: TestClient, queries: QueryCounter
) -> None:
    add_user(client, "ada")
    add_user(client, "grace", firstName="Grace", lastName="Hopper")
    team = add_team(client, "Ops")
    add_member(client, team["slug"], "grace")
    add_member(client, team["slug"], "ada")
    queries.statements.clear()
    response = client.get(f"{TEAMS}/{team['slug']}/members")
    assert response.status_code == 200
    assert response.json() == {
        "_selfUrl": f"{TEAMS}/{team['slug']}/members",
        "_teamUrl": f"{TEAMS}/{team['slug']}",
        "members": [member_json("ada"), member_json("grace", "Grace", "Hopper")],
    }
    assert queries.count == 3  # authenticate, team, members


def test_a_new_team_has_no_members(client: TestClient) -> None:
    team = add_team(client, "Ops")
    response = client.get(f"{TEAMS}/{team['slug']}/members")
    assert response.status_code == 200
    assert response.json()["members"] == []


def test_the_members_of_a_team_can_be_read_by_team_name(client: TestClient) -> None:
    add_user(client, "ada")
    team = add_team(client, "Ops")
    add_member(client, team["slug"], "ada")
    response = client.get(f"{TEAMS}/Ops/members")
    assert response.status_code == 200
    assert response.json()["_selfUrl"] == f"{TEAMS}/{team['slug']}/members"
    assert [m["username"] for m in response.json()["members"]] == ["ada"]


def test_the_members_of_an_unknown_team_are_404(client: TestClient) -> None:
    response = client.get(f"{TEAMS}/nope/members")
    assert response.status_code == 404
    assert response.json() == {"error": "Team nope not found"}


def test_adding_a_member_returns_the_members_document(
    client: TestClient, queries: QueryCounter
) -> None:
    add_user(client, "ada")
    team = add_team(client, "Ops")
    queries.statements.clear()
    response = client.post(f"{TEAMS}/{team['slug']}/members", json={"username": "ada"})
    assert response.status_code == 200
    assert response.json() == {
        "_selfUrl": f"{TEAMS}/{team['slug']}/members",
        "_teamUrl": f"{TEAMS}/{team['slug']}",
        "members": [member_json("ada")],
    }
    assert queries.count == 6  # authenticate, team, user, membership check, insert, members


def test_adding_a_member_raises_the_member_count(client: TestClient) -> None:
    add_user(client, "ada")
    team = add_team(client, "Ops")
    add_member(client, team["slug"], "ada")
    assert client.get(f"{TEAMS}/{team['slug']}").json()["memberCount"] == 1


def test_adding_a_member_twice_is_idempotent(client: TestClient) -> None:
    add_user(client, "ada")
    team = add_team(client, "Ops")
    first = add_member(client, team["slug"], "ada")
    second = add_member(client, team["slug"], "ada")
    assert second == first
    assert client.get(f"{TEAMS}/{team['slug']}").json()["memberCount"] == 1


def test_a_user_with_an_at_sign_can_be_added_as_a_member(client: TestClient) -> None:
    add_user(client, "ada@example.org")
    team = add_team(client, "Ops")
    assert add_member(client, team["slug"], "ada@example.org")["members"] == [
        member_json("ada@example.org")
    ]


def test_adding_an_unknown_user_as_a_member_is_400_naming_them(client: TestClient) -> None:
    team = add_team(client, "Ops")
    response = client.post(f"{TEAMS}/{team['slug']}/members", json={"username": "nobody"})
    assert response.status_code == 400
    assert response.json() == {"error": "User nobody is not a user of this organization"}
    assert member_names(client, team["slug"]) == []


def test_adding_a_member_to_an_unknown_team_is_404(client: TestClient) -> None:
    add_user(client, "ada")
    response = client.post(f"{TEAMS}/nope/members", json={"username": "ada"})
    assert response.status_code == 404
    assert response.json() == {"error": "Team nope not found"}
    assert client.get("/api-public/v1/user/ada/teams").json() == {"teams": []}


def test_a_user_of_another_organization_cannot_be_added_to_my_team(
    client: TestClient, other_client: TestClient
) -> None:
    add_user(other_client, "grace")
    team = add_team(client, "Ops")
    response = client.post(f"{TEAMS}/{team['slug']}/members", json={"username": "grace"})
    assert response.status_code == 400
    assert response.json() == {"error": "User grace is not a user of this organization"}
    assert member_names(client, team["slug"]) == []


# --- Admins ----------------------------------------------------------------------------------------


def test_team_admins_are_listed_under_the_team_admins_key(
    client: TestClient, queries: QueryCounter
) -> None:
    add_user(client, "ada")
    add_user(client, "grace", firstName="Grace", lastName="Hopper")
    team = add_team(client, "Ops")
    add_member(client, team["slug"], "ada")
    add_member(client, team["slug"], "grace", isAdmin=True)
    queries.statements.clear()
    response = client.get(f"{TEAMS}/{team['slug']}/admins")
    assert response.status_code == 200
    body = response.json()
    admin = body["teamAdmins"][0]
    assert body == {
        "teamAdmins": [
            {
                "username": "grace",
                "firstName": "Grace",
                "lastName": "Hopper",
                "_selfUrl": "/api-public/v1/user/grace",
                "createdAt": admin["createdAt"],
                "passwordLastUpdated": admin["passwordLastUpdated"],
                "verified": False,
            }
        ]
    }
    assert RFC3339_UTC.match(admin["createdAt"])
    assert RFC3339_UTC.match(admin["passwordLastUpdated"])
    assert queries.count == 3  # authenticate, team, admins


def test_a_team_without_admins_has_an_empty_team_admins_list(client: TestClient) -> None:
    add_user(client, "ada")
    team = add_team(client, "Ops")
    add_member(client, team["slug"], "ada")
    response = client.get(f"{TEAMS}/{team['slug']}/admins")
    assert response.status_code == 200
    assert response.json() == {"teamAdmins": []}


def test_an_admin_is_also_listed_among_the_members(client: TestClient) -> None:
    add_user(client, "ada")
    team = add_team(client, "Ops")
    document = add_member(client, team["slug"], "ada", isAdmin=True)
    assert document["members"] == [member_json("ada")]
    assert client.get(f"{TEAMS}/{team['slug']}").json()["memberCount"] == 1


def test_adding_a_member_again_with_is_admin_makes_them_an_admin(client: TestClient) -> None:
    add_user(client, "ada")
    team = add_team(client, "Ops")
    add_member(client, team["slug"], "ada")
    add_member(client, team["slug"], "ada", isAdmin=True)
    assert admin_names(client, team["slug"]) == ["ada"]
    assert member_names(client, team["slug"]) == ["ada"]


def test_adding_an_admin_again_with_is_admin_false_demotes_them(client: TestClient) -> None:
    add_user(client, "ada")
    team = add_team(client, "Ops")
    add_member(client, team["slug"], "ada", isAdmin=True)
    add_member(client, team["slug"], "ada", isAdmin=False)
    assert admin_names(client, team["slug"]) == []
    assert member_names(client, team["slug"]) == ["ada"]


def test_re_adding_an_admin_without_the_is_admin_field_keeps_them_an_admin(
    client: TestClient,
) -> None:
    add_user(client, "ada")
    team = add_team(client, "Ops")
    add_member(client, team["slug"], "ada", isAdmin=True)
    add_member(client, team["slug"], "ada")
    assert admin_names(client, team["slug"]) == ["ada"]


def test_the_admins_of_an_unknown_team_are_404(client: TestClient) -> None:
    response = client.get(f"{TEAMS}/nope/admins")
    assert response.status_code == 404
    assert response.json() == {"error": "Team nope not found"}


# --- Removing members ------------------------------------------------------------------------------


def test_removing_a_member_takes_them_off_the_team(
    client: TestClient, queries: QueryCounter
) -> None:
    add_user(client, "ada")
    add_user(client, "grace", firstName="Grace", lastName="Hopper")
    team = add_team(client, "Ops")
    add_member(client, team["slug"], "ada")
    add_member(client, team["slug"], "grace")
    queries.statements.clear()
    response = client.delete(f"{TEAMS}/{team['slug']}/members/ada")
    assert response.status_code == 200
    assert response.json() == {
        "_selfUrl": f"{TEAMS}/{team['slug']}/members",
        "_teamUrl": f"{TEAMS}/{team['slug']}",
        "members": [member_json("grace", "Grace", "Hopper")],
    }
    assert queries.count == 6  # authenticate, team, user, membership, delete, members
    assert client.get("/api-public/v1/user/ada").status_code == 200


def test_removing_a_member_with_an_empty_json_body_is_accepted(client: TestClient) -> None:
    add_user(client, "ada")
    team = add_team(client, "Ops")
    add_member(client, team["slug"], "ada")
    response = client.request("DELETE", f"{TEAMS}/{team['slug']}/members/ada", json={})
    assert response.status_code == 200
    assert response.json()["members"] == []


def test_removing_a_member_with_a_null_replacement_is_accepted(client: TestClient) -> None:
    add_user(client, "ada")
    team = add_team(client, "Ops")
    add_member(client, team["slug"], "ada")
    response = client.request(
        "DELETE", f"{TEAMS}/{team['slug']}/members/ada", json={"replacement": None}
    )
    assert response.status_code == 200
    assert response.json()["members"] == []


def test_removing_a_member_lowers_the_member_count(client: TestClient) -> None:
    add_user(client, "ada")
    team = add_team(client, "Ops")
    add_member(client, team["slug"], "ada")
    client.delete(f"{TEAMS}/{team['slug']}/members/ada")
    assert client.get(f"{TEAMS}/{team['slug']}").json()["memberCount"] == 0


def test_removing_a_member_with_a_replacement_puts_the_replacement_on_the_team(
    client: TestClient, queries: QueryCounter
) -> None:
    add_user(client, "ada")
    add_user(client, "grace", firstName="Grace", lastName="Hopper")
    team = add_team(client, "Ops")
    add_member(client, team["slug"], "ada")
    queries.statements.clear()
    response = client.request(
        "DELETE", f"{TEAMS}/{team['slug']}/members/ada", json={"replacement": "grace"}
    )
    assert response.status_code == 200
    assert response.json()["members"] == [member_json("grace", "Grace", "Hopper")]
    assert queries.count == 8
    assert client.get("/api-public/v1/user/grace/teams").json()["teams"][0]["slug"] == team["slug"]
    assert client.get("/api-public/v1/user/ada/teams").json() == {"teams": []}


def test_a_replacement_already_on_the_team_stays_on_it_once(client: TestClient) -> None:
    add_user(client, "ada")
    add_user(client, "grace", firstName="Grace", lastName="Hopper")
    team = add_team(client, "Ops")
    add_member(client, team["slug"], "ada")
    add_member(client, team["slug"], "grace")
    response = client.request(
        "DELETE", f"{TEAMS}/{team['slug']}/members/ada", json={"replacement": "grace"}
    )
    assert response.status_code == 200
    assert response.json()["members"] == [member_json("grace", "Grace", "Hopper")]
    assert client.get(f"{TEAMS}/{team['slug']}").json()["memberCount"] == 1


def test_a_member_with_an_at_sign_is_removed_percent_encoded(client: TestClient) -> None:
    add_user(client, "ada@example.org")
    team = add_team(client, "Ops")
    add_member(client, team["slug"], "ada@example.org")
    response = client.delete(f"{TEAMS}/{team['slug']}/members/ada%40example.org")
    assert response.status_code == 200
    assert response.json()["members"] == []


def test_removing_a_user_who_is_not_a_member_is_404(client: TestClient) -> None:
    add_user(client, "ada")
    add_user(client, "grace")
    team = add_team(client, "Ops")
    add_member(client, team["slug"], "ada")
    response = client.delete(f"{TEAMS}/{team['slug']}/members/grace")
    assert response.status_code == 404
    assert response.json() == {"error": "User grace is not a member of team Ops"}
    assert member_names(client, team["slug"]) == ["ada"]


def test_removing_an_unknown_user_from_a_team_is_404(client: TestClient) -> None:
    team = add_team(client, "Ops")
    response = client.delete(f"{TEAMS}/{team['slug']}/members/nobody")
    assert response.status_code == 404
    assert response.json() == {"error": "User nobody is not a member of team Ops"}


def test_removing_a_member_from_an_unknown_team_is_404(client: TestClient) -> None:
    add_user(client, "ada")
    response = client.delete(f"{TEAMS}/nope/members/ada")
    assert response.status_code == 404
    assert response.json() == {"error": "Team nope not found"}


def test_an_unknown_replacement_is_400_and_nothing_changes(client: TestClient) -> None:
    add_user(client, "ada")
    team = add_team(client, "Ops")
    add_member(client, team["slug"], "ada", isAdmin=True)
    response = client.request(
        "DELETE", f"{TEAMS}/{team['slug']}/members/ada", json={"replacement": "nobody"}
    )
    assert response.status_code == 400
    assert response.json() == {"error": "Replacement nobody is not a user of this organization"}
    assert member_names(client, team["slug"]) == ["ada"]
    assert admin_names(client, team["slug"]) == ["ada"]


def test_a_member_cannot_be_their_own_replacement(client: TestClient) -> None:
    add_user(client, "ada")
    team = add_team(client, "Ops")
    add_member(client, team["slug"], "ada")
    response = client.request(
        "DELETE", f"{TEAMS}/{team['slug']}/members/ada", json={"replacement": "ada"}
    )
    assert response.status_code == 400
    assert response.json() == {"error": "A user cannot replace themselves"}
    assert member_names(client, team["slug"]) == ["ada"]


# --- A user's teams --------------------------------------------------------------------------------


def test_a_users_teams_lists_each_team_with_its_links(
    client: TestClient, queries: QueryCounter
) -> None:
    add_user(client, "ada")
    web = add_team(client, "Web")
    ops = add_team(client, "Ops")
    add_team(client, "Database")
    add_member(client, web["slug"], "ada")
    add_member(client, ops["slug"], "ada")
    queries.statements.clear()
    response = client.get("/api-public/v1/user/ada/teams")
    assert response.status_code == 200

    def entry(team: dict[str, Any]) -> dict[str, Any]:
        return {
            key: team[key]
            for key in ("name", "slug", "_selfUrl", "_membersUrl", "_policiesUrl", "_adminsUrl")
        }

    assert response.json() == {"teams": [entry(ops), entry(web)]}
    assert queries.count == 3  # authenticate, user, teams


def test_a_user_on_no_team_has_an_empty_team_list(client: TestClient) -> None:
    add_user(client, "ada")
    response = client.get("/api-public/v1/user/ada/teams")
    assert response.status_code == 200
    assert response.json() == {"teams": []}


def test_the_teams_of_a_user_with_an_at_sign_are_reachable_percent_encoded(
    client: TestClient,
) -> None:
    add_user(client, "ada@example.org")
    team = add_team(client, "Ops")
    add_member(client, team["slug"], "ada@example.org")
    response = client.get("/api-public/v1/user/ada%40example.org/teams")
    assert response.status_code == 200
    assert [t["slug"] for t in response.json()["teams"]] == [team["slug"]]


def test_the_teams_of_an_unknown_user_are_404(client: TestClient) -> None:
    response = client.get("/api-public/v1/user/nobody/teams")
    assert response.status_code == 404
    assert response.json() == {"error": "User nobody not found"}


# --- Read-only keys --------------------------------------------------------------------------------

READS = ["{team}", "{team}/members", "{team}/admins"]
WRITES = [
    ("POST", "", {"name": "New"}),
    ("PUT", "/{team}", {"name": "Renamed"}),
    ("DELETE", "/{team}", None),
    ("POST", "/{team}/members", {"username": "grace"}),
    ("DELETE", "/{team}/members/ada", None),
    ("DELETE", "/{team}/members/ada", {"replacement": "grace"}),
]


@pytest.mark.parametrize("path", READS)
def test_a_read_only_key_may_read_teams(
    client: TestClient, read_only: TestClient, path: str
) -> None:
    add_user(client, "ada")
    team = add_team(client, "Ops")
    add_member(client, team["slug"], "ada", isAdmin=True)
    assert read_only.get(TEAMS).json() == client.get(TEAMS).json()
    url = f"{TEAMS}/{path.format(team=team['slug'])}"
    response = read_only.get(url)
    assert response.status_code == 200
    assert response.json() == client.get(url).json()


def test_a_read_only_key_may_read_a_users_teams(client: TestClient, read_only: TestClient) -> None:
    add_user(client, "ada")
    team = add_team(client, "Ops")
    add_member(client, team["slug"], "ada")
    response = read_only.get("/api-public/v1/user/ada/teams")
    assert response.status_code == 200
    assert [t["slug"] for t in response.json()["teams"]] == [team["slug"]]


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_a_read_only_key_gets_403_on_every_team_write_and_nothing_changes(
    client: TestClient, read_only: TestClient, method: str, path: str, body: Any
) -> None:
    add_user(client, "ada")
    add_user(client, "grace")
    team = add_team(client, "Ops")
    add_member(client, team["slug"], "ada")
    before = client.get(TEAMS).json()
    response = read_only.request(method, TEAMS + path.format(team=team["slug"]), json=body)
    assert response.status_code == 403
    assert response.json() == {"error": "This API key is read-only"}
    assert client.get(TEAMS).json() == before
    assert member_names(client, team["slug"]) == ["ada"]


# --- Other organizations ---------------------------------------------------------------------------

FOREIGN_REQUESTS = [
    ("GET", "/{team}", None),
    ("GET", "/Ops", None),
    ("PUT", "/{team}", {"name": "Hijacked"}),
    ("PUT", "/Ops", {"name": "Hijacked"}),
    ("DELETE", "/{team}", None),
    ("GET", "/{team}/members", None),
    ("POST", "/{team}/members", {"username": "grace", "isAdmin": True}),
    ("DELETE", "/{team}/members/ada", None),
    ("DELETE", "/{team}/members/ada", {"replacement": "grace"}),
    ("GET", "/{team}/admins", None),
]


@pytest.mark.parametrize(("method", "path", "body"), FOREIGN_REQUESTS)
def test_another_organization_cannot_see_or_change_my_team(
    client: TestClient, other_client: TestClient, method: str, path: str, body: Any
) -> None:
    for username in ("ada", "grace"):
        add_user(client, username)
        add_user(other_client, username)
    team = add_team(client, "Ops")
    add_member(client, team["slug"], "ada", isAdmin=True)
    before = client.get(f"{TEAMS}/{team['slug']}").json()
    path = path.format(team=team["slug"])
    response = other_client.request(method, TEAMS + path, json=body)
    assert response.status_code == 404
    assert response.json() == {"error": f"Team {path.split('/')[1]} not found"}
    assert client.get(f"{TEAMS}/{team['slug']}").json() == before
    assert member_names(client, team["slug"]) == ["ada"]
    assert admin_names(client, team["slug"]) == ["ada"]


def test_another_organization_does_not_list_my_teams(
    client: TestClient, other_client: TestClient
) -> None:
    add_team(client, "Ops")
    assert other_client.get(TEAMS).json() == []


def test_another_organization_cannot_see_my_users_teams(
    client: TestClient, other_client: TestClient
) -> None:
    add_user(client, "ada")
    team = add_team(client, "Ops")
    add_member(client, team["slug"], "ada")
    response = other_client.get("/api-public/v1/user/ada/teams")
    assert response.status_code == 404
    assert response.json() == {"error": "User ada not found"}


def test_a_same_named_user_in_another_organization_is_on_none_of_my_teams(
    client: TestClient, other_client: TestClient
) -> None:
    add_user(client, "ada")
    add_user(other_client, "ada")
    team = add_team(client, "Ops")
    add_member(client, team["slug"], "ada")
    assert other_client.get("/api-public/v1/user/ada/teams").json() == {"teams": []}


def test_a_replacement_does_not_inherit_the_removed_members_admin_rights(
    client: TestClient,
) -> None:
    add_user(client, "ada")
    add_user(client, "grace", firstName="Grace", lastName="Hopper")
    team = add_team(client, "Ops")
    add_member(client, team["slug"], "ada", isAdmin=True)
    client.request("DELETE", f"{TEAMS}/{team['slug']}/members/ada", json={"replacement": "grace"})
    assert member_names(client, team["slug"]) == ["grace"]
    assert admin_names(client, team["slug"]) == []
