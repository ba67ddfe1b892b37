"""X-VO-Api-Id and X-VO-Api-Key on every public and reporting call; read-only keys may only read."""

from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request

from vigil.orgs.service import Principal, authenticate

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _principal(
    request: Request,
    x_vo_api_id: Annotated[str | None, Header()] = None,
    x_vo_api_key: Annotated[str | None, Header()] = None,
) -> Principal:
    if not x_vo_api_id or not x_vo_api_key:
        raise HTTPException(401, "Missing X-VO-Api-Id or X-VO-Api-Key header")
    # A session of its own, closed at once: a pooled connection held while the request waits
    # for a thread to run its endpoint could deadlock the pool under load.
    with request.app.state.sessions() as session:
        principal = authenticate(session, x_vo_api_id, x_vo_api_key)
    if principal is None:
        raise HTTPException(401, "Invalid API id or API key")
    if principal.read_only and request.method not in READ_METHODS:
        raise HTTPException(403, "This API key is read-only")
    return principal


Caller = Annotated[Principal, Depends(_principal)]
