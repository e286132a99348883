"""CMM's HTTPS intake against hostile and careless peers, on 127.0.0.1: idle and half-sent connections hold
up no one, a trickle is cut off, sizes are checked before the body is read, refusals are rate limited per
client, every packet is counted exactly once under load, and a stop lets the request in flight finish."""

from __future__ import annotations

import argparse
import contextlib
import http.client
import io
import os
import random
import re
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import h2.config
import h2.connection
import h2.settings
import pytest

import fieldapp.cmm
from fieldapp.cli_features.referral import register
from fieldapp.cmm import intake
from fieldapp.cmm import store as intake_store
from fieldapp.cmm.limits import ConnectionGate, Limits, RefusalLimiter, client_key
from fieldapp.cmm.server import serving, tls_context
from fieldapp.errors import ExitCode
from fieldapp.protocol import crypto, receipt
from fieldapp.protocol.crypto import MAX_PACKET_BYTES
from fieldapp.protocol.reasons import AUTHENTICATED, REASONS
from tests.referral.helpers import ORG_SEED, cmm_secret, sealed, tls_certificate, valid_packet

HOST = "127.0.0.1"
ROOT = Path(__file__).resolve().parents[2]
# Short enough for quick tests; each test that is about something else sets the times it needs.
LIMITS = {"handshake_timeout": 1.0, "idle_timeout": 1.0, "request_timeout": 1.5, "graceful_timeout": 5.0,
          "refusal_limit": 3, "refusal_window": 30.0, "refusal_block": 1.0}


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    return tls_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def desk(tmp_path):
    conn = intake_store.create(tmp_path / "intake.store", "cmm passphrase for tests")
    intake.register(conn, crypto.org_key_file(ORG_SEED, "Test NGO"))
    yield intake.Intake(conn, cmm_secret())
    intake_store.close(conn)


@contextlib.contextmanager
def _server(desk, tls, **limits):
    with serving(desk, HOST, 0, *tls, **{**LIMITS, **limits}) as server:
        yield server


def _connect(port: int, timeout: float = 5.0) -> ssl.SSLSocket:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    return context.wrap_socket(socket.create_connection((HOST, port), timeout=timeout))


def _head(length: int | None, *, method: str = "POST", path: str = "/packets", extra: str = "") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}", "Content-Type: application/octet-stream"]
    lines += [f"Content-Length: {length}"] if length is not None else []
    return ("\r\n".join(lines) + "\r\n" + extra + "\r\n").encode("latin-1")


def _answer(sock: ssl.SSLSocket) -> tuple[int, bytes, http.client.HTTPResponse]:
    response = http.client.HTTPResponse(sock)
    response.begin()
    return response.status, response.read(), response


def _post(port: int, data: bytes, extra: str = "") -> tuple[int, bytes]:
    with _connect(port) as sock:
        sock.sendall(_head(len(data), extra=extra) + data)
        status, body, _response = _answer(sock)
    return status, body


def _closed_within(sock: socket.socket, seconds: float) -> bool:
    """True if the server closes the connection within ``seconds`` (reading anything it still sends)."""
    sock.settimeout(seconds)
    end = time.monotonic() + seconds
    try:
        while time.monotonic() < end:
            if not sock.recv(4096):
                return True
    except (ConnectionError, ssl.SSLError):
        return True
    except TimeoutError:
        return False
    return False


def _outcome(body: bytes, cmm) -> str:
    found = receipt.verify(body, cmm.public)
    return found["outcome"] if found else ""


def test_idle_and_half_sent_connections_do_not_hold_up_another_client(desk, tls) -> None:
    # Long timeouts: the packet must get through while the others are still there, not after they are cut off.
    with _server(desk, tls, handshake_timeout=30, idle_timeout=30, request_timeout=30) as server:
        idle = socket.create_connection((HOST, server.port))              # no TLS handshake, nothing sent
        half = _connect(server.port)
        half.sendall(_head(1000) + b"x" * 10)                               # a tenth of its body, then silence
        started = time.monotonic()
        status, body = _post(server.port, sealed(valid_packet(), desk.secret))
        assert status == 200 and _outcome(body, desk.secret) == "accepted"
        assert time.monotonic() - started < 2
        assert not _closed_within(idle, 0.2) and not _closed_within(half, 0.2)   # held, not closed to make room
        idle.close()
        half.close()


