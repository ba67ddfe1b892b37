from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from vigil.db import transaction
from vigil.identifiers import hash_secret
from vigil.orgs.models import ApiKey
from vigil.orgs.service import NewOrganization, authenticate, create_api_key, list_api_keys


def test_keys_are_stored_only_as_hashes(
    sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    with transaction(sessions) as session:
        stored = session.scalars(select(ApiKey).where(ApiKey.org_id == org.org.id)).all()
    assert {key.secret_hash for key in stored} == {
        hash_secret(org.api_key),
        hash_secret(org.rest_key),
    }
    assert all(org.api_key not in (key.secret_hash, key.label) for key in stored)


def test_a_new_organization_has_one_api_key_and_one_rest_key(
    sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    with transaction(sessions) as session:
        kinds = sorted(key.kind for key in list_api_keys(session, org.org.id))
    assert kinds == ["api", "rest"]


def test_a_read_only_key_authenticates_as_read_only(
    sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    with transaction(sessions) as session:
        _, secret = create_api_key(session, org.org.id, read_only=True)
        principal = authenticate(session, org.org.api_id, secret)
    assert principal is not None
    assert principal.read_only is True
    assert principal.org_id == org.org.id
