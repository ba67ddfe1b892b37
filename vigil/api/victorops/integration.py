"""The REST-endpoint integration: POST /integrations/generic/20131114/alert/{key}[/{routing key}].

This is the hot path, so it is a bare ASGI app: no dependency injection and no pydantic, one
JSON parse, then the alert joins the ingestion queue, whose group commit answers it once it is
stored.
"""

import logging
from typing import Any

import orjson
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import Receive, Scope, Send

from vigil import clock
from vigil.alerts.batching import IngestQueue
from vigil.alerts.ingest import UnknownRestKey, parse_alert
from vigil.errors import DomainError

log = logging.getLogger("vigil.ingest")

PREFIX = "/integrations/generic/20131114/alert/"
ROUTE = PREFIX + "{rest_key}/{routing_key}"
_JSON_HEADERS = [(b"content-type", b"application/json")]


class AlertIntegration:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.queue = IngestQueue(sessions)

    async def __call__(self, scope: Scope, receive_message: Receive, send: Send) -> None:
        path: str = scope["path"]
        if not path.startswith(PREFIX):
            await _answer(send, 404, {"result": "failure", "message": "Not Found"})
            return
        if scope["method"] != "POST":
            await _answer(send, 405, {"result": "failure", "message": "Use POST"})
            return
        key, _, routing_key = path[len(PREFIX) :].strip("/").partition("/")
        body = await _read_body(receive_message)
        try:
            payload = orjson.loads(body) if body else None
        except orjson.JSONDecodeError as error:
            await _answer(send, 400, _failure(f"Body is not valid JSON: {error}"))
            return
        if not isinstance(payload, dict):
            await _answer(send, 400, _failure("Body must be a JSON object"))
            return
        raw = body.decode("utf-8", errors="replace")
        try:
            alert = parse_alert(routing_key or None, payload, raw, clock.now())
            ingested = await self.queue.submit(key, alert)
        except UnknownRestKey:
            await _answer(send, 404, _failure("Unknown REST endpoint key"))
            return
        except DomainError as error:
            await _answer(send, 400, _failure(error.message))
            return
        await _answer(send, 200, {"result": "success", "entity_id": ingested.entity_id})


def _failure(message: str) -> dict[str, str]:
    return {"result": "failure", "message": message}


async def _read_body(receive_message: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive_message()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


async def _answer(send: Send, status: int, body: dict[str, Any]) -> None:
    content = orjson.dumps(body)
    headers = [*_JSON_HEADERS, (b"content-length", str(len(content)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": content})