def test_a_trickling_client_is_cut_off_by_the_deadline(desk, tls) -> None:
    with _server(desk, tls) as server:
        started, sock = time.monotonic(), _connect(server.port)
        sock.sendall(_head(1000))
        sock.settimeout(0.5)
        with contextlib.suppress(OSError):
            for _ in range(40):                               # a byte every 0.1 s: no single read ever waits long
                sock.sendall(b"x")
                time.sleep(0.1)
        try:                 # the answer may be lost to the reset that closing on unread bytes causes (TCP)
            status, body, _response = _answer(sock)
            assert status == 408 and receipt.read_error(body) == "request_timeout"
        except (http.client.IncompleteRead, http.client.RemoteDisconnected, ConnectionError, ssl.SSLError):
            assert _closed_within(sock, 0.1)
        assert 1.0 < time.monotonic() - started < 3.0
        sock.close()

        started, sock = time.monotonic(), _connect(server.port)     # headers trickling: cut off too
        with contextlib.suppress(OSError):
            for byte in _head(10):
                sock.sendall(bytes([byte]))
                time.sleep(0.1)
        assert _closed_within(sock, 2) and time.monotonic() - started < 3.0
        sock.close()
        assert intake_store.packet_count(desk.conn) == 0


def test_a_length_over_the_limit_gets_413_before_any_body_is_sent(desk, tls) -> None:
    with _server(desk, tls, request_timeout=30, idle_timeout=30) as server:
        sock = _connect(server.port)
        started = time.monotonic()
        sock.sendall(_head(MAX_PACKET_BYTES + 1))              # headers only: not one byte of the body follows
        status, body, _response = _answer(sock)
        assert status == 413 and receipt.read_error(body) == "too_large" and time.monotonic() - started < 1
        assert _closed_within(sock, 2)
        sock.close()

        sock = _connect(server.port)                           # announced 10 MiB and pushing 1 MiB at once
        sock.sendall(_head(10 * 2**20))
        with contextlib.suppress(OSError):
            sock.sendall(os.urandom(2**20))
        # The server answers 413 and closes without reading on; closing with unread bytes resets the connection,
        # which may discard the answer on its way (TCP), so either the 413 arrives or the connection is reset.
        try:
            assert _answer(sock)[0] == 413
        except (http.client.IncompleteRead, http.client.RemoteDisconnected, ConnectionError, ssl.SSLError):
            pass
        assert _closed_within(sock, 2)
        sock.close()
        assert _post(server.port, sealed(valid_packet(), desk.secret))[0] == 200


def test_a_body_longer_than_announced_is_cut_at_the_announced_length(desk, tls) -> None:
    data = sealed(valid_packet(), desk.secret)
    with _server(desk, tls) as server, _connect(server.port) as sock:
        sock.sendall(_head(len(data)) + data + b"\x00" * 5000)
        status, body, _response = _answer(sock)
        assert status == 200 and _outcome(body, desk.secret) == "accepted"
        assert _closed_within(sock, 2)                   # the rest is no request: the connection is closed
    assert intake_store.packet_count(desk.conn) == 1


@pytest.mark.parametrize(("head", "status", "code"), [
    (_head(10, method="GET"), 405, "method_not_allowed"),
    (_head(10, path="/receipts"), 404, "not_found"),
    (_head(None), 411, "length_required"),
    (_head(None, extra="Transfer-Encoding: chunked\r\n"), 411, "length_required"),
    (_head(10, extra="X-Padding: " + "a" * 9000 + "\r\n"), 431, "headers_too_large"),
])
def test_framing_refusals_come_before_the_body(desk, tls, head, status, code) -> None:
    with _server(desk, tls) as server, _connect(server.port) as sock:
        sock.sendall(head)
        answer, body, _response = _answer(sock)
    assert (answer, receipt.read_error(body)) == (status, code)


