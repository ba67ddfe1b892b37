"""Routing keys: which escalation policies an alert's incident pages.

Every organization has a default (catch-all) key: alerts sent without a routing key, or with
one that names no routing key, page its targets.
"""

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from vigil import clock
from vigil.alerts.models import RoutingKey, RoutingKeyPolicy
from vigil.errors import Conflict, Invalid
from vigil.incidents.flows import target_problems
from vigil.incidents.service import TargetRef
from vigil.maintenance.exceptions import Muting
from vigil.oncall.models import EscalationPolicy
from vigil.people.models import Team

DEFAULT_ROUTING_KEY = "default"
_NAME = re.compile(r"^[A-Za-z0-9_.\-]{1,200}$")


def valid_name(name: str) -> str:
    if not _NAME.match(name):
        raise Invalid(
            f"Routing key {name!r} is not valid: use 1 to 200 letters, digits, '_', '-' and '.'"
        )
    return name


@dataclass(frozen=True)
class PolicyTarget:
    """An escalation policy a routing key pages, with its team."""

    policy_slug: str
    policy_name: str
    team_slug: str


def list_routing_keys(session: Session, org_id: int) -> list[RoutingKey]:
    """All routing keys, the default first; the default is made on first use."""
    keys = list(
        session.scalars(
            select(RoutingKey)
            .where(RoutingKey.org_id == org_id)
            .order_by(RoutingKey.is_default.desc(), RoutingKey.name)
        )
    )
    if not keys or not keys[0].is_default:
        keys.insert(0, _create_default(session, org_id))
    return keys


def targets_of(session: Session, org_id: int) -> dict[int, list[PolicyTarget]]:
    """The escalation policies of every routing key of the organization, in one query."""
    rows = session.execute(
        select(
            RoutingKeyPolicy.routing_key_id,
            EscalationPolicy.slug,
            EscalationPolicy.name,
            Team.slug,
        )
        .join(EscalationPolicy, EscalationPolicy.id == RoutingKeyPolicy.policy_id)
        .join(Team, Team.id == EscalationPolicy.team_id)
        .where(RoutingKeyPolicy.org_id == org_id)
        .order_by(RoutingKeyPolicy.routing_key_id, RoutingKeyPolicy.position)
    )
    found: dict[int, list[PolicyTarget]] = {}
    for key_id, slug, name, team_slug in rows:
        found.setdefault(key_id, []).append(PolicyTarget(slug, name, team_slug))
    return found


@dataclass(frozen=True)
class KeyPaging:
    """What an incident opened on a routing key pages: anyone at all (the key, or the default
    key standing in for an unknown one, targets a policy), and whether each paged person must
    acknowledge for themselves (multi-responder). `key` is the routing key that decides: the
    name itself, or the default key's. `muting`: the maintenance modes covering that key, if
    any (they mute an alert unless their exceptions let it page)."""

    key: str
    pages: bool
    multi_responder: bool
    muting: Muting | None = None


def paging_of(session: Session, org_id: int, names: set[str]) -> dict[str, KeyPaging]:
    """How incidents opened on each of these routing keys page, in one query."""
    has_policies = (
        select(RoutingKeyPolicy.id).where(RoutingKeyPolicy.routing_key_id == RoutingKey.id).exists()
    )
    rows = session.execute(
        select(
            RoutingKey.name, RoutingKey.is_default, RoutingKey.is_multi_responder, has_policies
        ).where(RoutingKey.org_id == org_id, RoutingKey.name.in_(names | {DEFAULT_ROUTING_KEY}))
    ).all()
    found = {name: KeyPaging(name, pages, multi) for name, _, multi, pages in rows}
    nobody = KeyPaging(DEFAULT_ROUTING_KEY, pages=False, multi_responder=False)
    default = next((found[name] for name, is_default, _, _ in rows if is_default), nobody)
    return {name: found.get(name, default) for name in names}


def policy_ids_for(session: Session, org_id: int, name: str) -> list[int]:
    """The escalation policies an incident on routing key `name` pages: the key's own, or the
    default key's when no key has that name."""
    rows = session.execute(
        select(RoutingKey.name, RoutingKeyPolicy.policy_id)
        .outerjoin(RoutingKeyPolicy, RoutingKeyPolicy.routing_key_id == RoutingKey.id)
        .where(RoutingKey.org_id == org_id, RoutingKey.name.in_([name, DEFAULT_ROUTING_KEY]))
        .order_by(RoutingKeyPolicy.position)
    ).all()
    chosen = name if any(key == name for key, _ in rows) else DEFAULT_ROUTING_KEY
    return [policy_id for key, policy_id in rows if key == chosen and policy_id is not None]


def create_routing_key(
    session: Session,
    org_id: int,
    name: str,
    policy_slugs: list[str],
    is_multi_responder: bool = False,
) -> RoutingKey:
    name = valid_name(name)
    problems = target_problems(session, org_id, [TargetRef("policy", s) for s in policy_slugs])
    if problems:
        raise Invalid("; ".join(problems.values()))
    if name == DEFAULT_ROUTING_KEY or session.scalar(
        select(RoutingKey.id).where(RoutingKey.org_id == org_id, RoutingKey.name == name)
    ):
        raise Conflict(f"Routing key {name} already exists")
    key = RoutingKey(
        org_id=org_id,
        name=name,
        is_default=False,
        is_multi_responder=is_multi_responder,
        created_at=clock.now(),
    )
    session.add(key)
    session.flush()
    if not policy_slugs:
        return key
    policies = session.execute(
        select(EscalationPolicy.slug, EscalationPolicy.id).where(
            EscalationPolicy.org_id == org_id, EscalationPolicy.slug.in_(policy_slugs)
        )
    )
    ids = dict(policies.all())
    session.add_all(
        RoutingKeyPolicy(org_id=org_id, routing_key_id=key.id, policy_id=ids[slug], position=n)
        for n, slug in enumerate(dict.fromkeys(policy_slugs))
    )
    return key


def _create_default(session: Session, org_id: int) -> RoutingKey:
    key = RoutingKey(
        org_id=org_id, name=DEFAULT_ROUTING_KEY, is_default=True, created_at=clock.now()
    )
    try:
        with session.begin_nested():
            session.add(key)
    except IntegrityError:
        return session.scalars(
            select(RoutingKey).where(RoutingKey.org_id == org_id, RoutingKey.is_default)
        ).one()
    return key
