"""A user's e-mails, phones and devices: /api-public/v1/user/{user}/contact-methods (section 3.12)."""

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import QueryCounter, vo_headers
from tests.helpers import add_user
from vigil.db import transaction
from vigil.orgs.service import NewOrganization, create_api_key

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
PUSH_ADDRESS = "https://ntfy.example.com/ada-pixel"


def methods_url(username: str = "ada") -> str:
    return f"/api-public/v1/user/{username}/contact-methods"


def add_email(client: TestClient, email: str, label: str = "Work", **extra: Any) -> dict[str, Any]:
    response = client.post(
        f"{methods_url()}/emails", json={"label": label, "email": email, **extra}
    )
    assert response.status_code == 200, response.text
    created: dict[str, Any] = response.json()
    return created


def add_phone(client: TestClient, phone: str, label: str = "Cell", **extra: Any) -> dict[str, Any]:
    response = client.post(
        f"{methods_url()}/phones", json={"label": label, "phone": phone, **extra}
    )
    assert response.status_code == 200, response.text
    created: dict[str, Any] = response.json()
    return created


def add_device(
    client: TestClient, label: str = "Pixel", address: str = PUSH_ADDRESS, **extra: Any
) -> dict[str, Any]:
    response = client.post(
        f"{methods_url()}/devices", json={"label": label, "address": address, **extra}
    )
    assert response.status_code == 200, response.text
    created: dict[str, Any] = response.json()
    return created


def listed(client: TestClient, kind: str, username: str = "ada") -> list[dict[str, Any]]:
    response = client.get(f"{methods_url(username)}/{kind}")
    assert response.status_code == 200, response.text
    contacts: list[dict[str, Any]] = response.json()["contactMethods"]
    return contacts


def values(client: TestClient, kind: str, username: str = "ada") -> list[str]:
    return [contact["value"] for contact in listed(client, kind, username)]


def primary_email(client: TestClient, username: str = "ada") -> dict[str, Any]:
    return listed(client, "emails", username)[0]


def contact_json(
    kind: str, created: dict[str, Any], username: str = "ada", **fields: Any
) -> dict[str, Any]:
    """What an e-mail or phone contact looks like, given the server-chosen id and extId."""
    return {
        "id": created["id"],
        "label": fields["label"],
        "value": fields["value"],
        "contactType": "Email" if kind == "emails" else "Phone",
        "rank": fields.get("rank", 500),
        "verified": "unverified",
        "extId": created["extId"],
        "_selfUrl": f"{methods_url(username)}/{kind}/{created['extId']}",
    }


@pytest.fixture
def read_only(
    app: FastAPI, org: NewOrganization, sessions: sessionmaker[Session]
) -> Iterator[TestClient]:
    """A client of the same organization as `client`, holding a read-only key."""
    with transaction(sessions) as session:
        _, secret = create_api_key(session, org.org.id, read_only=True)
    headers = vo_headers(org, key=secret)
    with TestClient(app, headers=headers, raise_server_exceptions=False) as test_client:
        yield test_client


# --- The primary e-mail and the all-methods document ------------------------------------------------


def test_a_new_user_has_a_default_primary_email_contact(client: TestClient) -> None:
    add_user(client, "ada")
    primary = primary_email(client)
    assert primary == contact_json("emails", primary, label="Default", value="ada@example.com")
    assert isinstance(primary["id"], int)
    assert UUID.match(primary["extId"])


def test_all_contact_methods_come_in_one_document_of_three_lists(
    client: TestClient, queries: QueryCounter
) -> None:
    add_user(client, "ada")
    phone = add_phone(client, "+16502530000")
    device = add_device(client)
    primary = primary_email(client)
    queries.statements.clear()
    response = client.get(methods_url())
    assert response.status_code == 200
    assert response.json() == {
        "_selfUrl": methods_url(),
        "emails": {"_selfUrl": f"{methods_url()}/emails", "contactMethods": [primary]},
        "phones": {"_selfUrl": f"{methods_url()}/phones", "contactMethods": [phone]},
        "devices": {"_selfUrl": f"{methods_url()}/devices", "contactMethods": [device]},
    }
    assert queries.count == 3  # authenticate, user, every contact method at once


def test_a_new_user_has_no_phones_and_no_devices(client: TestClient) -> None:
    add_user(client, "ada")
    body = client.get(methods_url()).json()
    assert body["phones"] == {"_selfUrl": f"{methods_url()}/phones", "contactMethods": []}
    assert body["devices"] == {"_selfUrl": f"{methods_url()}/devices", "contactMethods": []}


