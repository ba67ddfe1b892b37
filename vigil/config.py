"""Settings, read from environment variables prefixed VIGIL_."""

import re
from functools import lru_cache

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_RATE = re.compile(r"^\s*(\d+)\s*(?:/\s*(\d+(?:\.\d+)?)?\s*([smh]?)\s*)?$")
_UNIT_SECONDS = {"s": 1.0, "m": 60.0, "h": 3600.0, "": 1.0}


def parse_rate_limit(text: str) -> tuple[int, float] | None:
    """`"LIMIT/WINDOW"` as (requests, seconds): `"60/1m"`, `"1500/1h"`, `"5/30s"` or `"5/30"`
    (seconds); a bare count of the unit is one (`"1500/h"`). `"0"` (or a limit of 0) is None:
    no limit. ValueError on anything else."""
    found = _RATE.match(text)
    if found is None:
        raise ValueError(f"not a rate limit: {text!r}; write it as LIMIT/WINDOW, e.g. 60/1m")
    limit = int(found.group(1))
    if limit == 0:
        return None
    if found.group(2) is None and not found.group(3):
        raise ValueError(f"rate limit {text!r} has no window; write it as LIMIT/WINDOW, e.g. 60/1m")
    amount = float(found.group(2)) if found.group(2) else 1.0
    window = amount * _UNIT_SECONDS[found.group(3)]
    if window <= 0:
        raise ValueError(f"rate limit {text!r} has an empty window")
    return limit, window


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VIGIL_")

    database_url: str = "sqlite:///./var/vigil.db"
    smtp_url: str = "smtp://127.0.0.1:2525"
    base_url: str = "http://127.0.0.1:8080"
    max_body_bytes: int = 1_048_576
    log_level: str = "INFO"
    db_pool_size: int = 10
    db_pool_timeout: float = 30.0
    request_threads: int = 4
    """Threads serving synchronous endpoints per process; more only add lock contention."""
    embedded_worker: bool | None = None
    """Run the engine inside the server; by default only on SQLite (one process owns the file)."""

    # Notifications (vigil.notify). A delivery runs inside the engine's transaction: keep it short.
    smtp_from: str = "Vigil <vigil@localhost>"
    """The From of e-mail notifications."""
    delivery_timeout_seconds: float = 5.0
    """How long one delivery attempt may wait on an SMTP or HTTP server (connect, then each read)."""
    delivery_max_attempts: int = 3
    """Attempts per e-mail, SMS, call or push when failures may pass (timeouts, 5xx, SMTP 4xx)."""
    webhook_max_attempts: int = 5
    """Attempts per outgoing webhook call when failures may pass."""
    delivery_backoff_seconds: float = 30.0
    """The wait before the second attempt; each later wait doubles, up to the maximum below."""
    delivery_max_backoff_seconds: float = 600.0
    twilio_base_url: str = "https://api.twilio.com"
    """A Twilio-compatible API (Twilio itself, or a gateway or test double speaking its API)."""
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_from_number: str = ""
    """The E.164 number SMS and calls come from."""
    ntfy_base_url: str = "https://ntfy.sh"
    """Where push topics live when a device address is a bare topic name rather than a URL."""
    ntfy_token: str = ""
    """An ntfy access token (sent as a Bearer token), when the topics need one."""

    # Paging (vigil.paging).
    throttle_seconds: float = 60.0
    """At most one SMS, call, e-mail or push per contact in this many seconds; the rest waits
    and goes out as one message (0 turns throttling off)."""

    # Maintenance (vigil.maintenance).
    maintenance_mode_limit: int = 50
    """Active maintenance modes an organization may have at once; starting one more is refused
    (VictorOps answers 420)."""

    # Status pages (vigil.web.status_page).
    status_page_cache_seconds: float = 5.0
    """How long a server process serves a rendered public page again before rendering it anew
    (0: every request renders). Readers see a change within this many seconds."""

    # Rate limits of the status-page API dialects (vigil.api.rate_limits), per server process.
    # Each is "LIMIT/WINDOW" (window in s, m or h: "60/1m", "1500/1h"), counted on a rolling
    # window per API key (per remote address without a valid key); "0" turns it off. Past the
    # limit a request is answered 429 with Retry-After, in the dialect's own error shape.
    rate_limit_instatus: str = "120/1m"
    """Instatus v1 (`/v1/`): Instatus documents no figure; 2 requests/s per key on average."""
    rate_limit_incipulse: str = "60/1m"
    """Incipulse (`/api/admin/`, `/api/maintenance/status`): 1 request/s per key on a 60 s
    rolling window, as Incipulse documents."""
    rate_limit_prodmanager: str = "1500/1h"
    """Prod Manager with a token: its own default, 1500 requests an hour."""
    rate_limit_prodmanager_anonymous: str = "60/1h"
    """Prod Manager without a valid token (anonymous reads, wrong tokens), per remote address:
    its own default, 60 requests an hour."""

    @field_validator(
        "rate_limit_instatus",
        "rate_limit_incipulse",
        "rate_limit_prodmanager",
        "rate_limit_prodmanager_anonymous",
    )
    @classmethod
    def _a_rate_limit(cls, value: str) -> str:
        parse_rate_limit(value)
        return value


@lru_cache
def get_settings() -> Settings:
    return Settings()
