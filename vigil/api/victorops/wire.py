"""The VictorOps JSON shapes of people: what real clients decode, field by field."""

from typing import Any

from vigil.clock import rfc3339
from vigil.people.models import ContactMethod, Team, User

V1 = "/api-public/v1"


def user_url(user: User) -> str:
    return f"{V1}/user/{user.username}"


def user_json(user: User, display_name: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {
        "firstName": user.first_name,
        "lastName": user.last_name,
        "username": user.username,
        "email": user.email,
        "createdAt": rfc3339(user.created_at),
        "passwordLastUpdated": rfc3339(user.password_last_updated or user.created_at),
        "verified": user.verified,
        "_selfUrl": user_url(user),
    }
    if display_name:
        body["displayName"] = f"{user.first_name} {user.last_name}".strip()
    return body


def team_links(team: Team) -> dict[str, str]:
    base = f"{V1}/team/{team.slug}"
    return {
        "_selfUrl": base,
        "_membersUrl": f"{base}/members",
        "_policiesUrl": f"{base}/policies",
        "_adminsUrl": f"{base}/admins",
    }


def team_json(team: Team, member_count: int) -> dict[str, Any]:
    return {
        **team_links(team),
        "name": team.name,
        "slug": team.slug,
        "memberCount": member_count,
        "version": team.version,
        "isDefaultTeam": team.is_default,
        "description": team.description,
    }


def member_json(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "firstName": user.first_name,
        "lastName": user.last_name,
        "version": user.version,
        "verified": user.verified,
    }


def members_json(team: Team, users: list[User]) -> dict[str, Any]:
    return {
        "_selfUrl": f"{V1}/team/{team.slug}/members",
        "_teamUrl": f"{V1}/team/{team.slug}",
        "members": [member_json(user) for user in users],
    }


def admin_json(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "firstName": user.first_name,
        "lastName": user.last_name,
        "_selfUrl": user_url(user),
        "createdAt": rfc3339(user.created_at),
        "passwordLastUpdated": rfc3339(user.password_last_updated or user.created_at),
        "verified": user.verified,
    }


CONTACT_PATHS = {"email": "emails", "phone": "phones", "device": "devices"}


def contacts_url(user: User, kind: str) -> str:
    return f"{user_url(user)}/contact-methods/{CONTACT_PATHS[kind]}"


def contact_json(user: User, contact: ContactMethod) -> dict[str, Any]:
    self_url = f"{contacts_url(user, contact.kind)}/{contact.ext_id}"
    if contact.kind == "device":
        return {
            "id": contact.id,
            "deviceType": contact.device_type or "Unknown",
            "label": contact.label,
            "extId": contact.ext_id,
            "_selfUrl": self_url,
            **contact.settings,
        }
    return {
        "id": contact.id,
        "label": contact.label,
        "value": contact.value,
        "contactType": "Email" if contact.kind == "email" else "Phone",
        "rank": contact.rank,
        "verified": "verified" if contact.verified else "unverified",
        "extId": contact.ext_id,
        "_selfUrl": self_url,
    }


def contact_list_json(user: User, kind: str, contacts: list[ContactMethod]) -> dict[str, Any]:
    return {
        "_selfUrl": contacts_url(user, kind),
        "contactMethods": [contact_json(user, c) for c in contacts if c.kind == kind],
    }
