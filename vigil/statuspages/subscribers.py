"""A page's subscribers: e-mail addresses (double opt-in, one-click unsubscribe) and stored
webhooks, each following the whole page or some components, told about public incidents and
maintenance.

Maintenance reaches here through an engine timer that `vigil.maintenance.notices` writes for
every event of a window (the maintenance package knows nothing of pages); the handler finds the
pages the window shows on and tells their subscribers, as the window's publication allows.
"""

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from vigil.config import get_settings
from vigil.engine.models import Timer
from vigil.engine.worker import Handler
from vigil.identifiers import random_alnum
from vigil.maintenance.models import MaintenanceOccurrence, MaintenanceWindow
from vigil.maintenance.notices import PAGE_EVENT, both_zones
from vigil.notify import webhooks
from vigil.notify.dispatch import request_delivery
from vigil.notify.message import Notification
from vigil.notify.models import Webhook
from vigil.people.validation import email_address
from vigil.statuspages.components import components_by_key, translated
from vigil.statuspages.models import (
    Component,
    StatusPage,
    Subscriber,
    WindowComponent,
    WindowPublication,
)
from vigil.statuspages.pages import page_url

HEADLINES = {
    "created": "Maintenance scheduled",
    "reminder": "Maintenance reminder",
    "started": "Maintenance started",
    "ended": "Maintenance completed",
    "rescheduled": "Maintenance rescheduled",
    "canceled": "Maintenance canceled",
}
"""The window events subscribers hear of (not overruns: those are for the team)."""


def subscribe_email(
    session: Session, page: StatusPage, address: str, components: Sequence[str], *, at: datetime
) -> Subscriber:
    """Ask `address` to confirm (a new or still unconfirmed subscriber gets the confirmation
    link again; a confirmed one keeps its subscription, with the components now asked for)."""
    email = email_address(address)
    wanted = [c.key for c in components_by_key(session, page, components)]
    found = session.scalars(
        select(Subscriber).where(Subscriber.page_id == page.id, Subscriber.email == email)
    ).one_or_none()
    if found is None:
        found = Subscriber(
            org_id=page.org_id,
            page_id=page.id,
            kind="email",
            email=email,
            token=random_alnum(40),
            created_at=at,
        )
        session.add(found)
    found.components = wanted
    session.flush()
    if found.confirmed_at is None:
        link = f"{page_url(page, get_settings().base_url)}/subscription/{found.token}"
        request_delivery(
            session,
            page.org_id,
            channel="email",
            address=email,
            notification=Notification(
                subject=f"[{page.name}] Confirm your subscription",
                body="\n".join(
                    [
                        f"Someone, probably you, asked to hear about {page.name}'s incidents and"
                        " maintenance at this address.",
                        "",
                        f"To confirm, open {link} and press Confirm.",
                        "If it was not you, ignore this message: nothing will be sent.",
                    ]
                ),
                kind="status",
            ),
        )
    return found


def subscribe_webhook(
    session: Session,
    page: StatusPage,
    webhook_slug: str,
    components: Sequence[str],
    *,
    at: datetime,
) -> Subscriber:
    """A stored webhook of the page's organization follows the page (no confirmation: the
    organization owns it). Its calls are signed as every Vigil webhook's (HMAC-SHA256)."""
    hook = webhooks.get_webhook(session, page.org_id, webhook_slug)
    wanted = [c.key for c in components_by_key(session, page, components)]
    found = session.scalars(
        select(Subscriber).where(Subscriber.page_id == page.id, Subscriber.webhook_id == hook.id)
    ).one_or_none()
    if found is None:
        found = Subscriber(
            org_id=page.org_id,
            page_id=page.id,
            kind="webhook",
            webhook_id=hook.id,
            token=random_alnum(40),
            created_at=at,
            confirmed_at=at,
        )
        session.add(found)
    found.components = wanted
    session.flush()
    return found


def by_token(session: Session, page: StatusPage, token: str) -> Subscriber | None:
    return session.scalars(
        select(Subscriber).where(Subscriber.page_id == page.id, Subscriber.token == token)
    ).one_or_none()


def confirm(session: Session, subscriber: Subscriber, at: datetime) -> None:
    if subscriber.confirmed_at is None:
        subscriber.confirmed_at = at
        session.flush()


def unsubscribe(session: Session, subscriber: Subscriber) -> None:
    session.execute(delete(Subscriber).where(Subscriber.id == subscriber.id))