def test_an_old_tls_version_gets_no_connection(desk, tls) -> None:
    assert tls_context(*tls).minimum_version == ssl.TLSVersion.TLSv1_2
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        context.maximum_version = ssl.TLSVersion.TLSv1_1
    with _server(desk, tls) as server:
        with pytest.raises(ssl.SSLError), context.wrap_socket(socket.create_connection((HOST, server.port), 5)):
            pass
        assert _post(server.port, sealed(valid_packet(), desk.secret))[0] == 200


def test_an_unauthenticated_packet_gets_400_with_an_unsigned_error_and_no_receipt(desk, tls) -> None:
    known = sealed(valid_packet(), desk.secret)
    with _server(desk, tls, refusal_limit=0) as server:
        assert _post(server.port, known)[0] == 200
        known_id = receipt.verify(_post(server.port, known)[1], desk.secret.public)["packet_id"]
        flipped = bytearray(sealed(valid_packet(), desk.secret))
        flipped[len(flipped) // 2] ^= 0x04
        for data in (os.urandom(700), bytes(flipped)):
            status, body = _post(server.port, data, extra=f"X-Packet-Id: {known_id}\r\n")
            code = receipt.read_error(body)
            assert status == 400 and code in REASONS and code not in AUTHENTICATED
            assert receipt.verify(body, desk.secret.public) is None and known_id.encode() not in body
    assert intake_store.packet_count(desk.conn) == 1


def test_refusals_are_rate_limited_per_client_and_the_limit_recovers(desk, tls) -> None:
    alice, bob = "X-Forwarded-For: 192.0.2.1\r\n", "X-Forwarded-For: 198.51.100.7, 192.0.2.2\r\n"
    with _server(desk, tls, trusted_proxies=frozenset({HOST})) as server:
        statuses = [_post(server.port, os.urandom(300), alice)[0] for _ in range(5)]
        assert statuses == [400, 400, 400, 400, 429]                # more than 3 refusals: made to wait
        status, body = _post(server.port, sealed(valid_packet(), desk.secret), alice)
        assert status == 429 and receipt.read_error(body) == "rate_limited"
        assert intake_store.packet_count(desk.conn) == 0            # the packet was not even looked at
        assert _post(server.port, sealed(valid_packet(), desk.secret), bob)[0] == 200
        assert _post(server.port, os.urandom(300), bob)[0] == 400
        time.sleep(1.1)
        status, body = _post(server.port, sealed(valid_packet(), desk.secret), alice)
        assert status == 200 and _outcome(body, desk.secret) == "accepted"
    assert intake_store.packet_count(desk.conn) == 2


def test_a_connection_over_the_cap_is_closed_and_the_accepted_ones_are_served(desk, tls) -> None:
    with _server(desk, tls, max_connections=2, idle_timeout=30, request_timeout=30, handshake_timeout=30) as server:
        first = _connect(server.port)
        idle = socket.create_connection((HOST, server.port))
        time.sleep(0.2)
        extra = socket.create_connection((HOST, server.port))
        assert _closed_within(extra, 2)
        data = sealed(valid_packet(), desk.secret)
        first.sendall(_head(len(data)) + data)
        assert _answer(first)[0] == 200
        for sock in (first, idle, extra):
            sock.close()


def _trickle(port: int, stop: threading.Event) -> None:
    """Open a connection, send a byte every 0.1 s until the server closes it; again until told to stop."""
    while not stop.is_set():
        with contextlib.suppress(OSError), _connect(port) as sock:
            sock.sendall(_head(2000))
            while not stop.is_set():
                sock.sendall(b"x")
                time.sleep(0.1)


def test_every_packet_is_counted_exactly_once_under_load(desk, tls) -> None:
    packets = [sealed(valid_packet(), desk.secret) for _ in range(200)]
    # Every packet once; every fourth again as a retry; the first 20 at once from two clients.
    sends = [[] for _ in range(10)]
    for i, data in enumerate(packets):
        sends[i % 10] += [data, data] if i % 4 == 0 else [data]
        if i < 20:
            sends[(i + 5) % 10].append(data)
    stop = threading.Event()
    with _server(desk, tls, max_connections=64, max_connections_per_client=0, refusal_limit=0, handshake_timeout=10,
                 idle_timeout=10) as server:
        idle = [socket.create_connection((HOST, server.port)) for _ in range(5)]
        tricklers = [threading.Thread(target=_trickle, args=(server.port, stop)) for _ in range(3)]
        for thread in tricklers:
            thread.start()
        with ThreadPoolExecutor(10) as pool:
            answers = [answer for batch in pool.map(lambda batch: [_post(server.port, d) for d in batch], sends)
                       for answer in batch]
        stop.set()
        for thread in tricklers:
            thread.join()
        for sock in idle:
            sock.close()
    assert {status for status, _body in answers} == {200}
    outcomes = [receipt.verify(body, desk.secret.public) for _status, body in answers]
    accepted = [found["packet_id"] for found in outcomes if found["outcome"] == "accepted"]
    assert len(accepted) == len(set(accepted)) == 200
    assert len(answers) - 200 == sum(found["outcome"] == "duplicate" for found in outcomes) == 50 + 20
    assert intake_store.packet_count(desk.conn) == 200


def test_a_stop_lets_the_request_in_flight_finish(desk, tls) -> None:
    data = sealed(valid_packet(), desk.secret)
    with _server(desk, tls, request_timeout=10, idle_timeout=10) as server:
        sock = _connect(server.port)
        idle = _connect(server.port)
        sock.sendall(_head(len(data)) + data[:100])
        time.sleep(0.2)
        server.stop()
        time.sleep(0.3)
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((HOST, server.port), timeout=2)     # no new connections
        assert _closed_within(idle, 2)                                     # idle ones are closed at once
        sock.sendall(data[100:])
        status, body, _response = _answer(sock)
        assert status == 200 and _outcome(body, desk.secret) == "accepted"
        sock.close()
    assert intake_store.packet_count(desk.conn) == 1


def test_the_refusal_table_is_bounded_and_an_acceptance_clears_a_count() -> None:
    now = [0.0]
    limiter = RefusalLimiter(limit=2, window=10, block=5, capacity=100, clock=lambda: now[0])
    for i in range(10_000):
        limiter.refused(f"10.0.{i // 256}.{i % 256}")
    assert len(limiter) == 100
    limiter.refused("a")
    limiter.refused("a")
    limiter.accepted("a")
    limiter.refused("a")
    limiter.refused("a")
    assert limiter.blocked_for("a") == 0
    limiter.refused("a")
    assert limiter.blocked_for("a") == 5
    limiter.accepted("a")                          # a block runs its course
    now[0] = 4.0
    assert limiter.blocked_for("a") == 1
    now[0] = 5.0
    assert limiter.blocked_for("a") == 0


def test_clients_are_told_apart_by_address_and_only_a_trusted_proxy_may_name_one() -> None:
    trusted = Limits(trusted_proxies=frozenset({"10.0.0.1"})).trusted_proxies
    assert client_key("203.0.113.5", [b"192.0.2.9"], trusted) == "203.0.113.5"
    assert client_key("10.0.0.1", [b"198.51.100.1, 192.0.2.9"], trusted) == "192.0.2.9"
    assert client_key("10.0.0.1", [b"not an address"], trusted) == "10.0.0.1"
    assert client_key("2001:db8::1", [], trusted) == client_key("2001:db8::ffff", [], trusted) == "2001:db8::/64"
    assert client_key("::ffff:192.0.2.1", [], trusted) == "192.0.2.1"
    gate = ConnectionGate(total=3, per_client=2, exempt=trusted)
    assert [gate.enter("192.0.2.1") for _ in range(3)] == [True, True, False]
    assert gate.enter("10.0.0.1") and not gate.enter("10.0.0.1")          # a proxy: only the total counts
    gate.leave("192.0.2.1")
    assert gate.enter("10.0.0.1")


PASSPHRASE = "cmm desk passphrase: green lantern 42"


def _desk_files(folder: Path) -> Path:
    """CMM's key files and a store with the test NGO registered, as ``intake keygen`` and ``register`` make them."""
    intake.keygen(folder, PASSPHRASE)
    conn = intake_store.create(folder / "intake.store", PASSPHRASE)
    intake.register(conn, crypto.org_key_file(ORG_SEED, "Test NGO"))
    intake_store.close(conn)
    return folder / "intake.store"


def _serve_args(store: Path, tls, *more: str) -> list[str]:
    return ["intake", "serve", "--store", str(store), "--tls-cert", str(tls[0]), "--tls-key", str(tls[1]), *more]


def test_the_command_line_serves_until_sigterm_and_then_stops(tmp_path, tls) -> None:
    store = _desk_files(tmp_path)
    secret = intake.load_secret(tmp_path / intake.SECRET_FILE, PASSPHRASE)
    command = [sys.executable, "-m", "fieldapp", *_serve_args(store, tls, "--port", "0")]
    env = dict(os.environ, FIELDAPP_KDF_MIB="64", PYTHONPATH=str(ROOT))
    with subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, env=env, cwd=ROOT) as process:
        try:
            process.stdin.write(PASSPHRASE + "\n")
            process.stdin.flush()
            port = int(re.search(r"https://127\.0\.0\.1:(\d+)/packets", process.stdout.readline()).group(1))
            status, body = _post(port, sealed(valid_packet(), secret))
            assert status == 200 and _outcome(body, secret) == "accepted"
            process.send_signal(signal.SIGTERM)
            _out, err = process.communicate(timeout=30)
        finally:
            process.kill()
    assert process.returncode == ExitCode.OK and "Stopped." in err, err
    assert "127.0.0.1" not in err                      # no access log naming clients


