"""Outgoing webhooks an organization can page: created with a URL and a signing secret."""

import secrets
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil import clock
from vigil.errors import Invalid, NotFound
from vigil.identifiers import random_alnum
from vigil.notify.models import Webhook

MAX_URL_CHARS = 2000
MIN_SECRET_CHARS = 16
MAX_SECRET_CHARS = 200


def new_slug() -> str:
    """`wh-` and 17 letters or digits, as VictorOps webhook slugs look (`wh-kmTcvqJ6ebIHdnubS`)."""
    return f"wh-{random_alnum(17)}"


def new_secret() -> str:
    return secrets.token_hex(32)


def list_webhooks(session: Session, org_id: int) -> list[Webhook]:
    return list(
        session.scalars(
            select(Webhook).where(Webhook.org_id == org_id).order_by(Webhook.label, Webhook.id)
        )
    )


def get_webhook(session: Session, org_id: int, slug: str) -> Webhook:
    webhook = session.scalar(select(Webhook).where(Webhook.org_id == org_id, Webhook.slug == slug))
    if webhook is None:
        raise NotFound(f"Webhook {slug} not found")
    return webhook


def create_webhook(
    session: Session, org_id: int, label: str, url: str, secret: str | None = None
) -> Webhook:
    """A new webhook; without a secret one is generated (and shown to the caller only now)."""
    label = label.strip()
    if not label:
        raise Invalid("Webhook label must not be empty")
    webhook = Webhook(
        org_id=org_id,
        slug=new_slug(),
        label=label,
        url=valid_url(url),
        secret=_valid_secret(secret) if secret is not None else new_secret(),
        created_at=clock.now(),
    )
    session.add(webhook)
    session.flush()
    return webhook


def delete_webhook(session: Session, webhook: Webhook) -> Webhook:
    """Remove a webhook; deliveries still pending for it are recorded as failed when due."""
    session.delete(webhook)
    session.flush()
    return webhook


def valid_url(url: str) -> str:
    url = url.strip()
    if len(url) > MAX_URL_CHARS:
        raise Invalid(f"Webhook url must be at most {MAX_URL_CHARS} characters")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError for a port that is not a number)
    except ValueError as error:
        raise Invalid(f"Webhook url is not a valid URL: {error}") from error
    if parts.scheme not in ("http", "https"):
        raise Invalid("Webhook url must start with http:// or https://")
    if not parts.hostname:
        raise Invalid("Webhook url must name a host")
    if any(character.isspace() for character in url):
        raise Invalid("Webhook url must not contain spaces")
    return url


def _valid_secret(secret: str) -> str:
    if not MIN_SECRET_CHARS <= len(secret) <= MAX_SECRET_CHARS:
        raise Invalid(
            f"Webhook secret must be {MIN_SECRET_CHARS} to {MAX_SECRET_CHARS} characters long"
        )
    return secret
