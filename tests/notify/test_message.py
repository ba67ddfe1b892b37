"""The Notification: what every channel carries, stored as JSON in a timer."""

import json

import pytest

from vigil.notify.message import Notification, ack_link, incident_notification


def test_a_notification_survives_a_trip_through_json() -> None:
    notification = Notification(
        subject="[Vigil] Incident #4: disk full",
        body="Disk 95% full",
        incident_number=4,
        ack_url="https://vigil.example.com/incidents/4/ack",
        kind="incident",
    )
    stored = json.loads(json.dumps(notification.to_payload()))
    assert Notification.from_payload(stored) == notification


def test_optional_fields_default_to_an_incident_without_number_or_link() -> None:
    notification = Notification.from_payload({"subject": "Maintenance", "body": "Starts now"})
    assert notification == Notification("Maintenance", "Starts now", None, None, "incident")


def test_unknown_payload_keys_are_ignored() -> None:
    payload = Notification("s", "b").to_payload() | {"added_later": True}
    assert Notification.from_payload(payload) == Notification("s", "b")


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="kind"):
        Notification("s", "b", kind="carrier-pigeon")


def test_the_ack_link_is_built_from_the_base_url_and_the_token() -> None:
    assert ack_link("https://vigil.example.com/", "t0k") == "https://vigil.example.com/ack/t0k"


def test_an_incident_notification_names_the_number_and_summary_and_links_the_ack() -> None:
    link = "https://vigil.example.com/ack/t0k"
    notification = incident_notification(12, "Disk 95% full", "host db-1", ack_url=link)
    assert notification.subject == "[Vigil] Incident #12: Disk 95% full"
    assert notification.body == (
        "Incident #12: Disk 95% full\n\nhost db-1\n\nAcknowledge: https://vigil.example.com/ack/t0k"
    )
    assert notification.incident_number == 12
    assert notification.ack_url == link


def test_an_incident_notification_to_no_one_in_particular_has_no_ack_link() -> None:
    notification = incident_notification(12, "Disk 95% full")
    assert (notification.body, notification.ack_url) == ("Incident #12: Disk 95% full", None)
