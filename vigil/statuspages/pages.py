"""Status pages: make, find and list them. The only writer of `status_pages`."""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.errors import Conflict, Invalid, NotFound
from vigil.identifiers import random_alnum
from vigil.maintenance.recurrence import zone_info
from vigil.people.validation import email_address
from vigil.statuspages.models import Component, StatusPage

_SUBDOMAIN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?$")
_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")


def new_key() -> str:
    """A string id in the style of Instatus' (25 lower-case letters and digits, `ck...`)."""
    return "ck" + random_alnum(23).lower()


@dataclass(frozen=True)
class PageFields:
    """A page's settable fields; None leaves a field at its default."""

    name: str | None = None
    subdomain: str | None = None
    zone: str | None = None
    language: str | None = None
    color: str | None = None
    logo_url: str | None = None
    public_email: str | None = None


def create_page(session: Session, org_id: int, fields: PageFields, *, at: datetime) -> StatusPage:
    """A new page; raises Invalid for bad values and Conflict for a subdomain taken."""
    if not fields.name or not fields.subdomain:
        raise Invalid("A page needs a name and a subdomain")
    page = StatusPage(org_id=org_id, key=new_key(), created_at=at, zone="UTC", language="en")
    _apply(session, page, fields)
    session.add(page)
    session.flush()
    return page


def get_page(session: Session, org_id: int, key: str) -> StatusPage:
    """The organization's page by its id (or its subdomain)."""
    page = session.scalars(
        select(StatusPage).where(
            StatusPage.org_id == org_id, (StatusPage.key == key) | (StatusPage.subdomain == key)
        )
    ).first()
    if page is None:
        raise NotFound(f"No status page {key}")
    return page


def page_by_subdomain(session: Session, subdomain: str) -> StatusPage | None:
    """The page public readers reach at `/status/{subdomain}`, whoever owns it."""
    return session.scalars(
        select(StatusPage).where(StatusPage.subdomain == subdomain.lower())
    ).one_or_none()


def page_url(page: StatusPage, base_url: str) -> str:
    """The page's public address under `base_url` (the server's, `settings.base_url`)."""
    return f"{base_url.rstrip('/')}/status/{page.subdomain}"


def page_of_components(
    session: Session, org_id: int, keys: Sequence[str], *, field: str = "components"
) -> StatusPage:
    """The page holding all of these components (by id), or with none given the
    organization's only page; Invalid otherwise, saying why (`field`: what the caller calls
    the components)."""
    wanted = list(dict.fromkeys(key.strip() for key in keys))
    if not wanted:
        pages = list_pages(session, org_id)
        if not pages:
            raise Invalid("There is no status page yet: make one first.")
        if len(pages) > 1:
            raise Invalid(f"There are several status pages: name {field} to say which page.")
        return pages[0]
    found = dict(
        session.execute(
            select(Component.key, Component.page_id).where(
                Component.org_id == org_id, Component.key.in_(wanted)
            )
        ).all()
    )
    unknown = [key for key in wanted if key not in found]
    if unknown:
        raise Invalid(f"Unknown {field}: {', '.join(unknown)}.")
    if len(set(found.values())) > 1:
        raise Invalid(f"{field} must all be on one status page.")
    page = session.get(StatusPage, next(iter(found.values())))
    assert page is not None  # a component's page (the foreign key says it exists)
    return page


def list_pages(session: Session, org_id: int) -> list[StatusPage]:
    return list(
        session.scalars(
            select(StatusPage).where(StatusPage.org_id == org_id).order_by(StatusPage.id)
        )
    )


def _apply(session: Session, page: StatusPage, fields: PageFields) -> None:
    if fields.name is not None:
        name = fields.name.strip()
        if not name or len(name) > 200:
            raise Invalid("A page name is 1 to 200 characters")
        page.name = name
    if fields.subdomain is not None:
        subdomain = fields.subdomain.strip().lower()
        if not _SUBDOMAIN.match(subdomain):
            raise Invalid(
                f"Subdomain {fields.subdomain!r} is not valid: 1 to 63 letters, digits and"
                " hyphens, not starting or ending with a hyphen"
            )
        taken = session.scalar(select(StatusPage.id).where(StatusPage.subdomain == subdomain))
        if taken is not None:
            raise Conflict(f"Subdomain {subdomain} is taken")
        page.subdomain = subdomain
    if fields.zone is not None:
        zone_info(fields.zone)
        page.zone = fields.zone
    if fields.language is not None:
        if not _LANGUAGE.match(fields.language):
            raise Invalid(f"Language {fields.language!r} is not a language tag such as en or fr")
        page.language = fields.language
    if fields.color is not None:
        if fields.color and not _COLOR.match(fields.color):
            raise Invalid(f"Color {fields.color!r} is not a #rrggbb color")
        page.color = fields.color or None
    if fields.logo_url is not None:
        if fields.logo_url and not fields.logo_url.startswith(("https://", "http://", "/")):
            raise Invalid("logoUrl must be an http(s) URL")
        page.logo_url = fields.logo_url or None
    if fields.public_email is not None:
        page.public_email = email_address(fields.public_email) if fields.public_email else None