def test_the_primary_email_of_a_user_with_an_at_sign_is_reachable_percent_encoded(
    client: TestClient,
) -> None:
    add_user(client, "ada@example.org")
    response = client.get("/api-public/v1/user/ada%40example.org/contact-methods/emails")
    assert response.status_code == 200
    body = response.json()
    primary = body["contactMethods"][0]
    assert body == {
        "_selfUrl": "/api-public/v1/user/ada@example.org/contact-methods/emails",
        "contactMethods": [
            contact_json(
                "emails",
                primary,
                username="ada@example.org",
                label="Default",
                value="ada.example.org@example.com",
            )
        ],
    }


def test_a_get_with_a_literal_empty_json_body_is_answered_as_go_victorops_sends_it(
    client: TestClient,
) -> None:
    add_user(client, "ada")
    primary = primary_email(client)
    whole = client.request("GET", methods_url(), json={})
    assert whole.status_code == 200
    assert whole.json()["emails"]["contactMethods"] == [primary]
    one = client.request("GET", f"{methods_url()}/emails/{primary['extId']}", json={})
    assert one.status_code == 200
    assert one.json() == primary


# --- E-mails ---------------------------------------------------------------------------------------


def test_listing_emails_returns_a_contact_list(client: TestClient, queries: QueryCounter) -> None:
    add_user(client, "ada")
    work = add_email(client, "ada@work.example.com")
    queries.statements.clear()
    response = client.get(f"{methods_url()}/emails")
    assert response.status_code == 200
    body = response.json()
    assert body == {
        "_selfUrl": f"{methods_url()}/emails",
        "contactMethods": [body["contactMethods"][0], work],
    }
    assert body["contactMethods"][0]["label"] == "Default"
    assert queries.count == 3  # authenticate, user, e-mails


def test_adding_an_email_returns_the_new_unverified_contact(
    client: TestClient, queries: QueryCounter
) -> None:
    add_user(client, "ada")
    queries.statements.clear()
    response = client.post(
        f"{methods_url()}/emails", json={"label": "Work", "email": "ada@work.example.com"}
    )
    assert response.status_code == 200
    created = response.json()
    assert created == contact_json("emails", created, label="Work", value="ada@work.example.com")
    assert isinstance(created["id"], int)
    assert UUID.match(created["extId"])
    assert queries.count == 4  # authenticate, user, duplicate check, insert


def test_each_contact_gets_its_own_id_and_ext_id(client: TestClient) -> None:
    add_user(client, "ada")
    first = add_email(client, "one@example.com")
    second = add_email(client, "two@example.com")
    primary = primary_email(client)
    assert len({primary["id"], first["id"], second["id"]}) == 3
    assert len({primary["extId"], first["extId"], second["extId"]}) == 3


def test_an_email_keeps_the_rank_it_is_given(client: TestClient) -> None:
    add_user(client, "ada")
    assert add_email(client, "ada@work.example.com", rank=10)["rank"] == 10


def test_emails_are_listed_by_rank(client: TestClient) -> None:
    add_user(client, "ada")
    add_email(client, "late@example.com", rank=900)
    add_email(client, "early@example.com", rank=10)
    assert values(client, "emails") == ["early@example.com", "ada@example.com", "late@example.com"]


def test_an_email_address_domain_is_stored_in_lower_case(client: TestClient) -> None:
    add_user(client, "ada")
    assert add_email(client, "Ada@Work.EXAMPLE.com")["value"] == "Ada@work.example.com"


def test_an_invalid_email_is_a_400_that_names_the_address(client: TestClient) -> None:
    add_user(client, "ada")
    response = client.post(
        f"{methods_url()}/emails", json={"label": "Work", "email": "not-an-address"}
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "E-mail address 'not-an-address' is not valid: An email address must have an @-sign."
    }
    assert values(client, "emails") == ["ada@example.com"]


def test_a_duplicate_email_is_422(client: TestClient) -> None:
    add_user(client, "ada")
    add_email(client, "ada@work.example.com")
    response = client.post(
        f"{methods_url()}/emails", json={"label": "Again", "email": "ada@work.example.com"}
    )
    assert response.status_code == 422
    assert response.json() == {
        "error": "User ada already has the email contact ada@work.example.com"
    }
    assert values(client, "emails") == ["ada@example.com", "ada@work.example.com"]


