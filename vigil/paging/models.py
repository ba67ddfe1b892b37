from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from vigil.db import Base, UTCDateTime


class ContactThrottle(Base):
    """When a contact (channel and address) was last sent a page, and what waits to be bundled
    into its next message: at most one message per interval reaches a phone or a mailbox."""

    __tablename__ = "contact_throttles"
    __table_args__ = (UniqueConstraint("org_id", "channel", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(2000))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    held: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class AckLink(Base):
    """The secret link in a page that lets its recipient acknowledge without logging in: one
    per incident and paged person."""

    __tablename__ = "ack_links"
    __table_args__ = (UniqueConstraint("incident_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    token: Mapped[str] = mapped_column(String(64), unique=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
