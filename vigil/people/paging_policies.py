"""Personal paging policies: how each person is reached, step by step.

A user's policy is a list of steps. Each step has rules, a notification type (push, email,
sms or phone, a voice call) and the contact method it uses, and a timeout: how long to wait,
if the incident is still unacknowledged, before the next step. The wire indexes of steps and
rules are their places in the stored order, so removing a rule renumbers the ones after it.

The default policy: a user who has never changed their policy has no stored steps, and is
paged by a policy computed from their current contact methods: an e-mail to the primary
address at once, then, if the user has a phone, an SMS to it after 5 minutes. It is computed
rather than stored because a user is created with an e-mail address only (a default stored
then could never include the SMS step), and because reading must never write (read-only API
keys read policies). The first change to a policy stores the default, then applies the change.

Removing a contact method removes the rules that use it (the foreign key cascades) rather
than refusing: API clients such as Terraform delete contact methods knowing nothing of paging
policies, and a rule whose contact is gone could never be delivered anyway. A step left with
no rule reaches nobody, and `personal_steps` leaves it out.
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from vigil import clock
from vigil.errors import Invalid, NotFound
from vigil.people.models import PAGING_RULE_TYPES, ContactMethod, PagingRule, PagingStep, User

TIMEOUT_MINUTES = (1, 5, 10, 15, 20, 25, 30, 45, 60)
DEFAULT_TIMEOUT_MINUTES = 5
ALL_DEVICES = 0
MAX_STEPS = 20
MAX_RULES = 20

KIND_OF_RULE = {"push": "device", "email": "email", "sms": "phone", "phone": "phone"}
CHANNEL_OF_RULE = {"push": "push", "email": "email", "sms": "sms", "phone": "voice"}
_KIND_NAMES = {"device": "a push device", "email": "an e-mail address", "phone": "a phone number"}
_NUMBER = re.compile(r"^\s*[0-9]{1,6}\s*$")


# -- What the paging engine asks ------------------------------------------------------------


@dataclass(frozen=True)
class Contact:
    """One address to notify: `channel` is "email", "sms", "voice" or "push"."""

    channel: str
    address: str  # e-mail address, E.164 phone number, or the push device's address
    contact_method_id: int


@dataclass(frozen=True)
class PersonalStep:
    """Notify every contact at once, then wait `timeout` for an acknowledgement before the next step."""

    index: int
    timeout: timedelta
    contacts: tuple[Contact, ...]


def personal_steps(session: Session, user_id: int) -> list[PersonalStep]:
    """The steps by which the user is paged, ordered by index, in two queries.

    Rules are expanded (a push rule for device 0 reaches every device of the user) and
    deduplicated within a step; steps that reach nobody are left out. A user whose stored
    policy reaches nobody at all is paged by the default policy, so the list is never empty
    for a user with an e-mail address. An unknown user id gives an empty list.
    """
    return personal_steps_of(session, [user_id])[user_id]


def personal_steps_of(session: Session, user_ids: Sequence[int]) -> dict[int, list[PersonalStep]]:
    """`personal_steps` for many users at once, still in two queries."""
    loaded = _load(session, user_ids)
    return {user_id: _personal(loaded[user_id]) for user_id in user_ids}


# -- What the API shows and changes ---------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """A rule as the API shows it; `contact` is None for a push to every device."""

    index: int
    type: str
    contact: ContactMethod | None


@dataclass(frozen=True)
class Step:
    index: int
    timeout_minutes: int
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class NewRule:
    """A rule as a client asks for it: `contact_id` is a contact method's integer id
    (for push, a device's id, or ALL_DEVICES)."""

    type: str
    contact_id: int


def timeout_minutes(value: object) -> int:
    """A step timeout in minutes, given as a number or a numeric string ("5")."""
    minutes = _whole_number(value)
    if minutes is None or minutes not in TIMEOUT_MINUTES:
        allowed = ", ".join(str(m) for m in TIMEOUT_MINUTES)
        raise Invalid(f"Timeout {value!r} is not valid: give one of {allowed} (minutes)")
    return minutes


def _whole_number(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str) and _NUMBER.match(value):
        return int(value)
    return None


def policy(session: Session, user: User) -> list[Step]:
    """The user's steps as stored, or the default policy when none are stored."""
    return _steps(_load(session, [user.id])[user.id])


def get_step(session: Session, user: User, index: int) -> Step:
    return _pick_step(user, policy(session, user), index)


def get_rule(session: Session, user: User, step_index: int, rule_index: int) -> Rule:
    return _pick_rule(user, get_step(session, user, step_index), rule_index)


def add_step(session: Session, user: User, timeout: object, rules: Sequence[NewRule]) -> Step:
    """Append a step to the user's policy."""
    minutes = timeout_minutes(timeout)
    loaded = _load(session, [user.id])[user.id]
    chosen = _resolve_all(user, loaded, rules)
    stored = _materialize(session, user, loaded)
    if len(stored) >= MAX_STEPS:
        raise Invalid(f"A paging policy has at most {MAX_STEPS} steps")
    position = max((step.position for step in stored), default=-1) + 1
    step_id = _insert_step(session, user, position, minutes)
    _insert_rules(session, user, step_id, chosen)
    return Step(len(stored), minutes, _rules_view(chosen))


def replace_step(
    session: Session, user: User, index: int, timeout: object, rules: Sequence[NewRule]
) -> Step:
    """Replace a step's timeout and all its rules."""
    minutes = timeout_minutes(timeout)
    loaded = _load(session, [user.id])[user.id]
    _pick_step(user, _steps(loaded), index)
    chosen = _resolve_all(user, loaded, rules)
    step = _materialize(session, user, loaded)[index]
    session.execute(
        update(PagingStep).where(PagingStep.id == step.id).values(timeout_minutes=minutes)
    )
    session.execute(delete(PagingRule).where(PagingRule.step_id == step.id))
    _insert_rules(session, user, step.id, chosen)
    return Step(index, minutes, _rules_view(chosen))


def add_rule(session: Session, user: User, step_index: int, rule: NewRule) -> Rule:
    """Append a rule to a step."""
    loaded = _load(session, [user.id])[user.id]
    _pick_step(user, _steps(loaded), step_index)
    kind, contact = _resolve(user, loaded, rule)
    step = _materialize(session, user, loaded)[step_index]
    if len(step.rule_positions) >= MAX_RULES:
        raise Invalid(f"A paging policy step has at most {MAX_RULES} rules")
    position = max(step.rule_positions, default=-1) + 1
    _insert_rules(session, user, step.id, [(kind, contact)], first_position=position)
    return Rule(len(step.rule_positions), kind, contact)


def replace_rule(
    session: Session, user: User, step_index: int, rule_index: int, rule: NewRule
) -> Rule:
    """Change a rule's type and contact method, keeping its place."""
    loaded = _load(session, [user.id])[user.id]
    _pick_rule(user, _pick_step(user, _steps(loaded), step_index), rule_index)
    kind, contact = _resolve(user, loaded, rule)
    step = _materialize(session, user, loaded)[step_index]
    session.execute(
        update(PagingRule)
        .where(
            PagingRule.step_id == step.id,
            PagingRule.position == step.rule_positions[rule_index],
        )
        .values(type=kind, contact_method_id=None if contact is None else contact.id)
    )
    return Rule(rule_index, kind, contact)


def delete_rule(session: Session, user: User, step_index: int, rule_index: int) -> Rule:
    """Remove a rule; the rules after it move up one place. Returns the removed rule."""
    loaded = _load(session, [user.id])[user.id]
    removed = _pick_rule(user, _pick_step(user, _steps(loaded), step_index), rule_index)
    step = _materialize(session, user, loaded)[step_index]
    session.execute(
        delete(PagingRule).where(
            PagingRule.step_id == step.id,
            PagingRule.position == step.rule_positions[rule_index],
        )
    )
    return removed


# -- Loading: two queries whatever the number of users, steps and rules ----------------------


@dataclass
class _Loaded:
    steps: list[tuple[PagingStep, list[PagingRule]]]
    contacts: list[ContactMethod]  # ordered by rank, then id
    primary_email: str | None = None


def _load(session: Session, user_ids: Sequence[int]) -> dict[int, _Loaded]:
    found = {user_id: _Loaded([], []) for user_id in user_ids}
    if not found:
        return found
    ids = list(found)
    rows = session.execute(
        select(PagingStep, PagingRule)
        .outerjoin(PagingRule, PagingRule.step_id == PagingStep.id)
        .where(PagingStep.user_id.in_(ids))
        .order_by(PagingStep.user_id, PagingStep.position, PagingRule.position)
    )
    for step, rule in rows:
        steps = found[step.user_id].steps
        if not steps or steps[-1][0] is not step:
            steps.append((step, []))
        if rule is not None:
            steps[-1][1].append(rule)
    contacts = session.execute(
        select(ContactMethod, User.email)
        .join(User, User.id == ContactMethod.user_id)
        .where(ContactMethod.user_id.in_(ids))
        .order_by(ContactMethod.user_id, ContactMethod.rank, ContactMethod.id)
    )
    for contact, email in contacts:
        found[contact.user_id].contacts.append(contact)
        found[contact.user_id].primary_email = email
    return found


def _steps(loaded: _Loaded) -> list[Step]:
    if not loaded.steps:
        return _default_steps(loaded)
    by_id = {contact.id: contact for contact in loaded.contacts}
    return [
        Step(
            index,
            step.timeout_minutes,
            _rules_view(
                (
                    rule.type,
                    None if rule.contact_method_id is None else by_id[rule.contact_method_id],
                )
                for rule in rules
            ),
        )
        for index, (step, rules) in enumerate(loaded.steps)
    ]


def _default_steps(loaded: _Loaded) -> list[Step]:
    """E-mail to the primary address at once, then an SMS to the first phone after 5 minutes."""
    emails = [contact for contact in loaded.contacts if contact.kind == "email"]
    phones = [contact for contact in loaded.contacts if contact.kind == "phone"]
    primary = next((c for c in emails if c.value == loaded.primary_email), None)
    first_rules: list[tuple[str, ContactMethod | None]] = []
    if primary or emails:
        first_rules.append(("email", primary or emails[0]))
    chosen = [first_rules] if first_rules else []
    if phones:
        chosen.append([("sms", phones[0])])
    return [
        Step(index, DEFAULT_TIMEOUT_MINUTES, _rules_view(rules))
        for index, rules in enumerate(chosen)
    ]


def _rules_view(rules: Iterable[tuple[str, ContactMethod | None]]) -> tuple[Rule, ...]:
    return tuple(Rule(index, kind, contact) for index, (kind, contact) in enumerate(rules))


def _personal(loaded: _Loaded) -> list[PersonalStep]:
    devices = [contact for contact in loaded.contacts if contact.kind == "device"]
    steps = _expand(_steps(loaded), devices)
    if not steps and loaded.steps:
        steps = _expand(_default_steps(loaded), devices)
    return steps


def _expand(steps: list[Step], devices: list[ContactMethod]) -> list[PersonalStep]:
    expanded = []
    for step in steps:
        contacts: dict[tuple[str, int], Contact] = {}
        for rule in step.rules:
            channel = CHANNEL_OF_RULE[rule.type]
            for method in devices if rule.contact is None else [rule.contact]:
                contacts.setdefault((channel, method.id), Contact(channel, method.value, method.id))
        if contacts:
            expanded.append(
                PersonalStep(
                    step.index, timedelta(minutes=step.timeout_minutes), tuple(contacts.values())
                )
            )
    return expanded


# -- Changing: validate first, then store the default if needed, then write ------------------


def _pick_step(user: User, steps: list[Step], index: int) -> Step:
    if not 0 <= index < len(steps):
        raise NotFound(f"User {user.username} has no paging policy step {index}")
    return steps[index]


def _pick_rule(user: User, step: Step, index: int) -> Rule:
    if not 0 <= index < len(step.rules):
        raise NotFound(f"Step {step.index} of {user.username}'s paging policy has no rule {index}")
    return step.rules[index]


def _resolve(user: User, loaded: _Loaded, rule: NewRule) -> tuple[str, ContactMethod | None]:
    kind = rule.type.strip().lower()
    if kind not in PAGING_RULE_TYPES:
        raise Invalid(
            f"Rule type {rule.type!r} is not valid: give one of {', '.join(PAGING_RULE_TYPES)}"
        )
    if kind == "push" and rule.contact_id == ALL_DEVICES:
        return kind, None
    if rule.contact_id == ALL_DEVICES:
        raise Invalid(
            f"A rule of type {kind} needs contact.id, the id of one of the user's contact methods"
        )
    contact = next((c for c in loaded.contacts if c.id == rule.contact_id), None)
    if contact is None:
        raise Invalid(f"Contact {rule.contact_id} is not a contact method of user {user.username}")
    wanted = KIND_OF_RULE[kind]
    if contact.kind != wanted:
        raise Invalid(
            f"A rule of type {kind} needs {_KIND_NAMES[wanted]}, "
            f"but contact {rule.contact_id} is {_KIND_NAMES[contact.kind]}"
        )
    return kind, contact


def _resolve_all(
    user: User, loaded: _Loaded, rules: Sequence[NewRule]
) -> list[tuple[str, ContactMethod | None]]:
    if len(rules) > MAX_RULES:
        raise Invalid(f"A paging policy step has at most {MAX_RULES} rules")
    return [_resolve(user, loaded, rule) for rule in rules]


@dataclass(frozen=True)
class _StoredStep:
    """Where a step and its rules are stored: rows are changed by step id and rule position."""

    id: int
    position: int
    rule_positions: list[int]


def _materialize(session: Session, user: User, loaded: _Loaded) -> list[_StoredStep]:
    """The stored steps, storing the default policy first if the user has none.

    Writes are statements rather than ORM objects, so a step's rules go in one statement
    whatever their number.
    """
    if loaded.steps:
        return [
            _StoredStep(step.id, step.position, [rule.position for rule in rules])
            for step, rules in loaded.steps
        ]
    defaults = _default_steps(loaded)  # at most two steps of one rule each
    if not defaults:
        return []
    # One statement per step (at most two), the same on both databases.
    step_ids = [_insert_step(session, user, step.index, step.timeout_minutes) for step in defaults]
    rules = [
        (step_id, rule)
        for step_id, step in zip(step_ids, defaults, strict=True)
        for rule in step.rules
    ]
    session.execute(
        insert(PagingRule),
        [
            {
                "org_id": user.org_id,
                "step_id": step_id,
                "position": rule.index,
                "type": rule.type,
                "contact_method_id": None if rule.contact is None else rule.contact.id,
            }
            for step_id, rule in rules
        ],
    )
    return [
        _StoredStep(step_id, step.index, [rule.index for rule in step.rules])
        for step_id, step in zip(step_ids, defaults, strict=True)
    ]


def _insert_step(session: Session, user: User, position: int, minutes: int) -> int:
    step_id: int = session.execute(
        insert(PagingStep)
        .values(
            org_id=user.org_id,
            user_id=user.id,
            position=position,
            timeout_minutes=minutes,
            created_at=clock.now(),
        )
        .returning(PagingStep.id)
    ).scalar_one()
    return step_id


def _insert_rules(
    session: Session,
    user: User,
    step_id: int,
    chosen: list[tuple[str, ContactMethod | None]],
    first_position: int = 0,
) -> None:
    if not chosen:
        return
    session.execute(
        insert(PagingRule),
        [
            {
                "org_id": user.org_id,
                "step_id": step_id,
                "position": first_position + offset,
                "type": kind,
                "contact_method_id": None if contact is None else contact.id,
            }
            for offset, (kind, contact) in enumerate(chosen)
        ],
    )
