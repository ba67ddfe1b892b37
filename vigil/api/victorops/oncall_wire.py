"""The VictorOps JSON shapes of on-call things: policies, rotations, overrides, schedules."""

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from vigil.api.victorops.wire import V1
from vigil.clock import rfc3339
from vigil.oncall.models import EscalationPolicy
from vigil.oncall.overrides import AssignmentView, OverrideView
from vigil.oncall.policies import EntryView, PolicyView
from vigil.oncall.rotations import RotationView
from vigil.people.models import Team, User

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def with_offset(moment: datetime, zone: str) -> str:
    """RFC 3339 with the zone's offset, as v2 schedules show it: 2020-03-31T09:00:00-06:00."""
    return moment.astimezone(ZoneInfo(zone)).replace(microsecond=0).isoformat()


def epoch_ms(moment: datetime) -> int:
    return int(moment.astimezone(UTC).timestamp() * 1000)


def millis(moment: datetime) -> str:
    """RFC 3339 in UTC with milliseconds, as the on-call log shows it: 2020-04-01T00:00:00.000Z."""
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


def username_json(user: User | None) -> dict[str, str] | None:
    return {"username": user.username} if user else None


def person_json(user: User) -> dict[str, str]:
    return {"username": user.username, "firstName": user.first_name, "lastName": user.last_name}


def team_ref(team: Team) -> dict[str, str]:
    return {"name": team.name, "slug": team.slug}


def policy_ref(policy: EscalationPolicy) -> dict[str, str]:
    return {"name": policy.name, "slug": policy.slug}


def policy_url(policy: EscalationPolicy) -> str:
    return f"{V1}/policies/{policy.slug}"


def entry_json(view: EntryView) -> dict[str, Any]:
    entry = view.entry
    body: dict[str, Any] = {"executionType": entry.kind}
    if view.user is not None:
        body["user"] = person_json(view.user)
    elif view.rotation is not None:
        body["rotationGroup"] = {"slug": view.rotation.slug, "label": view.rotation.name}
    elif view.webhook is not None:
        body["webhook"] = {"slug": view.webhook.slug, "label": view.webhook.label}
    elif view.policy is not None:
        body["targetPolicy"] = {"policySlug": view.policy.slug, "name": view.policy.name}
    elif entry.email is not None:
        body["email"] = {"address": entry.email}
    return body


def policy_json(view: PolicyView) -> dict[str, Any]:
    return {
        "name": view.policy.name,
        "slug": view.policy.slug,
        "teamSlug": view.team.slug,
        "ignoreCustomPagingPolicies": view.policy.ignore_custom_paging_policies,
        "steps": [
            {
                "timeout": step.step.timeout_minutes,
                "entries": [entry_json(entry) for entry in step.entries],
            }
            for step in view.steps
        ],
        "_selfUrl": policy_url(view.policy),
    }


def rotation_url(view: RotationView) -> str:
    return f"{V1}/team/{view.team.slug}/rotations/{view.rotation.slug}"


def rotation_json(view: RotationView) -> dict[str, Any]:
    return {
        "teamSlug": view.team.slug,
        "slug": view.rotation.slug,
        "label": view.rotation.name,
        "shifts": [
            {
                "label": shift.shift.name,
                "shiftType": shift.shift.kind,
                "timezone": shift.shift.time_zone,
                "start": shift.shift.start_date.isoformat(),
                "handoffTime": shift.shift.handoff_time.strftime("%H:%M"),
                "handoffEveryDays": shift.shift.period_days,
                "durationMinutes": shift.shift.duration_minutes,
                "days": [
                    day for bit, day in enumerate(WEEKDAYS) if shift.shift.weekdays >> bit & 1
                ],
                "members": [person_json(user) for user in shift.members],
            }
            for shift in view.shifts
        ],
        "_selfUrl": rotation_url(view),
    }


def override_url(public_id: str) -> str:
    return f"{V1}/overrides/{public_id}"


def assignment_json(view: AssignmentView) -> dict[str, Any]:
    body: dict[str, Any] = {
        "_selfUrl": f"{override_url(view.override.public_id)}/assignments/{view.policy.slug}",
        "team": view.team.slug,
        "policy": view.policy.slug,
        "policyName": view.policy.name,
        "assigned": view.user is not None,
    }
    if view.user is not None:
        body["user"] = view.user.username
    return body


def override_json(view: OverrideView) -> dict[str, Any]:
    return {
        "publicId": view.override.public_id,
        "user": person_json(view.user),
        "timezone": view.override.time_zone,
        "start": rfc3339(view.override.start_at),
        "end": rfc3339(view.override.end_at),
        "assignments": [assignment_json(assignment) for assignment in view.assignments],
    }
