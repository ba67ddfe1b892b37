import re

from fastapi.testclient import TestClient

from tests.conftest import QueryCounter
from tests.helpers import add_user, user_body

RFC3339_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def test_adding_a_user_returns_the_user_unverified(client: TestClient) -> None:
    created = add_user(client, "ada")
    assert created == {
        "firstName": "Ada",
        "lastName": "Lovelace",
        "username": "ada",
        "email": "ada@example.com",
        "createdAt": created["createdAt"],
        "passwordLastUpdated": created["passwordLastUpdated"],
        "verified": False,
        "_selfUrl": "/api-public/v1/user/ada",
    }
    assert RFC3339_UTC.match(created["createdAt"])
    assert RFC3339_UTC.match(created["passwordLastUpdated"])


def test_the_v1_user_list_is_nested_in_an_outer_array(
    client: TestClient, queries: QueryCounter
) -> None:
    add_user(client, "ada")
    add_user(client, "grace", firstName="Grace", lastName="Hopper")
    queries.statements.clear()
    response = client.get("/api-public/v1/user")
    assert response.status_code == 200
    body = response.json()
    assert body["_selfUrl"] == "/api-public/v1/user"
    assert [[user["username"] for user in body["users"][0]]] == [["ada", "grace"]]
    assert queries.count == 2  # authenticate, list


def test_the_v2_user_list_is_flat_with_display_names(client: TestClient) -> None:
    add_user(client, "ada")
    users = client.get("/api-public/v2/user").json()["users"]
    assert [(u["username"], u["displayName"]) for u in users] == [("ada", "Ada Lovelace")]


def test_the_v2_user_list_filters_by_email(client: TestClient) -> None:
    add_user(client, "ada")
    add_user(client, "grace")
    users = client.get("/api-public/v2/user", params={"email": "grace@example.com"}).json()
    assert [u["username"] for u in users["users"]] == ["grace"]


def test_getting_a_user_by_username(client: TestClient, queries: QueryCounter) -> None:
    add_user(client, "ada")
    queries.statements.clear()
    response = client.get("/api-public/v1/user/ada")
    assert response.status_code == 200
    assert response.json()["email"] == "ada@example.com"
    assert queries.count == 2


def test_an_unknown_user_is_404_with_a_json_error(client: TestClient) -> None:
    response = client.get("/api-public/v1/user/nobody")
    assert response.status_code == 404
    assert response.json() == {"error": "User nobody not found"}


def test_a_username_with_an_at_sign_is_reachable_percent_encoded(client: TestClient) -> None:
    add_user(client, "ada@example.org")
    response = client.get("/api-public/v1/user/ada%40example.org")
    assert response.status_code == 200
    assert response.json()["username"] == "ada@example.org"


def test_a_taken_username_is_422_and_the_first_user_is_unchanged(client: TestClient) -> None:
    add_user(client, "ada")
    response = client.post("/api-public/v1/user", json=user_body("ada", email="other@example.com"))
    assert response.status_code == 422
    assert response.json() == {"error": "User name ada is unavailable"}
    assert client.get("/api-public/v1/user/ada").json()["email"] == "ada@example.com"


def test_a_taken_email_is_422(client: TestClient) -> None:
    add_user(client, "ada")
    response = client.post("/api-public/v1/user", json=user_body("ada2", email="ada@example.com"))
    assert response.status_code == 422
    assert "ada@example.com" in response.json()["error"]


def test_a_missing_field_is_400_naming_the_field(client: TestClient) -> None:
    body = user_body("ada")
    del body["lastName"]
    response = client.post("/api-public/v1/user", json=body)
    assert response.status_code == 400
    assert response.json() == {"error": "lastName: Field required"}


def test_a_wrongly_typed_field_is_400(client: TestClient) -> None:
    response = client.post("/api-public/v1/user", json=user_body("ada", firstName=42))
    assert response.status_code == 400
    assert response.json()["error"].startswith("firstName:")


def test_an_invalid_email_is_400_naming_the_address(client: TestClient) -> None:
    response = client.post("/api-public/v1/user", json=user_body("ada", email="not-an-address"))
    assert response.status_code == 400
    assert "not-an-address" in response.json()["error"]


def test_an_invalid_username_is_400(client: TestClient) -> None:
    response = client.post("/api-public/v1/user", json=user_body("ada lovelace"))
    assert response.status_code == 400
    assert "ada lovelace" in response.json()["error"]
    assert client.get("/api-public/v1/user").json()["users"] == [[]]


def test_unknown_fields_are_ignored(client: TestClient) -> None:
    body = user_body("ada", admin=True, expirationHours=24, somethingNew={"x": 1})
    assert client.post("/api-public/v1/user", json=body).status_code == 200