def _run(argv: list[str], monkeypatch, stdin: str = "") -> int:
    parser = argparse.ArgumentParser(prog="fieldapp")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return args.handler(args)


def test_serve_on_a_port_in_use_says_so(tmp_path, tls, monkeypatch, capsys) -> None:
    store = _desk_files(tmp_path)
    with socket.create_server((HOST, 0)) as taken:
        argv = _serve_args(store, tls, "--port", str(taken.getsockname()[1]))
        assert _run(argv, monkeypatch, PASSPHRASE + "\n") == ExitCode.INVALID_INPUT
    assert "cannot listen on 127.0.0.1 port" in capsys.readouterr().err
    assert _run(_serve_args(store, tls, "--port", "0", "--max-connections", "0"), monkeypatch) == ExitCode.INVALID_INPUT


def test_serve_without_hypercorn_says_how_to_install_it(tmp_path, monkeypatch, capsys) -> None:
    for name in ["hypercorn", *(name for name in sys.modules if name.startswith("hypercorn."))]:
        monkeypatch.setitem(sys.modules, name, None)          # as if it were not installed
    monkeypatch.delitem(sys.modules, "fieldapp.cmm.server", raising=False)
    monkeypatch.delattr(fieldapp.cmm, "server", raising=False)
    assert _run(["intake", "serve", "--store", str(tmp_path / "intake.store"), "--port", "0"], monkeypatch) == 1
    assert "pip install 'fieldapp[cmm]'" in capsys.readouterr().err


