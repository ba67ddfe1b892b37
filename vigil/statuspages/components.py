"""Components of a page, their groups, and the components a maintenance window puts under
maintenance. The only writer of these tables."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from vigil.errors import Invalid, NotFound
from vigil.maintenance.models import MaintenanceWindow
from vigil.statuspages.models import (
    COMPONENT_STATUSES,
    Component,
    ComponentGroup,
    StatusPage,
    WindowComponent,
)
from vigil.statuspages.pages import new_key

TRANSLATED = ("name", "description")


@dataclass(frozen=True)
class ComponentFields:
    """A component's settable fields; on update, None leaves a field as it is. `group` is a
    group's name (made when new; "" takes the component out of its group)."""

    name: str | None = None
    description: str | None = None
    status: str | None = None
    group: str | None = None
    position: int | None = None
    show_uptime: bool | None = None
    archived: bool | None = None
    translations: Mapping[str, Mapping[str, str]] | None = None


def create_component(
    session: Session, page: StatusPage, fields: ComponentFields, *, at: datetime
) -> Component:
    if not fields.name:
        raise Invalid("A component needs a name")
    last = session.scalar(select(func.max(Component.position)).where(Component.page_id == page.id))
    component = Component(
        org_id=page.org_id,
        page_id=page.id,
        key=new_key(),
        created_at=at,
        status="OPERATIONAL",
        description="",
        show_uptime=True,
        archived=False,
        translations={},
        position=(last or 0) + 1,
    )
    _apply(session, page, component, fields)
    session.add(component)
    session.flush()
    return component


def update_component(
    session: Session, page: StatusPage, key: str, fields: ComponentFields
) -> Component:
    component = get_component(session, page, key)
    _apply(session, page, component, fields)
    session.flush()
    return component


def delete_component(session: Session, page: StatusPage, key: str) -> None:
    component = get_component(session, page, key)
    session.delete(component)
    session.flush()


def get_component(session: Session, page: StatusPage, key: str) -> Component:
    found = session.scalars(
        select(Component).where(Component.page_id == page.id, Component.key == key)
    ).one_or_none()
    if found is None:
        raise NotFound(f"No component {key} on page {page.key}")
    return found


def list_components(
    session: Session, page: StatusPage, *, archived: bool = False
) -> list[tuple[Component, ComponentGroup | None]]:
    """The page's components with their group, as the page shows them: ungrouped ones first,
    then groups in order, components in order within each."""
    query = (
        select(Component, ComponentGroup)
        .outerjoin(ComponentGroup, ComponentGroup.id == Component.group_id)
        .where(Component.page_id == page.id)
        .order_by(
            ComponentGroup.position.nulls_first(),
            ComponentGroup.id.nulls_first(),
            Component.position,
            Component.id,
        )
    )
    if not archived:
        query = query.where(Component.archived.is_(False))
    return [(component, group) for component, group in session.execute(query)]


def components_by_key(session: Session, page: StatusPage, keys: Sequence[str]) -> list[Component]:
    """The page's components with these ids, in the order given (raises Invalid naming any
    unknown one)."""
    wanted = list(dict.fromkeys(keys))
    found = {
        c.key: c
        for c in session.scalars(
            select(Component).where(Component.page_id == page.id, Component.key.in_(wanted))
        )
    }
    unknown = [key for key in wanted if key not in found]
    if unknown:
        raise Invalid(f"Unknown component(s) on this page: {', '.join(unknown)}")
    return [found[key] for key in wanted]


def set_window_components(
    session: Session,
    window: MaintenanceWindow,
    page: StatusPage,
    statuses: Mapping[str, str],
) -> None:
    """Replace the window's components (component id → status while in progress)."""
    components = components_by_key(session, page, list(statuses))
    by_id = {component.id: statuses[component.key] for component in components}
    replace_window_components(session, window.org_id, window.id, by_id)