def test_the_primary_address_cannot_be_added_again_even_in_other_case(client: TestClient) -> None:
    add_user(client, "ada")
    response = client.post(
        f"{methods_url()}/emails", json={"label": "Again", "email": "ada@EXAMPLE.com"}
    )
    assert response.status_code == 422
    assert response.json() == {"error": "User ada already has the email contact ada@example.com"}


def test_two_users_may_list_the_same_secondary_email(client: TestClient) -> None:
    add_user(client, "ada")
    add_user(client, "grace")
    add_email(client, "oncall@example.com")
    response = client.post(
        f"{methods_url('grace')}/emails", json={"label": "Shared", "email": "oncall@example.com"}
    )
    assert response.status_code == 200
    assert values(client, "emails", "grace") == ["grace@example.com", "oncall@example.com"]


def test_an_email_without_a_label_is_400_naming_the_field(client: TestClient) -> None:
    add_user(client, "ada")
    response = client.post(f"{methods_url()}/emails", json={"email": "ada@work.example.com"})
    assert response.status_code == 400
    assert response.json() == {"error": "label: Field required"}
    assert values(client, "emails") == ["ada@example.com"]


def test_an_email_contact_without_an_address_is_400_naming_the_field(client: TestClient) -> None:
    add_user(client, "ada")
    response = client.post(f"{methods_url()}/emails", json={"label": "Work"})
    assert response.status_code == 400
    assert response.json() == {"error": "email: Field required"}


def test_a_blank_label_is_400(client: TestClient) -> None:
    add_user(client, "ada")
    response = client.post(
        f"{methods_url()}/emails", json={"label": "   ", "email": "ada@work.example.com"}
    )
    assert response.status_code == 400
    assert response.json() == {"error": "A contact method needs a label"}
    assert values(client, "emails") == ["ada@example.com"]


def test_a_rank_that_is_not_an_integer_is_400(client: TestClient) -> None:
    add_user(client, "ada")
    response = client.post(
        f"{methods_url()}/emails",
        json={"label": "Work", "email": "ada@work.example.com", "rank": "first"},
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "rank: Input should be a valid integer, unable to parse string as an integer"
    }


def test_a_negative_rank_is_400(client: TestClient) -> None:
    add_user(client, "ada")
    response = client.post(
        f"{methods_url()}/emails",
        json={"label": "Work", "email": "ada@work.example.com", "rank": -1},
    )
    assert response.status_code == 400
    assert response.json() == {"error": "rank: Input should be greater than or equal to 0"}


def test_malformed_json_in_a_contact_body_is_400_with_a_json_error(client: TestClient) -> None:
    add_user(client, "ada")
    response = client.post(
        f"{methods_url()}/emails",
        content=b'{"label": "Work", ',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "Request body is not valid JSON: Expecting property name enclosed in double quotes"
    }
    assert values(client, "emails") == ["ada@example.com"]


def test_unknown_fields_in_a_contact_body_are_ignored(client: TestClient) -> None:
    add_user(client, "ada")
    created = add_email(
        client, "ada@work.example.com", verified="verified", contactType="Phone", extId="x"
    )
    assert created == contact_json("emails", created, label="Work", value="ada@work.example.com")
    assert UUID.match(created["extId"])


def test_an_email_contact_can_be_fetched_by_its_ext_id(
    client: TestClient, queries: QueryCounter
) -> None:
    add_user(client, "ada")
    created = add_email(client, "ada@work.example.com")
    queries.statements.clear()
    response = client.get(f"{methods_url()}/emails/{created['extId']}")
    assert response.status_code == 200
    assert response.json() == created
    assert queries.count == 3  # authenticate, user, contact


def test_an_email_contact_is_not_found_by_its_integer_id(client: TestClient) -> None:
    add_user(client, "ada")
    created = add_email(client, "ada@work.example.com")
    response = client.get(f"{methods_url()}/emails/{created['id']}")
    assert response.status_code == 404
    assert response.json() == {"error": f"No email contact method {created['id']} for user ada"}


def test_deleting_an_email_returns_the_deleted_contact(
    client: TestClient, queries: QueryCounter
) -> None:
    add_user(client, "ada")
    created = add_email(client, "ada@work.example.com")
    queries.statements.clear()
    response = client.delete(f"{methods_url()}/emails/{created['extId']}")
    assert response.status_code == 200
    assert response.json() == created
    assert queries.count == 4  # authenticate, user, contact, delete


