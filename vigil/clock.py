"""The one clock: every domain decision about time asks here, so tests can move it."""

from datetime import UTC, datetime


def now() -> datetime:
    """The current moment, timezone-aware in UTC."""
    return datetime.now(UTC)
