"""Running an incident's paging: its escalation policies step by step, and each paged person
through their own paging policy, until someone acknowledges or resolves.

Everything starts from timers the incident wrote (`incident.page` when it opened or was
rerouted) and every later step is a timer again, with the incident's paging subjects, so
acknowledging or resolving cancels what is pending and a killed worker leaves nothing undone:
the claim of a timer and the pages it requests commit together.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil import clock
from vigil.alerts.routing_keys import policy_ids_for
from vigil.config import get_settings
from vigil.engine import timers
from vigil.engine.models import Timer
from vigil.engine.worker import Handler
from vigil.incidents import service as incidents
from vigil.incidents.models import Incident, Target
from vigil.incidents.recipients import Paged, add_recipients, responder_acknowledged
from vigil.notify.dispatch import request_delivery
from vigil.notify.message import Notification, ack_link, incident_notification
from vigil.notify.models import Webhook
from vigil.oncall.escalation import policy_team, step_targets
from vigil.oncall.models import EscalationPolicy
from vigil.paging.ack_links import link_token
from vigil.paging.throttle import BUNDLE_TIMER, send_bundle, send_page
from vigil.people.models import Team, User
from vigil.people.paging_policies import personal_steps

STEP_TIMER = "paging.step"
RESPONDER_TIMER = "paging.responder"


def start(session: Session, timer: Timer) -> None:
    """An incident opened (or was rerouted): page its targets, or its routing key's policies."""
    incident = _still_triggered(session, timer.payload["incident_id"])
    if incident is None:
        return
    run = _Run(session, incident)
    user_ids, policy_ids = _targets(session, incident)
    for user_id in user_ids:
        run.page_responder(user_id, 0)
    for policy_id in policy_ids:
        run.step(policy_id, 0)
    run.finish()


def next_step(session: Session, timer: Timer) -> None:
    """A step's timeout passed and nobody acknowledged: the policy's next step pages."""
    incident = _still_triggered(session, timer.payload["incident_id"])
    if incident is not None:
        run = _Run(session, incident)
        run.step(timer.payload["policy_id"], timer.payload["step"])
        run.finish()


def next_responder_step(session: Session, timer: Timer) -> None:
    """A person's paging-policy step timed out unacknowledged: their next step pages."""
    incident = session.get(Incident, timer.payload["incident_id"])
    user_id = timer.payload["user_id"]
    if incident is not None and _responder_still_paged(session, incident, user_id):
        run = _Run(session, incident)
        run.page_responder(user_id, timer.payload["step"])
        run.finish()


class _Run:
    """One handler's paging of one incident; the timers it leaves are written together."""

    def __init__(self, session: Session, incident: Incident) -> None:
        self.session = session
        self.incident = incident
        self.at = clock.now()
        self.notification = _notification(incident)
        self.visited: set[int] = set()  # policies routing to each other page once per run
        self.timers: list[tuple[str, datetime, dict[str, Any], str, str | None]] = []
        self.paged: list[Paged] = []

    def step(self, policy_id: int, step: int) -> None:
        """Page what step `step` of the policy names now, then wait for its timeout."""
        if policy_id in self.visited:
            return
        self.visited.add(policy_id)
        session, incident = self.session, self.incident
        targets = step_targets(session, policy_id, step, self.at)
        if targets is None:
            return
        if step == 0:
            self.paged += _policy(session, policy_id)
        self.paged += _teams(session, targets.team_ids)
        for user_id in targets.user_ids:
            self.page_responder(user_id, 0)
        for address in targets.emails:
            self._send("email", address, None, self.notification)
        _call_webhooks(session, incident, targets.webhook_ids, self.notification)
        if targets.emails or targets.webhook_ids:
            sent = [*targets.emails, *(f"webhook {w}" for w in targets.webhook_ids)]
            message = f"Paged {', '.join(sent)}"
            incidents.record(session, incident, "paged", self.at, message=message)
        for routed in targets.policy_ids:
            self.step(routed, 0)
        self.timers.append(
            (
                STEP_TIMER,
                self.at + targets.timeout,
                {"incident_id": incident.id, "policy_id": policy_id, "step": step + 1},
                f"{incidents.page_timer_key(incident.id)}:policy:{policy_id}",
                incidents.escalation_subject(incident.id),
            )
        )

    def page_responder(self, user_id: int, step: int) -> None:
        """Reach a person through step `step` of their own paging policy, then wait."""
        session, incident = self.session, self.incident
        steps = personal_steps(session, user_id)
        user = session.get(User, user_id)
        if step >= len(steps) or user is None:
            return
        if step == 0:
            name = f"{user.first_name} {user.last_name}".strip()
            self.paged.append(Paged("user", user_id, user.username, name))
        current = steps[step]
        token = link_token(session, incident.org_id, incident.id, user_id, self.at)
        personal = _notification(incident, ack_link(get_settings().base_url, token))
        for contact in current.contacts:
            self._send(contact.channel, contact.address, user_id, personal)
        how = ", ".join(f"{c.channel} {c.address}" for c in current.contacts) or "no contact"
        message = f"Paged {user.username} by {how}"
        incidents.record(session, incident, "paged", self.at, message=message)
        if step + 1 < len(steps):
            self.timers.append(
                (
                    RESPONDER_TIMER,
                    self.at + current.timeout,
                    {"incident_id": incident.id, "user_id": user_id, "step": step + 1},
                    incidents.responder_timer_key(incident.id, user_id),
                    incidents.responders_subject(incident.id),
                )
            )

    def finish(self) -> None:
        incident = self.incident
        add_recipients(self.session, incident.org_id, incident.id, self.paged, self.at)
        timers.put_many(self.session, incident.org_id, self.timers)

    def _send(
        self, channel: str, address: str, user_id: int | None, notification: Notification
    ) -> None:
        send_page(
            self.session,
            self.incident.org_id,
            channel=channel,
            address=address,
            notification=notification,
            incident_id=self.incident.id,
            user_id=user_id,
            at=self.at,
        )