def test_a_deleted_email_is_404_and_gone_from_the_list(client: TestClient) -> None:
    add_user(client, "ada")
    created = add_email(client, "ada@work.example.com")
    client.delete(f"{methods_url()}/emails/{created['extId']}")
    response = client.get(f"{methods_url()}/emails/{created['extId']}")
    assert response.status_code == 404
    assert response.json() == {"error": f"No email contact method {created['extId']} for user ada"}
    assert values(client, "emails") == ["ada@example.com"]


def test_a_deleted_email_address_can_be_added_again(client: TestClient) -> None:
    add_user(client, "ada")
    created = add_email(client, "ada@work.example.com")
    client.delete(f"{methods_url()}/emails/{created['extId']}")
    again = add_email(client, "ada@work.example.com")
    assert again["extId"] != created["extId"]


def test_a_contact_delete_with_an_empty_json_body_is_accepted(client: TestClient) -> None:
    add_user(client, "ada")
    created = add_email(client, "ada@work.example.com")
    response = client.request("DELETE", f"{methods_url()}/emails/{created['extId']}", json={})
    assert response.status_code == 200
    assert response.json() == created


def test_deleting_the_primary_email_is_422_and_it_stays(client: TestClient) -> None:
    add_user(client, "ada")
    primary = primary_email(client)
    response = client.delete(f"{methods_url()}/emails/{primary['extId']}")
    assert response.status_code == 422
    assert response.json() == {
        "error": "The user's primary e-mail address cannot be removed; change the user instead"
    }
    assert listed(client, "emails") == [primary]


def test_the_primary_email_follows_a_change_of_the_users_address(client: TestClient) -> None:
    add_user(client, "ada")
    primary = primary_email(client)
    client.put("/api-public/v1/user/ada", json={"email": "lovelace@example.com"})
    moved = primary_email(client)
    assert moved == primary | {"value": "lovelace@example.com"}
    response = client.delete(f"{methods_url()}/emails/{moved['extId']}")
    assert response.status_code == 422


def test_making_a_secondary_email_the_users_address_makes_it_the_primary_contact(
    client: TestClient,
) -> None:
    add_user(client, "ada")
    secondary = add_email(client, "ada@work.example.com")
    response = client.put("/api-public/v1/user/ada", json={"email": "ada@work.example.com"})
    assert response.status_code == 200
    emails = client.get(f"{methods_url()}/emails").json()["contactMethods"]
    assert [(c["extId"], c["label"], c["value"]) for c in emails] == [
        (secondary["extId"], "Default", "ada@work.example.com")
    ]


# --- Phones ----------------------------------------------------------------------------------------


def test_a_phone_number_is_stored_in_e164_form(client: TestClient, queries: QueryCounter) -> None:
    add_user(client, "ada")
    queries.statements.clear()
    response = client.post(
        f"{methods_url()}/phones", json={"label": "Cell", "phone": "+1 650-253-0000"}
    )
    assert response.status_code == 200
    created = response.json()
    assert created == contact_json("phones", created, label="Cell", value="+16502530000")
    assert isinstance(created["id"], int)
    assert UUID.match(created["extId"])
    assert queries.count == 4  # authenticate, user, duplicate check, insert


def test_listing_phones_returns_a_contact_list(client: TestClient, queries: QueryCounter) -> None:
    add_user(client, "ada")
    cell = add_phone(client, "+1 650-253-0000")
    desk = add_phone(client, "+44 20 7031 3000", label="Desk", rank=600)
    queries.statements.clear()
    response = client.get(f"{methods_url()}/phones")
    assert response.status_code == 200
    assert response.json() == {
        "_selfUrl": f"{methods_url()}/phones",
        "contactMethods": [cell, desk],
    }
    assert desk["value"] == "+442070313000"
    assert queries.count == 3  # authenticate, user, phones


def test_an_invalid_phone_number_is_a_400_that_names_the_number(client: TestClient) -> None:
    add_user(client, "ada")
    response = client.post(f"{methods_url()}/phones", json={"label": "Cell", "phone": "+1 555"})
    assert response.status_code == 400
    assert response.json() == {
        "error": "Phone number '+1 555' is not valid: give it in international form, "
        "such as +14155550100"
    }
    assert listed(client, "phones") == []


