"""Personal paging policies in the domain: what the paging engine gets for each user."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import QueryCounter
from vigil.errors import Invalid, NotFound
from vigil.orgs.service import NewOrganization
from vigil.people import contact_methods, paging_policies, users
from vigil.people.models import ContactMethod, PagingStep, User
from vigil.people.paging_policies import (
    ALL_DEVICES,
    Contact,
    NewRule,
    PersonalStep,
    personal_steps,
    personal_steps_of,
)
from vigil.people.users import UserFields

PHONE = "+14155550100"
OTHER_PHONE = "+14155550111"


@pytest.fixture
def session(sessions: sessionmaker[Session], org: NewOrganization) -> Iterator[Session]:
    with sessions() as session, session.begin():
        yield session


def new_user(session: Session, org: NewOrganization, username: str = "ada") -> User:
    fields = UserFields(username, "Ada", "Lovelace", f"{username}@example.com")
    return users.create_user(session, org.org.id, fields)


def primary_email(session: Session, user: User) -> ContactMethod:
    emails = contact_methods.list_contacts(session, user, "email")
    return next(contact for contact in emails if contact.value == user.email)


def add(session: Session, user: User, kind: str, value: str, label: str = "Work") -> ContactMethod:
    return contact_methods.add_contact(session, user, kind, label, value)


def email_of(contact: ContactMethod) -> Contact:
    return Contact("email", contact.value, contact.id)


def test_a_new_user_is_emailed_at_once(session: Session, org: NewOrganization) -> None:
    ada = new_user(session, org)

    assert personal_steps(session, ada.id) == [
        PersonalStep(0, timedelta(minutes=5), (email_of(primary_email(session, ada)),))
    ]


def test_the_default_policy_texts_the_first_phone_after_five_minutes(
    session: Session, org: NewOrganization
) -> None:
    ada = new_user(session, org)
    phone = add(session, ada, "phone", PHONE)
    add(session, ada, "phone", OTHER_PHONE)

    assert personal_steps(session, ada.id) == [
        PersonalStep(0, timedelta(minutes=5), (email_of(primary_email(session, ada)),)),
        PersonalStep(1, timedelta(minutes=5), (Contact("sms", PHONE, phone.id),)),
    ]


def test_the_default_policy_e_mails_the_primary_address_not_a_better_ranked_one(
    session: Session, org: NewOrganization
) -> None:
    ada = new_user(session, org)
    contact_methods.add_contact(session, ada, "email", "Home", "home@example.com", rank=1)

    [step] = personal_steps(session, ada.id)

    assert step.contacts == (email_of(primary_email(session, ada)),)
    assert step.contacts[0].address == "ada@example.com"


def test_stored_steps_map_each_rule_type_to_its_channel(
    session: Session, org: NewOrganization
) -> None:
    ada = new_user(session, org)
    email = primary_email(session, ada)
    pixel = add(session, ada, "device", "https://ntfy.example.com/ada")
    paging_policies.replace_step(session, ada, 0, 1, [NewRule("push", pixel.id)])
    paging_policies.add_step(session, ada, "10", [NewRule("email", email.id)])
    phone = add(session, ada, "phone", PHONE)
    paging_policies.add_step(
        session, ada, 15, [NewRule("sms", phone.id), NewRule("phone", phone.id)]
    )

    assert personal_steps(session, ada.id) == [
        PersonalStep(
            0, timedelta(minutes=1), (Contact("push", "https://ntfy.example.com/ada", pixel.id),)
        ),
        PersonalStep(1, timedelta(minutes=10), (email_of(email),)),
        PersonalStep(
            2,
            timedelta(minutes=15),
            (Contact("sms", PHONE, phone.id), Contact("voice", PHONE, phone.id)),
        ),
    ]


def test_a_push_rule_for_device_zero_reaches_every_device(
    session: Session, org: NewOrganization
) -> None:
    ada = new_user(session, org)
    pixel = add(session, ada, "device", "https://ntfy.example.com/pixel", "Pixel")
    tablet = add(session, ada, "device", "https://ntfy.example.com/tablet", "Tablet")
    paging_policies.replace_step(session, ada, 0, 5, [NewRule("push", ALL_DEVICES)])

    [step] = personal_steps(session, ada.id)

    assert step.contacts == (
        Contact("push", pixel.value, pixel.id),
        Contact("push", tablet.value, tablet.id),
    )


def test_contacts_are_deduplicated_within_a_step(session: Session, org: NewOrganization) -> None:
    ada = new_user(session, org)
    email = primary_email(session, ada)
    pixel = add(session, ada, "device", "https://ntfy.example.com/pixel")
    rules = [
        NewRule("email", email.id),
        NewRule("push", pixel.id),
        NewRule("email", email.id),
        NewRule("push", ALL_DEVICES),
    ]
    paging_policies.replace_step(session, ada, 0, 5, rules)

    [step] = personal_steps(session, ada.id)

    assert step.contacts == (email_of(email), Contact("push", pixel.value, pixel.id))


def test_a_step_that_reaches_nobody_is_skipped(session: Session, org: NewOrganization) -> None:
    ada = new_user(session, org)
    email = primary_email(session, ada)
    paging_policies.replace_step(session, ada, 0, 5, [NewRule("push", ALL_DEVICES)])
    paging_policies.add_step(session, ada, 10, [NewRule("email", email.id)])

    assert personal_steps(session, ada.id) == [
        PersonalStep(1, timedelta(minutes=10), (email_of(email),))
    ]


def test_a_policy_that_reaches_nobody_falls_back_to_the_default(
    session: Session, org: NewOrganization
) -> None:
    ada = new_user(session, org)
    paging_policies.replace_step(session, ada, 0, 30, [])

    assert paging_policies.policy(session, ada)[0].rules == ()
    assert personal_steps(session, ada.id) == [
        PersonalStep(0, timedelta(minutes=5), (email_of(primary_email(session, ada)),))
    ]


def test_personal_steps_cost_two_queries_whatever_the_policy(
    session: Session, org: NewOrganization, queries: QueryCounter
) -> None:
    ada = new_user(session, org)
    email = primary_email(session, ada)
    phone = add(session, ada, "phone", PHONE)
    for _ in range(6):
        paging_policies.add_step(
            session, ada, 5, [NewRule("email", email.id), NewRule("phone", phone.id)]
        )
    session.expunge_all()
    queries.statements.clear()

    steps = personal_steps(session, ada.id)

    assert len(steps) == 8
    assert queries.count == 2  # steps with their rules, contact methods


def test_personal_steps_of_many_users_cost_two_queries(
    session: Session, org: NewOrganization, queries: QueryCounter
) -> None:
    team = [new_user(session, org, f"user{n}") for n in range(5)]
    for number, person in enumerate(team):
        add(session, person, "phone", f"+1415555011{number}")
    session.expunge_all()
    queries.statements.clear()

    found = personal_steps_of(session, [person.id for person in team])

    assert queries.count == 2
    assert [len(found[person.id]) for person in team] == [2, 2, 2, 2, 2]
    assert found[team[3].id][1].contacts[0].address == "+14155550113"


def test_an_unknown_user_has_no_steps(session: Session) -> None:
    assert personal_steps(session, 987_654_321) == []


@pytest.mark.parametrize("given", [1, 5, 60, "5", " 10 ", 15.0])
def test_a_timeout_is_a_number_of_minutes_or_a_numeric_string(given: object) -> None:
    assert paging_policies.timeout_minutes(given) == int(str(given).strip().split(".")[0])


@pytest.mark.parametrize("given", [0, 2, 61, "7", "five", "5 minutes", 5.5, True, None, [5]])
def test_other_timeouts_are_refused(given: object) -> None:
    with pytest.raises(Invalid, match="give one of 1, 5, 10, 15, 20, 25, 30, 45, 60"):
        paging_policies.timeout_minutes(given)


def test_a_rule_cannot_use_another_users_contact(session: Session, org: NewOrganization) -> None:
    ada = new_user(session, org)
    grace = new_user(session, org, "grace")

    with pytest.raises(Invalid, match="is not a contact method of user ada"):
        paging_policies.add_rule(
            session, ada, 0, NewRule("email", primary_email(session, grace).id)
        )


def test_a_rule_needs_a_contact_of_its_kind(session: Session, org: NewOrganization) -> None:
    ada = new_user(session, org)

    with pytest.raises(
        Invalid, match=r"A rule of type sms needs a phone number, but contact \d+ is an e-mail"
    ):
        paging_policies.add_rule(session, ada, 0, NewRule("sms", primary_email(session, ada).id))


def test_an_unknown_rule_type_is_refused(session: Session, org: NewOrganization) -> None:
    ada = new_user(session, org)

    with pytest.raises(Invalid, match="give one of push, email, sms, phone"):
        paging_policies.add_rule(session, ada, 0, NewRule("fax", primary_email(session, ada).id))


def test_the_first_change_stores_the_default_then_applies_it(
    session: Session, org: NewOrganization
) -> None:
    ada = new_user(session, org)
    phone = add(session, ada, "phone", PHONE)

    added = paging_policies.add_step(session, ada, 20, [NewRule("phone", phone.id)])

    assert added.index == 2
    assert [
        (s.timeout_minutes, [r.type for r in s.rules]) for s in paging_policies.policy(session, ada)
    ] == [
        (5, ["email"]),
        (5, ["sms"]),
        (20, ["phone"]),
    ]


def test_a_stored_policy_no_longer_follows_new_contacts(
    session: Session, org: NewOrganization
) -> None:
    ada = new_user(session, org)
    paging_policies.replace_step(
        session, ada, 0, 10, [NewRule("email", primary_email(session, ada).id)]
    )
    add(session, ada, "phone", PHONE)

    assert len(paging_policies.policy(session, ada)) == 1


def test_deleting_a_rule_moves_the_later_ones_up(session: Session, org: NewOrganization) -> None:
    ada = new_user(session, org)
    email = primary_email(session, ada)
    phone = add(session, ada, "phone", PHONE)
    rules = [NewRule("email", email.id), NewRule("sms", phone.id), NewRule("phone", phone.id)]
    paging_policies.replace_step(session, ada, 0, 5, rules)

    removed = paging_policies.delete_rule(session, ada, 0, 1)

    assert (removed.index, removed.type) == (1, "sms")
    assert [(r.index, r.type) for r in paging_policies.get_step(session, ada, 0).rules] == [
        (0, "email"),
        (1, "phone"),
    ]


def test_a_missing_step_or_rule_is_not_found(session: Session, org: NewOrganization) -> None:
    ada = new_user(session, org)

    with pytest.raises(NotFound, match="ada has no paging policy step 1"):
        paging_policies.get_step(session, ada, 1)
    with pytest.raises(NotFound, match="has no rule 1"):
        paging_policies.delete_rule(session, ada, 0, 1)


def test_removing_a_contact_method_removes_the_rules_that_use_it(
    session: Session, org: NewOrganization
) -> None:
    ada = new_user(session, org)
    email = primary_email(session, ada)
    phone = add(session, ada, "phone", PHONE)
    paging_policies.replace_step(
        session, ada, 0, 5, [NewRule("sms", phone.id), NewRule("email", email.id)]
    )

    contact_methods.delete_contact(session, ada, "phone", phone.ext_id)
    session.expire_all()

    assert [(r.index, r.type) for r in paging_policies.get_step(session, ada, 0).rules] == [
        (0, "email")
    ]


def test_removing_a_user_removes_their_policy(session: Session, org: NewOrganization) -> None:
    ada = new_user(session, org)
    paging_policies.add_step(session, ada, 5, [])

    users.delete_user(session, org.org.id, "ada", None)

    stored = select(func.count()).select_from(PagingStep).where(PagingStep.user_id == ada.id)
    assert session.scalar(stored) == 0
