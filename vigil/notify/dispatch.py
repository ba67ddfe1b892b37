"""Requesting deliveries, and the engine handler that makes them, retries them and records them.

`request_delivery` only writes a due timer (kind "notify.deliver") in the caller's transaction,
so a page is requested if and only if the change that caused it commits. The worker then runs
`deliver` inside the transaction that claimed the timer: it calls the channel's sender, stores
a `Delivery` row for the attempt, and when the failure may pass (a timeout, a 5xx, an SMTP
4xx) schedules the next attempt after an exponential backoff, up to the configured number of
attempts. Delivery is at least once: a worker that dies after sending but before committing
leaves the timer for another worker, which sends again (webhooks carry a stable
`X-Vigil-Delivery` id for receivers to drop such duplicates).
"""

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil import clock
from vigil.config import Settings, get_settings
from vigil.engine import timers
from vigil.engine.models import Timer
from vigil.engine.worker import Handler
from vigil.errors import Invalid
from vigil.identifiers import new_uuid
from vigil.notify import deliveries
from vigil.notify.channels import DeliveryFailed, Recipient, senders
from vigil.notify.message import Notification
from vigil.notify.models import CHANNELS, Webhook

KIND = "notify.deliver"

log = logging.getLogger("vigil.notify")


def request_delivery(
    session: Session,
    org_id: int,
    *,
    channel: str,
    address: str,
    notification: Notification,
    incident_id: int | None = None,
    user_id: int | None = None,
    webhook_id: int | None = None,
) -> None:
    """Ask the engine to deliver `notification` now, in the caller's transaction.

    `channel` is one of email, sms, voice, push, webhook; `address` the e-mail address, E.164
    number, ntfy topic (name or URL) or, for webhooks, the URL as shown in the record (the
    stored webhook's URL and secret are read when sending, so `webhook_id` is required).
    """
    if channel not in CHANNELS:
        raise Invalid(f"Unknown channel {channel!r}; expected one of {', '.join(CHANNELS)}")
    if not address.strip():
        raise Invalid(f"A {channel} delivery needs an address")
    if channel == "webhook" and webhook_id is None:
        raise Invalid("A webhook delivery needs the webhook's id")
    payload = {
        "channel": channel,
        "address": address,
        "notification": notification.to_payload(),
        "incident_id": incident_id,
        "user_id": user_id,
        "webhook_id": webhook_id,
        "delivery_id": new_uuid(),
        "attempt": 1,
    }
    timers.schedule(session, org_id, KIND, clock.now(), payload)


@dataclass(frozen=True)
class _Requested:
    """A timer's payload, read back."""

    channel: str
    address: str
    notification: Notification
    incident_id: int | None
    user_id: int | None
    webhook_id: int | None
    delivery_id: str | None
    attempt: int

    @classmethod
    def of(cls, payload: dict[str, Any]) -> "_Requested":
        return cls(
            channel=payload["channel"],
            address=payload["address"],
            notification=Notification.from_payload(payload["notification"]),
            incident_id=payload.get("incident_id"),
            user_id=payload.get("user_id"),
            webhook_id=payload.get("webhook_id"),
            delivery_id=payload.get("delivery_id"),
            attempt=int(payload.get("attempt", 1)),
        )


def max_attempts(settings: Settings, channel: str) -> int:
    return settings.webhook_max_attempts if channel == "webhook" else settings.delivery_max_attempts


def backoff(settings: Settings, attempt: int) -> timedelta:
    """The wait after failed attempt `attempt` (1, 2, ...): base, 2 x base, 4 x base ... capped."""
    seconds = settings.delivery_backoff_seconds * 2 ** min(attempt - 1, 30)
    return timedelta(seconds=min(seconds, settings.delivery_max_backoff_seconds))


def deliver(session: Session, timer: Timer) -> None:
    """The engine handler: one attempt, recorded; a retry scheduled when it may still succeed."""
    settings = get_settings()
    requested = _Requested.of(timer.payload)
    address = requested.address
    error: str | None = None
    retryable = False
    try:
        recipient = _recipient(session, timer.org_id, requested)
        address = recipient.address
        senders(settings)[requested.channel](recipient, requested.notification)
    except DeliveryFailed as failure:
        error, retryable = failure.message, failure.retryable
    except Exception as failure:  # a bug in a sender: record it, never retry it forever
        log.exception("delivery failed unexpectedly", extra={"channel": requested.channel})
        error = f"{type(failure).__name__}: {failure}"
    limit = max_attempts(settings, requested.channel)
    retry = error is not None and retryable and requested.attempt < limit
    if error is not None and retry:
        wait = backoff(settings, requested.attempt)
        error += f" (attempt {requested.attempt} of {limit}; next in {wait.total_seconds():g}s)"
    elif error is not None and retryable:
        plural = "s" if requested.attempt != 1 else ""
        error += f" (gave up after {requested.attempt} attempt{plural})"
    deliveries.record(
        session,
        timer.org_id,
        channel=requested.channel,
        address=address,
        status="sent" if error is None else "failed",
        subject=requested.notification.subject,
        error=error,
        attempt=requested.attempt,
        incident_id=requested.incident_id,
        user_id=requested.user_id,
    )
    if retry:
        due = clock.now() + backoff(settings, requested.attempt)
        payload = {**timer.payload, "attempt": requested.attempt + 1}
        timers.schedule(session, timer.org_id, KIND, due, payload)
    log.info(
        "delivery attempted",
        extra={
            "channel": requested.channel,
            "attempt": requested.attempt,
            "delivered": error is None,
            "retry": retry,
        },
    )


def _recipient(session: Session, org_id: int, requested: _Requested) -> Recipient:
    if requested.channel != "webhook":
        return Recipient(requested.address, delivery_id=requested.delivery_id)
    webhook = session.scalar(
        select(Webhook).where(Webhook.id == requested.webhook_id, Webhook.org_id == org_id)
    )
    if webhook is None:
        raise DeliveryFailed("the webhook was removed before it could be called", retryable=False)
    return Recipient(webhook.url, secret=webhook.secret, delivery_id=requested.delivery_id)


HANDLERS: dict[str, Handler] = {KIND: deliver}
"""The engine handlers of this package, registered in `vigil.engine.handlers`."""
