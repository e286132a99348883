"""Adversarial review of CMM's HTTPS intake (srv-review): each test here shows a defect and FAILS on the code
under review; it passes once the defect is fixed."""

from __future__ import annotations

import socket
import time

import h2.config
import h2.connection
import h2.settings
import pytest

from fieldapp.cmm.limits import ConnectionGate, RefusalLimiter
from tests.cmm.test_server import (HOST, _closed_within, _connect, _head, _post, _server, desk, tls)  # noqa: F401
from tests.referral.helpers import sealed, valid_packet


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


def test_http2_with_a_zero_window_holds_a_connection_past_every_timeout(desk, tls) -> None:
    # LIMITS: idle 1 s, request 1.5 s, handshake 1 s. A connection must be gone well within 4 s.
    with _server(desk, tls, max_connections=2, max_connections_per_client=0) as server:
        held = [_h2_zero_window(server.port) for _ in range(2)]
        time.sleep(4)
        assert server.open_connections < 2, "HTTP/2 peers with a zero window still hold every connection"
        status, _body = _post(server.port, sealed(valid_packet(), desk.secret))
        assert status == 200
        for sock in held:
            sock.close()


def test_the_per_client_connection_cap_counts_ipv6_by_64_like_the_refusal_limit() -> None:
    # client_key groups IPv6 by /64 ("the block one machine usually holds"); the gate counts each address,
    # so one machine with a /64 takes every connection (max_connections) despite max_connections_per_client.
    gate = ConnectionGate(total=100, per_client=2)
    entered = [gate.enter(f"2001:db8::{i:x}") for i in range(1, 101)]
    assert entered.count(True) <= 2, f"one /64 got {entered.count(True)} connections, per-client cap 2"


def test_a_blocked_client_is_unblocked_by_refusals_from_other_addresses() -> None:
    # max_clients_tracked is 4096 by default; an attacker with 4096 /64s (a /52) flushes its own block.
    now = [0.0]
    limiter = RefusalLimiter(limit=2, window=60, block=120, capacity=8, clock=lambda: now[0])
    for _ in range(3):
        limiter.refused("2001:db8:0:1::/64")
    assert limiter.blocked_for("2001:db8:0:1::/64") == 120
    for i in range(2, 10):
        limiter.refused(f"2001:db8:0:{i:x}::/64")
    assert limiter.blocked_for("2001:db8:0:1::/64") > 0, "the block was forgotten to make room"


def test_replaying_a_duplicate_packet_resets_the_refusal_count(desk, tls) -> None:
    # "An accepted packet clears the client's count (an attacker cannot make one)": a duplicate answer is 200
    # too, and anyone holding one old sealed packet can replay it for ever.
    data = sealed(valid_packet(), desk.secret)
    with _server(desk, tls, refusal_limit=3, refusal_block=60) as server:
        assert _post(server.port, data)[0] == 200
        statuses = []
        for _ in range(4):
            statuses += [_post(server.port, b"garbage" * 40)[0] for _ in range(3)]
            assert _post(server.port, data)[0] in (200, 429)
        assert 429 in statuses, f"12 refusals in a row, never limited: {statuses}"
