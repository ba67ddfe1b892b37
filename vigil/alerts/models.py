from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from vigil.db import Base, UTCDateTime


class RoutingKey(Base):
    """A named route for alerts. The default key catches alerts whose key matches no other."""

    __tablename__ = "routing_keys"
    __table_args__ = (UniqueConstraint("org_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    is_multi_responder: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RoutingKeyPolicy(Base):
    """An escalation policy a routing key pages, in the order given."""

    __tablename__ = "routing_key_policies"
    __table_args__ = (UniqueConstraint("routing_key_id", "policy_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    routing_key_id: Mapped[int] = mapped_column(ForeignKey("routing_keys.id", ondelete="CASCADE"))
    policy_id: Mapped[int] = mapped_column(
        ForeignKey("escalation_policies.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)


class Alert(Base):
    """One alert exactly as it arrived (`raw`), with the fields Vigil reads from it."""

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_incident_id", "incident_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incidents.id", ondelete="SET NULL"), nullable=True
    )
    routing_key: Mapped[str] = mapped_column(String(200))
    message_type: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[str] = mapped_column(String(512))
    entity_display_name: Mapped[str | None] = mapped_column(Text, nullable=True)
    state_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    monitoring_tool: Mapped[str | None] = mapped_column(String(200), nullable=True)
    host_name: Mapped[str | None] = mapped_column(String(512), nullable=True)
    ack_msg: Mapped[str | None] = mapped_column(Text, nullable=True)
    ack_author: Mapped[str | None] = mapped_column(String(200), nullable=True)
    timestamp: Mapped[int] = mapped_column(Integer)
    state_start_time: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    raw: Mapped[str] = mapped_column(Text)
