"""`Authorization: Bearer <API key>`: the organization's Vigil API key; read-only keys may only
read. The page in the path must be one of the caller's organization (else 404). Each key (the
remote address without a valid key) is rate limited (`rate_limit_instatus`, 429 past it)."""

from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request
from sqlalchemy.orm import Session

from vigil.api.dialect_auth import key_principal
from vigil.api.rate_limits import INSTATUS, charge_address
from vigil.api.victorops.auth import READ_METHODS
from vigil.orgs.service import Principal
from vigil.statuspages.models import StatusPage
from vigil.statuspages.pages import get_page


def _principal(
    request: Request, authorization: Annotated[str | None, Header()] = None
) -> Principal:
    scheme, _, secret = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        charge_address(request, INSTATUS)
        raise HTTPException(401, "Missing Authorization: Bearer <API key> header")
    principal, _ = key_principal(request, secret.strip(), INSTATUS, invalid="Invalid API key")
    if principal.read_only and request.method not in READ_METHODS:
        raise HTTPException(403, "This API key is read-only")
    return principal


Caller = Annotated[Principal, Depends(_principal)]


def page_of(session: Session, caller: Principal, page_id: str) -> StatusPage:
    """The caller's page by its id (or subdomain); NotFound (404) for another's."""
    return get_page(session, caller.org_id, page_id)
