"""`Authorization: Bearer <API key>`: the organization's Vigil API key (Prod Manager's JWTs are
not minted here: the key is the token). Read-only keys may only read (403, plain text).

Prod Manager lets anyone read without a token and shows such readers public data only (no
internal events or comments). Vigil holds several organizations, and an anonymous request
names none, so anonymous reads work only when the deployment has exactly one organization
(they see its public data); with several, they get 401 asking to authenticate. A token that
is sent but unknown is always 401, for reads too.

Rate limits as Prod Manager's: per API key (`rate_limit_prodmanager`), and per remote address
for anonymous reads and requests without a valid token (`rate_limit_prodmanager_anonymous`);
429 past them, and the `X-RateLimit-*` headers on the answers.
"""

from dataclasses import dataclass
from typing import Annotated, NoReturn

from fastapi import Depends, Header, HTTPException, Request, Response
from sqlalchemy import select

from vigil.api.dialect_auth import key_principal
from vigil.api.rate_limits import PRODMANAGER, PRODMANAGER_ANONYMOUS, charge_address
from vigil.orgs.models import Organization
from vigil.orgs.service import Principal

INVALID = "Invalid token"
REQUIRED = "Authentication required: send Authorization: Bearer <API key>"
ANONYMOUS_AMBIGUOUS = (
    "Authentication required: this deployment serves several organizations; send"
    " Authorization: Bearer <API key> to say which"
)
READ_ONLY = "This API key is read-only: it may not make changes"


@dataclass(frozen=True)
class Reader:
    """Who reads: an organization, and whether the caller authenticated (else public only)."""

    org_id: int
    authenticated: bool

    @property
    def public_only(self) -> bool:
        return not self.authenticated


def _secret(request: Request, authorization: str | None) -> str | None:
    """The bearer token, None when no Authorization header was sent."""
    if authorization is None or not authorization.strip():
        return None
    scheme, _, secret = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        _refuse(request, INVALID)
    return secret.strip()


def _refuse(request: Request, message: str) -> NoReturn:
    """401, counted against the remote address (so key guessing is limited too)."""
    charge_address(request, PRODMANAGER_ANONYMOUS, advertise=True)
    raise HTTPException(401, message)


def _principal(request: Request, response: Response, secret: str) -> Principal:
    """The token's principal, the answer carrying its rate headers."""
    principal, headers = key_principal(
        request,
        secret,
        PRODMANAGER,
        invalid=INVALID,
        address_bucket=PRODMANAGER_ANONYMOUS,
        advertise=True,
    )
    response.headers.update(headers)
    return principal


def _reader(
    request: Request,
    response: Response,
    authorization: Annotated[
        str | None, Header(description="Bearer <API key>; optional for reads")
    ] = None,
) -> Reader:
    secret = _secret(request, authorization)
    if secret is not None:
        return Reader(_principal(request, response, secret).org_id, authenticated=True)
    response.headers.update(charge_address(request, PRODMANAGER_ANONYMOUS, advertise=True))
    # A session of its own, closed at once (see vigil.api.victorops.auth).
    with request.app.state.sessions() as session:
        orgs = list(session.scalars(select(Organization.id).order_by(Organization.id).limit(2)))
    if len(orgs) != 1:
        raise HTTPException(401, ANONYMOUS_AMBIGUOUS)
    return Reader(orgs[0], authenticated=False)


def _writer(
    request: Request,
    response: Response,
    authorization: Annotated[str | None, Header(description="Bearer <API key>")] = None,
) -> int:
    secret = _secret(request, authorization)
    if secret is None:
        _refuse(request, REQUIRED)
    principal = _principal(request, response, secret)
    if principal.read_only:
        raise HTTPException(403, READ_ONLY)
    return principal.org_id


ReaderOf = Annotated[Reader, Depends(_reader)]
"""Reads: a token (any key) or, on a one-organization deployment, none."""
WriterOrg = Annotated[int, Depends(_writer)]
"""Writes: the organization id of a read-write key."""
