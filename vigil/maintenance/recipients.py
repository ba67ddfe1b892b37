"""Who hears about a maintenance window: users, a team's on-call people, e-mail addresses and
stored webhooks, as the window lists them."""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from vigil.errors import Invalid, NotFound
from vigil.maintenance.models import RECIPIENT_KINDS, MaintenanceWindow, MaintenanceWindowRecipient
from vigil.notify import webhooks
from vigil.notify.models import Webhook
from vigil.people import teams, users, validation
from vigil.people.models import Team, User

MAX_RECIPIENTS = 100


@dataclass(frozen=True)
class RecipientSpec:
    """One recipient as people name it: `kind` user (a username), team (a slug or name),
    email (an address) or webhook (a webhook's slug)."""

    kind: str
    ref: str


def set_recipients(
    session: Session, window: MaintenanceWindow, specs: Sequence[RecipientSpec]
) -> None:
    """Replace the window's recipients (raises Invalid for an unknown one)."""
    wanted = list(dict.fromkeys(specs))
    if len(wanted) > MAX_RECIPIENTS:
        raise Invalid(f"At most {MAX_RECIPIENTS} recipients per window")
    rows = [_row(session, window, spec) for spec in wanted]
    session.execute(
        delete(MaintenanceWindowRecipient).where(MaintenanceWindowRecipient.window_id == window.id)
    )
    session.add_all(rows)
    session.flush()


def recipients_of(session: Session, window: MaintenanceWindow) -> list[RecipientSpec]:
    """The window's recipients as named (usernames, team slugs, addresses, webhook slugs)."""
    return recipients_by_window(session, [window.id])[window.id]


def recipients_by_window(session: Session, ids: Sequence[int]) -> dict[int, list[RecipientSpec]]:
    """Each window's recipients as named, in one statement."""
    found: dict[int, list[RecipientSpec]] = {window_id: [] for window_id in ids}
    if not ids:
        return found
    rows = session.execute(
        select(MaintenanceWindowRecipient, User.username, Team.slug, Webhook.slug)
        .outerjoin(User, User.id == MaintenanceWindowRecipient.user_id)
        .outerjoin(Team, Team.id == MaintenanceWindowRecipient.team_id)
        .outerjoin(Webhook, Webhook.id == MaintenanceWindowRecipient.webhook_id)
        .where(MaintenanceWindowRecipient.window_id.in_(ids))
        .order_by(MaintenanceWindowRecipient.id)
    ).all()
    for row, username, team, webhook in rows:
        found[row.window_id].append(
            RecipientSpec(row.kind, username or team or row.email or webhook or "")
        )
    return found


def _row(
    session: Session, window: MaintenanceWindow, spec: RecipientSpec
) -> MaintenanceWindowRecipient:
    try:
        return _found(session, window, spec)
    except NotFound as error:
        raise Invalid(f"Unknown {spec.kind} recipient: {error.message}") from None


def _found(
    session: Session, window: MaintenanceWindow, spec: RecipientSpec
) -> MaintenanceWindowRecipient:
    row = MaintenanceWindowRecipient(org_id=window.org_id, window_id=window.id, kind=spec.kind)
    if spec.kind == "user":
        row.user_id = users.get_user(session, window.org_id, spec.ref).id
    elif spec.kind == "team":
        row.team_id = teams.get_team(session, window.org_id, spec.ref).id
    elif spec.kind == "email":
        row.email = validation.email_address(spec.ref)
    elif spec.kind == "webhook":
        row.webhook_id = webhooks.get_webhook(session, window.org_id, spec.ref).id
    else:
        raise Invalid(
            f"Unknown recipient kind {spec.kind!r}; expected one of {', '.join(RECIPIENT_KINDS)}"
        )
    return row
