"""CMM's HTTPS intake on hypercorn: ``POST /packets`` with the packet file as the body; the answer is CMM's
signed receipt (200 accepted or duplicate, 422 refused) or an unsigned error (400, 404, 405, 408, 411,
413, 429, 431, 503, 505; docs/cmm/https.md).

Hypercorn speaks HTTP/1.1 on each connection; this module accepts the connections itself, because
hypercorn has no cap on them: a connection over ``Limits.max_connections`` (in all, or per client) is
closed at once, before its TLS handshake, so that the accepted ones are never starved. Each handshake
runs on the event loop with its own timeout and holds up no one else; HTTP/2 is cut off before hypercorn
could switch to it. Packets go to the intake one at a time on one worker thread (one store connection, a
file or a database that other desks share). No access log: the addresses of
NGOs' laptops are not CMM's business. The certificate is CMM's; NGOs pin its SHA-256 fingerprint.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import signal
import socket
import ssl
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from hypercorn.app_wrappers import ASGIWrapper
from hypercorn.asyncio.tcp_server import TCPServer
from hypercorn.asyncio.worker_context import WorkerContext
from hypercorn.config import Config

from fieldapp.cmm.endpoint import PacketEndpoint
from fieldapp.cmm.intake import Intake
from fieldapp.cmm.limits import ConnectionGate, Limits
from fieldapp.protocol import receipt

log = logging.getLogger(__name__)

BACKLOG = 128
TLS_CLOSE_TIMEOUT = 2.0


class IntakeServer:
    """Listens from construction on (``port`` 0: any free port, then read ``.port``); ``run`` serves until
    ``stop`` (from any thread) or, with ``signals``, SIGINT/SIGTERM. Stopping accepts no new connection,
    closes idle ones, lets requests in flight finish (up to ``Limits.graceful_timeout``), then returns."""

    def __init__(self, intake: Intake, host: str, port: int, certfile: Path, keyfile: Path,
                 limits: Limits | None = None) -> None:
        self.limits = limits or Limits()
        self._tls = tls_context(certfile, keyfile)
        self._intake, self._lock = intake, threading.Lock()
        self._endpoint = PacketEndpoint(self._process, self.limits, self._replies)
        self._gate = ConnectionGate(self.limits.max_connections, self.limits.max_connections_per_client,
                                    self.limits.trusted_proxies)
        self._config = hypercorn_config(self.limits)
        self._sock = _listen(host, port)
        self.port: int = self._sock.getsockname()[1]
        self._worker: ThreadPoolExecutor | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._stop_asked = False

    @property
    def open_connections(self) -> int:
        return self._gate.open

    def run(self, *, signals: bool = False) -> None:
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cmm-intake")
        try:
            asyncio.run(self._serve(signals))
        finally:
            self._worker.shutdown(wait=True)     # a packet being stored is stored before the store is closed
            self._sock.close()

    def stop(self) -> None:
        """Ask a running server to stop gracefully (or one about to run not to start); returns at once."""
        self._stop_asked = True
        loop, stopping = self._loop, self._stopping
        if loop is not None and stopping is not None:
            with contextlib.suppress(RuntimeError):      # the loop has already finished
                loop.call_soon_threadsafe(stopping.set)

    def close(self) -> None:
        """Release the listening socket of a server that never ran."""
        self._sock.close()

    async def _process(self, data: bytes) -> tuple[int, bytes, bool]:
        return await asyncio.get_running_loop().run_in_executor(self._worker, self._receive, data)

    def _receive(self, data: bytes) -> tuple[int, bytes, bool]:
        """(status, body, whether a new packet was accepted)."""
        with self._lock:
            outcome = self._intake.receive_one(data, "https")
        return outcome.http_status, outcome.http_body, outcome.accepted

    async def _replies(self, data: bytes) -> tuple[int, bytes, bool]:
        return await asyncio.get_running_loop().run_in_executor(self._worker, self._hand_replies, data)

    def _hand_replies(self, data: bytes) -> tuple[int, bytes, bool]:
        """(200, the bundle of the asking organisation's replies) or a refusal: 422 for a request whose
        signature verified but that is stale or malformed, 403 for one that does not verify."""
        from fieldapp.cmm import replies
        from fieldapp.protocol.reasons import AUTHENTICATED, Rejected

        try:
            with self._lock:
                return 200, replies.for_request(self._intake.conn, data, self._intake.secret), False
        except Rejected as refusal:
            return (422 if refusal.code in AUTHENTICATED else 403), receipt.error(refusal.code), False

    async def _serve(self, signals: bool) -> None:
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(_quiet_handler)
        self._stopping = asyncio.Event()
        self._loop = loop
        if self._stop_asked:
            self._stopping.set()
        if signals:
            _on_signals(loop, self._stopping.set)
        connections = _Connections(self, loop)
        server = await asyncio.start_server(connections.accepted, sock=self._sock, backlog=BACKLOG)
        try:
            await self._stopping.wait()
        finally:
            server.close()
            await connections.finish(self.limits.graceful_timeout)


class _Connections:
    """The connections of one run: the gate, the TLS handshake, hypercorn's HTTP/1.1, and their ending.
    Each connection has its own hypercorn context, so that one can be ended without the others."""

    def __init__(self, server: IntakeServer, loop: asyncio.AbstractEventLoop) -> None:
        self.server, self.loop = server, loop
        self.app = ASGIWrapper(server._endpoint)
        self.open: dict[asyncio.Task, tuple[asyncio.StreamWriter, WorkerContext]] = {}
        self.handshaking: set[asyncio.Task] = set()
        self.stopping = False

    async def accepted(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # Nothing may be awaited before start_tls pauses reading: the ClientHello must reach the TLS layer.
        peer = tuple((writer.get_extra_info("peername") or ("", 0))[:2])
        gate, limits, endpoint = self.server._gate, self.server.limits, self.server._endpoint
        client = peer[0]
        if self.stopping or not gate.enter(client):
            writer.transport.abort()
            return
        task, context = asyncio.current_task(), WorkerContext(None)
        self.open[task] = writer, context
        self.handshaking.add(task)
        try:
            await writer.start_tls(self.server._tls, ssl_handshake_timeout=limits.handshake_timeout)
            self.handshaking.discard(task)
            endpoint.opened(peer)
            await TCPServer(self.app, self.loop, self.server._config, context, {}, _Reading(reader, context),
                            _Closing(writer))
        except (OSError, asyncio.CancelledError):     # a failed handshake, a reset, the end of a stop's grace
            pass
        except Exception as exc:                     # noqa: BLE001 - one peer must never stop the server
            log.warning("connection failed: %s", type(exc).__name__)
        finally:
            writer.transport.abort()
            del self.open[task]
            self.handshaking.discard(task)
            endpoint.closed(peer)
            gate.leave(client)

    async def finish(self, grace: float) -> None:
        """Close idle connections and handshakes now; give requests in flight ``grace`` seconds."""
        self.stopping = True
        for _writer, context in list(self.open.values()):
            await context.terminated.set()        # hypercorn closes an idle connection, and a busy one after its answer
        for task in list(self.handshaking):
            task.cancel()
        if self.open:
            await asyncio.wait(set(self.open), timeout=grace)
        for task, (writer, _context) in list(self.open.items()):
            writer.transport.abort()
            task.cancel()
        await asyncio.gather(*self.open, return_exceptions=True)


H2_START = b"PRI "        # the start of HTTP/2's connection preface, "PRI * HTTP/2.0"


class _Reading:
    """The stream reader as hypercorn gets it, except that the peer's leaving ends the connection at once:
    hypercorn would otherwise keep it, and its place under the cap, until its idle timer ran out."""

    def __init__(self, reader: asyncio.StreamReader, context: WorkerContext) -> None:
        self._reader, self._context = reader, context
        self._start = b""          # the first bytes of the connection, until HTTP/2's preface is ruled out

    def at_eof(self) -> bool:
        return self._reader.at_eof()

    async def read(self, n: int) -> bytes:
        try:
            data = await self._reader.read(n)
        except BaseException:
            await self._context.terminated.set()
            raise
        if not data:
            await self._context.terminated.set()
            return data
        if len(self._start) < len(H2_START):
            # HTTP/2 is refused before hypercorn sees it: its engine would switch to HTTP/2 whatever TLS agreed,
            # and an HTTP/2 peer that never opens its window would hold the connection past every timeout.
            self._start += data[:len(H2_START) - len(self._start)]
            if self._start == H2_START:
                await self._context.terminated.set()
                return b""
        return data


class _Closing:
    """The stream writer as hypercorn gets it, except that a close gives the peer TLS_CLOSE_TIMEOUT to answer
    the TLS close, not asyncio's 30 seconds: a peer that never answers would hold its connection that long."""

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self._writer = writer

    def __getattr__(self, name: str):
        return getattr(self._writer, name)

    def close(self) -> None:
        self._writer.close()
        asyncio.get_running_loop().call_later(TLS_CLOSE_TIMEOUT, self._writer.transport.abort)

    async def wait_closed(self) -> None:
        """A peer that sends more after the close makes the TLS close fail; the connection is closed all the same."""
        with contextlib.suppress(OSError):
            await self._writer.wait_closed()


def tls_context(certfile: Path, keyfile: Path) -> ssl.SSLContext:
    """TLS 1.2 or later, HTTP/1.1 only, no renegotiation."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.options |= ssl.OP_NO_COMPRESSION | ssl.OP_NO_RENEGOTIATION
    context.set_alpn_protocols(["http/1.1"])
    context.load_cert_chain(str(certfile), str(keyfile))
    return context


def hypercorn_config(limits: Limits) -> Config:
    config = Config()
    config.accesslog = None
    config.errorlog = log
    config.include_server_header = False
    # Hypercorn's idle timer runs from the connection's start (or the last answer) until a request's headers
    # are whole: it is the idle and the header timeout at once. Its read_timeout bounds each read only, so a
    # peer sending a byte a second never meets it; the endpoint's deadline cuts such a peer off instead.
    config.keep_alive_timeout = min(limits.idle_timeout, limits.request_timeout)
    config.read_timeout = None
    config.h11_max_incomplete_size = limits.max_header_bytes
    config.keep_alive_max_requests = 100
    config.h2_max_concurrent_streams = 1     # HTTP/2 is cut off before it reaches hypercorn (``_Reading``)
    return config


def _listen(host: str, port: int) -> socket.socket:
    family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0][0]
    return socket.create_server((host, port), family=family, backlog=BACKLOG)


def _on_signals(loop: asyncio.AbstractEventLoop, stop) -> None:
    for name in ("SIGINT", "SIGTERM", "SIGBREAK"):
        if hasattr(signal, name):
            try:
                loop.add_signal_handler(getattr(signal, name), stop)
            except NotImplementedError:                  # Windows
                signal.signal(getattr(signal, name), lambda *_args: loop.call_soon_threadsafe(stop))


def _quiet_handler(loop: asyncio.AbstractEventLoop, context: dict) -> None:
    """A peer's failed handshake or reset is routine, and its details would name the peer."""
    if not isinstance(context.get("exception"), OSError):
        loop.default_exception_handler(context)


@contextlib.contextmanager
def serving(intake: Intake, host: str, port: int, certfile: Path, keyfile: Path,
            **limits) -> Iterator[IntakeServer]:
    """An intake server running on a background thread (``port`` 0: read ``.port``); stopped gracefully on exit."""
    server = IntakeServer(intake, host, port, certfile, keyfile, Limits(**limits))
    failure: list[BaseException] = []

    def run() -> None:
        try:
            server.run()
        except BaseException as exc:     # noqa: BLE001 - raised again on the caller's thread
            failure.append(exc)

    thread = threading.Thread(target=run, name="cmm-intake-server", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.stop()
        thread.join()
    if failure:
        raise failure[0]


def serve(intake: Intake, host: str, port: int, certfile: Path, keyfile: Path, *, ready=None, **limits) -> None:
    """Serve on this thread until SIGINT or SIGTERM, then stop gracefully; ``ready(server)`` is called once
    the server listens."""
    server = IntakeServer(intake, host, port, certfile, keyfile, Limits(**limits))
    try:
        if ready is not None:
            ready(server)
    except BaseException:
        server.close()
        raise
    server.run(signals=True)


def certificate_fingerprint(certfile: Path) -> str:
    """SHA-256 of the certificate (DER) — what NGOs pin."""
    der = ssl.PEM_cert_to_DER_cert(Path(certfile).read_text(encoding="ascii"))
    return hashlib.sha256(der).hexdigest()
