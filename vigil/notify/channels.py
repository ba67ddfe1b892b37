"""The one small interface every channel implements: channel name -> sender.

A sender delivers one notification to one recipient, synchronously, within the configured
timeout, and either returns (sent) or raises `DeliveryFailed`, saying whether trying again
later might help (`retryable`: a timeout, a refused connection, a 5xx, an SMTP 4xx) or not
(a 4xx, an SMTP 5xx, an address the provider refuses).
"""

from collections.abc import Callable
from dataclasses import dataclass

from vigil.config import Settings
from vigil.notify.message import Notification


class DeliveryFailed(Exception):
    """One attempt failed; `message` says why in words a person reads in the incident timeline."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable


@dataclass(frozen=True)
class Recipient:
    """Where to deliver: an e-mail address, an E.164 phone number, an ntfy topic or a URL.

    `secret` signs outgoing webhooks; `delivery_id` stays the same across the attempts of one
    delivery, so a receiver can tell a retry from a new notification.
    """

    address: str
    secret: str | None = None
    delivery_id: str | None = None


Sender = Callable[[Recipient, Notification], None]
"""Deliver or raise DeliveryFailed; any other exception is a bug, recorded as a failure."""


def senders(settings: Settings) -> dict[str, Sender]:
    """Every channel's sender, configured from `settings` (the keys are `models.CHANNELS`)."""
    from vigil.notify import email, ntfy, twilio, webhook

    return {
        "email": email.EmailSender(settings),
        "sms": twilio.SmsSender(settings),
        "voice": twilio.VoiceSender(settings),
        "push": ntfy.PushSender(settings),
        "webhook": webhook.WebhookSender(settings),
    }


def one_line(text: str, limit: int = 250) -> str:
    """Text fit for a header or a title: whitespace runs (newlines too) become one space."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
