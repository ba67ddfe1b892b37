"""User contact methods: /api-public/v1/user/{user}/contact-methods (e-mails, phones, devices)."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from vigil.api.deps import DbSession, TransactionalRoute
from vigil.api.victorops.auth import Caller
from vigil.api.victorops.wire import V1, contact_json, contact_list_json, user_url
from vigil.people import contact_methods, users

router = APIRouter(tags=["User contact methods"], route_class=TransactionalRoute)

BASE = f"{V1}/user/{{username}}/contact-methods"
Label = Annotated[str, Field(min_length=1, max_length=200)]
Rank = Annotated[int, Field(ge=0, le=1_000_000)]


class EmailIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    label: Label
    email: Annotated[str, Field(min_length=3, max_length=320)]
    rank: Rank | None = None


class PhoneIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    label: Label
    phone: Annotated[str, Field(min_length=3, max_length=40)]
    rank: Rank | None = None


class DeviceIn(BaseModel):
    """Vigil extension: VictorOps registers devices from its app; Vigil takes a push address."""

    model_config = ConfigDict(extra="ignore")

    label: Label
    address: Annotated[str, Field(min_length=1, max_length=2000)]
    deviceType: Annotated[str, Field(max_length=40)] = "Push"


class DeviceChange(BaseModel):
    model_config = ConfigDict(extra="ignore")

    device_label: Annotated[str, Field(max_length=200)] | None = None
    escalation_notification_sound: Annotated[str, Field(max_length=100)] | None = None
    chat_escalation_sound: Annotated[str, Field(max_length=100)] | None = None
    resolved_notification_sound: Annotated[str, Field(max_length=100)] | None = None


Kind = Literal["emails", "phones", "devices"]
KIND_OF_PATH = {"emails": "email", "phones": "phone", "devices": "device"}


@router.get(BASE, summary="All of a user's contact methods")
def all_contact_methods(caller: Caller, session: DbSession, username: str) -> dict[str, Any]:
    user = users.get_user(session, caller.org_id, username)
    found = contact_methods.list_contacts(session, user)
    return {path: contact_list_json(user, kind, found) for path, kind in KIND_OF_PATH.items()} | {
        "_selfUrl": f"{user_url(user)}/contact-methods"
    }


@router.get(f"{BASE}/{{kind}}", summary="A user's e-mails, phones or devices")
def list_contact_methods(
    caller: Caller, session: DbSession, username: str, kind: Kind
) -> dict[str, Any]:
    user = users.get_user(session, caller.org_id, username)
    found = contact_methods.list_contacts(session, user, KIND_OF_PATH[kind])
    return contact_list_json(user, KIND_OF_PATH[kind], found)


@router.get(f"{BASE}/{{kind}}/{{contact_id}}", summary="One contact method by its extId")
def get_contact_method(
    caller: Caller, session: DbSession, username: str, kind: Kind, contact_id: str
) -> dict[str, Any]:
    user = users.get_user(session, caller.org_id, username)
    return contact_json(
        user, contact_methods.get_contact(session, user, KIND_OF_PATH[kind], contact_id)
    )


@router.delete(f"{BASE}/{{kind}}/{{contact_id}}", summary="Remove a contact method")
def delete_contact_method(
    caller: Caller, session: DbSession, username: str, kind: Kind, contact_id: str
) -> dict[str, Any]:
    user = users.get_user(session, caller.org_id, username)
    return contact_json(
        user, contact_methods.delete_contact(session, user, KIND_OF_PATH[kind], contact_id)
    )


@router.post(f"{BASE}/emails", summary="Add an e-mail address")
def add_email(caller: Caller, session: DbSession, username: str, body: EmailIn) -> dict[str, Any]:
    user = users.get_user(session, caller.org_id, username)
    contact = contact_methods.add_contact(session, user, "email", body.label, body.email, body.rank)
    return contact_json(user, contact)


@router.post(f"{BASE}/phones", summary="Add a phone number (E.164)")
def add_phone(caller: Caller, session: DbSession, username: str, body: PhoneIn) -> dict[str, Any]:
    user = users.get_user(session, caller.org_id, username)
    contact = contact_methods.add_contact(session, user, "phone", body.label, body.phone, body.rank)
    return contact_json(user, contact)


@router.post(f"{BASE}/devices", summary="Register a push device (Vigil extension)")
def add_device(caller: Caller, session: DbSession, username: str, body: DeviceIn) -> dict[str, Any]:
    user = users.get_user(session, caller.org_id, username)
    device = contact_methods.add_contact(
        session, user, "device", body.label, body.address, device_type=body.deviceType
    )
    return contact_json(user, device)


@router.put(f"{BASE}/devices/{{contact_id}}", summary="Update a device's label and sounds")
def update_device(
    caller: Caller, session: DbSession, username: str, contact_id: str, body: DeviceChange
) -> dict[str, Any]:
    user = users.get_user(session, caller.org_id, username)
    settings = body.model_dump(exclude={"device_label"}, exclude_none=True)
    device = contact_methods.update_device(session, user, contact_id, body.device_label, settings)
    return contact_json(user, device)
