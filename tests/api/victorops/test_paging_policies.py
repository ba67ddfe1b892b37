"""Personal paging policies: /api-public/v1/profile/{user}/policies (section 3.9), the v2 profile
policies and /api-public/v1/user/{user}/policies (section 3.13)."""

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import QueryCounter, vo_headers
from tests.helpers import add_user
from vigil.db import transaction
from vigil.orgs.service import NewOrganization, create_api_key

POLICIES = "/api-public/v1/profile/ada/policies"
PHONE = "+14155550100"


def contacts(client: TestClient, kind: str, username: str = "ada") -> list[dict[str, Any]]:
    response = client.get(f"/api-public/v1/user/{username}/contact-methods/{kind}")
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["contactMethods"]
    return found


def email_id(client: TestClient, username: str = "ada") -> int:
    return int(contacts(client, "emails", username)[0]["id"])


def add_phone(client: TestClient, phone: str = PHONE, username: str = "ada") -> dict[str, Any]:
    response = client.post(
        f"/api-public/v1/user/{username}/contact-methods/phones",
        json={"label": "Cell", "phone": phone},
    )
    assert response.status_code == 200, response.text
    created: dict[str, Any] = response.json()
    return created


def add_device(client: TestClient, address: str = "https://ntfy.example.com/ada") -> dict[str, Any]:
    response = client.post(
        "/api-public/v1/user/ada/contact-methods/devices",
        json={"label": "Pixel", "address": address},
    )
    assert response.status_code == 200, response.text
    created: dict[str, Any] = response.json()
    return created


def rule(kind: str, contact_id: int, contact_type: str = "email") -> dict[str, Any]:
    return {"type": kind, "contact": {"id": contact_id, "type": contact_type}}


def rule_json(index: int, kind: str, contact_id: int, contact_type: str) -> dict[str, Any]:
    return {"index": index, "type": kind, "contact": {"id": contact_id, "type": contact_type}}


