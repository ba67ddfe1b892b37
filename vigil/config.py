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


@lru_cache
def get_settings() -> Settings:
    return Settings()
