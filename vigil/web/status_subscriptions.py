"""Subscribing to a public page by e-mail, without JavaScript: a form posts the address, a
link in the confirmation e-mail opens a page whose button confirms, and every message carries
a one-click unsubscribe link (also as RFC 8058 List-Unsubscribe).

Opening a link only shows a button, since mail scanners open links too; the answer to a
subscription is the same whether the address was known or not.

    POST /status/{subdomain}/subscribe                    email=..., component=<id> (repeatable)
    GET  /status/{subdomain}/subscription/{token}         the confirm button
    POST /status/{subdomain}/subscription/{token}         confirm
    GET  /status/{subdomain}/subscription/{token}/unsubscribe
    POST /status/{subdomain}/subscription/{token}/unsubscribe   (one-click)
"""

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse

from vigil import clock
from vigil.api.deps import DbSession, TransactionalRoute
from vigil.errors import Invalid
from vigil.statuspages import subscribers
from vigil.statuspages.models import StatusPage, Subscriber
from vigil.statuspages.pages import page_by_subdomain
from vigil.web.status_page import not_found, templates
from vigil.web.status_view import header

router = APIRouter(tags=["Status page subscriptions"], route_class=TransactionalRoute)

BASE = "/status/{subdomain}"


@router.post(f"{BASE}/subscribe", response_class=HTMLResponse, summary="Subscribe by e-mail")
def subscribe(
    session: DbSession,
    subdomain: str,
    email: Annotated[str, Form(max_length=320)],
    component: Annotated[list[str] | None, Form()] = None,
) -> HTMLResponse:
    page = page_by_subdomain(session, subdomain)
    if page is None:
        return not_found(subdomain)
    try:
        subscribers.subscribe_email(session, page, email, component or [], at=clock.now())
    except Invalid as error:
        return _answer(page, "Not subscribed", error.message, status_code=400)
    return _answer(
        page,
        "Check your inbox",
        f"If {email} can receive mail, a message on its way there has the link that confirms"
        " the subscription.",
    )


@router.get(f"{BASE}/subscription/{{token}}", response_class=HTMLResponse, summary="Confirm page")
def show_confirm(session: DbSession, subdomain: str, token: str) -> HTMLResponse:
    known = _known(session, subdomain, token)
    if isinstance(known, HTMLResponse):
        return known
    page, found = known
    if found.confirmed_at is not None:
        return _answer(page, "Subscribed", "This subscription is already confirmed.")
    return _answer(
        page,
        "Confirm your subscription",
        f"Send {page.name}'s incidents and maintenance to {found.email}?",
        button=("Confirm", f"/status/{page.subdomain}/subscription/{token}"),
    )


@router.post(f"{BASE}/subscription/{{token}}", response_class=HTMLResponse, summary="Confirm")
def confirm(session: DbSession, subdomain: str, token: str) -> HTMLResponse:
    known = _known(session, subdomain, token)
    if isinstance(known, HTMLResponse):
        return known
    page, found = known
    subscribers.confirm(session, found, clock.now())
    return _answer(page, "Subscribed", f"{found.email} will hear about {page.name}.")


@router.get(
    f"{BASE}/subscription/{{token}}/unsubscribe",
    response_class=HTMLResponse,
    summary="Unsubscribe page",
)
def show_unsubscribe(session: DbSession, subdomain: str, token: str) -> HTMLResponse:
    known = _known(session, subdomain, token)
    if isinstance(known, HTMLResponse):
        return known
    page, found = known
    return _answer(
        page,
        "Unsubscribe",
        f"Stop sending {page.name}'s updates to {found.email or 'this webhook'}?",
        button=("Unsubscribe", f"/status/{page.subdomain}/subscription/{token}/unsubscribe"),
    )


@router.post(
    f"{BASE}/subscription/{{token}}/unsubscribe",
    response_class=HTMLResponse,
    summary="Unsubscribe (one click, RFC 8058)",
)
def unsubscribe(session: DbSession, subdomain: str, token: str) -> HTMLResponse:
    known = _known(session, subdomain, token)
    if isinstance(known, HTMLResponse):
        return known
    page, found = known
    subscribers.unsubscribe(session, found)
    return _answer(page, "Unsubscribed", "No more messages will be sent.")


def _known(
    session: DbSession, subdomain: str, token: str
) -> tuple[StatusPage, Subscriber] | HTMLResponse:
    """The page and the subscriber of the link, or the 404 page saying what is unknown."""
    page = page_by_subdomain(session, subdomain)
    if page is None:
        return not_found(subdomain)
    found = subscribers.by_token(session, page, token)
    if found is None:
        return _answer(page, "Link not valid", "This link is not (or no longer) valid.", 404)
    return page, found


def _answer(
    page: StatusPage,
    title: str,
    text: str,
    status_code: int = 200,
    button: tuple[str, str] | None = None,
) -> HTMLResponse:
    """A short page in the status page's own look: a title, a sentence and maybe a button
    (its label and where it posts)."""
    label, action = button or (None, None)
    html = templates.get_template("message.html").render(
        page=header(page), title=title, text=text, button=label, action=action
    )
    return HTMLResponse(html, status_code=status_code)
