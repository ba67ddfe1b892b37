"""SMS and voice calls through a Twilio-compatible API served by a local HTTP server."""

import base64
from xml.etree import ElementTree

import pytest

from tests.notify.helpers import page, settings
from tests.notify.servers import HttpServer, Reply
from vigil.notify.channels import DeliveryFailed, Recipient
from vigil.notify.twilio import MAX_SMS_CHARS, SmsSender, VoiceSender

ACCOUNT = "AC0123456789abcdef"
CREATED = Reply(201, b'{"sid": "SM123", "status": "queued"}')


def basic_auth(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_an_sms_posts_to_the_messages_resource_with_basic_auth(http_server: HttpServer) -> None:
    http_server.reply(CREATED)
    SmsSender(settings(twilio_base_url=http_server.url))(Recipient("+15551230001"), page(7))
    [request] = http_server.requests
    assert request.method == "POST"
    assert request.path == f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
    assert request.headers["authorization"] == basic_auth(ACCOUNT, "token-secret")
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"


def test_an_sms_says_the_subject_and_the_ack_link(http_server: HttpServer) -> None:
    http_server.reply(CREATED)
    SmsSender(settings(twilio_base_url=http_server.url))(Recipient("+15551230001"), page(7))
    assert http_server.requests[0].form() == {
        "To": "+15551230001",
        "From": "+15005550006",
        "Body": "[Vigil] Incident #7: Disk 95% full on db-1\n"
        "Ack: https://vigil.example.com/incidents/7/ack",
    }


def test_a_long_sms_is_cut_to_twilios_limit_keeping_the_link(http_server: HttpServer) -> None:
    SmsSender(settings(twilio_base_url=http_server.url))(
        Recipient("+15551230001"), page(7, summary="x" * 3000)
    )
    body = http_server.requests[0].form()["Body"]
    assert len(body) == MAX_SMS_CHARS
    assert body.endswith("\nAck: https://vigil.example.com/incidents/7/ack")


def test_a_call_posts_twiml_that_says_the_subject(http_server: HttpServer) -> None:
    http_server.reply(CREATED)
    VoiceSender(settings(twilio_base_url=http_server.url))(
        Recipient("+15551230001"), page(7, summary="Disk <full> & slow")
    )
    [request] = http_server.requests
    assert request.path == f"/2010-04-01/Accounts/{ACCOUNT}/Calls.json"
    form = request.form()
    assert (form["To"], form["From"]) == ("+15551230001", "+15005550006")
    said = [say.text for say in ElementTree.fromstring(form["Twiml"]).iter("Say")]
    assert said == ["Vigil alert. [Vigil] Incident #7: Disk <full> & slow"] * 2


def test_twilios_error_message_is_kept_and_not_retried(http_server: HttpServer) -> None:
    error = b'{"code": 21211, "message": "The \'To\' number +1555 is not a valid phone number."}'
    http_server.reply(Reply(400, error))
    with pytest.raises(DeliveryFailed) as failed:
        SmsSender(settings(twilio_base_url=http_server.url))(Recipient("+1555"), page())
    assert not failed.value.retryable
    assert failed.value.message == (
        "SMS provider answered 400 Bad Request: The 'To' number +1555 is not a valid phone number."
    )


def test_throttling_by_the_provider_may_be_retried(http_server: HttpServer) -> None:
    http_server.reply(Reply(429, b'{"code": 20429, "message": "Too Many Requests"}'))
    with pytest.raises(DeliveryFailed) as failed:
        VoiceSender(settings(twilio_base_url=http_server.url))(Recipient("+15551230001"), page())
    assert failed.value.retryable


def test_without_an_account_nothing_is_sent_and_retrying_cannot_help(
    http_server: HttpServer,
) -> None:
    unconfigured = settings(twilio_base_url=http_server.url, twilio_account_sid="")
    with pytest.raises(DeliveryFailed) as failed:
        SmsSender(unconfigured)(Recipient("+15551230001"), page())
    assert not failed.value.retryable
    assert "VIGIL_TWILIO_ACCOUNT_SID" in failed.value.message
    assert http_server.requests == []
