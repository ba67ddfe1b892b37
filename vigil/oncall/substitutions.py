"""Who stands in for whom in an escalation policy: assigned scheduled overrides and take-on-call.

Both come down to "in policy P, from `start` to `end`, page `to_user` instead of `from_user`".
Overrides apply first and takes after them, each in the order they were made, so a later take
wins over an earlier override.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from vigil.db import ids_or_query
from vigil.oncall.models import OnCallTake, OverrideAssignment, ScheduledOverride


@dataclass(frozen=True)
class Substitution:
    policy_id: int
    from_user_id: int
    to_user_id: int
    start: datetime
    end: datetime
    override_id: int | None  # None for a take-on-call

    def covers(self, at: datetime) -> bool:
        return self.start <= at < self.end


def substitutions(
    session: Session,
    policy_ids: Iterable[int] | Select[Any],
    start: datetime,
    end: datetime,
) -> dict[int, list[Substitution]]:
    """Substitutions of each policy (by id, or a query of them) that overlap [start, end): two
    queries."""
    found: dict[int, list[Substitution]] = defaultdict(list)
    ids = ids_or_query(policy_ids)
    if ids is None:
        return found
    assigned = session.execute(
        select(OverrideAssignment.policy_id, OverrideAssignment.user_id, ScheduledOverride)
        .join(ScheduledOverride, ScheduledOverride.id == OverrideAssignment.override_id)
        .where(
            OverrideAssignment.policy_id.in_(ids),
            OverrideAssignment.user_id.is_not(None),
            ScheduledOverride.start_at < end,
            ScheduledOverride.end_at > start,
        )
        .order_by(ScheduledOverride.created_at, ScheduledOverride.id)
    )
    for policy_id, to_user_id, override in assigned:
        assert to_user_id is not None  # filtered above
        found[policy_id].append(
            Substitution(
                policy_id,
                override.user_id,
                to_user_id,
                override.start_at,
                override.end_at,
                override.id,
            )
        )
    takes = session.scalars(
        select(OnCallTake)
        .where(OnCallTake.policy_id.in_(ids), OnCallTake.start_at < end, OnCallTake.end_at > start)
        .order_by(OnCallTake.created_at, OnCallTake.id)
    )
    for take in takes:
        found[take.policy_id].append(
            Substitution(
                take.policy_id, take.from_user_id, take.to_user_id, take.start_at, take.end_at, None
            )
        )
    return found


def substitute(user_id: int, subs: Sequence[Substitution], at: datetime) -> int:
    """Who is paged at `at` in place of `user_id`, following every substitution in order."""
    for sub in subs:
        if sub.from_user_id == user_id and sub.covers(at):
            user_id = sub.to_user_id
    return user_id
