from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from vigil.db import Base, UTCDateTime

CONTACT_KINDS = ("email", "phone", "device")


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("org_id", "username"),
        UniqueConstraint("org_id", "email"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    username: Mapped[str] = mapped_column(String(100))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(320))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    password_last_updated: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Team(Base):
    __tablename__ = "teams"
    __table_args__ = (
        UniqueConstraint("org_id", "slug"),
        UniqueConstraint("org_id", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TeamMembership(Base):
    __tablename__ = "team_memberships"
    __table_args__ = (UniqueConstraint("team_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ContactMethod(Base):
    """An e-mail address, phone number or push device of one user.

    `id` is the integer VictorOps shows as `id`; `ext_id` is the UUID used in paths.
    For devices, `value` is the push address (for example an ntfy topic URL).
    """

    __tablename__ = "contact_methods"
    __table_args__ = (
        CheckConstraint("kind IN ('email', 'phone', 'device')", name="kind"),
        UniqueConstraint("user_id", "kind", "value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))
    ext_id: Mapped[str] = mapped_column(String(36), unique=True)
    label: Mapped[str] = mapped_column(String(200))
    value: Mapped[str] = mapped_column(String(2000))
    rank: Mapped[int] = mapped_column(Integer, default=500)
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    device_type: Mapped[str | None] = mapped_column(String(40), nullable=True)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


PAGING_RULE_TYPES = ("push", "email", "sms", "phone")


class PagingStep(Base):
    """One step of a user's personal paging policy: whom to contact, then how long to wait.

    Steps are listed by `position`; the wire `index` is a step's place in that order. A user
    without stored steps is paged by the default policy (see vigil.people.paging_policies).
    """

    __tablename__ = "paging_steps"
    __table_args__ = (
        UniqueConstraint("user_id", "position"),
        CheckConstraint("timeout_minutes > 0", name="timeout_minutes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    timeout_minutes: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PagingRule(Base):
    """How a step reaches the user: a notification type and the contact method it uses.

    A push rule without a contact method means every device of the user. Removing a contact
    method removes the rules that use it (the foreign key cascades).
    """

    __tablename__ = "paging_rules"
    __table_args__ = (
        UniqueConstraint("step_id", "position"),
        CheckConstraint("type IN ('push', 'email', 'sms', 'phone')", name="type"),
        CheckConstraint("contact_method_id IS NOT NULL OR type = 'push'", name="contact"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    step_id: Mapped[int] = mapped_column(ForeignKey("paging_steps.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(8))
    contact_method_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact_methods.id", ondelete="CASCADE"), nullable=True, index=True
    )