def ok(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def steps(client: TestClient) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = ok(client.get(POLICIES))["steps"]
    return found


def test_a_new_user_has_the_default_policy_email_at_once(
    client: TestClient, queries: QueryCounter
) -> None:
    add_user(client)
    email = email_id(client)
    queries.statements.clear()

    response = client.get(POLICIES)

    assert response.status_code == 200
    assert response.json() == {
        "steps": [{"index": 0, "timeout": 5, "rules": [rule_json(0, "email", email, "Email")]}],
        "_selfUrl": POLICIES,
    }
    assert queries.count == 4  # authenticate, user, steps with rules, contact methods


def test_the_default_policy_texts_the_users_phone_after_five_minutes(client: TestClient) -> None:
    add_user(client)
    phone = add_phone(client)

    assert steps(client)[1] == {
        "index": 1,
        "timeout": 5,
        "rules": [rule_json(0, "sms", phone["id"], "Phone")],
    }


def test_reading_many_steps_costs_the_same_queries(
    client: TestClient, queries: QueryCounter
) -> None:
    add_user(client)
    phone = add_phone(client)
    for timeout in (10, 15, 20, 25, 30):
        body = {"timeout": timeout, "rules": [rule("phone", phone["id"], "phone")] * 3}
        ok(client.post(POLICIES, json=body))
    queries.statements.clear()

    assert len(steps(client)) == 7
    assert queries.count == 4


def test_adding_a_step_appends_it_to_the_policy(client: TestClient, queries: QueryCounter) -> None:
    add_user(client)
    phone = add_phone(client)
    ok(client.put(f"{POLICIES}/1", json={"timeout": 5, "rules": []}))
    queries.statements.clear()

    response = client.post(
        POLICIES, json={"timeout": 10, "rules": [rule("phone", phone["id"], "phone")]}
    )

    assert response.status_code == 200
    assert response.json() == {
        "step": {"index": 2, "timeout": 10, "rules": [rule_json(0, "phone", phone["id"], "Phone")]},
        "_selfUrl": f"{POLICIES}/2",
    }
    assert queries.count == 6  # authenticate, user, steps, contacts, insert step, insert rules


def test_the_first_change_stores_the_default_before_applying_it(
    client: TestClient, queries: QueryCounter
) -> None:
    add_user(client)
    phone = add_phone(client)
    queries.statements.clear()

    added = ok(client.post(POLICIES, json={"timeout": "15", "rules": []}))

    # authenticate, user, steps, contacts; the default's two steps and their rules; the new step
    assert queries.count == 8
    assert added["step"] == {"index": 2, "timeout": 15, "rules": []}
    stored = steps(client)
    assert [step["rules"][0]["type"] for step in stored[:2]] == ["email", "sms"]
    assert stored[1]["rules"][0]["contact"]["id"] == phone["id"]


def test_a_step_created_as_go_v2_does_has_no_rules(client: TestClient) -> None:
    add_user(client)

    added = ok(client.post(POLICIES, json={"timeout": 5, "rules": []}))

    assert added["step"] == {"index": 1, "timeout": 5, "rules": []}


def test_a_step_is_created_with_rules_as_the_node_client_sends_them(client: TestClient) -> None:
    add_user(client)
    email = email_id(client)
    body = {
        "timeout": 5,
        "rules": [{"index": 0, "type": "email", "contact": {"id": email, "type": "Email"}}],
    }

    added = ok(client.post(POLICIES, json=body))

    assert added["step"]["rules"] == [rule_json(0, "email", email, "Email")]


@pytest.mark.parametrize("timeout", [1, "1", 60, "60", 45.0])
def test_a_timeout_may_be_a_number_or_a_numeric_string(client: TestClient, timeout: object) -> None:
    add_user(client)

    added = ok(client.post(POLICIES, json={"timeout": timeout}))

    assert added["step"]["timeout"] == int(float(str(timeout)))


@pytest.mark.parametrize("timeout", [0, 7, "7", "soon", 5.5, True, None])
def test_a_timeout_outside_the_listed_values_is_refused(
    client: TestClient, timeout: object
) -> None:
    add_user(client)

    response = client.post(POLICIES, json={"timeout": timeout, "rules": []})

    assert response.status_code == 400
    assert "give one of 1, 5, 10, 15, 20, 25, 30, 45, 60 (minutes)" in response.json()["error"]
    assert len(steps(client)) == 1


def test_a_step_without_a_timeout_is_refused(client: TestClient) -> None:
    add_user(client)

    response = client.post(POLICIES, json={"rules": []})

    assert response.status_code == 400
    assert response.json()["error"] == "timeout: Field required"


def test_a_rule_naming_another_users_contact_is_refused(client: TestClient) -> None:
    add_user(client)
    add_user(client, "grace")
    graces = email_id(client, "grace")

    response = client.post(f"{POLICIES}/0", json=rule("email", graces))

    assert response.status_code == 400
    assert response.json()["error"] == f"Contact {graces} is not a contact method of user ada"


def test_a_rule_naming_a_contact_of_the_wrong_kind_is_refused(client: TestClient) -> None:
    add_user(client)
    email = email_id(client)

    response = client.post(f"{POLICIES}/0", json=rule("phone", email, "phone"))

    assert response.status_code == 400
    assert response.json()["error"] == (
        f"A rule of type phone needs a phone number, but contact {email} is an e-mail address"
    )


def test_a_rule_of_an_unknown_type_is_refused(client: TestClient) -> None:
    add_user(client)

    response = client.post(f"{POLICIES}/0", json=rule("pigeon", email_id(client)))

    assert response.status_code == 400
    assert "give one of push, email, sms, phone" in response.json()["error"]


def test_a_step_with_a_bad_rule_is_refused_whole(client: TestClient) -> None:
    add_user(client)
    body = {"timeout": 5, "rules": [rule("email", email_id(client)), rule("sms", 999_999)]}

    response = client.post(POLICIES, json=body)

    assert response.status_code == 400
    assert len(steps(client)) == 1


def test_a_push_rule_for_device_zero_means_all_devices(client: TestClient) -> None:
    add_user(client)

    added = ok(client.post(f"{POLICIES}/0", json={"type": "push", "contact": {"id": 0}}))

    assert added == {
        "stepRule": rule_json(1, "push", 0, "Device"),
        "_selfUrl": f"{POLICIES}/0/1",
    }


def test_a_push_rule_may_name_one_device(client: TestClient) -> None:
    add_user(client)
    device = add_device(client)

    added = ok(client.post(f"{POLICIES}/0", json={"type": "push", "contact": {"id": device["id"]}}))

    assert added["stepRule"] == rule_json(1, "push", device["id"], "Device")


def test_getting_a_step(client: TestClient, queries: QueryCounter) -> None:
    add_user(client)
    email = email_id(client)
    queries.statements.clear()

    response = client.get(f"{POLICIES}/0")

    assert response.status_code == 200
    assert response.json() == {
        "step": {"index": 0, "timeout": 5, "rules": [rule_json(0, "email", email, "Email")]},
        "_selfUrl": f"{POLICIES}/0",
    }
    assert queries.count == 4


@pytest.mark.parametrize("path", ["/1", "/-1", "/first", "/0/1", "/0/x", "/3/0"])
def test_a_missing_step_or_rule_is_not_found(client: TestClient, path: str) -> None:
    add_user(client)

    response = client.get(f"{POLICIES}{path}")

    assert response.status_code == 404
    assert response.json()["error"]


def test_replacing_a_step_sets_its_timeout_and_rules(client: TestClient) -> None:
    add_user(client)
    phone = add_phone(client)
    body = {
        "timeout": "30",
        "rules": [rule("sms", phone["id"], "phone"), rule("phone", phone["id"])],
    }

    replaced = ok(client.put(f"{POLICIES}/0", json=body))

    expected = {
        "index": 0,
        "timeout": 30,
        "rules": [
            rule_json(0, "sms", phone["id"], "Phone"),
            rule_json(1, "phone", phone["id"], "Phone"),
        ],
    }
    assert replaced == {"step": expected, "_selfUrl": f"{POLICIES}/0"}
    assert steps(client)[0] == expected


def test_replacing_a_missing_step_is_not_found(client: TestClient) -> None:
    add_user(client)

    response = client.put(f"{POLICIES}/4", json={"timeout": 5, "rules": []})

    assert response.status_code == 404
    assert response.json() == {"error": "User ada has no paging policy step 4"}


def test_adding_getting_and_changing_a_rule(client: TestClient) -> None:
    add_user(client)
    phone = add_phone(client)
    ok(client.post(f"{POLICIES}/0", json=rule("sms", phone["id"], "phone")))

    changed = ok(client.put(f"{POLICIES}/0/1", json=rule("phone", phone["id"], "phone")))
    fetched = ok(client.get(f"{POLICIES}/0/1"))

    expected = {
        "stepRule": rule_json(1, "phone", phone["id"], "Phone"),
        "_selfUrl": f"{POLICIES}/0/1",
    }
    assert changed == expected
    assert fetched == expected


def test_deleting_a_rule_returns_it_and_moves_later_rules_up(
    client: TestClient, queries: QueryCounter
) -> None:
    add_user(client)
    email = email_id(client)
    phone = add_phone(client)
    rules = [rule("sms", phone["id"]), rule("email", email), rule("phone", phone["id"])]
    ok(client.put(f"{POLICIES}/0", json={"timeout": 5, "rules": rules}))
    queries.statements.clear()

    response = client.delete(f"{POLICIES}/0/0")

    assert response.status_code == 200
    assert response.json() == {
        "stepRule": rule_json(0, "sms", phone["id"], "Phone"),
        "_selfUrl": f"{POLICIES}/0/0",
    }
    assert queries.count == 5  # authenticate, user, steps, contacts, delete
    assert steps(client)[0]["rules"] == [
        rule_json(0, "email", email, "Email"),
        rule_json(1, "phone", phone["id"], "Phone"),
    ]


def test_removing_a_contact_method_removes_the_rules_that_use_it(client: TestClient) -> None:
    add_user(client)
    email = email_id(client)
    phone = add_phone(client)
    rules = [rule("sms", phone["id"]), rule("email", email)]
    ok(client.put(f"{POLICIES}/0", json={"timeout": 5, "rules": rules}))

    ok(client.delete(f"/api-public/v1/user/ada/contact-methods/phones/{phone['extId']}"))

    assert steps(client) == [
        {"index": 0, "timeout": 5, "rules": [rule_json(0, "email", email, "Email")]},
        {"index": 1, "timeout": 5, "rules": []},
    ]


def test_the_default_policy_follows_the_users_contacts_until_changed(client: TestClient) -> None:
    add_user(client)
    phone = add_phone(client)
    assert len(steps(client)) == 2

    ok(client.delete(f"/api-public/v1/user/ada/contact-methods/phones/{phone['extId']}"))

    assert len(steps(client)) == 1


def test_go_clients_send_an_empty_body_with_get(client: TestClient) -> None:
    add_user(client)

    response = client.request("GET", POLICIES, json={})

    assert response.status_code == 200


def test_an_unknown_user_is_not_found(client: TestClient) -> None:
    response = client.get("/api-public/v1/profile/nobody/policies")

    assert response.status_code == 404
    assert response.json() == {"error": "User nobody not found"}


def test_another_organizations_users_are_invisible(
    client: TestClient, other_client: TestClient
) -> None:
    add_user(client)

    assert other_client.get(POLICIES).status_code == 404
    assert other_client.post(POLICIES, json={"timeout": 5}).status_code == 404


def test_a_read_only_key_reads_but_does_not_change_policies(
    app: FastAPI, sessions: sessionmaker[Session], org: NewOrganization, client: TestClient
) -> None:
    add_user(client)
    with transaction(sessions) as session:
        _, key = create_api_key(session, org.org.id, read_only=True)
    with TestClient(app, headers=vo_headers(org, key), raise_server_exceptions=False) as reader:
        assert reader.get(POLICIES).status_code == 200
        assert reader.post(POLICIES, json={"timeout": 5}).status_code == 403


def test_requests_need_credentials(anonymous: TestClient) -> None:
    assert anonymous.get(POLICIES).status_code == 401


def test_v2_profile_policies_hold_the_primary_policy(
    client: TestClient, queries: QueryCounter
) -> None:
    add_user(client)
    email = email_id(client)
    queries.statements.clear()

    response = client.get("/api-public/v2/profile/ada/policies")

    assert response.status_code == 200
    days = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    assert response.json() == {
        "policies": [
            {
                "rank": 0,
                "name": "Primary Paging Policy",
                "slug": "primary",
                "timeMask": {
                    **dict.fromkeys(days, True),
                    "timeZone": "UTC",
                    "startTime": "00:00",
                    "endTime": "23:59",
                },
                "steps": [
                    {"index": 0, "timeout": 5, "rules": [rule_json(0, "email", email, "Email")]}
                ],
            }
        ]
    }
    assert queries.count == 4


def test_user_policies_list_one_line_per_rule(client: TestClient, queries: QueryCounter) -> None:
    ada = add_user(client)
    emails = contacts(client, "emails")
    phone = add_phone(client)
    ok(
        client.post(
            POLICIES, json={"timeout": 20, "rules": [rule("push", 0), rule("phone", phone["id"])]}
        )
    )
    queries.statements.clear()

    response = client.get("/api-public/v1/user/ada/policies")

    assert response.status_code == 200
    body = response.json()
    assert body["username"] == ada["username"]
    assert isinstance(body["userId"], int)
    assert body["policies"] == [
        {"order": 1, "timeout": 5, "contactType": "email", "extId": emails[0]["extId"]},
        {"order": 2, "timeout": 5, "contactType": "sms", "extId": phone["extId"]},
        {"order": 3, "timeout": 20, "contactType": "push"},
        {"order": 3, "timeout": 20, "contactType": "phone", "extId": phone["extId"]},
    ]
    assert queries.count == 4


def test_user_policies_of_an_unknown_user_are_not_found(client: TestClient) -> None:
    assert client.get("/api-public/v1/user/nobody/policies").status_code == 404


def test_replacing_a_stored_step_writes_its_rules_at_once(
    client: TestClient, queries: QueryCounter
) -> None:
    add_user(client)
    phone = add_phone(client)
    ok(client.put(f"{POLICIES}/0", json={"timeout": 5, "rules": []}))
    body = {"timeout": 10, "rules": [rule("sms", phone["id"]), rule("phone", phone["id"])] * 4}
    queries.statements.clear()

    replaced = ok(client.put(f"{POLICIES}/1", json=body))

    assert len(replaced["step"]["rules"]) == 8
    assert queries.count == 7  # authenticate, user, steps, contacts, timeout, old rules, new rules
