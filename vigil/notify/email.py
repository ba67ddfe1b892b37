"""E-mail over SMTP with aiosmtplib, run to completion on a loop of its own for each message.

`settings.smtp_url` names the server: `smtp://[user:password@]host[:port]` (STARTTLS when the
server offers it, port 25 by default) or `smtps://...` (TLS from the start, port 465).
"""

import asyncio
import email.utils
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

import aiosmtplib

from vigil.config import Settings
from vigil.notify.channels import DeliveryFailed, Recipient, one_line
from vigil.notify.message import Notification


@dataclass(frozen=True)
class SmtpServer:
    hostname: str
    port: int
    use_tls: bool
    username: str | None = None
    password: str | None = None

    @classmethod
    def from_url(cls, url: str) -> "SmtpServer":
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError(f"SMTP URL must look like smtp://host:port or smtps://host: {url!r}")
        use_tls = parts.scheme == "smtps"
        return cls(
            hostname=parts.hostname,
            port=parts.port or (465 if use_tls else 25),
            use_tls=use_tls,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )


class EmailSender:
    def __init__(self, settings: Settings) -> None:
        self._url = settings.smtp_url
        self._from = settings.smtp_from
        self._timeout = settings.delivery_timeout_seconds

    def message(self, recipient: Recipient, notification: Notification) -> EmailMessage:
        """The e-mail: the subject on one line, the body, and the link that acknowledges."""
        ack_url = notification.ack_url
        body = notification.body
        if ack_url and ack_url not in body:
            body = f"{body}\n\nAcknowledge: {ack_url}"
        message = EmailMessage()
        message["From"] = self._from
        message["To"] = recipient.address
        message["Subject"] = one_line(notification.subject, 900)
        message["Date"] = email.utils.formatdate(localtime=False)
        # The same delivery keeps its Message-ID through retries and redeliveries (a worker
        # killed after sending sends again), so mail clients show it once.
        message["Message-ID"] = (
            f"<{recipient.delivery_id}@vigil>"
            if recipient.delivery_id
            else email.utils.make_msgid(domain="vigil")
        )
        message["Auto-Submitted"] = "auto-generated"
        if notification.incident_number is not None:
            message["X-Vigil-Incident"] = str(notification.incident_number)
        if notification.unsubscribe_url is not None:
            message["List-Unsubscribe"] = f"<{notification.unsubscribe_url}>"
            message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message.set_content(f"{body}\n")
        return message

    def __call__(self, recipient: Recipient, notification: Notification) -> None:
        try:
            server = SmtpServer.from_url(self._url)
        except ValueError as error:
            raise DeliveryFailed(f"mail server: {error}", retryable=False) from error
        try:
            message = self.message(recipient, notification)
        except (ValueError, IndexError) as error:  # an address the e-mail library refuses
            raise DeliveryFailed(
                f"not a usable e-mail address {recipient.address!r}: {error}", retryable=False
            ) from error
        try:
            asyncio.run(asyncio.wait_for(self._send(server, message), self._timeout * 2))
        except aiosmtplib.SMTPRecipientsRefused as error:
            codes = [refused.code for refused in error.recipients]
            reasons = "; ".join(f"{r.code} {r.message}" for r in error.recipients)
            retryable = all(400 <= code < 500 for code in codes)
            raise DeliveryFailed(
                f"mail server refused {recipient.address}: {reasons}", retryable=retryable
            ) from error
        except aiosmtplib.SMTPResponseException as error:
            retryable = 400 <= error.code < 500
            raise DeliveryFailed(
                f"mail server answered {error.code} {error.message}", retryable=retryable
            ) from error
        except (aiosmtplib.SMTPTimeoutError, TimeoutError) as error:
            raise DeliveryFailed(
                f"mail server: no answer within {self._timeout:g}s", retryable=True
            ) from error
        except (aiosmtplib.SMTPConnectError, aiosmtplib.SMTPServerDisconnected, OSError) as error:
            raise DeliveryFailed(f"mail server: {error}", retryable=True) from error
        except aiosmtplib.SMTPException as error:
            raise DeliveryFailed(f"mail server: {error}", retryable=False) from error

    async def _send(self, server: SmtpServer, message: EmailMessage) -> None:
        """Each SMTP step may take the timeout; the whole exchange at most twice that."""
        await aiosmtplib.send(
            message,
            hostname=server.hostname,
            port=server.port,
            username=server.username,
            password=server.password,
            use_tls=server.use_tls,
            timeout=self._timeout,
        )
