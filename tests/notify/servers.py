"""Real local servers for delivery tests: SMTP (aiosmtpd) and HTTP, both on 127.0.0.1.

Each records what it received and can be told to fail a number of times, so tests exercise the
real client libraries, sockets and protocols. Reuse them from any test package with
`from tests.notify.servers import http_server, smtp_server  # noqa: F401` (they are fixtures).
"""

import asyncio
import email
import email.policy
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

import orjson
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

# --- SMTP ----------------------------------------------------------------------------------------


@dataclass
class ReceivedMail:
    sender: str
    recipients: list[str]
    message: EmailMessage


class _MailHandler:
    def __init__(self, server: "SmtpServer") -> None:
        self._server = server

    async def handle_RCPT(
        self, smtp: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address in self._server.refused:
            return f"550 5.1.1 <{address}>: Recipient address rejected: no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, smtp: SMTP, session: Session, envelope: Envelope) -> str:
        with self._server.lock:
            if self._server.failures:
                self._server.failures -= 1
                return self._server.failure_reply
        raw = envelope.original_content or b""
        message = email.message_from_bytes(raw, policy=email.policy.default)
        with self._server.lock:
            self._server.received.append(
                ReceivedMail(str(envelope.mail_from), list(envelope.rcpt_tos), message)
            )
        return "250 Message accepted for delivery"


class _Controller(Controller):
    """aiosmtpd's Controller, listening on a port the system picks (port 0)."""

    def _trigger_server(self) -> None:
        assert isinstance(self.server, asyncio.Server)
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()  # type: ignore[no-untyped-call]


@dataclass
class SmtpServer:
    """An SMTP server on 127.0.0.1 that keeps every message it accepts."""

    received: list[ReceivedMail] = field(default_factory=list)
    refused: set[str] = field(default_factory=set)
    failures: int = 0
    failure_reply: str = "451 4.3.0 Try again later"
    lock: threading.Lock = field(default_factory=threading.Lock)
    port: int = 0

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def fail(self, times: int, reply: str = "451 4.3.0 Try again later") -> None:
        """Answer the next `times` messages with `reply` instead of accepting them."""
        with self.lock:
            self.failures = times
            self.failure_reply = reply

    def refuse(self, address: str) -> None:
        """Refuse this recipient for good (550)."""
        self.refused.add(address)


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    controller = _Controller(
        _MailHandler(server), hostname="127.0.0.1", port=0, enable_SMTPUTF8=True
    )
    controller.start()
    server.port = controller.port
    try:
        yield server
    finally:
        controller.stop()


# --- HTTP ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b"{}"
    headers: tuple[tuple[str, str], ...] = (("Content-Type", "application/json"),)
    delay: float = 0.0
    """Seconds to wait before answering (for timeouts); stopping the server ends the wait."""


@dataclass(frozen=True)
class ReceivedRequest:
    method: str
    path: str
    headers: dict[str, str]
    """Header names in lower case."""
    body: bytes

    def json(self) -> Any:
        return orjson.loads(self.body)

    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode(), keep_blank_values=True))


class HttpServer:
    """An HTTP server on 127.0.0.1 that records every request and answers as it is told.

    Answers come from a queue (`reply`, `fail`); when it is empty, `default` answers.
    """

    def __init__(self) -> None:
        self.requests: list[ReceivedRequest] = []
        self.default = Reply()
        self._replies: deque[Reply] = deque()
        self._lock = threading.Lock()
        self.stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def reply(self, *replies: Reply) -> None:
        with self._lock:
            self._replies.extend(replies)

    def fail(self, times: int, status: int = 503, body: bytes = b"unavailable") -> None:
        self.reply(*[Reply(status, body, (("Content-Type", "text/plain"),))] * times)

    def next_reply(self, request: ReceivedRequest) -> Reply:
        with self._lock:
            self.requests.append(request)
            return self._replies.popleft() if self._replies else self.default

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def _handler_for(server: HttpServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self._answer()

        def do_GET(self) -> None:
            self._answer()

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {name.lower(): value for name, value in self.headers.items()}
            reply = server.next_reply(ReceivedRequest(self.command, self.path, headers, body))
            if reply.delay and server.stopping.wait(reply.delay):
                return
            self.send_response(reply.status)
            for name, value in reply.headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def http_server() -> Iterator[HttpServer]:
    server = HttpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