def test_a_phone_number_without_a_country_code_is_400(client: TestClient) -> None:
    add_user(client, "ada")
    response = client.post(
        f"{methods_url()}/phones", json={"label": "Cell", "phone": "650-253-0000"}
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "Phone number '650-253-0000' is not valid: give it in international form, "
        "such as +14155550100"
    }


def test_the_same_number_written_differently_is_a_duplicate_422(client: TestClient) -> None:
    add_user(client, "ada")
    add_phone(client, "+1 650-253-0000")
    response = client.post(
        f"{methods_url()}/phones", json={"label": "Again", "phone": "+1 (650) 253 0000"}
    )
    assert response.status_code == 422
    assert response.json() == {"error": "User ada already has the phone contact +16502530000"}
    assert values(client, "phones") == ["+16502530000"]


def test_a_phone_without_a_number_is_400_naming_the_field(client: TestClient) -> None:
    add_user(client, "ada")
    response = client.post(f"{methods_url()}/phones", json={"label": "Cell"})
    assert response.status_code == 400
    assert response.json() == {"error": "phone: Field required"}


def test_a_phone_number_that_is_not_a_string_is_400(client: TestClient) -> None:
    add_user(client, "ada")
    response = client.post(f"{methods_url()}/phones", json={"label": "Cell", "phone": 16502530000})
    assert response.status_code == 400
    assert response.json() == {"error": "phone: Input should be a valid string"}


def test_a_phone_contact_can_be_fetched_by_its_ext_id(
    client: TestClient, queries: QueryCounter
) -> None:
    add_user(client, "ada")
    created = add_phone(client, "+1 650-253-0000")
    queries.statements.clear()
    response = client.get(f"{methods_url()}/phones/{created['extId']}")
    assert response.status_code == 200
    assert response.json() == created
    assert queries.count == 3


def test_deleting_a_phone_returns_the_deleted_contact_and_it_is_gone(
    client: TestClient, queries: QueryCounter
) -> None:
    add_user(client, "ada")
    created = add_phone(client, "+1 650-253-0000")
    queries.statements.clear()
    response = client.delete(f"{methods_url()}/phones/{created['extId']}")
    assert response.status_code == 200
    assert response.json() == created
    assert queries.count == 4
    assert client.get(f"{methods_url()}/phones/{created['extId']}").status_code == 404
    assert listed(client, "phones") == []


# --- Devices (registered through the Vigil extension) ----------------------------------------------


def test_a_device_is_registered_with_the_vigil_extension(
    client: TestClient, queries: QueryCounter
) -> None:
    add_user(client, "ada")
    queries.statements.clear()
    response = client.post(
        f"{methods_url()}/devices",
        json={"label": "Pixel", "address": PUSH_ADDRESS, "deviceType": "Android"},
    )
    assert response.status_code == 200
    created = response.json()
    assert created == {
        "id": created["id"],
        "deviceType": "Android",
        "label": "Pixel",
        "extId": created["extId"],
        "_selfUrl": f"{methods_url()}/devices/{created['extId']}",
    }
    assert isinstance(created["id"], int)
    assert UUID.match(created["extId"])
    assert queries.count == 4  # authenticate, user, duplicate check, insert


def test_a_device_type_defaults_to_push(client: TestClient) -> None:
    add_user(client, "ada")
    assert add_device(client)["deviceType"] == "Push"


def test_a_device_without_an_address_is_400_naming_the_field(client: TestClient) -> None:
    add_user(client, "ada")
    response = client.post(f"{methods_url()}/devices", json={"label": "Pixel"})
    assert response.status_code == 400
    assert response.json() == {"error": "address: Field required"}
    assert listed(client, "devices") == []


def test_a_blank_device_address_is_400(client: TestClient) -> None:
    add_user(client, "ada")
    response = client.post(f"{methods_url()}/devices", json={"label": "Pixel", "address": "  "})
    assert response.status_code == 400
    assert response.json() == {"error": "A device needs a push address"}
    assert listed(client, "devices") == []


def test_the_same_push_address_twice_is_a_duplicate_422(client: TestClient) -> None:
    add_user(client, "ada")
    add_device(client)
    response = client.post(
        f"{methods_url()}/devices", json={"label": "Again", "address": PUSH_ADDRESS}
    )
    assert response.status_code == 422
    assert response.json() == {"error": f"User ada already has the device contact {PUSH_ADDRESS}"}


