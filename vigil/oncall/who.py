"""Who is on call at t: the one answer every page, schedule, log and feed is built from.

A rotation's on-call users at `at` are, for each of its shifts that is on at that moment, the
member whose turn it is; `rotation_group_next` and `rotation_group_previous` name the member
after or before them in the shift's order. Within an escalation policy, scheduled overrides
and take-on-call then replace users (`vigil.oncall.substitutions`).
"""

from collections.abc import Sequence
from datetime import datetime, timedelta
from itertools import pairwise

from sqlalchemy.orm import Session

from vigil.oncall.rotations import RotationPlan, load_plans
from vigil.oncall.shifts import ShiftRule, Slot, member_of_turn, merged, slot_at, slots
from vigil.oncall.substitutions import Substitution, substitute, substitutions

TURN_OFFSETS = {"rotation_group": 0, "rotation_group_next": 1, "rotation_group_previous": -1}


def scheduled_users(plan: RotationPlan, at: datetime, kind: str = "rotation_group") -> list[int]:
    """Users a rotation entry of `kind` names at `at`, before any substitution, deduplicated."""
    offset = TURN_OFFSETS[kind]
    found: list[int] = []
    for rule in plan.rules:
        slot = slot_at(rule, at)
        if slot is None:
            continue
        user_id = member_of_turn(rule, slot.turn + offset)
        if user_id is not None and user_id not in found:
            found.append(user_id)
    return found


def paged_users(
    plan: RotationPlan,
    at: datetime,
    subs: Sequence[Substitution] = (),
    kind: str = "rotation_group",
) -> list[int]:
    """Users paged through a rotation entry at `at`, substitutions applied, deduplicated."""
    found: list[int] = []
    for user_id in scheduled_users(plan, at, kind):
        paged = substitute(user_id, subs, at)
        if paged not in found:
            found.append(paged)
    return found


def on_call_users(
    session: Session,
    rotation_id: int,
    at: datetime,
    kind: str = "rotation_group",
    policy_id: int | None = None,
) -> list[int]:
    """Users on call in a rotation at `at`; within `policy_id`, its overrides and takes applied.

    `kind` is `rotation_group` (now), `rotation_group_next` or `rotation_group_previous`.
    An unknown rotation has nobody on call.
    """
    plan = load_plans(session, [rotation_id]).get(rotation_id)
    if plan is None:
        return []
    subs: list[Substitution] = []
    if policy_id is not None:
        subs = substitutions(session, [policy_id], at, at + timedelta(microseconds=1))[policy_id]
    return paged_users(plan, at, subs, kind)


def effective_slots(
    rule: ShiftRule, subs: Sequence[Substitution], start: datetime, end: datetime
) -> list[Slot]:
    """A shift's stretches over [start, end) with substitutions applied: split where they begin
    and end, the stand-in in place of the scheduled member, adjacent pieces of one user joined."""
    pieces: list[Slot] = []
    for slot in slots(rule, start, end):
        cuts = sorted(
            {slot.start, slot.end}
            | {
                moment
                for sub in subs
                for moment in (sub.start, sub.end)
                if slot.start < moment < slot.end
            }
        )
        for piece_start, piece_end in pairwise(cuts):
            user_id = substitute(slot.user_id, subs, piece_start)
            pieces.append(Slot(piece_start, piece_end, user_id, slot.turn))
    return merged(pieces)
