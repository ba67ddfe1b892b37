"""A page's feeds: RSS and Atom of its public incidents and maintenance, and an iCalendar of
its maintenance to come, for the whole page or one component.

Plain Python over a session: the web module serves the bytes. Names and messages are in the
page's language where a translation is stored.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from feedgen.feed import FeedGenerator
from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.maintenance.calendar import CalendarEntry, occurrence_uid, render_calendar
from vigil.maintenance.models import MaintenanceOccurrence, MaintenanceWindow
from vigil.statuspages import incidents
from vigil.statuspages.components import translated
from vigil.statuspages.models import (
    Component,
    StatusIncident,
    StatusIncidentComponent,
    StatusIncidentUpdate,
    StatusPage,
    WindowComponent,
    WindowPublication,
)
from vigil.statuspages.pages import page_url
from vigil.statuspages.status import windows_on

RECENT = timedelta(days=90)
"""How far back the RSS and Atom feeds go."""
AHEAD = timedelta(days=180)
"""How far ahead the iCalendar feed goes."""
MAX_ITEMS = 100


@dataclass(frozen=True)
class FeedItem:
    """One entry: a public incident or a maintenance occurrence, as of its latest change."""

    id: str
    title: str
    body: str
    link: str
    updated: datetime


def feed_items(
    session: Session, page: StatusPage, at: datetime, *, base_url: str, component: str | None = None
) -> list[FeedItem]:
    """The page's incidents started and maintenance planned within RECENT of `at` (or still to
    come), newest change first. Four queries."""
    url = page_url(page, base_url)
    language = page.language
    items = [
        FeedItem(
            id=f"{url}#incident-{incident.key}",
            title=translated(incident.name, incident.translations, "name", language),
            body="\n\n".join(
                f"{u.status.title()} ({u.created_at:%Y-%m-%d %H:%M} UTC): "
                + translated(u.message, u.translations, "message", language)
                for u in updates
            ),
            link=f"{url}#incident-{incident.key}",
            updated=max([incident.started_at, *(u.created_at for u in updates)]),
        )
        for incident, updates in _incidents(session, page, at, component)
    ]
    for window, occurrence, names in _maintenance(session, page, at, component, since=at - RECENT):
        start = occurrence.actual_start or occurrence.planned_start
        end = occurrence.actual_end or occurrence.planned_end
        title = translated(window.title, names, "name", language)
        items.append(
            FeedItem(
                id=f"{url}#maintenance-{window.key}-{occurrence.index}",
                title=f"Maintenance: {title}",
                body=(
                    f"{_status(occurrence)}. {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC."
                    + (
                        "\n\n" + translated(window.description, names, "message", language)
                        if window.description
                        else ""
                    )
                ),
                link=f"{url}#maintenance-{window.key}",
                updated=max(
                    filter(
                        None, [window.updated_at, occurrence.actual_start, occurrence.actual_end]
                    )
                ),
            )
        )
    items.sort(key=lambda item: item.updated, reverse=True)
    return items[:MAX_ITEMS]


def render_feed(
    page: StatusPage, items: list[FeedItem], *, base_url: str, kind: str, at: datetime
) -> bytes:
    """RSS 2.0 (`kind` "rss") or Atom (`kind` "atom") of `items`."""
    url = page_url(page, base_url)
    feed = FeedGenerator()
    feed.id(url)
    feed.title(f"{page.name} status")
    feed.link(href=url, rel="alternate")
    feed.link(href=f"{url}/feed.{kind}", rel="self")
    feed.description(f"Incidents and maintenance of {page.name}")
    feed.language(page.language)
    feed.updated(items[0].updated if items else at)
    for item in reversed(items):  # feedgen puts the last added first
        entry = feed.add_entry()
        entry.id(item.id)
        entry.guid(item.id, permalink=False)
        entry.title(item.title)
        entry.link(href=item.link)
        entry.description(item.body)
        entry.content(item.body, type="text")
        entry.updated(item.updated)
        entry.published(item.updated)
    document: bytes = feed.rss_str(pretty=False) if kind == "rss" else feed.atom_str(pretty=False)
    return document


def page_calendar(
    session: Session, page: StatusPage, at: datetime, *, domain: str, component: str | None = None
) -> bytes:
    """The page's maintenance in progress or to come within AHEAD, as iCalendar."""
    entries = []
    for window, occurrence, names in _maintenance(session, page, at, component, since=at):
        if occurrence.status not in ("scheduled", "in_progress"):
            continue
        start = occurrence.actual_start or occurrence.planned_start
        end = max(occurrence.planned_end, start + timedelta(minutes=1))
        entries.append(
            CalendarEntry(
                uid=occurrence_uid(window.key, occurrence.index, domain),
                summary=translated(window.title, names, "name", page.language),
                start=start,
                end=end,
                description=translated(window.description, names, "message", page.language),
                sequence=occurrence.sequence,
            )
        )
    return render_calendar(entries, name=f"{page.name} maintenance", stamp=at)


def _incidents(
    session: Session, page: StatusPage, at: datetime, component: str | None
) -> list[tuple[StatusIncident, list[StatusIncidentUpdate]]]:
    query = select(StatusIncident).where(
        StatusIncident.page_id == page.id, StatusIncident.started_at >= at - RECENT
    )
    if component is not None:
        query = query.where(
            StatusIncident.id.in_(
                select(StatusIncidentComponent.status_incident_id)
                .join(Component, Component.id == StatusIncidentComponent.component_id)
                .where(Component.page_id == page.id, Component.key == component)
            )
        )
    found = session.scalars(query.order_by(StatusIncident.started_at.desc()).limit(MAX_ITEMS))
    return [(shown.incident, shown.updates) for shown in incidents.views(session, list(found))]


def _maintenance(
    session: Session, page: StatusPage, at: datetime, component: str | None, *, since: datetime
) -> list[tuple[MaintenanceWindow, MaintenanceOccurrence, dict[str, dict[str, str]]]]:
    """Occurrences of the page's windows ending after `since` and starting before AHEAD, with
    the window's publication translations."""
    query = (
        select(MaintenanceWindow, MaintenanceOccurrence, WindowPublication.translations)
        .join(MaintenanceOccurrence, MaintenanceOccurrence.window_id == MaintenanceWindow.id)
        .outerjoin(WindowPublication, WindowPublication.window_id == MaintenanceWindow.id)
        .where(
            MaintenanceWindow.org_id == page.org_id,
            windows_on(page),
            MaintenanceOccurrence.planned_end > since,
            MaintenanceOccurrence.planned_start < at + AHEAD,
        )
    )
    if component is not None:
        query = query.where(
            MaintenanceWindow.id.in_(
                select(WindowComponent.window_id)
                .join(Component, Component.id == WindowComponent.component_id)
                .where(Component.page_id == page.id, Component.key == component)
            )
        )
    rows = session.execute(
        query.order_by(MaintenanceOccurrence.planned_start.desc()).limit(MAX_ITEMS)
    ).all()
    return [(window, occurrence, names or {}) for window, occurrence, names in rows]


def _status(occurrence: MaintenanceOccurrence) -> str:
    return {
        "scheduled": "Scheduled",
        "in_progress": "In progress",
        "completed": "Completed",
        "canceled": "Canceled",
    }[occurrence.status]
