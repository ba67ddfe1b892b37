"""SMS and voice calls through a Twilio-compatible REST API.

A hand-written client of two resources rather than Apprise or Twilio's SDK: Apprise cannot
point its Twilio plugin at another base URL, and a configurable base URL is what lets Vigil use
a Twilio-compatible gateway (or a local test server). Both resources take a form-encoded POST
with HTTP basic auth (account SID, auth token):

    POST {base}/2010-04-01/Accounts/{sid}/Messages.json   To, From, Body
    POST {base}/2010-04-01/Accounts/{sid}/Calls.json      To, From, Twiml
"""

from urllib.parse import quote
from xml.sax.saxutils import escape

from vigil.config import Settings
from vigil.notify import http
from vigil.notify.channels import DeliveryFailed, Recipient, one_line
from vigil.notify.message import Notification

API_VERSION = "2010-04-01"
MAX_SMS_CHARS = 1600
"""Twilio refuses longer message bodies."""
MAX_SPOKEN_CHARS = 500


def sms_text(notification: Notification) -> str:
    """The subject, then the ack link: what fits on a phone's lock screen."""
    text = one_line(notification.subject, MAX_SMS_CHARS)
    if notification.ack_url:
        link = f"\nAck: {notification.ack_url}"
        text = text[: MAX_SMS_CHARS - len(link)] + link
    return text[:MAX_SMS_CHARS]


def call_twiml(notification: Notification) -> str:
    """TwiML that says the subject twice, with a pause between."""
    said = escape(one_line(notification.subject, MAX_SPOKEN_CHARS))
    say = f'<Say voice="alice">Vigil alert. {said}</Say>'
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><Response>{say}<Pause length="1"/>{say}</Response>'
    )


class _TwilioResource:
    resource = ""
    what = ""

    def __init__(self, settings: Settings) -> None:
        self._base_url = settings.twilio_base_url.rstrip("/")
        self._sid = settings.twilio_account_sid
        self._token = settings.twilio_auth_token
        self._from = settings.twilio_from_number
        self._timeout = settings.delivery_timeout_seconds

    def _create(self, to: str, fields: dict[str, str]) -> None:
        if not (self._sid and self._token and self._from):
            raise DeliveryFailed(
                f"{self.what} is not configured: set VIGIL_TWILIO_ACCOUNT_SID, "
                "VIGIL_TWILIO_AUTH_TOKEN and VIGIL_TWILIO_FROM_NUMBER",
                retryable=False,
            )
        url = f"{self._base_url}/{API_VERSION}/Accounts/{quote(self._sid, safe='')}/{self.resource}"
        http.post(
            url,
            what=self.what,
            timeout=self._timeout,
            data={"To": to, "From": self._from, **fields},
            auth=(self._sid, self._token),
        )


class SmsSender(_TwilioResource):
    resource = "Messages.json"
    what = "SMS provider"

    def __call__(self, recipient: Recipient, notification: Notification) -> None:
        self._create(recipient.address, {"Body": sms_text(notification)})


class VoiceSender(_TwilioResource):
    resource = "Calls.json"
    what = "voice provider"

    def __call__(self, recipient: Recipient, notification: Notification) -> None:
        self._create(recipient.address, {"Twiml": call_twiml(notification)})
