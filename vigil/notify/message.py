"""What a notification says, whichever channel carries it.

A `Notification` travels inside an engine timer's JSON payload, so it turns into plain JSON
(`to_payload`) and back (`from_payload`) without loss.
"""

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

KINDS = ("incident", "bundle", "maintenance", "status")


@dataclass(frozen=True)
class Notification:
    """The content of one notification: the same for e-mail, SMS, voice, push and webhooks.

    `kind` is "incident" (one incident pages), "bundle" (several incidents in one message) or
    "maintenance" (a maintenance window starts or ends) or "status" (to a status page's
    subscribers). `ack_url`, when given, is where the
    recipient acknowledges (only pages to a person have one). `data`: the facts behind the
    text for machines (webhooks send it as is), such as a window's id, status and times.
    """

    subject: str
    body: str
    incident_number: int | None = None
    ack_url: str | None = None
    kind: str = "incident"
    data: dict[str, Any] | None = None
    unsubscribe_url: str | None = None
    """Where the recipient stops these messages (e-mail: List-Unsubscribe, RFC 8058)."""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"notification kind must be one of {', '.join(KINDS)}: {self.kind!r}")

    def to_payload(self) -> dict[str, Any]:
        """Plain JSON (str, int, None), as stored in a timer."""
        return asdict(self)

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> "Notification":
        """The notification `to_payload` stored; unknown keys are ignored (older or newer writers)."""
        number = payload.get("incident_number")
        return cls(
            subject=str(payload["subject"]),
            body=str(payload["body"]),
            incident_number=int(number) if number is not None else None,
            ack_url=payload.get("ack_url"),
            kind=str(payload.get("kind", "incident")),
            data=payload.get("data"),
            unsubscribe_url=payload.get("unsubscribe_url"),
        )


def ack_link(base_url: str, token: str) -> str:
    """The one-click acknowledgement page of a page's recipient (`vigil.paging.ack_links`)."""
    return f"{base_url.rstrip('/')}/ack/{token}"


def incident_notification(
    incident_number: int, summary: str, details: str = "", *, ack_url: str | None = None
) -> Notification:
    """The usual page for one incident: its number and summary first, then details and, for a
    paged person, the link that acknowledges."""
    lines = [f"Incident #{incident_number}: {summary}"]
    if details:
        lines += ["", details]
    if ack_url:
        lines += ["", f"Acknowledge: {ack_url}"]
    return Notification(
        subject=f"[Vigil] Incident #{incident_number}: {summary}",
        body="\n".join(lines),
        incident_number=incident_number,
        ack_url=ack_url,
    )
