"""Exceptions to muting: alerts that still page while a maintenance window mutes their key.

A rule names a lowest severity (`min_severity`: INFO < WARNING < CRITICAL), an entity id
prefix (`entity_prefix`), or both; an alert opening an incident matches when it is at least
that severe and its entity id starts with the prefix. A mode (or the window that opened it)
with rules mutes only the alerts matching none of them: "during the fire-system test, UPS
alerts at CRITICAL still page" is `{"min_severity": "CRITICAL", "entity_prefix": "ups-"}`.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from vigil.errors import Invalid

SEVERITIES = ("INFO", "WARNING", "CRITICAL")
"""Alert message types that open incidents, least severe first."""
MAX_RULES = 20
MAX_PREFIX_CHARS = 200


@dataclass(frozen=True)
class PagingException:
    """One rule: alerts at least `min_severity` whose entity id starts with `entity_prefix`."""

    min_severity: str | None = None
    entity_prefix: str | None = None

    def matches(self, message_type: str, entity_id: str) -> bool:
        if self.min_severity is not None and _rank(message_type) < _rank(self.min_severity):
            return False
        return self.entity_prefix is None or entity_id.startswith(self.entity_prefix)

    def to_json(self) -> dict[str, str]:
        """The stored form (a window's `exceptions` column, a mode's copy of it)."""
        stored = {"min_severity": self.min_severity, "entity_prefix": self.entity_prefix}
        return {name: value for name, value in stored.items() if value is not None}

    @classmethod
    def from_json(cls, stored: Mapping[str, Any]) -> "PagingException":
        return cls(stored.get("min_severity"), stored.get("entity_prefix"))


def checked_exceptions(rules: Iterable[PagingException]) -> list[PagingException]:
    """The rules, checked (raises Invalid with what is wrong); duplicates dropped."""
    found = list(dict.fromkeys(rules))
    if len(found) > MAX_RULES:
        raise Invalid(f"At most {MAX_RULES} exceptions per window")
    for rule in found:
        if rule.min_severity is None and not rule.entity_prefix:
            raise Invalid("An exception needs a minimum severity, an entity prefix, or both")
        if rule.min_severity is not None and rule.min_severity not in SEVERITIES:
            raise Invalid(
                f"Unknown severity {rule.min_severity!r}; expected one of {', '.join(SEVERITIES)}"
            )
        if rule.entity_prefix is not None and len(rule.entity_prefix) > MAX_PREFIX_CHARS:
            raise Invalid(f"An entity prefix is at most {MAX_PREFIX_CHARS} characters")
    return found


@dataclass(frozen=True)
class Muting:
    """The modes covering one routing key at a moment, each by its exceptions (none: the mode
    mutes every alert). The key is muted for an alert while any one mode mutes it."""

    modes: tuple[tuple[PagingException, ...], ...]

    def mutes(self, message_type: str, entity_id: str) -> bool:
        return any(
            not any(rule.matches(message_type, entity_id) for rule in rules) for rules in self.modes
        )


def _rank(message_type: str) -> int:
    return SEVERITIES.index(message_type) if message_type in SEVERITIES else -1
