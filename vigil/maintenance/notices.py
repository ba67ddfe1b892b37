"""What a maintenance window's recipients are told, and when: on create, at each reminder, at
start and end, on reschedule, cancel and overrun. One message per event, the same text by
e-mail (users, a team's on-call people, addresses) and by webhook (with the facts as `data`).

Times are shown in the window's own zone and in UTC, so nobody converts by hand.
"""

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.clock import rfc3339
from vigil.engine import timers
from vigil.maintenance.models import (
    MaintenanceMode,
    MaintenanceOccurrence,
    MaintenanceWindow,
    MaintenanceWindowKey,
    MaintenanceWindowRecipient,
)
from vigil.maintenance.modes import digest_line, fired_during, mode_keys, on_call_people
from vigil.maintenance.recurrence import zone_info
from vigil.notify.dispatch import request_delivery
from vigil.notify.message import Notification
from vigil.notify.models import Webhook
from vigil.people.models import User

EVENTS = ("created", "reminder", "started", "ended", "rescheduled", "canceled", "overrun")
_HEADLINES = {
    "created": "Maintenance scheduled",
    "reminder": "Maintenance reminder",
    "started": "Maintenance started",
    "ended": "Maintenance ended",
    "rescheduled": "Maintenance rescheduled",
    "canceled": "Maintenance canceled",
    "overrun": "Maintenance overrunning",
}


PAGE_EVENT = "statuspages.window_event"
"""The timer that tells status pages of a window's event (`vigil.statuspages.subscribers`)."""
PUBLIC_EVENTS = ("created", "reminder", "started", "ended", "rescheduled", "canceled")


def announce(
    session: Session,
    window: MaintenanceWindow,
    occurrence: MaintenanceOccurrence,
    event: str,
    at: datetime,
    *,
    note: str | None = None,
) -> int:
    """Ask for one delivery per recipient address; returns how many (nothing when the window
    has no recipients). The status pages the window shows on hear of public events through a
    timer."""
    if event not in EVENTS:
        raise ValueError(f"unknown maintenance event {event!r}")
    if event in PUBLIC_EVENTS:
        payload = {"occurrence_id": occurrence.id, "event": event, "note": note}
        timers.schedule(session, window.org_id, PAGE_EVENT, at, payload)
    rows = session.execute(
        select(MaintenanceWindowRecipient, User, Webhook)
        .outerjoin(User, User.id == MaintenanceWindowRecipient.user_id)
        .outerjoin(Webhook, Webhook.id == MaintenanceWindowRecipient.webhook_id)
        .where(MaintenanceWindowRecipient.window_id == window.id)
        .order_by(MaintenanceWindowRecipient.id)
    ).all()
    if not rows:
        return 0
    notification = window_notification(session, window, occurrence, event, at, note=note)
    emails: dict[str, int | None] = {}
    for recipient, user, _ in rows:
        if user is not None:
            emails.setdefault(user.email, user.id)
        elif recipient.email is not None:
            emails.setdefault(recipient.email, None)
    teams = {recipient.team_id for recipient, _, _ in rows if recipient.team_id is not None}
    if teams:
        for person in on_call_people(session, window.org_id, at, team_ids=teams):
            emails.setdefault(person.email, person.id)
    for address, user_id in emails.items():
        request_delivery(
            session,
            window.org_id,
            channel="email",
            address=address,
            notification=notification,
            user_id=user_id,
        )
    hooks = [webhook for _, _, webhook in rows if webhook is not None]
    for webhook in hooks:
        request_delivery(
            session,
            window.org_id,
            channel="webhook",
            address=webhook.url,
            notification=notification,
            webhook_id=webhook.id,
        )
    return len(emails) + len(hooks)


def window_notification(
    session: Session,
    window: MaintenanceWindow,
    occurrence: MaintenanceOccurrence,
    event: str,
    at: datetime,
    *,
    note: str | None = None,
) -> Notification:
    """The message about `event` of this occurrence."""
    headline = _HEADLINES[event]
    start = occurrence.actual_start or occurrence.planned_start
    end = occurrence.actual_end or occurrence.planned_end
    lines = [f"{headline}: {window.title}", ""]
    if event == "reminder":
        lines += [f"Starts in {_span(occurrence.planned_start - at)}.", ""]
    lines += [
        f"Start: {both_zones(start, window.zone)}",
        f"End:   {both_zones(end, window.zone)}",
        f"Scope: {_scope(session, window)}",
        f"Status: {occurrence.status.replace('_', ' ')}"
        + (f" ({occurrence.outcome})" if occurrence.outcome else ""),
    ]
    if window.external_ref or window.external_link:
        lines.append(
            "Change: "
            + " ".join(part for part in (window.external_ref, window.external_link) if part)
        )
    if window.description:
        lines += ["", window.description]
    if note:
        lines += ["", note]
    if event == "ended" and window.end_behavior == "digest":
        lines += _digest(session, occurrence)
    return Notification(
        subject=f"[Vigil] {headline}: {window.title}",
        body="\n".join(lines),
        kind="maintenance",
        data=_facts(window, occurrence, event),
    )


def _facts(
    window: MaintenanceWindow, occurrence: MaintenanceOccurrence, event: str
) -> dict[str, Any]:
    return {
        "event": event,
        "windowId": window.key,
        "title": window.title,
        "occurrence": occurrence.index,
        "status": occurrence.status,
        "outcome": occurrence.outcome,
        "plannedStart": _iso(occurrence.planned_start),
        "plannedEnd": _iso(occurrence.planned_end),
        "actualStart": _iso(occurrence.actual_start),
        "actualEnd": _iso(occurrence.actual_end),
        "timezone": window.zone,
        "externalRef": window.external_ref,
        "externalLink": window.external_link,
    }


def _scope(session: Session, window: MaintenanceWindow) -> str:
    if window.is_global:
        return "all routing keys"
    if not window.mutes_paging:
        return "status pages only (no paging muted)"
    names = session.scalars(
        select(MaintenanceWindowKey.name)
        .where(MaintenanceWindowKey.window_id == window.id)
        .order_by(MaintenanceWindowKey.id)
    )
    return "routing keys " + ", ".join(names)


def _digest(session: Session, occurrence: MaintenanceOccurrence) -> list[str]:
    """What fired, muted, during the occurrence (the `digest` end behaviour)."""
    mode = session.get(MaintenanceMode, occurrence.mode_id) if occurrence.mode_id else None
    if mode is None:
        return []
    fired = fired_during(session, mode, mode_keys(session, mode.id))
    if not fired:
        return ["", "No incident fired during the maintenance."]
    return [
        "",
        "Incidents opened muted during the maintenance (not paged):",
        *(digest_line(i) for i in fired),
    ]


def both_zones(moment: datetime, zone: str) -> str:
    local = moment.astimezone(zone_info(zone))
    return f"{local:%a %d %b %Y %H:%M} {local.tzname()} ({zone}) = {moment:%H:%M} UTC"


def _span(delta: timedelta) -> str:
    minutes = max(0, round(delta.total_seconds() / 60))
    if minutes >= 120 and minutes % 60 == 0:
        return f"{minutes // 60} hours"
    if minutes >= 60:
        return f"{minutes // 60} h {minutes % 60:02d} min"
    return f"{minutes} minutes"


def _iso(moment: datetime | None) -> str | None:
    return rfc3339(moment) if moment is not None else None
