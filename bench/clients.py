"""HTTP/1.1 keep-alive clients for the load generator: a raw asyncio one (the default) and httpx.

The load generator shares the machine with the server, so every microsecond the client spends
per request is taken from the server. The raw client costs a fraction of what httpx costs; httpx
stays selectable (`--client httpx`) to check that the figures do not depend on the client.
"""

import asyncio
import json
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import httpx

ClientKind = Literal["raw", "httpx"]
REQUEST_TIMEOUT = 10.0
# uvicorn closes a keep-alive connection idle for 5 s: one idle longer is reopened before use
# (a setup that seeds the database directly leaves its connection idle for a while).
IDLE_REOPEN = 4.0


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Http(Protocol):
    """What a scenario's request function is given: one request at a time, default headers added."""

    async def request(self, method: str, path: str, body: Any = None) -> Response: ...


class RawConnection:
    """One keep-alive HTTP/1.1 connection, opened on first use and again after any failure."""

    def __init__(self, host: str, port: int, headers: Mapping[str, str]) -> None:
        self.host, self.port = host, port
        lines = {"Host": f"{host}:{port}", **headers}
        self.head = "".join(f"{name}: {value}\r\n" for name, value in lines.items())
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        self.last_used = 0.0

    async def request(self, method: str, path: str, body: Any = None) -> Response:
        payload = b"" if body is None else json.dumps(body).encode()
        head = f"{method} {path} HTTP/1.1\r\n{self.head}Content-Length: {len(payload)}\r\n"
        if body is not None:
            head += "Content-Type: application/json\r\n"
        if self.streams is not None and time.monotonic() - self.last_used > IDLE_REOPEN:
            self.close()
        if self.streams is None:
            self.streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self.streams
        try:
            writer.write(head.encode("latin-1") + b"\r\n" + payload)
            status, headers = await _read_head(reader)
            content = await _read_body(reader, headers)
        except BaseException:  # a timeout or error leaves the connection in an unknown state
            self.close()
            raise
        self.last_used = time.monotonic()
        framed = "content-length" in headers or _chunked(headers)
        if not framed or headers.get("connection", "").lower() == "close":
            self.close()
        return Response(status, content)

    def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()
            self.streams = None


async def _read_head(reader: asyncio.StreamReader) -> tuple[int, dict[str, str]]:
    lines = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name:
            headers[name.strip().lower()] = value.strip()
    return int(lines[0].split()[1]), headers


async def _read_body(reader: asyncio.StreamReader, headers: Mapping[str, str]) -> bytes:
    if "content-length" in headers:
        return await reader.readexactly(int(headers["content-length"]))
    if not _chunked(headers):
        return await reader.read()  # delimited by the server closing the connection
    chunks = []
    while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
        chunks.append((await reader.readexactly(size + 2))[:-2])
    await reader.readuntil(b"\r\n")  # the end of the (empty) trailer section
    return b"".join(chunks)


def _chunked(headers: Mapping[str, str]) -> bool:
    return headers.get("transfer-encoding", "").lower() == "chunked"


class HttpxClient:
    """A shared httpx.AsyncClient behind the `Http` interface."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def request(self, method: str, path: str, body: Any = None) -> Response:
        response = await self.client.request(method, path, json=body)
        return Response(response.status_code, response.content)


@asynccontextmanager
async def connections(
    kind: ClientKind, host: str, port: int, headers: Mapping[str, str], count: int
) -> AsyncIterator[list[Http]]:
    """`count` clients for `count` concurrent workers, closed on exit."""
    if kind == "httpx":
        limits = httpx.Limits(max_connections=count, max_keepalive_connections=count)
        async with httpx.AsyncClient(
            base_url=f"http://{host}:{port}",
            headers=dict(headers),
            limits=limits,
            timeout=REQUEST_TIMEOUT,
        ) as client:
            yield [HttpxClient(client)] * count
        return
    raw = [RawConnection(host, port, headers) for _ in range(count)]
    try:
        yield list(raw)
    finally:
        for connection in raw:
            with suppress(OSError):
                connection.close()