def test_hundreds_of_mutated_packets_over_https(desk, tls) -> None:
    """A few hundred mutated packets (hostile content validly signed, and damage after sealing) through the
    HTTPS transport: every answer is a receipt or an unsigned error with a known reason, never a dropped
    connection or a server error, and a control packet is accepted after each batch."""
    from tests.cmm.test_fuzz import _hostile_body, _mutated_after_sealing

    rng = random.Random(11)
    with _server(desk, tls, refusal_limit=0) as server:
        for _batch in range(3):
            for index in range(80):
                data = (crypto.sign_and_seal(_hostile_body(rng), ORG_SEED, desk.secret.public) if index % 2
                        else _mutated_after_sealing(rng, sealed(valid_packet(), desk.secret)))
                if len(data) > crypto.MAX_PACKET_BYTES:
                    continue
                status, body = _post(server.port, data)
                assert status in (200, 400, 422), status
                if status == 400:
                    assert receipt.read_error(body) in REASONS
                else:
                    assert receipt.verify(body, desk.secret.public) is not None
            control = valid_packet()
            status, body = _post(server.port, sealed(control, desk.secret))
            assert status == 200 and receipt.verify(body, desk.secret.public)["packet_id"] == control["packet_id"]


# -- HTTP/2 spoken anyway, IPv6 blocks, the refusal table's memory, replays ----------------------------------

