"""Personal paging policy values: the vocabularies a client builds paging-policy forms from."""

from typing import Any

from fastapi import APIRouter

from vigil.api.victorops.auth import Caller
from vigil.api.victorops.wire import V1

router = APIRouter(tags=["Personal paging policy values"])

NOTIFICATION_TYPES = [
    {"type": "push", "description": "Send a push notification to all my devices"},
    {"type": "email", "description": "Send an email to an email address"},
    {"type": "sms", "description": "Send an SMS to a phone number"},
    {"type": "phone", "description": "Make a phone call to a phone number"},
]
CONTACT_TYPES = [
    {"type": "email", "description": "Email Address"},
    {"type": "phone", "description": "Phone Number"},
]
TIMEOUT_MINUTES = (1, 5, 10, 15, 20, 25, 30, 45, 60)
TIMEOUT_TYPES = [
    {
        "type": str(minutes),
        "description": f"If still unacked after {minutes} minute{'' if minutes == 1 else 's'}",
    }
    for minutes in TIMEOUT_MINUTES
]


@router.get(f"{V1}/policies/types/notifications", summary="Notification types")
def notification_types(_: Caller) -> dict[str, Any]:
    return {
        "notificationTypes": NOTIFICATION_TYPES,
        "_selfUrl": f"{V1}/policies/types/notifications",
    }


@router.get(f"{V1}/policies/types/contacts", summary="Contact types")
def contact_types(_: Caller) -> dict[str, Any]:
    return {"contactTypes": CONTACT_TYPES, "_selfUrl": f"{V1}/policies/types/contacts"}


@router.get(f"{V1}/policies/types/timeouts", summary="Timeout values")
def timeout_types(_: Caller) -> dict[str, Any]:
    return {"timeoutTypes": TIMEOUT_TYPES, "_selfUrl": f"{V1}/policies/types/timeouts"}
