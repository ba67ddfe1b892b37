"""Push notifications through an ntfy-compatible server (a local HTTP server)."""

import base64

import pytest

from tests.notify.helpers import page, settings
from tests.notify.servers import HttpServer
from vigil.notify.channels import DeliveryFailed, Recipient
from vigil.notify.message import Notification
from vigil.notify.ntfy import PushSender


def test_a_push_posts_the_body_to_the_topic_url_with_ntfy_headers(http_server: HttpServer) -> None:
    PushSender(settings())(Recipient(f"{http_server.url}/ops-alerts"), page(7))
    [request] = http_server.requests
    assert (request.method, request.path) == ("POST", "/ops-alerts")
    assert request.body.decode() == "Incident #7: Disk 95% full on db-1\n\nentity: disk-space"
    assert request.headers["title"] == "[Vigil] Incident #7: Disk 95% full on db-1"
    assert request.headers["priority"] == "urgent"
    assert request.headers["tags"] == "rotating_light"
    assert request.headers["click"] == "https://vigil.example.com/incidents/7/ack"
    assert "authorization" not in request.headers


def test_a_bare_topic_name_lives_under_the_configured_server(http_server: HttpServer) -> None:
    PushSender(settings(ntfy_base_url=http_server.url))(Recipient("ops-alerts"), page())
    assert http_server.requests[0].path == "/ops-alerts"


def test_a_maintenance_notice_is_pushed_at_default_priority(http_server: HttpServer) -> None:
    notice = Notification("Maintenance starts", "db-1 muted", kind="maintenance")
    PushSender(settings())(Recipient(f"{http_server.url}/ops"), notice)
    request = http_server.requests[0]
    assert (request.headers["priority"], request.headers["tags"]) == ("default", "wrench")
    assert "click" not in request.headers


def test_an_access_token_is_sent_as_a_bearer_token(http_server: HttpServer) -> None:
    PushSender(settings(ntfy_token="tk_abc"))(Recipient(f"{http_server.url}/ops"), page())
    assert http_server.requests[0].headers["authorization"] == "Bearer tk_abc"


def test_a_non_ascii_title_is_sent_as_an_encoded_word(http_server: HttpServer) -> None:
    PushSender(settings())(Recipient(f"{http_server.url}/ops"), Notification("Dépassement ⚠", "x"))
    title = http_server.requests[0].headers["title"]
    assert title.startswith("=?UTF-8?B?") and title.endswith("?=")
    assert base64.b64decode(title[10:-2]).decode() == "Dépassement ⚠"


def test_an_address_that_is_neither_url_nor_topic_is_refused_for_good() -> None:
    with pytest.raises(DeliveryFailed) as failed:
        PushSender(settings())(Recipient("not a topic!"), page())
    assert not failed.value.retryable


def test_a_push_server_error_may_be_retried(http_server: HttpServer) -> None:
    http_server.fail(1, 502)
    with pytest.raises(DeliveryFailed) as failed:
        PushSender(settings())(Recipient(f"{http_server.url}/ops"), page())
    assert failed.value.retryable
    assert failed.value.message.startswith("push server answered 502")
