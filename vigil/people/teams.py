"""Teams and who belongs to them."""

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from vigil import clock
from vigil.errors import Conflict, Invalid, NotFound
from vigil.identifiers import slug
from vigil.people.models import Team, TeamMembership, User
from vigil.people.users import named_user


def list_teams(session: Session, org_id: int) -> list[tuple[Team, int]]:
    """Every team with its member count, in one query."""
    counts = (
        select(TeamMembership.team_id, func.count().label("members"))
        .where(TeamMembership.org_id == org_id)
        .group_by(TeamMembership.team_id)
        .subquery()
    )
    rows = session.execute(
        select(Team, func.coalesce(counts.c.members, 0))
        .outerjoin(counts, counts.c.team_id == Team.id)
        .where(Team.org_id == org_id)
        .order_by(Team.name)
    )
    return [(team, members) for team, members in rows.all()]


def get_team(session: Session, org_id: int, ref: str) -> Team:
    """A team by slug, or by name (go-victorops v1 and Terraform put the name in the path)."""
    teams = list(
        session.scalars(
            select(Team).where(Team.org_id == org_id, or_(Team.slug == ref, Team.name == ref))
        )
    )
    if not teams:
        raise NotFound(f"Team {ref} not found")
    return next((team for team in teams if team.slug == ref), teams[0])


def member_count(session: Session, team: Team) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(TeamMembership)
            .where(TeamMembership.team_id == team.id)
        )
        or 0
    )


def create_team(session: Session, org_id: int, name: str, description: str = "") -> Team:
    name = _valid_name(name)
    _ensure_name_available(session, org_id, name)
    team = Team(
        org_id=org_id,
        slug=slug("team"),
        name=name,
        description=description,
        is_default=False,
        version=0,
        created_at=clock.now(),
    )
    session.add(team)
    session.flush()
    return team


def update_team(
    session: Session, org_id: int, ref: str, name: str, description: str | None = None
) -> Team:
    team = get_team(session, org_id, ref)
    name = _valid_name(name)
    if name != team.name:
        _ensure_name_available(session, org_id, name)
    team.name = name
    if description is not None:
        team.description = description
    team.version += 1
    session.flush()
    return team


def delete_team(session: Session, team: Team) -> Team:
    session.delete(team)
    session.flush()
    return team


def members(session: Session, team: Team, admins_only: bool = False) -> list[User]:
    query = (
        select(User)
        .join(TeamMembership, TeamMembership.user_id == User.id)
        .where(TeamMembership.team_id == team.id)
        .order_by(User.username)
    )
    if admins_only:
        query = query.where(TeamMembership.is_admin.is_(True))
    return list(session.scalars(query))


def add_member(
    session: Session, org_id: int, team: Team, username: str, is_admin: bool | None = None
) -> None:
    """Add a user to a team; adding a member again only changes their admin flag, if given."""
    user = named_user(session, org_id, username, "User")
    membership = _membership(session, team, user)
    if membership is None:
        session.add(
            TeamMembership(
                org_id=org_id,
                team_id=team.id,
                user_id=user.id,
                is_admin=bool(is_admin),
                created_at=clock.now(),
            )
        )
    elif is_admin is not None:
        membership.is_admin = is_admin
    session.flush()


def remove_member(
    session: Session, org_id: int, team: Team, username: str, replacement: str | None
) -> None:
    """Take a user off a team; `replacement`, if given, joins the team in their place."""
    user = session.scalar(select(User).where(User.org_id == org_id, User.username == username))
    membership = _membership(session, team, user) if user else None
    if membership is None:
        raise NotFound(f"User {username} is not a member of team {team.name}")
    if replacement:
        substitute = named_user(session, org_id, replacement, "Replacement")
        if substitute.id == membership.user_id:
            raise Invalid("A user cannot replace themselves")
        if _membership(session, team, substitute) is None:
            membership.user_id = substitute.id
            membership.is_admin = False
            session.flush()
            return
    session.delete(membership)
    session.flush()


def teams_of_user(session: Session, user: User) -> list[Team]:
    return list(
        session.scalars(
            select(Team)
            .join(TeamMembership, TeamMembership.team_id == Team.id)
            .where(TeamMembership.user_id == user.id)
            .order_by(Team.name)
        )
    )


def _membership(session: Session, team: Team, user: User) -> TeamMembership | None:
    return session.scalar(
        select(TeamMembership).where(
            TeamMembership.team_id == team.id, TeamMembership.user_id == user.id
        )
    )


def _valid_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise Invalid("Team name must not be empty")
    return name


def _ensure_name_available(session: Session, org_id: int, name: str) -> None:
    taken = session.scalar(select(Team.id).where(Team.org_id == org_id, Team.name == name))
    if taken is not None:
        raise Conflict(f"Team name {name} is unavailable")
