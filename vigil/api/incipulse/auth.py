"""`X-API-KEY: <API key>`: the organization's Vigil API key; read-only keys may only read.
For reads the key may also come as `?api_key=` (Incipulse warns against it for writes, and
Vigil takes it for reads only). Each key (the remote address without a valid key) is rate
limited (`rate_limit_incipulse`, 429 past it, as Incipulse documents)."""

from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request

from vigil.api.dialect_auth import key_principal
from vigil.api.rate_limits import INCIPULSE, charge_address
from vigil.api.victorops.auth import READ_METHODS
from vigil.orgs.service import Principal

MISSING_OR_INVALID = "Invalid or missing API key."
READ_ONLY = "This API key is read-only: it may not make changes."


def _principal(
    request: Request,
    x_api_key: Annotated[
        str | None, Header(description="The organization's API key (read-only or read-write)")
    ] = None,
) -> Principal:
    reading = request.method in READ_METHODS
    secret = (x_api_key or (request.query_params.get("api_key") if reading else None) or "").strip()
    if not secret:
        charge_address(request, INCIPULSE)
        raise HTTPException(401, MISSING_OR_INVALID)
    principal, _ = key_principal(request, secret, INCIPULSE, invalid=MISSING_OR_INVALID)
    if principal.read_only and not reading:
        raise HTTPException(403, READ_ONLY)
    return principal


Caller = Annotated[Principal, Depends(_principal)]
