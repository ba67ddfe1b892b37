"""Outgoing webhooks: a signed JSON POST to the URL a webhook was created with.

The body is JSON; `X-Vigil-Signature: sha256=<hex>` is the HMAC-SHA256 of the raw body bytes
with the webhook's secret. The body carries `timestamp` (Unix seconds, also sent as
`X-Vigil-Timestamp`), so a receiver that checks the signature and then rejects an old
`timestamp` refuses replays: the timestamp cannot be changed without breaking the signature.
`id` (also `X-Vigil-Delivery`) is the same for every retry of one delivery, so receivers can
drop duplicates. `verify` is the check a receiver in Python would do.
"""

import hashlib
import hmac
from typing import Any

import orjson

from vigil import clock
from vigil.config import Settings
from vigil.notify import http
from vigil.notify.channels import DeliveryFailed, Recipient
from vigil.notify.message import Notification

SIGNATURE_HEADER = "X-Vigil-Signature"
TIMESTAMP_HEADER = "X-Vigil-Timestamp"
DELIVERY_HEADER = "X-Vigil-Delivery"
DEFAULT_TOLERANCE_SECONDS = 300


def sign(secret: str, body: bytes) -> str:
    """The signature header's value for `body`: `sha256=<hex HMAC-SHA256>`."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(
    secret: str,
    body: bytes,
    signature: str,
    *,
    now: float,
    tolerance_seconds: float = DEFAULT_TOLERANCE_SECONDS,
) -> bool:
    """True when `signature` signs `body` with `secret` and the body's timestamp is recent."""
    if not hmac.compare_digest(sign(secret, body), signature):
        return False
    try:
        timestamp = orjson.loads(body)["timestamp"]
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return False
    return isinstance(timestamp, int) and abs(now - timestamp) <= tolerance_seconds


def payload(notification: Notification, delivery_id: str | None, timestamp: int) -> dict[str, Any]:
    """The JSON a webhook receives."""
    return {
        "id": delivery_id,
        "kind": notification.kind,
        "subject": notification.subject,
        "body": notification.body,
        "incidentNumber": notification.incident_number,
        "ackUrl": notification.ack_url,
        "data": notification.data,
        "timestamp": timestamp,
    }


class WebhookSender:
    def __init__(self, settings: Settings) -> None:
        self._timeout = settings.delivery_timeout_seconds

    def __call__(self, recipient: Recipient, notification: Notification) -> None:
        if not recipient.secret:
            raise DeliveryFailed("webhook has no secret to sign with", retryable=False)
        timestamp = int(clock.now().timestamp())
        body = orjson.dumps(payload(notification, recipient.delivery_id, timestamp))
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(recipient.secret, body),
            TIMESTAMP_HEADER: str(timestamp),
        }
        if recipient.delivery_id:
            headers[DELIVERY_HEADER] = recipient.delivery_id
        http.post(
            recipient.address, what="webhook", timeout=self._timeout, content=body, headers=headers
        )