def replace_window_components(
    session: Session, org_id: int, window_id: int, statuses: Mapping[int, str]
) -> None:
    """Replace the window's components by these (component's row id → status while in
    progress), for callers that already hold the components."""
    for status in statuses.values():
        check_status(status)
    session.execute(delete(WindowComponent).where(WindowComponent.window_id == window_id))
    session.add_all(
        WindowComponent(
            org_id=org_id, window_id=window_id, component_id=component_id, status=status
        )
        for component_id, status in statuses.items()
    )
    session.flush()


def window_components(
    session: Session, window_ids: Sequence[int], *, page: StatusPage | None = None
) -> dict[int, list[tuple[Component, str]]]:
    """Each window's components (only those on `page`, when given) with the status it gives
    them, in page order, in one query."""
    found: dict[int, list[tuple[Component, str]]] = {window_id: [] for window_id in window_ids}
    if not window_ids:
        return found
    query = (
        select(WindowComponent.window_id, Component, WindowComponent.status)
        .join(Component, Component.id == WindowComponent.component_id)
        .where(WindowComponent.window_id.in_(window_ids))
        .order_by(Component.position, Component.id)
    )
    if page is not None:
        query = query.where(Component.page_id == page.id)
    rows = session.execute(query)
    for window_id, component, status in rows:
        found[window_id].append((component, status))
    return found


def check_status(status: str) -> str:
    if status not in COMPONENT_STATUSES:
        raise Invalid(
            f"Unknown component status {status!r}; expected one of {', '.join(COMPONENT_STATUSES)}"
        )
    return status


def check_translations(
    translations: Mapping[str, Any], fields: Sequence[str]
) -> dict[str, dict[str, str]]:
    """`{field: {language: text}}` for the given fields only (raises Invalid otherwise)."""
    checked: dict[str, dict[str, str]] = {}
    for field, by_language in translations.items():
        if field not in fields:
            raise Invalid(f"Translations are for {', '.join(fields)}, not {field!r}")
        if not isinstance(by_language, Mapping) or not all(
            isinstance(lang, str) and isinstance(text, str) and 2 <= len(lang) <= 10
            for lang, text in by_language.items()
        ):
            raise Invalid(f"translations.{field} must map language codes to texts")
        checked[field] = dict(by_language)
    return checked


def translated(base: str, translations: Mapping[str, Any], field: str, language: str) -> str:
    """`base` in `language` when a translation is stored, else as it is."""
    text = translations.get(field, {}).get(language)
    return text if isinstance(text, str) and text else base


def _apply(
    session: Session, page: StatusPage, component: Component, fields: ComponentFields
) -> None:
    if fields.name is not None:
        name = fields.name.strip()
        if not name or len(name) > 200:
            raise Invalid("A component name is 1 to 200 characters")
        component.name = name
    if fields.description is not None:
        component.description = fields.description
    if fields.status is not None:
        component.status = check_status(fields.status)
    if fields.position is not None:
        component.position = fields.position
    if fields.show_uptime is not None:
        component.show_uptime = fields.show_uptime
    if fields.archived is not None:
        component.archived = fields.archived
    if fields.translations is not None:
        component.translations = check_translations(fields.translations, TRANSLATED)
    if fields.group is not None:
        component.group_id = _group_id(session, page, fields.group.strip())


def _group_id(session: Session, page: StatusPage, name: str) -> int | None:
    if not name:
        return None
    group = session.scalars(
        select(ComponentGroup).where(ComponentGroup.page_id == page.id, ComponentGroup.name == name)
    ).one_or_none()
    if group is None:
        last = session.scalar(
            select(func.max(ComponentGroup.position)).where(ComponentGroup.page_id == page.id)
        )
        group = ComponentGroup(
            org_id=page.org_id, page_id=page.id, key=new_key(), name=name, position=(last or 0) + 1
        )
        session.add(group)
        session.flush()
    return group.id
