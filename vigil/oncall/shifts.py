"""Shift arithmetic: when each member of a shift is on call. Pure functions, no database.

A shift hands off every `period_days` days at `handoff_time`, local wall-clock time in its IANA
zone, counting from `start_date`; turn k (0, 1, 2, …) belongs to member k mod n. Handoffs are
computed on the wall clock and only then placed on the UTC time line, so a weekly 09:00 handoff
stays at 09:00 local across daylight-saving changes (the shift around a change is an hour
shorter or longer). A wall-clock time that does not exist (skipped by a spring-forward) is
read with the offset before the change, i.e. it happens an hour later on the clock; one that
happens twice (fall-back) means its first occurrence.

* `24/7`: the member of turn k is on call from handoff k to handoff k+1.
* `multi_day`: on call `duration_minutes` from each handoff (e.g. Friday 18:00 to Monday 08:00).
* `partial_day`: on call `duration_minutes` from `handoff_time` on each day of `weekdays`
  (bit 0 Monday), by the member whose turn contains that day's start.

All intervals are half-open, [start, end): at the very moment of a handoff the new member is
on call.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class ShiftRule:
    """What the arithmetic needs of a rotation shift (plain values, no session)."""

    shift_id: int
    name: str
    kind: str
    time_zone: str
    start_date: date
    handoff_time: time
    period_days: int
    duration_minutes: int
    weekdays: int
    members: tuple[int, ...]

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


@dataclass(frozen=True)
class Slot:
    """One stretch of on-call: `user_id` is on call from `start` to `end` (aware, UTC)."""

    start: datetime
    end: datetime
    user_id: int
    turn: int


def local(moment: datetime, zone: ZoneInfo) -> datetime:
    """Wall-clock time (naive) of an aware moment in `zone`."""
    return moment.astimezone(zone).replace(tzinfo=None)


def placed(wall_clock: datetime, zone: ZoneInfo) -> datetime:
    """The UTC moment of a wall-clock time in `zone` (see the module notes on DST gaps)."""
    return wall_clock.replace(tzinfo=zone).astimezone(UTC)


def member_of_turn(rule: ShiftRule, turn: int) -> int | None:
    if not rule.members:
        return None
    return rule.members[turn % len(rule.members)]


def slots(rule: ShiftRule, start: datetime, end: datetime) -> list[Slot]:
    """Every on-call stretch of the shift that overlaps [start, end), in time order."""
    if not rule.members or end <= start:
        return []
    found = []
    for turn, slot_start, slot_end in _windows(rule, start, end):
        if slot_end > start and slot_end > slot_start:
            user_id = member_of_turn(rule, turn)
            assert user_id is not None
            found.append(Slot(slot_start, slot_end, user_id, turn))
    return found


def slot_at(rule: ShiftRule, at: datetime) -> Slot | None:
    """The stretch in which someone is on call at `at`, if the shift is on at that moment."""
    found = slots(rule, at, at + timedelta(microseconds=1))
    return found[0] if found else None


def next_handoff(rule: ShiftRule, after: datetime) -> datetime | None:
    """The first start of an on-call stretch strictly after `after` (the next "shift roll")."""
    horizon = after + timedelta(days=rule.period_days + 8)
    for window in slots(rule, after, horizon):
        if window.start > after:
            return window.start
    return None


def _windows(
    rule: ShiftRule, start: datetime, end: datetime
) -> Iterator[tuple[int, datetime, datetime]]:
    zone = rule.zone
    anchor = datetime.combine(rule.start_date, rule.handoff_time)
    period = timedelta(days=rule.period_days)
    length = timedelta(minutes=rule.duration_minutes)
    if rule.kind == "partial_day":
        day = max(rule.start_date, local(start, zone).date() - timedelta(days=1))
        while True:
            wall_clock = datetime.combine(day, rule.handoff_time)
            window_start = placed(wall_clock, zone)
            if window_start >= end:
                return
            if rule.weekdays >> day.weekday() & 1:
                turn = (day - rule.start_date).days // rule.period_days
                yield turn, window_start, placed(wall_clock + length, zone)
            day += timedelta(days=1)
    turn = max(0, (local(start, zone) - anchor) // period - 1)
    while True:
        wall_clock = anchor + turn * period
        window_start = placed(wall_clock, zone)
        if window_start >= end:
            return
        stretch = period if rule.kind == "24/7" else length
        yield turn, window_start, placed(wall_clock + stretch, zone)
        turn += 1


def merged(pieces: Sequence[Slot]) -> list[Slot]:
    """Adjacent stretches of the same user (and turn) joined into one."""
    result: list[Slot] = []
    for piece in pieces:
        last = result[-1] if result else None
        if last and last.user_id == piece.user_id and last.end == piece.start:
            result[-1] = Slot(last.start, piece.end, last.user_id, last.turn)
        else:
            result.append(piece)
    return result