def test_listing_devices_returns_a_contact_list(client: TestClient, queries: QueryCounter) -> None:
    add_user(client, "ada")
    pixel = add_device(client, "Pixel")
    tablet = add_device(client, "Tablet", address="https://ntfy.example.com/ada-tablet")
    queries.statements.clear()
    response = client.get(f"{methods_url()}/devices")
    assert response.status_code == 200
    assert response.json() == {
        "_selfUrl": f"{methods_url()}/devices",
        "contactMethods": [pixel, tablet],
    }
    assert queries.count == 3  # authenticate, user, devices


def test_a_device_can_be_fetched_by_its_ext_id(client: TestClient, queries: QueryCounter) -> None:
    add_user(client, "ada")
    device = add_device(client)
    queries.statements.clear()
    response = client.get(f"{methods_url()}/devices/{device['extId']}")
    assert response.status_code == 200
    assert response.json() == device
    assert queries.count == 3


def test_updating_a_device_sets_its_label_and_sounds_in_snake_case(
    client: TestClient, queries: QueryCounter
) -> None:
    add_user(client, "ada")
    device = add_device(client, deviceType="Android")
    queries.statements.clear()
    response = client.put(
        f"{methods_url()}/devices/{device['extId']}",
        json={
            "device_label": "Pixel 8",
            "escalation_notification_sound": "siren",
            "chat_escalation_sound": "bell",
            "resolved_notification_sound": "chime",
        },
    )
    assert response.status_code == 200
    assert response.json() == device | {
        "label": "Pixel 8",
        "escalation_notification_sound": "siren",
        "chat_escalation_sound": "bell",
        "resolved_notification_sound": "chime",
    }
    assert queries.count == 4  # authenticate, user, device, update
    assert client.get(f"{methods_url()}/devices/{device['extId']}").json() == response.json()


def test_a_device_update_keeps_what_it_does_not_mention(client: TestClient) -> None:
    add_user(client, "ada")
    device = add_device(client)
    url = f"{methods_url()}/devices/{device['extId']}"
    client.put(url, json={"device_label": "Pixel 8", "chat_escalation_sound": "bell"})
    response = client.put(url, json={"resolved_notification_sound": "chime"})
    assert response.status_code == 200
    assert response.json() == device | {
        "label": "Pixel 8",
        "chat_escalation_sound": "bell",
        "resolved_notification_sound": "chime",
    }


def test_a_device_update_with_an_empty_body_changes_nothing(client: TestClient) -> None:
    add_user(client, "ada")
    device = add_device(client)
    response = client.put(f"{methods_url()}/devices/{device['extId']}", json={})
    assert response.status_code == 200
    assert response.json() == device


def test_unknown_device_settings_are_ignored(client: TestClient) -> None:
    add_user(client, "ada")
    device = add_device(client)
    response = client.put(
        f"{methods_url()}/devices/{device['extId']}", json={"label": "x", "volume": 11}
    )
    assert response.status_code == 200
    assert response.json() == device


def test_an_empty_device_label_is_400_and_the_label_stays(client: TestClient) -> None:
    add_user(client, "ada")
    device = add_device(client)
    response = client.put(f"{methods_url()}/devices/{device['extId']}", json={"device_label": " "})
    assert response.status_code == 400
    assert response.json() == {"error": "A device label must not be empty"}
    assert listed(client, "devices") == [device]


def test_a_device_sound_that_is_not_a_string_is_400(client: TestClient) -> None:
    add_user(client, "ada")
    device = add_device(client)
    response = client.put(
        f"{methods_url()}/devices/{device['extId']}", json={"chat_escalation_sound": 3}
    )
    assert response.status_code == 400
    assert response.json() == {"error": "chat_escalation_sound: Input should be a valid string"}


def test_updating_an_unknown_device_is_404(client: TestClient) -> None:
    add_user(client, "ada")
    response = client.put(
        f"{methods_url()}/devices/4b0c2b8e-0000-4000-8000-000000000000",
        json={"device_label": "Pixel 8"},
    )
    assert response.status_code == 404
    assert response.json() == {
        "error": "No device contact method 4b0c2b8e-0000-4000-8000-000000000000 for user ada"
    }


def test_deleting_a_device_returns_the_deleted_device(
    client: TestClient, queries: QueryCounter
) -> None:
    add_user(client, "ada")
    device = add_device(client)
    updated = client.put(
        f"{methods_url()}/devices/{device['extId']}", json={"chat_escalation_sound": "bell"}
    ).json()
    queries.statements.clear()
    response = client.delete(f"{methods_url()}/devices/{device['extId']}")
    assert response.status_code == 200
    assert response.json() == updated
    assert queries.count == 4  # authenticate, user, device, delete
    assert listed(client, "devices") == []


