"""Reading stored alerts."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.alerts.models import Alert
from vigil.errors import NotFound


def get_alert(session: Session, org_id: int, alert_id: str) -> Alert:
    """One alert of the organization, by its UUID."""
    alert = session.scalar(select(Alert).where(Alert.org_id == org_id, Alert.id == alert_id))
    if alert is None:
        raise NotFound(f"Alert {alert_id} not found")
    return alert
