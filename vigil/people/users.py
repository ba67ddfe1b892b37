"""Users of an organization: the people who get paged."""

from dataclasses import dataclass

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from vigil import clock
from vigil.errors import Conflict, Invalid, NotFound
from vigil.identifiers import new_uuid
from vigil.people import validation
from vigil.people.models import ContactMethod, TeamMembership, User

PRIMARY_EMAIL_LABEL = "Default"


@dataclass(frozen=True)
class UserFields:
    username: str
    first_name: str
    last_name: str
    email: str
    is_admin: bool = False


def list_users(session: Session, org_id: int, email: str | None = None) -> list[User]:
    query = select(User).where(User.org_id == org_id).order_by(User.username)
    if email is not None:
        query = query.where(User.email == email)
    return list(session.scalars(query))


def get_user(session: Session, org_id: int, username: str) -> User:
    user = session.scalar(select(User).where(User.org_id == org_id, User.username == username))
    if user is None:
        raise NotFound(f"User {username} not found")
    return user


def named_user(session: Session, org_id: int, username: str, role: str) -> User:
    """A user named in a request body; absence is bad input rather than a missing resource."""
    try:
        return get_user(session, org_id, username)
    except NotFound:
        raise Invalid(f"{role} {username} is not a user of this organization") from None


def create_user(session: Session, org_id: int, fields: UserFields) -> User:
    username = validation.username(fields.username)
    email = validation.email_address(fields.email)
    _ensure_available(session, org_id, username, email)
    now = clock.now()
    user = User(
        org_id=org_id,
        username=username,
        first_name=fields.first_name,
        last_name=fields.last_name,
        email=email,
        is_admin=fields.is_admin,
        verified=False,
        version=1,
        created_at=now,
    )
    session.add(user)
    session.flush()
    session.add(
        ContactMethod(
            org_id=org_id,
            user_id=user.id,
            kind="email",
            ext_id=new_uuid(),
            label=PRIMARY_EMAIL_LABEL,
            value=email,
            rank=500,
            verified=False,
            settings={},
            created_at=now,
        )
    )
    session.flush()
    return user


def update_user(session: Session, org_id: int, username: str, fields: UserFields) -> User:
    user = get_user(session, org_id, username)
    new_username = validation.username(fields.username)
    new_email = validation.email_address(fields.email)
    _ensure_available(session, org_id, new_username, new_email, except_id=user.id)
    if new_email != user.email:
        _move_primary_email(session, user, new_email)
    user.username = new_username
    user.first_name = fields.first_name
    user.last_name = fields.last_name
    user.email = new_email
    user.is_admin = fields.is_admin
    user.version += 1
    session.flush()
    return user


def _move_primary_email(session: Session, user: User, new_email: str) -> None:
    """The primary e-mail contact follows the user's address; a secondary one already
    holding the new address becomes the primary instead of being duplicated."""
    emails = {
        contact.value: contact
        for contact in session.scalars(
            select(ContactMethod).where(
                ContactMethod.user_id == user.id, ContactMethod.kind == "email"
            )
        )
    }
    primary = emails.get(user.email)
    existing = emails.get(new_email)
    if existing is not None:
        existing.label = PRIMARY_EMAIL_LABEL
        if primary is not None:
            session.delete(primary)
    elif primary is not None:
        primary.value = new_email


def delete_user(session: Session, org_id: int, username: str, replacement: str | None) -> None:
    """Remove a user; `replacement` names who takes over their on-call duties."""
    user = get_user(session, org_id, username)
    if replacement:
        substitute = named_user(session, org_id, replacement, "Replacement")
        if substitute.id == user.id:
            raise Invalid("A user cannot replace themselves")
        _hand_over_team_memberships(session, user, substitute)
    session.delete(user)
    session.flush()


def _hand_over_team_memberships(session: Session, user: User, substitute: User) -> None:
    """The replacement joins every team the deleted user was on, so no team is left short."""
    already = select(TeamMembership.team_id).where(TeamMembership.user_id == substitute.id)
    for membership in session.scalars(
        select(TeamMembership).where(
            TeamMembership.user_id == user.id, TeamMembership.team_id.not_in(already)
        )
    ):
        membership.user_id = substitute.id
        membership.is_admin = False
    session.flush()
    session.execute(delete(TeamMembership).where(TeamMembership.user_id == user.id))


def _ensure_available(
    session: Session, org_id: int, username: str, email: str, except_id: int | None = None
) -> None:
    query = select(User.username, User.email).where(
        User.org_id == org_id, or_(User.username == username, User.email == email)
    )
    if except_id is not None:
        query = query.where(User.id != except_id)
    for taken_username, _ in session.execute(query):
        if taken_username == username:
            raise Conflict(f"User name {username} is unavailable")
        raise Conflict(f"E-mail address {email} is already used by another user")