def test_updating_a_user_changes_the_given_fields(client: TestClient) -> None:
    add_user(client, "ada")
    response = client.put(
        "/api-public/v1/user/ada", json=user_body("ada", firstName="Augusta", email="a@example.com")
    )
    assert response.status_code == 200
    assert response.json()["firstName"] == "Augusta"
    assert client.get("/api-public/v1/user/ada").json()["email"] == "a@example.com"


def test_updating_a_users_email_moves_their_primary_email_contact(client: TestClient) -> None:
    add_user(client, "ada")
    client.put("/api-public/v1/user/ada", json={"email": "new@example.com"})
    emails = client.get("/api-public/v1/user/ada/contact-methods/emails").json()
    assert [c["value"] for c in emails["contactMethods"]] == ["new@example.com"]


def test_renaming_a_user_to_a_taken_username_is_422(client: TestClient) -> None:
    add_user(client, "ada")
    add_user(client, "grace")
    response = client.put("/api-public/v1/user/grace", json={"username": "ada"})
    assert response.status_code == 422
    assert client.get("/api-public/v1/user/grace").status_code == 200


def test_updating_an_unknown_user_is_404(client: TestClient) -> None:
    assert client.put("/api-public/v1/user/nobody", json=user_body("nobody")).status_code == 404


def test_deleting_a_user_answers_with_a_result_sentence(client: TestClient) -> None:
    add_user(client, "ada")
    response = client.request("DELETE", "/api-public/v1/user/ada", json={})
    assert response.status_code == 200
    assert response.json() == {"result": "ada deleted"}
    assert client.get("/api-public/v1/user/ada").status_code == 404


def test_deleting_a_user_without_a_body_is_accepted(client: TestClient) -> None:
    add_user(client, "ada")
    assert client.delete("/api-public/v1/user/ada").status_code == 200


def test_deleting_a_user_with_a_replacement_hands_over_their_teams(client: TestClient) -> None:
    add_user(client, "ada")
    add_user(client, "grace")
    team = client.post("/api-public/v1/team", json={"name": "Ops"}).json()
    client.post(f"/api-public/v1/team/{team['slug']}/members", json={"username": "ada"})
    response = client.request("DELETE", "/api-public/v1/user/ada", json={"replacement": "grace"})
    assert response.status_code == 200
    members = client.get(f"/api-public/v1/team/{team['slug']}/members").json()["members"]
    assert [m["username"] for m in members] == ["grace"]


def test_deleting_a_user_with_an_unknown_replacement_is_400_and_keeps_the_user(
    client: TestClient,
) -> None:
    add_user(client, "ada")
    response = client.request("DELETE", "/api-public/v1/user/ada", json={"replacement": "ghost"})
    assert response.status_code == 400
    assert response.json() == {"error": "Replacement ghost is not a user of this organization"}
    assert client.get("/api-public/v1/user/ada").status_code == 200


def test_a_user_cannot_replace_themselves(client: TestClient) -> None:
    add_user(client, "ada")
    response = client.request("DELETE", "/api-public/v1/user/ada", json={"replacement": "ada"})
    assert response.status_code == 400
    assert client.get("/api-public/v1/user/ada").status_code == 200


def test_a_users_teams_list_their_names_slugs_and_links(client: TestClient) -> None:
    add_user(client, "ada")
    team = client.post("/api-public/v1/team", json={"name": "Ops"}).json()
    client.post(f"/api-public/v1/team/{team['slug']}/members", json={"username": "ada"})
    teams = client.get("/api-public/v1/user/ada/teams").json()["teams"]
    assert teams == [
        {
            "name": "Ops",
            "slug": team["slug"],
            "_selfUrl": f"/api-public/v1/team/{team['slug']}",
            "_membersUrl": f"/api-public/v1/team/{team['slug']}/members",
            "_policiesUrl": f"/api-public/v1/team/{team['slug']}/policies",
            "_adminsUrl": f"/api-public/v1/team/{team['slug']}/admins",
        }
    ]


def test_another_organization_cannot_see_my_users(
    client: TestClient, other_client: TestClient
) -> None:
    add_user(client, "ada")
    assert other_client.get("/api-public/v1/user").json()["users"] == [[]]
    assert other_client.get("/api-public/v2/user").json()["users"] == []
    assert other_client.get("/api-public/v1/user/ada").status_code == 404
    assert other_client.get("/api-public/v1/user/ada/teams").status_code == 404


def test_another_organization_cannot_change_or_delete_my_users(
    client: TestClient, other_client: TestClient
) -> None:
    add_user(client, "ada")
    assert other_client.put("/api-public/v1/user/ada", json=user_body("ada")).status_code == 404
    assert other_client.delete("/api-public/v1/user/ada").status_code == 404
    assert client.get("/api-public/v1/user/ada").json()["firstName"] == "Ada"


def test_the_same_username_may_exist_in_two_organizations(
    client: TestClient, other_client: TestClient
) -> None:
    add_user(client, "ada")
    assert other_client.post("/api-public/v1/user", json=user_body("ada")).status_code == 200
