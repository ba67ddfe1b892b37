"""The step every status-page dialect's authentication shares: an API key sent, found, and the
request counted against its rate limit (`vigil.api.rate_limits`)."""

from collections.abc import Mapping

from fastapi import HTTPException, Request

from vigil.api.rate_limits import charge_address, charge_key
from vigil.orgs.service import Principal, authenticate_key


def key_principal(
    request: Request,
    secret: str,
    bucket: str,
    *,
    invalid: str,
    address_bucket: str | None = None,
    advertise: bool = False,
) -> tuple[Principal, Mapping[str, str]]:
    """The principal of `secret`, the request counted against its key in `bucket` (with the
    rate headers when `advertise`). An unknown key is 401 `invalid`, counted against the remote
    address in `address_bucket` (default `bucket`), so key guessing is limited too."""
    # A session of its own, closed at once (see vigil.api.victorops.auth).
    with request.app.state.sessions() as session:
        principal = authenticate_key(session, secret)
    if principal is None:
        charge_address(request, address_bucket or bucket, advertise=advertise)
        raise HTTPException(401, invalid)
    return principal, charge_key(request, bucket, principal.key_id, advertise=advertise)