def _h2_zero_window(port: int) -> object:
    """HTTP/2 with prior knowledge over the TLS connection (ALPN said http/1.1), a receive window of 0, and
    one POST /packets: the server's answer can never be sent."""
    sock = _connect(port)
    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
    conn.local_settings = h2.settings.Settings(client=True, initial_values={
        h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 0, h2.settings.SettingCodes.ENABLE_PUSH: 0})
    conn.initiate_connection()
    conn.send_headers(1, [(":method", "POST"), (":path", "/packets"), (":scheme", "https"),
                          (":authority", HOST), ("content-length", "0")], end_stream=True)
    sock.sendall(conn.data_to_send())
    return sock


def test_http2_spoken_anyway_is_cut_off_and_holds_no_connection(desk, tls) -> None:
    """HTTP/2 after a TLS handshake that agreed on HTTP/1.1, with a window of 0 so that no answer could ever be
    sent: the connection is cut off at once, and another client is served."""
    with _server(desk, tls, max_connections=2, max_connections_per_client=0) as server:
        held = [_h2_zero_window(server.port) for _ in range(2)]
        time.sleep(4)
        assert server.open_connections == 0, "HTTP/2 peers still hold connections"
        status, _body = _post(server.port, sealed(valid_packet(), desk.secret))
        assert status == 200
        for sock in held:
            sock.close()


def test_the_per_client_connection_cap_counts_ipv6_by_64_like_the_refusal_limit() -> None:
    """One machine usually holds a whole IPv6 /64: its addresses share the per-client cap."""
    gate = ConnectionGate(total=100, per_client=2)
    entered = [gate.enter(f"2001:db8::{i:x}") for i in range(1, 101)]
    assert entered.count(True) == 2, f"one /64 got {entered.count(True)} connections, per-client cap 2"
    assert gate.enter("2001:db8:0:1::1")                         # another /64 is another client


def test_refusals_from_other_addresses_do_not_lift_a_block() -> None:
    """The table of clients is bounded; to make room it forgets clients that are not blocked first, so an
    attacker with many /64s cannot flush its own block."""
    now = [0.0]
    limiter = RefusalLimiter(limit=2, window=60, block=120, capacity=8, clock=lambda: now[0])
    for _ in range(3):
        limiter.refused("2001:db8:0:1::/64")
    assert limiter.blocked_for("2001:db8:0:1::/64") == 120
    for i in range(2, 10):
        limiter.refused(f"2001:db8:0:{i:x}::/64")
    assert limiter.blocked_for("2001:db8:0:1::/64") > 0, "the block was forgotten to make room"


def test_replaying_an_old_packet_does_not_reset_the_refusal_count(desk, tls) -> None:
    """Only a newly accepted packet clears a client's refusals; anyone holding one old sealed packet could
    otherwise replay it between bad requests for ever."""
    data = sealed(valid_packet(), desk.secret)
    with _server(desk, tls, refusal_limit=3, refusal_block=60) as server:
        assert _post(server.port, data)[0] == 200
        statuses = []
        for _ in range(4):
            statuses += [_post(server.port, b"garbage" * 40)[0] for _ in range(3)]
            assert _post(server.port, data)[0] in (200, 429)
        assert 429 in statuses, f"12 refusals in a row, never limited: {statuses}"