def _call_webhooks(
    session: Session, incident: Incident, webhook_ids: Sequence[int], notification: Notification
) -> None:
    if not webhook_ids:
        return
    hooks = session.execute(
        select(Webhook.id, Webhook.url).where(
            Webhook.id.in_(webhook_ids), Webhook.org_id == incident.org_id
        )
    )
    for webhook_id, url in hooks:
        request_delivery(
            session,
            incident.org_id,
            channel="webhook",
            address=url,
            notification=notification,
            incident_id=incident.id,
            webhook_id=webhook_id,
        )


def _targets(session: Session, incident: Incident) -> tuple[list[int], list[int]]:
    """The users and policies an incident pages: its own targets (manual incidents, reroutes),
    or else its routing key's escalation policies."""
    targets = session.scalars(
        select(Target).where(Target.incident_id == incident.id).order_by(Target.id)
    ).all()
    if not targets:
        return [], policy_ids_for(session, incident.org_id, incident.routing_key)
    usernames = [t.slug for t in targets if t.kind == "user"]
    user_ids = session.scalars(
        select(User.id).where(User.org_id == incident.org_id, User.username.in_(usernames))
    ).all()
    slugs = [t.slug for t in targets if t.kind == "policy"]
    by_slug = dict(
        session.execute(
            select(EscalationPolicy.slug, EscalationPolicy.id).where(
                EscalationPolicy.org_id == incident.org_id, EscalationPolicy.slug.in_(slugs)
            )
        ).all()
    )
    return list(user_ids), [by_slug[slug] for slug in slugs if slug in by_slug]


def _policy(session: Session, policy_id: int) -> list[Paged]:
    named = policy_team(session, policy_id)
    if named is None:
        return []
    team = (named.team_slug, named.team_name)
    return [Paged("policy", policy_id, named.policy_slug, named.policy_name, team)]


def _teams(session: Session, team_ids: Sequence[int]) -> list[Paged]:
    if not team_ids:
        return []
    found = session.execute(select(Team.id, Team.slug, Team.name).where(Team.id.in_(team_ids)))
    return [Paged("team", team_id, slug, name) for team_id, slug, name in found]


def _still_triggered(session: Session, incident_id: int) -> Incident | None:
    incident = session.get(Incident, incident_id)
    return incident if incident is not None and incident.phase == "triggered" else None


def _responder_still_paged(session: Session, incident: Incident, user_id: int) -> bool:
    """Until resolved; until acknowledged, or on a multi-responder incident until they acknowledge."""
    if incident.phase == "resolved":
        return False
    if incident.phase == "acknowledged" and not incident.is_multi_responder:
        return False
    return not responder_acknowledged(session, incident.id, user_id)


def _notification(incident: Incident, ack_url: str | None = None) -> Notification:
    return incident_notification(
        incident.number,
        incident.entity_display_name or incident.entity_id,
        incident.state_message or "",
        ack_url=ack_url,
    )


HANDLERS: dict[str, Handler] = {
    incidents.PAGE_TIMER: start,
    STEP_TIMER: next_step,
    RESPONDER_TIMER: next_responder_step,
    BUNDLE_TIMER: send_bundle,
}
"""The engine handlers of paging, registered in `vigil.engine.handlers`."""
