"""Outgoing webhooks: a signed JSON POST to a real local HTTP server."""

from datetime import UTC, datetime

import orjson
import pytest
import time_machine

from tests.notify.helpers import page, settings
from tests.notify.servers import HttpServer, Reply
from vigil.notify.channels import DeliveryFailed, Recipient
from vigil.notify.webhook import WebhookSender, sign, verify

SECRET = "s3cret-s3cret-s3cret"
T0 = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)


def call(server: HttpServer, path: str = "/hooks/vigil", delivery_id: str = "d-1") -> None:
    recipient = Recipient(f"{server.url}{path}", secret=SECRET, delivery_id=delivery_id)
    WebhookSender(settings())(recipient, page(7))


def test_a_webhook_posts_the_notification_as_json(http_server: HttpServer) -> None:
    with time_machine.travel(T0, tick=False):
        call(http_server)
    [request] = http_server.requests
    assert (request.method, request.path) == ("POST", "/hooks/vigil")
    assert request.headers["content-type"] == "application/json"
    assert request.json() == {
        "id": "d-1",
        "kind": "incident",
        "subject": "[Vigil] Incident #7: Disk 95% full on db-1",
        "body": "Incident #7: Disk 95% full on db-1\n\nentity: disk-space",
        "incidentNumber": 7,
        "ackUrl": "https://vigil.example.com/incidents/7/ack",
        "data": None,
        "timestamp": int(T0.timestamp()),
    }


def test_the_signature_is_hmac_sha256_of_the_raw_body(http_server: HttpServer) -> None:
    call(http_server)
    [request] = http_server.requests
    assert request.headers["x-vigil-signature"] == sign(SECRET, request.body)
    assert request.headers["x-vigil-signature"].startswith("sha256=")


def test_the_timestamp_header_repeats_the_signed_timestamp(http_server: HttpServer) -> None:
    with time_machine.travel(T0, tick=False):
        call(http_server)
    [request] = http_server.requests
    assert request.headers["x-vigil-timestamp"] == str(int(T0.timestamp()))
    assert request.json()["timestamp"] == int(T0.timestamp())


def test_the_delivery_id_header_lets_receivers_drop_retries(http_server: HttpServer) -> None:
    call(http_server, delivery_id="d-42")
    assert http_server.requests[0].headers["x-vigil-delivery"] == "d-42"


def test_a_receiver_accepts_a_fresh_signed_body(http_server: HttpServer) -> None:
    with time_machine.travel(T0, tick=False):
        call(http_server)
    request = http_server.requests[0]
    signature = request.headers["x-vigil-signature"]
    assert verify(SECRET, request.body, signature, now=T0.timestamp() + 60)


def test_a_receiver_refuses_a_replayed_old_body(http_server: HttpServer) -> None:
    with time_machine.travel(T0, tick=False):
        call(http_server)
    request = http_server.requests[0]
    signature = request.headers["x-vigil-signature"]
    assert not verify(SECRET, request.body, signature, now=T0.timestamp() + 301)


def test_a_receiver_refuses_a_body_whose_timestamp_was_changed(http_server: HttpServer) -> None:
    call(http_server)
    request = http_server.requests[0]
    forged = orjson.dumps(request.json() | {"timestamp": int(T0.timestamp())})
    assert not verify(SECRET, forged, request.headers["x-vigil-signature"], now=T0.timestamp())


def test_a_receiver_refuses_another_secret(http_server: HttpServer) -> None:
    call(http_server)
    request = http_server.requests[0]
    now = float(request.json()["timestamp"])
    assert not verify("another-secret", request.body, request.headers["x-vigil-signature"], now=now)


@pytest.mark.parametrize("status", [500, 502, 503, 429, 408])
def test_a_server_error_or_throttling_may_be_retried(http_server: HttpServer, status: int) -> None:
    http_server.fail(1, status)
    with pytest.raises(DeliveryFailed) as failed:
        call(http_server)
    assert failed.value.retryable
    assert failed.value.message.startswith(f"webhook answered {status}")


@pytest.mark.parametrize("status", [400, 401, 404, 410])
def test_a_client_error_is_not_retried(http_server: HttpServer, status: int) -> None:
    http_server.reply(Reply(status, b'{"message": "no such hook"}'))
    with pytest.raises(DeliveryFailed) as failed:
        call(http_server)
    assert not failed.value.retryable
    assert failed.value.message.endswith(": no such hook")


def test_a_redirect_is_not_followed(http_server: HttpServer) -> None:
    http_server.reply(Reply(302, b"", (("Location", "http://127.0.0.1:1/elsewhere"),)))
    with pytest.raises(DeliveryFailed) as failed:
        call(http_server)
    assert not failed.value.retryable
    assert "not followed" in failed.value.message
    assert len(http_server.requests) == 1


def test_a_receiver_too_slow_to_answer_times_out_and_may_be_retried(
    http_server: HttpServer,
) -> None:
    http_server.reply(Reply(delay=5.0))
    with pytest.raises(DeliveryFailed) as failed:
        call(http_server)
    assert failed.value.retryable
    assert failed.value.message == "webhook: no answer within 0.5s"


def test_a_refused_connection_may_be_retried() -> None:
    recipient = Recipient("http://127.0.0.1:1/hook", secret=SECRET)
    with pytest.raises(DeliveryFailed) as failed:
        WebhookSender(settings())(recipient, page())
    assert failed.value.retryable


def test_a_url_of_another_scheme_is_not_called() -> None:
    with pytest.raises(DeliveryFailed) as failed:
        WebhookSender(settings())(Recipient("ftp://example.com/x", secret=SECRET), page())
    assert not failed.value.retryable
