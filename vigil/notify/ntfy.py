"""Push notifications through an ntfy-compatible server: POST the body to the topic's URL.

The title, priority, tags and click-through link travel as the `Title`, `Priority`, `Tags` and
`Click` headers (https://docs.ntfy.sh/publish/). A push address is either a full topic URL
(`https://ntfy.example.com/ops-alerts`) or a bare topic name under `settings.ntfy_base_url`.
"""

import base64
import re

from vigil.config import Settings
from vigil.notify import http
from vigil.notify.channels import DeliveryFailed, Recipient, one_line
from vigil.notify.message import Notification

TOPIC = re.compile(r"^[-_A-Za-z0-9]{1,64}$")
PRIORITY = {"incident": "urgent", "bundle": "urgent", "maintenance": "default"}
TAGS = {"incident": "rotating_light", "bundle": "rotating_light", "maintenance": "wrench"}


def topic_url(address: str, base_url: str) -> str:
    if address.startswith(("http://", "https://")):
        return address
    if not TOPIC.match(address):
        raise DeliveryFailed(
            f"push address {address!r} is neither an http(s) URL nor an ntfy topic name",
            retryable=False,
        )
    return f"{base_url.rstrip('/')}/{address}"


def header_text(text: str) -> str:
    """ASCII as is; anything else as an RFC 2047 encoded word, which ntfy decodes."""
    if text.isascii():
        return text
    return f"=?UTF-8?B?{base64.b64encode(text.encode()).decode()}?="


class PushSender:
    def __init__(self, settings: Settings) -> None:
        self._base_url = settings.ntfy_base_url
        self._token = settings.ntfy_token
        self._timeout = settings.delivery_timeout_seconds

    def __call__(self, recipient: Recipient, notification: Notification) -> None:
        headers = {
            "Title": header_text(one_line(notification.subject)),
            "Priority": PRIORITY[notification.kind],
            "Tags": TAGS[notification.kind],
        }
        if notification.ack_url:
            headers["Click"] = notification.ack_url
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        http.post(
            topic_url(recipient.address, self._base_url),
            what="push server",
            timeout=self._timeout,
            content=notification.body.encode(),
            headers=headers,
        )
