from fastapi.testclient import TestClient


def test_notification_types_are_push_email_sms_and_phone(client: TestClient) -> None:
    body = client.get("/api-public/v1/policies/types/notifications").json()
    assert [t["type"] for t in body["notificationTypes"]] == ["push", "email", "sms", "phone"]
    assert body["_selfUrl"] == "/api-public/v1/policies/types/notifications"


def test_contact_types_are_email_and_phone(client: TestClient) -> None:
    body = client.get("/api-public/v1/policies/types/contacts").json()
    assert body["contactTypes"] == [
        {"type": "email", "description": "Email Address"},
        {"type": "phone", "description": "Phone Number"},
    ]


def test_timeout_types_are_numeric_strings_as_the_real_service_sends(client: TestClient) -> None:
    body = client.get("/api-public/v1/policies/types/timeouts").json()
    types = body["timeoutTypes"]
    assert [t["type"] for t in types] == ["1", "5", "10", "15", "20", "25", "30", "45", "60"]
    assert types[0]["description"] == "If still unacked after 1 minute"
    assert types[1]["description"] == "If still unacked after 5 minutes"


def test_paging_values_need_credentials(anonymous: TestClient) -> None:
    assert anonymous.get("/api-public/v1/policies/types/timeouts").status_code == 401
