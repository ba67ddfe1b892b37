"""Routing keys: which escalation policies an alert's incident pages.

Every organization has a default (catch-all) key: alerts sent without a routing key, or with
one that names no routing key, page its targets.
"""

import re

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from vigil import clock
from vigil.alerts.models import RoutingKey
from vigil.errors import Conflict, Invalid
from vigil.incidents.flows import target_problems
from vigil.incidents.service import TargetRef

DEFAULT_ROUTING_KEY = "default"
_NAME = re.compile(r"^[A-Za-z0-9_.\-]{1,200}$")


def valid_name(name: str) -> str:
    if not _NAME.match(name):
        raise Invalid(
            f"Routing key {name!r} is not valid: use 1 to 200 letters, digits, '_', '-' and '.'"
        )
    return name


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
