"""Creating organizations and their keys, and authenticating requests with them."""

from dataclasses import dataclass

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from vigil import clock
from vigil.errors import NotFound
from vigil.identifiers import hash_secret, new_api_id, new_api_secret, new_uuid
from vigil.orgs.models import ApiKey, Organization


@dataclass(frozen=True)
class NewOrganization:
    """An organization with its first keys; the secrets are only ever shown here."""

    org: Organization
    api_key: str
    rest_key: str


@dataclass(frozen=True)
class Principal:
    """Who a request acts for."""

    org_id: int
    key_id: int
    read_only: bool


def create_organization(session: Session, name: str) -> NewOrganization:
    org = Organization(name=name, api_id=new_api_id(), created_at=clock.now())
    session.add(org)
    session.flush()
    _, api_key = create_api_key(session, org.id, label="first key")
    _, rest_key = create_api_key(session, org.id, kind="rest", label="REST endpoint")
    return NewOrganization(org=org, api_key=api_key, rest_key=rest_key)


def create_api_key(
    session: Session, org_id: int, *, read_only: bool = False, kind: str = "api", label: str = ""
) -> tuple[ApiKey, str]:
    secret = new_uuid() if kind == "rest" else new_api_secret()
    key = ApiKey(
        org_id=org_id,
        kind=kind,
        secret_hash=hash_secret(secret),
        hint=secret[:6],
        label=label,
        read_only=read_only and kind == "api",
        created_at=clock.now(),
    )
    session.add(key)
    session.flush()
    return key, secret


def list_api_keys(session: Session, org_id: int) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).where(ApiKey.org_id == org_id).order_by(ApiKey.id)))


def revoke_api_key(session: Session, org_id: int, key_id: int) -> None:
    revoked = session.execute(
        update(ApiKey)
        .where(ApiKey.org_id == org_id, ApiKey.id == key_id, ApiKey.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    )
    if revoked.rowcount == 0:  # type: ignore[attr-defined]
        raise NotFound(f"No active key {key_id} in this organization")


def find_organization(session: Session, api_id: str) -> Organization:
    org = session.scalar(select(Organization).where(Organization.api_id == api_id))
    if org is None:
        raise NotFound(f"No organization with API id {api_id}")
    return org


def list_organizations(session: Session) -> list[Organization]:
    return list(session.scalars(select(Organization).order_by(Organization.id)))


def authenticate(session: Session, api_id: str, secret: str) -> Principal | None:
    """The principal for an API id and key pair, or None if they do not match an active key."""
    row = session.execute(
        select(ApiKey.org_id, ApiKey.id, ApiKey.read_only)
        .join(Organization, Organization.id == ApiKey.org_id)
        .where(
            Organization.api_id == api_id,
            ApiKey.secret_hash == hash_secret(secret),
            ApiKey.kind == "api",
            ApiKey.revoked_at.is_(None),
        )
    ).first()
    return Principal(org_id=row[0], key_id=row[1], read_only=row[2]) if row else None


def authenticate_key(session: Session, secret: str) -> Principal | None:
    """The principal for an API key alone (the status-page dialects send only the key, as
    `Authorization: Bearer` or `X-API-KEY`), or None if it is no active API key."""
    row = session.execute(
        select(ApiKey.org_id, ApiKey.id, ApiKey.read_only).where(
            ApiKey.secret_hash == hash_secret(secret),
            ApiKey.kind == "api",
            ApiKey.revoked_at.is_(None),
        )
    ).first()
    return Principal(org_id=row[0], key_id=row[1], read_only=row[2]) if row else None


def organization_for_rest_key(session: Session, secret: str) -> int | None:
    """The organization whose active REST-endpoint key this is."""
    found: int | None = (
        session.connection().execute(_REST_KEY_ORG, {"hash": hash_secret(secret)}).scalar()
    )
    return found


_REST_KEY_ORG = select(ApiKey.org_id).where(
    ApiKey.secret_hash == bindparam("hash"), ApiKey.kind == "rest", ApiKey.revoked_at.is_(None)
)
