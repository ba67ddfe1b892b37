"""E-mail through a real SMTP server (aiosmtpd on 127.0.0.1)."""

import socket

import pytest

from tests.notify.helpers import page, settings
from tests.notify.servers import SmtpServer
from vigil.notify.channels import DeliveryFailed, Recipient
from vigil.notify.email import EmailSender
from vigil.notify.email import SmtpServer as SmtpAddress
from vigil.notify.message import Notification


def send(server: SmtpServer, notification: Notification, to: str = "ada@example.com") -> None:
    EmailSender(settings(smtp_url=server.url))(Recipient(to), notification)


def test_an_email_reaches_the_server_with_subject_from_and_to(smtp_server: SmtpServer) -> None:
    send(smtp_server, page(7))
    [mail] = smtp_server.received
    assert mail.recipients == ["ada@example.com"]
    assert mail.sender == "vigil@example.com"
    assert mail.message["Subject"] == "[Vigil] Incident #7: Disk 95% full on db-1"
    assert mail.message["From"] == "Vigil <vigil@example.com>"
    assert mail.message["To"] == "ada@example.com"
    assert mail.message["X-Vigil-Incident"] == "7"
    assert mail.message["Auto-Submitted"] == "auto-generated"


def test_the_body_holds_the_summary_and_the_ack_link(smtp_server: SmtpServer) -> None:
    send(smtp_server, page(7))
    body = smtp_server.received[0].message.get_content()
    assert "Incident #7: Disk 95% full on db-1" in body
    assert "Acknowledge: https://vigil.example.com/incidents/7/ack" in body


def test_without_an_ack_url_there_is_no_ack_link(smtp_server: SmtpServer) -> None:
    send(smtp_server, Notification("Disk full", "Disk 95% full", incident_number=9))
    assert "Acknowledge" not in smtp_server.received[0].message.get_content()


def test_a_notification_about_no_incident_has_no_ack_link(smtp_server: SmtpServer) -> None:
    send(smtp_server, Notification("Maintenance starts", "db-1 is muted", kind="maintenance"))
    message = smtp_server.received[0].message
    assert "Acknowledge" not in message.get_content()
    assert message["X-Vigil-Incident"] is None


def test_a_subscriber_message_carries_one_click_unsubscribe(smtp_server: SmtpServer) -> None:
    link = "https://status.example.com/status/acme/subscription/t0k3n/unsubscribe"
    send(smtp_server, Notification("Maintenance", "db", kind="status", unsubscribe_url=link))
    message = smtp_server.received[0].message
    assert str(message["List-Unsubscribe"]).strip() == f"<{link}>"  # folded: it is long
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_other_messages_have_no_unsubscribe_header(smtp_server: SmtpServer) -> None:
    send(smtp_server, page(7))
    assert smtp_server.received[0].message["List-Unsubscribe"] is None


def test_a_multiline_subject_is_sent_on_one_line(smtp_server: SmtpServer) -> None:
    send(smtp_server, page(subject="Disk full\r\nBcc: everyone@example.com"))
    message = smtp_server.received[0].message
    assert message["Subject"] == "Disk full Bcc: everyone@example.com"
    assert message["Bcc"] is None


def test_non_ascii_text_arrives_intact(smtp_server: SmtpServer) -> None:
    send(smtp_server, Notification("Dépassement ⚠", "Température élevée"))
    message = smtp_server.received[0].message
    assert message["Subject"] == "Dépassement ⚠"
    assert message.get_content().strip() == "Température élevée"


def test_a_temporary_smtp_refusal_may_be_retried(smtp_server: SmtpServer) -> None:
    smtp_server.fail(1, "451 4.3.0 Mailbox busy")
    with pytest.raises(DeliveryFailed) as failed:
        send(smtp_server, page())
    assert failed.value.retryable
    assert failed.value.message == "mail server answered 451 4.3.0 Mailbox busy"


def test_a_permanent_smtp_refusal_is_not_retried(smtp_server: SmtpServer) -> None:
    smtp_server.fail(1, "554 5.7.1 Message rejected")
    with pytest.raises(DeliveryFailed) as failed:
        send(smtp_server, page())
    assert not failed.value.retryable
    assert "554" in failed.value.message


def test_a_refused_recipient_is_not_retried(smtp_server: SmtpServer) -> None:
    smtp_server.refuse("nobody@example.com")
    with pytest.raises(DeliveryFailed) as failed:
        send(smtp_server, page(), to="nobody@example.com")
    assert not failed.value.retryable
    assert "550" in failed.value.message
    assert "nobody@example.com" in failed.value.message


def test_an_unreachable_server_may_be_retried() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    with pytest.raises(DeliveryFailed) as failed:
        EmailSender(settings(smtp_url=f"smtp://127.0.0.1:{port}"))(
            Recipient("a@example.com"), page()
        )
    assert failed.value.retryable
    assert failed.value.message.startswith("mail server:")


def test_a_server_that_never_answers_times_out_and_may_be_retried() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"smtp://127.0.0.1:{silent.getsockname()[1]}"
        with pytest.raises(DeliveryFailed) as failed:
            EmailSender(settings(smtp_url=url))(Recipient("a@example.com"), page())
    assert failed.value.retryable
    assert "no answer within 0.5s" in failed.value.message


def test_a_malformed_smtp_url_is_a_failure_that_retrying_cannot_fix() -> None:
    with pytest.raises(DeliveryFailed) as failed:
        EmailSender(settings(smtp_url="mail.example.com"))(Recipient("a@example.com"), page())
    assert not failed.value.retryable


def test_the_smtp_url_names_host_port_credentials_and_tls() -> None:
    assert SmtpAddress.from_url("smtp://127.0.0.1:2525") == SmtpAddress("127.0.0.1", 2525, False)
    assert SmtpAddress.from_url("smtps://bot%40example.com:p%2Fw@mail.example.com") == SmtpAddress(
        "mail.example.com", 465, True, "bot@example.com", "p/w"
    )
    assert SmtpAddress.from_url("smtp://mail.example.com").port == 25
