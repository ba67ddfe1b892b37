"""Outgoing webhooks: /api-public/v1/webhooks.

Listing has the VictorOps shape (`{"webHooks": [{"label", "url", "slug"}]}`); creating, reading
and deleting one are Vigil's own. The signing secret is returned once, in the creation response.
"""

from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from vigil.api.deps import DbSession, TransactionalRoute
from vigil.api.victorops.auth import Caller
from vigil.api.victorops.wire import V1
from vigil.clock import rfc3339
from vigil.notify import webhooks
from vigil.notify.models import Webhook

router = APIRouter(tags=["Webhooks"], route_class=TransactionalRoute)

BASE = f"{V1}/webhooks"


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    label: Annotated[str, Field(min_length=1, max_length=200)]
    url: Annotated[str, Field(min_length=1, max_length=webhooks.MAX_URL_CHARS)]
    secret: str | None = Field(
        default=None,
        description="Signs each call (X-Vigil-Signature); generated when left out, shown only now",
    )


def webhook_json(webhook: Webhook) -> dict[str, Any]:
    return {
        "label": webhook.label,
        "url": webhook.url,
        "slug": webhook.slug,
        "createdAt": rfc3339(webhook.created_at),
        "_selfUrl": f"{BASE}/{webhook.slug}",
    }


@router.get(BASE, summary="List outgoing webhooks")
def list_webhooks(caller: Caller, session: DbSession) -> dict[str, Any]:
    return {"webHooks": [webhook_json(w) for w in webhooks.list_webhooks(session, caller.org_id)]}


@router.post(BASE, summary="Add an outgoing webhook (the response shows its secret, once)")
def add_webhook(caller: Caller, session: DbSession, body: WebhookIn) -> dict[str, Any]:
    created = webhooks.create_webhook(session, caller.org_id, body.label, body.url, body.secret)
    return webhook_json(created) | {"secret": created.secret}


@router.get(f"{BASE}/{{slug}}", summary="One outgoing webhook by slug")
def get_webhook(caller: Caller, session: DbSession, slug: str) -> dict[str, Any]:
    return webhook_json(webhooks.get_webhook(session, caller.org_id, slug))


@router.delete(f"{BASE}/{{slug}}", summary="Remove an outgoing webhook")
def delete_webhook(caller: Caller, session: DbSession, slug: str) -> dict[str, Any]:
    found = webhooks.get_webhook(session, caller.org_id, slug)
    return webhook_json(webhooks.delete_webhook(session, found))
