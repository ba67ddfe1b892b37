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

from html import escape
from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse

from vigil import clock
from vigil.api.deps import DbSession, TransactionalRoute
from vigil.errors import Invalid
from vigil.statuspages import subscribers
from vigil.statuspages.models import StatusPage, Subscriber
from vigil.statuspages.pages import page_by_subdomain

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
        return _answer(None, "No such page", "There is no status page here.", status_code=404)
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
    page, found = _found(session, subdomain, token)
    if page is None or found is None:
        return _unknown(page)
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
    page, found = _found(session, subdomain, token)
    if page is None or found is None:
        return _unknown(page)
    subscribers.confirm(session, found, clock.now())
    return _answer(page, "Subscribed", f"{found.email} will hear about {page.name}.")


@router.get(
    f"{BASE}/subscription/{{token}}/unsubscribe",
    response_class=HTMLResponse,
    summary="Unsubscribe page",
)
def show_unsubscribe(session: DbSession, subdomain: str, token: str) -> HTMLResponse:
    page, found = _found(session, subdomain, token)
    if page is None or found is None:
        return _unknown(page)
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
    page, found = _found(session, subdomain, token)
    if page is None or found is None:
        return _unknown(page)
    subscribers.unsubscribe(session, found)
    return _answer(page, "Unsubscribed", "No more messages will be sent.")


def _found(
    session: DbSession, subdomain: str, token: str
) -> tuple[StatusPage | None, Subscriber | None]:
    page = page_by_subdomain(session, subdomain)
    return page, (subscribers.by_token(session, page, token) if page is not None else None)


def _unknown(page: StatusPage | None) -> HTMLResponse:
    return _answer(page, "Link not valid", "This link is not (or no longer) valid.", 404)


def _answer(
    page: StatusPage | None,
    title: str,
    text: str,
    status_code: int = 200,
    button: tuple[str, str] | None = None,
) -> HTMLResponse:
    name = escape(page.name) if page is not None else "Status"
    back = f'<p><a href="/status/{escape(page.subdomain)}">Back to {name}</a></p>' if page else ""
    form = (
        f'<form method="post" action="{escape(button[1])}">'
        f'<button type="submit">{escape(button[0])}</button></form>'
        if button
        else ""
    )
    return HTMLResponse(
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} · {name}</title>"
        "<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:2rem auto;"
        "padding:0 1rem;color:#1a1a1a}button{font:inherit;padding:.5rem 1rem}</style></head>"
        f"<body><main><h1>{escape(title)}</h1><p>{escape(text)}</p>{form}{back}</main>"
        "</body></html>",
        status_code=status_code,
    )
