"""Settings, read from environment variables prefixed VIGIL_."""

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


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


@lru_cache
def get_settings() -> Settings:
    return Settings()
