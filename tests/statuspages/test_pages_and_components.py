"""Status pages and their components: made, checked, grouped and ordered."""

from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import new_org
from vigil.db import transaction
from vigil.errors import Conflict, Invalid, NotFound
from vigil.orgs.service import NewOrganization
from vigil.statuspages import components, pages
from vigil.statuspages.components import ComponentFields
from vigil.statuspages.models import StatusPage
from vigil.statuspages.pages import PageFields

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def make_page(session: Session, org_id: int, subdomain: str = "acme") -> StatusPage:
    return pages.create_page(session, org_id, PageFields(name="Acme", subdomain=subdomain), at=NOW)


def test_a_page_gets_an_instatus_style_id(
    sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    with transaction(sessions) as session:
        page = make_page(session, org.org.id, "acme-ids")

    assert page.key.startswith("ck") and len(page.key) == 25
    assert (page.zone, page.language) == ("UTC", "en")


def test_a_subdomain_is_unique_across_organizations(
    sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    other = new_org(sessions, "Other")
    with transaction(sessions) as session:
        make_page(session, org.org.id, "shared-name")
    with pytest.raises(Conflict, match="taken"), transaction(sessions) as session:
        make_page(session, other.org.id, "shared-name")


@pytest.mark.parametrize("subdomain", ["-acme", "acme-", "ac me", "a" * 64, ""])
def test_a_subdomain_must_be_a_dns_label(
    sessions: sessionmaker[Session], org: NewOrganization, subdomain: str
) -> None:
    with pytest.raises(Invalid), transaction(sessions) as session:
        make_page(session, org.org.id, subdomain)


def test_a_page_zone_must_be_an_iana_zone(
    sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    with pytest.raises(Invalid), transaction(sessions) as session:
        pages.create_page(
            session, org.org.id, PageFields(name="A", subdomain="zoned", zone="Mars/Base"), at=NOW
        )


def test_a_page_is_found_by_id_or_subdomain_but_only_in_its_organization(
    sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    other = new_org(sessions, "Other")
    with transaction(sessions) as session:
        page = make_page(session, org.org.id, "findme")
        assert pages.get_page(session, org.org.id, page.key).id == page.id
        assert pages.get_page(session, org.org.id, "findme").id == page.id
        with pytest.raises(NotFound):
            pages.get_page(session, other.org.id, page.key)


def test_components_list_by_group_then_position(
    sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    with transaction(sessions) as session:
        page = make_page(session, org.org.id, "grouped")
        for name, group in (("API", "Core"), ("Website", ""), ("Database", "Core")):
            components.create_component(
                session, page, ComponentFields(name=name, group=group), at=NOW
            )
        listed = components.list_components(session, page)

    assert [(c.name, g.name if g else None) for c, g in listed] == [
        ("Website", None),
        ("API", "Core"),
        ("Database", "Core"),
    ]


def test_an_unknown_component_status_is_refused(
    sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    with pytest.raises(Invalid, match="BROKEN"), transaction(sessions) as session:
        page = make_page(session, org.org.id, "bad-status")
        components.create_component(
            session, page, ComponentFields(name="API", status="BROKEN"), at=NOW
        )


def test_translations_are_per_field_and_language(
    sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    with transaction(sessions) as session:
        page = make_page(session, org.org.id, "translated")
        component = components.create_component(
            session,
            page,
            ComponentFields(name="Website", translations={"name": {"fr": "Site web"}}),
            at=NOW,
        )

    assert components.translated(component.name, component.translations, "name", "fr") == "Site web"
    assert components.translated(component.name, component.translations, "name", "de") == "Website"


def test_translations_of_unknown_fields_are_refused(
    sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    with pytest.raises(Invalid, match="not 'colour'"), transaction(sessions) as session:
        page = make_page(session, org.org.id, "translated-bad")
        components.create_component(
            session,
            page,
            ComponentFields(name="Website", translations={"colour": {"fr": "bleu"}}),
            at=NOW,
        )


def test_the_page_of_components_is_the_one_holding_them(
    sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    with transaction(sessions) as session:
        make_page(session, org.org.id, "holder-a")
        page = make_page(session, org.org.id, "holder-b")
        api = components.create_component(session, page, ComponentFields(name="API"), at=NOW)

        assert pages.page_of_components(session, org.org.id, [api.key]).id == page.id


def test_components_of_two_pages_have_no_one_page(
    sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    with transaction(sessions) as session:
        keys = [
            components.create_component(
                session,
                make_page(session, org.org.id, subdomain),
                ComponentFields(name="API"),
                at=NOW,
            ).key
            for subdomain in ("split-a", "split-b")
        ]

        with pytest.raises(Invalid, match=r"^components must all be on one status page"):
            pages.page_of_components(session, org.org.id, keys)


def test_without_components_the_only_page_must_be_the_only_one(
    sessions: sessionmaker[Session], org: NewOrganization
) -> None:
    with transaction(sessions) as session:
        make_page(session, org.org.id, "only-a")
        make_page(session, org.org.id, "only-b")

        with pytest.raises(Invalid, match="name components to say which page"):
            pages.page_of_components(session, org.org.id, [])
