"""Builders shared by the notify tests."""

from typing import Any

from vigil.config import Settings
from vigil.notify.message import Notification

TIMEOUT = 0.5


def settings(**overrides: Any) -> Settings:
    """Settings for senders under test: short timeouts, a configured (fake) Twilio account."""
    values: dict[str, Any] = {
        "base_url": "https://vigil.example.com",
        "smtp_from": "Vigil <vigil@example.com>",
        "delivery_timeout_seconds": TIMEOUT,
        "twilio_account_sid": "AC0123456789abcdef",
        "twilio_auth_token": "token-secret",
        "twilio_from_number": "+15005550006",
        "ntfy_token": "",
    }
    return Settings(**(values | overrides))


def page(number: int = 7, summary: str = "Disk 95% full on db-1", **overrides: Any) -> Notification:
    values: dict[str, Any] = {
        "subject": f"[Vigil] Incident #{number}: {summary}",
        "body": f"Incident #{number}: {summary}\n\nentity: disk-space",
        "incident_number": number,
        "ack_url": f"https://vigil.example.com/incidents/{number}/ack",
    }
    return Notification(**(values | overrides))