# --- Not found -------------------------------------------------------------------------------------

UNKNOWN_ID = "4b0c2b8e-0000-4000-8000-000000000000"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "", None),
        ("GET", "/emails", None),
        ("GET", "/phones", None),
        ("GET", "/devices", None),
        ("POST", "/emails", {"label": "Work", "email": "x@example.com"}),
        ("POST", "/phones", {"label": "Cell", "phone": "+16502530000"}),
        ("POST", "/devices", {"label": "Pixel", "address": PUSH_ADDRESS}),
        ("GET", f"/emails/{UNKNOWN_ID}", None),
        ("DELETE", f"/phones/{UNKNOWN_ID}", None),
        ("PUT", f"/devices/{UNKNOWN_ID}", {"device_label": "x"}),
    ],
)
def test_the_contact_methods_of_an_unknown_user_are_404(
    client: TestClient, method: str, path: str, body: Any
) -> None:
    response = client.request(method, methods_url("nobody") + path, json=body)
    assert response.status_code == 404
    assert response.json() == {"error": "User nobody not found"}


@pytest.mark.parametrize(
    ("kind", "name"), [("emails", "email"), ("phones", "phone"), ("devices", "device")]
)
def test_an_unknown_contact_id_is_404_with_a_json_error(
    client: TestClient, kind: str, name: str
) -> None:
    add_user(client, "ada")
    response = client.get(f"{methods_url()}/{kind}/{UNKNOWN_ID}")
    assert response.status_code == 404
    assert response.json() == {"error": f"No {name} contact method {UNKNOWN_ID} for user ada"}


@pytest.mark.parametrize(
    ("kind", "name"), [("emails", "email"), ("phones", "phone"), ("devices", "device")]
)
def test_deleting_an_unknown_contact_id_is_404(client: TestClient, kind: str, name: str) -> None:
    add_user(client, "ada")
    response = client.delete(f"{methods_url()}/{kind}/{UNKNOWN_ID}")
    assert response.status_code == 404
    assert response.json() == {"error": f"No {name} contact method {UNKNOWN_ID} for user ada"}
    assert len(listed(client, "emails")) == 1


@pytest.mark.parametrize(
    ("owner", "path"),
    [
        ("emails", "phones"),
        ("emails", "devices"),
        ("phones", "emails"),
        ("phones", "devices"),
        ("devices", "emails"),
        ("devices", "phones"),
    ],
)
def test_a_contact_of_one_kind_is_not_reachable_through_another_kinds_path(
    client: TestClient, owner: str, path: str
) -> None:
    add_user(client, "ada")
    created = {
        "emails": lambda: add_email(client, "ada@work.example.com"),
        "phones": lambda: add_phone(client, "+16502530000"),
        "devices": lambda: add_device(client),
    }[owner]()
    url = f"{methods_url()}/{path}/{created['extId']}"
    assert client.get(url).status_code == 404
    assert client.delete(url).status_code == 404
    assert listed(client, owner)[-1] == created


def test_a_device_cannot_be_updated_through_an_email_id(client: TestClient) -> None:
    add_user(client, "ada")
    primary = primary_email(client)
    response = client.put(f"{methods_url()}/devices/{primary['extId']}", json={"device_label": "x"})
    assert response.status_code == 404
    assert primary_email(client) == primary


def test_another_users_contact_is_not_reachable_through_my_path(client: TestClient) -> None:
    add_user(client, "ada")
    add_user(client, "grace")
    grace_primary = primary_email(client, "grace")
    url = f"{methods_url('ada')}/emails/{grace_primary['extId']}"
    assert client.get(url).status_code == 404
    assert client.delete(url).status_code == 404
    assert primary_email(client, "grace") == grace_primary


# --- Read-only keys --------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["", "/emails", "/phones", "/devices"])
def test_a_read_only_key_may_read_contact_lists(
    client: TestClient, read_only: TestClient, path: str
) -> None:
    add_user(client, "ada")
    add_phone(client, "+16502530000")
    add_device(client)
    response = read_only.get(methods_url() + path)
    assert response.status_code == 200
    assert response.json() == client.get(methods_url() + path).json()


