"""Per-organization incident numbers: increasing, never reused, unique under concurrency."""

from sqlalchemy import bindparam, update
from sqlalchemy.orm import Session

from vigil.db import dialect_insert, table_of
from vigil.incidents.models import IncidentCounter

_TAKE_NEXT = (
    update(table_of(IncidentCounter))
    .where(IncidentCounter.org_id == bindparam("counter_org"))
    .values(last_number=IncidentCounter.last_number + bindparam("count"))
    .returning(IncidentCounter.last_number)
)


def take_numbers(session: Session, org_id: int, count: int = 1) -> int:
    """Take the organization's next `count` numbers and return the last of them; the counter
    row stays locked until commit."""
    taken = (
        session.connection().execute(_TAKE_NEXT, {"counter_org": org_id, "count": count}).scalar()
    )
    if taken is not None:
        return taken
    statement = dialect_insert(session, table_of(IncidentCounter))
    statement = statement.values(org_id=org_id, last_number=count)
    statement = statement.on_conflict_do_update(
        index_elements=[IncidentCounter.org_id],
        set_={"last_number": IncidentCounter.last_number + count},
    )
    number: int = session.execute(statement.returning(IncidentCounter.last_number)).scalar_one()
    return number
