"""``POST /packets`` (and ``POST /replies``, an organisation asking for CMM's replies) as an ASGI application:
the framing checks of the HTTPS intake.

Everything a peer could use to hold the intake up is refused before the packet is read: a blocked
client (429), headers over their limit (431), another path or method (404, 405), no length or one that
is not a number (411, 400), a length over the limit (413). The body must then arrive whole before the
request's deadline (408). Only then does the packet go to the intake, which answers with CMM's receipt.
The ``X-Packet-Id`` header is never read: receipts name only packet ids from inside packets whose
signature verified.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable

from fieldapp.cmm.limits import Limits, RefusalLimiter, client_key
from fieldapp.protocol import receipt
from fieldapp.protocol.crypto import MAX_PACKET_BYTES

log = logging.getLogger(__name__)

PATH = "/packets"
REPLIES_PATH = "/replies"
HTTP_VERSIONS = ("1.0", "1.1")
Process = Callable[[bytes], Awaitable[tuple[int, bytes, bool]]]   # status, body, a new packet


class _Refusal(Exception):
    def __init__(self, status: int, code: str, headers: tuple[tuple[bytes, bytes], ...] = ()) -> None:
        super().__init__(code)
        self.status, self.code, self.headers = status, code, headers


class _Gone(Exception):
    """The peer closed the connection before its request was whole: there is no one to answer."""


def unauthenticated(status: int) -> bool:
    """A refusal that counts towards a client's refusal limit: any 4xx but a signed refusal (422) or 429."""
    return 400 <= status < 500 and status not in (422, 429)


class PacketEndpoint:
    """The ASGI application. ``process`` checks and stores one packet (off the event loop) and returns
    (status, body); ``opened``/``closed`` tell it when a connection starts and ends, so that a request's
    deadline counts from the moment the server began waiting for it."""

    def __init__(self, process: Process, limits: Limits, replies: Process | None = None) -> None:
        self.process, self.limits, self.replies = process, limits, replies
        self.limiter = RefusalLimiter(limits.refusal_limit, limits.refusal_window, limits.refusal_block,
                                      limits.max_clients_tracked)
        self._waiting_since: dict[tuple, float] = {}     # per open connection, by (address, port)

    def opened(self, peer: tuple) -> None:
        self._waiting_since[peer] = asyncio.get_running_loop().time()

    def closed(self, peer: tuple) -> None:
        self._waiting_since.pop(peer, None)

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
        if scope["type"] != "http":
            return
        peer = tuple(scope.get("client") or ("", 0))
        key = client_key(peer[0], _headers(scope, b"x-forwarded-for"), self.limits.trusted_proxies)
        try:
            status, body, headers, fresh = await self._answer(scope, receive, key, peer)
        except _Gone:
            return
        if unauthenticated(status) or (scope.get("path") == REPLIES_PATH and 400 <= status < 500 and status != 429):
            self.limiter.refused(key)            # a refused request for replies is never "a signed refusal"
        elif fresh:                      # a new packet: a replayed one ("duplicate") clears nothing
            self.limiter.accepted(key)
        headers = [(b"content-type", b"application/octet-stream"), (b"content-length", str(len(body)).encode()),
                   *headers]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        if peer in self._waiting_since:
            self._waiting_since[peer] = asyncio.get_running_loop().time()

    async def _answer(self, scope: dict, receive: Callable, key: str, peer: tuple) -> tuple[int, bytes, tuple, bool]:
        try:
            length = self._check(scope, key)
            data = await self._body(receive, length, self._deadline(peer))
        except _Refusal as refusal:
            return refusal.status, receipt.error(refusal.code), refusal.headers, False
        handler = self.replies if scope["path"] == REPLIES_PATH and self.replies is not None else self.process
        try:
            status, body, fresh = await handler(data)
        except Exception as exc:     # noqa: BLE001 - a full disk must not take the server down
            log.warning("packet could not be received: %s", type(exc).__name__)
            return 503, receipt.error("unavailable"), (), False
        return status, body, (), fresh

    def _check(self, scope: dict, key: str) -> int:
        """The announced length of an acceptable request, or a refusal; nothing of the body is read."""
        if scope.get("http_version") not in HTTP_VERSIONS:
            raise _Refusal(505, "http_version")
        wait = self.limiter.blocked_for(key)
        if wait:
            raise _Refusal(429, "rate_limited", ((b"retry-after", str(math.ceil(wait)).encode()),))
        if sum(len(name) + len(value) for name, value in scope.get("headers", ())) > self.limits.max_header_bytes:
            raise _Refusal(431, "headers_too_large")     # h11 caps only what it buffers while headers are incomplete
        if scope["path"] != PATH and (scope["path"] != REPLIES_PATH or self.replies is None):
            raise _Refusal(404, "not_found")
        if scope["method"] != "POST":
            raise _Refusal(405, "method_not_allowed", ((b"allow", b"POST"),))
        lengths = _headers(scope, b"content-length")
        if _headers(scope, b"transfer-encoding") or not lengths:
            raise _Refusal(411, "length_required")
        if len(lengths) > 1 or not lengths[0].isdigit() or len(lengths[0]) > 12:
            raise _Refusal(400, "bad_length")
        length = int(lengths[0])
        if length > MAX_PACKET_BYTES:
            raise _Refusal(413, "too_large")
        return length

    def _deadline(self, peer: tuple) -> float:
        now = asyncio.get_running_loop().time()
        return self._waiting_since.get(peer, now) + self.limits.request_timeout

    async def _body(self, receive: Callable, length: int, deadline: float) -> bytes:
        """Exactly ``length`` bytes by ``deadline``; a body longer than announced is cut off."""
        chunks, size = [], 0
        try:
            async with asyncio.timeout_at(deadline):
                more = True
                while more:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        raise _Gone()
                    chunk = message.get("body", b"")
                    size += len(chunk)
                    if size > length:
                        raise _Refusal(413, "too_large")
                    chunks.append(chunk)
                    more = message.get("more_body", False)
        except TimeoutError:
            raise _Refusal(408, "request_timeout") from None
        if size != length:
            raise _Refusal(400, "truncated")
        return b"".join(chunks)


def _headers(scope: dict, name: bytes) -> list[bytes]:
    return [value.strip() for key, value in scope.get("headers", ()) if key.lower() == name]
