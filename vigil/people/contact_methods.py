"""E-mail addresses, phone numbers and push devices through which a user is reached."""

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil import clock
from vigil.errors import Conflict, Invalid, NotFound
from vigil.identifiers import new_uuid
from vigil.people import validation
from vigil.people.models import ContactMethod, User
from vigil.people.users import PRIMARY_EMAIL_LABEL

DEFAULT_RANK = 500
DEVICE_SETTINGS = (
    "escalation_notification_sound",
    "chat_escalation_sound",
    "resolved_notification_sound",
)
_NORMALIZERS: dict[str, Callable[[str], str]] = {
    "email": validation.email_address,
    "phone": validation.phone_number,
    "device": lambda value: value,
}


def list_contacts(session: Session, user: User, kind: str | None = None) -> list[ContactMethod]:
    query = select(ContactMethod).where(ContactMethod.user_id == user.id)
    if kind is not None:
        query = query.where(ContactMethod.kind == kind)
    return list(session.scalars(query.order_by(ContactMethod.rank, ContactMethod.id)))


def get_contact(session: Session, user: User, kind: str, ext_id: str) -> ContactMethod:
    contact = session.scalar(
        select(ContactMethod).where(
            ContactMethod.user_id == user.id,
            ContactMethod.kind == kind,
            ContactMethod.ext_id == ext_id,
        )
    )
    if contact is None:
        raise NotFound(f"No {kind} contact method {ext_id} for user {user.username}")
    return contact


def add_contact(
    session: Session,
    user: User,
    kind: str,
    label: str,
    value: str,
    rank: int | None = None,
    device_type: str | None = None,
) -> ContactMethod:
    """Add an e-mail address or phone number (normalized), or register a push device."""
    if not label.strip():
        raise Invalid("A contact method needs a label")
    value = _NORMALIZERS[kind](value.strip())
    if not value:
        raise Invalid("A device needs a push address")
    duplicate = session.scalar(
        select(ContactMethod.id).where(
            ContactMethod.user_id == user.id,
            ContactMethod.kind == kind,
            ContactMethod.value == value,
        )
    )
    if duplicate is not None:
        raise Conflict(f"User {user.username} already has the {kind} contact {value}")
    contact = ContactMethod(
        org_id=user.org_id,
        user_id=user.id,
        kind=kind,
        ext_id=new_uuid(),
        label=label.strip(),
        value=value,
        rank=DEFAULT_RANK if rank is None else rank,
        verified=False,
        device_type=device_type,
        settings={},
        created_at=clock.now(),
    )
    session.add(contact)
    session.flush()
    return contact


def update_device(
    session: Session, user: User, ext_id: str, label: str | None, settings: dict[str, Any]
) -> ContactMethod:
    device = get_contact(session, user, "device", ext_id)
    if label is not None:
        if not label.strip():
            raise Invalid("A device label must not be empty")
        device.label = label.strip()
    chosen = {key: value for key, value in settings.items() if key in DEVICE_SETTINGS}
    if chosen:
        device.settings = {**device.settings, **chosen}
    session.flush()
    return device


def delete_contact(session: Session, user: User, kind: str, ext_id: str) -> ContactMethod:
    contact = get_contact(session, user, kind, ext_id)
    if kind == "email" and contact.value == user.email and contact.label == PRIMARY_EMAIL_LABEL:
        raise Conflict(
            "The user's primary e-mail address cannot be removed; change the user instead"
        )
    session.delete(contact)
    session.flush()
    return contact
