"""One POST with a short timeout, its outcome told as a `DeliveryFailed` the engine understands.

Timeouts, connection errors, 5xx, 408 and 429 may pass, so they are retryable; any other 4xx
and a redirect (never followed: a notification goes where it was configured to) are not.
"""

from collections.abc import Mapping
from typing import Any

import httpx

from vigil.notify.channels import DeliveryFailed

USER_AGENT = "Vigil-Notify/0.1"
RETRYABLE_STATUSES = frozenset({408, 425, 429})
MAX_DETAIL_CHARS = 300


def post(
    url: str,
    *,
    what: str,
    timeout: float,
    content: bytes | None = None,
    data: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    auth: tuple[str, str] | None = None,
) -> httpx.Response:
    """POST and return a 2xx response, or raise DeliveryFailed naming `what` was called."""
    sent_headers = {"User-Agent": USER_AGENT, **(headers or {})}
    try:
        with httpx.Client(
            timeout=timeout, follow_redirects=False, trust_env=False, auth=auth
        ) as client:
            response = client.post(url, content=content, data=data, headers=sent_headers)
    except (httpx.InvalidURL, httpx.UnsupportedProtocol, httpx.LocalProtocolError) as error:
        raise DeliveryFailed(f"{what}: cannot call {url}: {error}", retryable=False) from error
    except httpx.TimeoutException as error:
        raise DeliveryFailed(f"{what}: no answer within {timeout:g}s", retryable=True) from error
    except httpx.TransportError as error:
        reason = str(error) or type(error).__name__
        raise DeliveryFailed(f"{what}: {reason}", retryable=True) from error
    if response.is_success:
        return response
    status = response.status_code
    retryable = status >= 500 or status in RETRYABLE_STATUSES
    detail = _detail(response)
    message = f"{what} answered {status} {response.reason_phrase}".rstrip()
    raise DeliveryFailed(f"{message}: {detail}" if detail else message, retryable=retryable)


def _detail(response: httpx.Response) -> str:
    """The provider's own words: a JSON `message` (Twilio, ntfy's `error`) or the text's start."""
    try:
        document: Any = response.json()
    except ValueError:
        document = None
    if isinstance(document, dict):
        for key in ("message", "error", "detail"):
            if isinstance(document.get(key), str):
                return str(document[key])[:MAX_DETAIL_CHARS]
    if response.is_redirect:
        return f"redirects to {response.headers.get('location', '?')} (not followed)"
    return " ".join(response.text.split())[:MAX_DETAIL_CHARS]