def test_a_read_only_key_may_read_one_contact(client: TestClient, read_only: TestClient) -> None:
    add_user(client, "ada")
    primary = primary_email(client)
    response = read_only.get(f"{methods_url()}/emails/{primary['extId']}")
    assert response.status_code == 200
    assert response.json() == primary


@pytest.fixture
def ada_contact_url(client: TestClient) -> Callable[[str], str]:
    """Ada with one contact of each kind; maps "/emails/{email}"-style paths to real URLs."""
    add_user(client, "ada")
    ids = {
        "email": add_email(client, "ada@home.example.com")["extId"],
        "phone": add_phone(client, "+16502530000")["extId"],
        "device": add_device(client)["extId"],
    }
    return lambda path: methods_url() + path.format(**ids)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/emails", {"label": "Work", "email": "ada@work.example.com"}),
        ("POST", "/phones", {"label": "Desk", "phone": "+442070313000"}),
        ("POST", "/devices", {"label": "Tablet", "address": "https://ntfy.example.com/t"}),
        ("PUT", "/devices/{device}", {"device_label": "Renamed"}),
        ("DELETE", "/emails/{email}", None),
        ("DELETE", "/phones/{phone}", None),
        ("DELETE", "/devices/{device}", None),
    ],
)
def test_a_read_only_key_gets_403_on_every_contact_write_and_nothing_changes(
    client: TestClient,
    read_only: TestClient,
    ada_contact_url: Callable[[str], str],
    method: str,
    path: str,
    body: Any,
) -> None:
    before = client.get(methods_url()).json()
    response = read_only.request(method, ada_contact_url(path), json=body)
    assert response.status_code == 403
    assert response.json() == {"error": "This API key is read-only"}
    assert client.get(methods_url()).json() == before


# --- Other organizations ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "", None),
        ("GET", "/emails", None),
        ("GET", "/emails/{email}", None),
        ("GET", "/phones/{phone}", None),
        ("GET", "/devices/{device}", None),
        ("POST", "/emails", {"label": "Evil", "email": "evil@example.com"}),
        ("POST", "/phones", {"label": "Evil", "phone": "+442070313000"}),
        ("POST", "/devices", {"label": "Evil", "address": "https://evil.example.com/"}),
        ("PUT", "/devices/{device}", {"device_label": "Hijacked"}),
        ("DELETE", "/emails/{email}", None),
        ("DELETE", "/phones/{phone}", None),
        ("DELETE", "/devices/{device}", None),
    ],
)
def test_another_organization_cannot_see_or_change_my_users_contacts(
    client: TestClient,
    other_client: TestClient,
    ada_contact_url: Callable[[str], str],
    method: str,
    path: str,
    body: Any,
) -> None:
    before = client.get(methods_url()).json()
    response = other_client.request(method, ada_contact_url(path), json=body)
    assert response.status_code == 404
    assert response.json() == {"error": "User ada not found"}
    assert client.get(methods_url()).json() == before


@pytest.mark.parametrize(
    ("method", "kind", "body"),
    [
        ("GET", "emails", None),
        ("GET", "phones", None),
        ("GET", "devices", None),
        ("PUT", "devices", {"device_label": "Hijacked"}),
        ("DELETE", "emails", None),
        ("DELETE", "phones", None),
        ("DELETE", "devices", None),
    ],
)
def test_a_same_named_user_elsewhere_cannot_reach_my_contacts_by_ext_id(
    client: TestClient, other_client: TestClient, method: str, kind: str, body: Any
) -> None:
    add_user(client, "ada")
    add_user(other_client, "ada")
    mine = {
        "emails": add_email(client, "ada@home.example.com"),
        "phones": add_phone(client, "+16502530000"),
        "devices": add_device(client),
    }
    before = client.get(methods_url()).json()
    response = other_client.request(
        method, f"{methods_url()}/{kind}/{mine[kind]['extId']}", json=body
    )
    assert response.status_code == 404
    assert response.json() == {
        "error": f"No {kind[:-1]} contact method {mine[kind]['extId']} for user ada"
    }
    assert client.get(methods_url()).json() == before
    assert other_client.get(methods_url()).json()["phones"]["contactMethods"] == []


def test_an_unknown_contact_kind_in_the_path_is_404(client: TestClient) -> None:
    add_user(client, "ada")
    response = client.get(f"{methods_url()}/faxes")
    assert response.status_code == 404
    assert response.json() == {"error": "Not Found"}