def tell_subscribers(
    session: Session,
    page: StatusPage,
    *,
    subject: str,
    body: str,
    components: Collection[str],
    data: dict[str, object] | None = None,
) -> int:
    """One message to each confirmed subscriber following the page, or one of `components`
    (keys). Returns how many were asked for."""
    subscribers = session.scalars(
        select(Subscriber).where(
            Subscriber.page_id == page.id, Subscriber.confirmed_at.is_not(None)
        )
    ).all()
    if not subscribers:
        return 0
    told = 0
    hooks = {
        hook.id: hook
        for hook in session.scalars(
            select(Webhook).where(
                Webhook.id.in_([s.webhook_id for s in subscribers if s.webhook_id])
            )
        )
    }
    url = page_url(page, get_settings().base_url)
    for subscriber in subscribers:
        if subscriber.components and not set(subscriber.components) & set(components):
            continue
        unsubscribe_url = f"{url}/subscription/{subscriber.token}/unsubscribe"
        notification = Notification(
            subject=subject,
            body=f"{body}\n\n{url}\nUnsubscribe: {unsubscribe_url}",
            kind="status",
            data=dict(data or {}),
            unsubscribe_url=unsubscribe_url,
        )
        if subscriber.email is not None:
            request_delivery(
                session,
                page.org_id,
                channel="email",
                address=subscriber.email,
                notification=notification,
            )
        elif subscriber.webhook_id in hooks:
            hook = hooks[subscriber.webhook_id]
            request_delivery(
                session,
                page.org_id,
                channel="webhook",
                address=hook.url,
                notification=notification,
                webhook_id=hook.id,
            )
        told += 1
    return told


def window_event(session: Session, timer: Timer) -> None:
    """The engine handler: tell the subscribers of every page a window shows on."""
    event = str(timer.payload["event"])
    if event not in HEADLINES:
        return
    found = session.execute(
        select(MaintenanceWindow, MaintenanceOccurrence)
        .join(MaintenanceOccurrence, MaintenanceOccurrence.window_id == MaintenanceWindow.id)
        .where(MaintenanceOccurrence.id == timer.payload["occurrence_id"])
    ).first()
    if found is None:
        return
    window, occurrence = found
    for page, keys, publication in _pages_of(session, window):
        if publication is not None and (
            (event == "started" and not publication.notify_start)
            or (event == "ended" and not publication.notify_end)
        ):
            continue
        names = publication.translations if publication is not None else {}
        title = translated(window.title, names, "name", page.language)
        message = translated(window.description, names, "message", page.language)
        start = occurrence.actual_start or occurrence.planned_start
        end = occurrence.actual_end or occurrence.planned_end
        affected = ", ".join(name for _, name in keys) or "the whole service"
        lines = [
            f"{HEADLINES[event]}: {title}",
            "",
            f"From: {both_zones(start, page.zone)}",
            f"To:   {both_zones(end, page.zone)}",
            f"Affected: {affected}",
        ]
        if message:
            lines += ["", message]
        if timer.payload.get("note"):
            lines += ["", str(timer.payload["note"])]
        tell_subscribers(
            session,
            page,
            subject=f"[{page.name}] {HEADLINES[event]}: {title}",
            body="\n".join(lines),
            components={key for key, _ in keys},
            data={"event": event, "maintenance": window.key, "occurrence": occurrence.index},
        )


def _pages_of(
    session: Session, window: MaintenanceWindow
) -> list[tuple[StatusPage, list[tuple[str, str]], WindowPublication | None]]:
    """The pages the window shows on, each with the window's components there (key, name) and
    the window's publication on it, if any."""
    shown: dict[int, list[tuple[str, str]]] = {}
    for page_id, key, name in session.execute(
        select(Component.page_id, Component.key, Component.name)
        .join(WindowComponent, WindowComponent.component_id == Component.id)
        .where(WindowComponent.window_id == window.id)
        .order_by(Component.position, Component.id)
    ):
        shown.setdefault(page_id, []).append((key, name))
    publication = session.scalars(
        select(WindowPublication).where(WindowPublication.window_id == window.id)
    ).one_or_none()
    if publication is not None:
        shown.setdefault(publication.page_id, [])
    if not shown:
        return []
    pages = session.scalars(select(StatusPage).where(StatusPage.id.in_(list(shown))))
    return [
        (
            page,
            shown[page.id],
            publication if publication is not None and publication.page_id == page.id else None,
        )
        for page in pages
    ]


HANDLERS: dict[str, Handler] = {PAGE_EVENT: window_event}
"""The engine handlers of status pages, registered in `vigil.engine.handlers`."""
