"""CMM's replies over HTTPS: the organisation asks with a request it signs and seals to CMM (``POST /replies``),
and CMM answers with a bundle of the sealed replies about that organisation's referrals only. A request that
does not verify, is stale, or is not a request gets nothing; an answer that is not a bundle changes nothing."""

from __future__ import annotations

import http.client
import ssl
from datetime import UTC, date, datetime, timedelta

import pytest

from fieldapp.cmm import intake, replies
from fieldapp.cmm import store as intake_store
from fieldapp.cmm.server import certificate_fingerprint, serving
from fieldapp.errors import InvalidInput
from fieldapp.protocol import crypto, receipt, reply
from fieldapp.protocol.reasons import Rejected
from fieldapp.protocol.reply import Answer
from fieldapp.referral import config, service, sync
from fieldapp.storage import outbox_repo
from tests.referral.helpers import ORG_SEED, sealed, tls_certificate, valid_packet
from tests.referral.test_end_to_end import _queued_referral

CMM_PASS = "cmm store passphrase 2026"


@pytest.fixture
def store(intake_location, ready):
    conn = intake_store.create(intake_location, CMM_PASS)
    intake.register(conn, config.export_org_key(ready))
    yield conn
    intake_store.close(conn)


@pytest.fixture
def server(store, cmm, tmp_path):
    cert, key = tls_certificate(tmp_path)
    with serving(intake.Intake(store, cmm), "127.0.0.1", 0, cert, key) as srv:
        yield srv, certificate_fingerprint(cert)


def _https(session, port: int, pin: str) -> None:
    config.set_transport(session, config.TransportSettings(
        kind="https", endpoint=f"https://127.0.0.1:{port}/packets", pin_sha256=pin, retries=1, backoff_s=0.01,
        timeout_s=5))


def _post(port: int, path: str, data: bytes) -> tuple[int, bytes]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=5, context=context)
    try:
        conn.request("POST", path, body=data, headers={"Content-Type": "application/octet-stream"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def test_an_interview_booked_reaches_an_organisation_that_syncs_over_https(ready, store, server, cmm,
                                                                          tmp_path) -> None:
    srv, pin = server
    referral_id = _queued_referral(ready)
    _https(ready, srv.port, pin)
    assert sync.sync(ready).replies == []                                  # nothing to collect yet
    packet_id = outbox_repo.for_referral(ready.conn, referral_id).packet_id
    assert replies.write_reply(store, cmm, packet_id, Answer("interview_booked", (date(2026, 12, 8),
                                                                            date(2026, 12, 10))), None) is None
    report = sync.sync(ready)
    assert [item.referral_id for item in report.replies] == [referral_id] and report.problems == []
    entry = next(e for e in service.list_outbox(ready) if e.referral_id == referral_id)
    assert entry.cmm_code == "interview_booked"
    assert [f.reply_id for f in service.interview_follow_ups(ready)] != []
    assert sync.sync(ready).replies == []                                  # handed over again, kept once


def test_only_the_asking_organisations_replies_are_handed_over(ready, store, cmm, tmp_path) -> None:
    intake.register(store, crypto.org_key_file(ORG_SEED, "Other organisation"))
    other = valid_packet()
    assert intake.Intake(store, cmm).receive_one(sealed(other, cmm)).accepted
    replies.write_reply(store, cmm, other["packet_id"], Answer("received"), tmp_path / "desk-out")
    ours = config.org_seed(ready)
    mine = reply.unbundle(replies.for_request(store, reply.replies_request(ours, cmm.public), cmm))
    assert _opened(mine, ours, cmm) == [] and _opened(mine, ORG_SEED, cmm) == []
    theirs = reply.unbundle(replies.for_request(store, reply.replies_request(ORG_SEED, cmm.public), cmm))
    assert len(theirs) == len(mine) == 8                  # filled up: the size says only "at most 8"
    assert [r["packet_id"] for r in _opened(theirs, ORG_SEED, cmm)] == [other["packet_id"]]


def _opened(entries: list[bytes], seed: bytes, cmm) -> list[dict]:
    """The entries of a bundle that open as replies to this organisation (the rest is filling)."""
    found = []
    for entry in entries:
        try:
            found.append(reply.open_reply(entry, seed, cmm.public))
        except Rejected:
            pass
    return found


def test_every_referrals_latest_answer_is_handed_over_before_anothers_history(ready, store, cmm, tmp_path) -> None:
    intake.register(store, crypto.org_key_file(ORG_SEED, "Organisation"))
    quiet, busy = valid_packet(), valid_packet()
    for packet in (quiet, busy):
        assert intake.Intake(store, cmm).receive_one(sealed(packet, cmm)).accepted
    replies.write_reply(store, cmm, quiet["packet_id"], Answer("interview_booked", (date(2026, 12, 8),
                                                                                   date(2026, 12, 9))), None)
    for _index in range(reply.MAX_BUNDLE_REPLIES + 5):
        replies.write_reply(store, cmm, busy["packet_id"], Answer("received"), None)
    entries = reply.unbundle(replies.for_request(store, reply.replies_request(ORG_SEED, cmm.public), cmm))
    handed = _opened(entries, ORG_SEED, cmm)
    assert len(handed) == reply.MAX_BUNDLE_REPLIES
    assert any(r["packet_id"] == quiet["packet_id"] and r["status"] == "interview_booked" for r in handed)
    latest = max(r["sequence"] for r in handed if r["packet_id"] == busy["packet_id"])
    assert latest == reply.MAX_BUNDLE_REPLIES + 5                   # and the busy one's newest too


def test_a_reply_about_a_referral_erased_while_it_was_written_is_not_kept(ready, store, cmm, monkeypatch) -> None:
    intake.register(store, crypto.org_key_file(ORG_SEED, "Organisation"))
    packet = valid_packet()
    assert intake.Intake(store, cmm).receive_one(sealed(packet, cmm)).accepted
    real_seal = reply.seal

    def seal_while_withdrawn(built, secret, public):
        store.run_transaction(lambda: intake_store.withdraw(store, packet["packet_id"], packet["org"], "e" * 32,
                                                            erase=True))
        return real_seal(built, secret, public)

    monkeypatch.setattr(reply, "seal", seal_while_withdrawn)
    with pytest.raises(InvalidInput):
        replies.write_reply(store, cmm, packet["packet_id"], Answer("received"), None)
    assert store.execute("SELECT count(*) FROM replies").fetchone()[0] == 0


def test_a_request_that_does_not_verify_gets_nothing(ready, store, server, cmm) -> None:
    srv, _pin = server
    ours = config.org_seed(ready)
    stranger = crypto.new_signing_seed()
    stale = reply.replies_request(ours, cmm.public, now=datetime.now(UTC) - timedelta(hours=1))
    referral = sealed(valid_packet(seed=ours), cmm, seed=ours)
    for data, status, code in ((reply.replies_request(stranger, cmm.public), 403, "unknown_signer"),
                               (stale, 422, "schema"),
                               (referral, 422, "schema"),                       # a packet is not a request
                               (b"CMMPKT2\n" + b"\0" * 300, 403, "other_recipient")):
        answer = _post(srv.port, "/replies", data)
        assert answer == (status, receipt.error(code)), (code, answer)
    status, _body = _post(srv.port, "/packets", reply.replies_request(ours, cmm.public))
    assert status == 400 and intake_store.packet_count(store) == 0      # a request is not a packet either


def test_an_answer_that_is_not_a_bundle_is_refused_whole(ready, cmm) -> None:
    good = crypto.seal_reply(b"{}", cmm, crypto.org_public(ORG_SEED))
    one = reply.bundle([good])
    assert good in reply.unbundle(one) and len(reply.unbundle(one)) == 8
    assert len(reply.bundle([])) == len(one) < len(reply.bundle([good] * 9)) == len(reply.bundle([good] * 32))
    for bad in (b"", b"CMMRPLS1", one[:-1], one + b"\0", b"CMMRPLS0" + one[8:],
                reply.BUNDLE_MAGIC + (reply.MAX_BUNDLE_REPLIES + 1).to_bytes(4, "big"),
                reply.BUNDLE_MAGIC + (1).to_bytes(4, "big") + (reply.MAX_REPLY_BYTES + 1).to_bytes(4, "big")
                + b"\0" * (reply.MAX_REPLY_BYTES + 1),
                b"\0" * (reply.MAX_BUNDLE_BYTES + 1)):
        with pytest.raises(Rejected):
            reply.unbundle(bad)
    with pytest.raises(ValueError):
        reply.bundle([good] * (reply.MAX_BUNDLE_REPLIES + 1))


def test_a_refusal_from_the_server_is_a_problem_of_the_sync_and_changes_nothing(ready, store, server,
                                                                                 monkeypatch) -> None:
    srv, pin = server
    referral_id = _queued_referral(ready)
    _https(ready, srv.port, pin)
    monkeypatch.setattr(reply, "replies_request", lambda seed, cmm, now=None: b"not a request")
    report = sync.sync(ready)
    assert [i.referral_id for i in report.acknowledged] == [referral_id]     # the packets still went
    assert report.replies == [] and any("refused to hand over its replies" in p for p in report.problems)


class TricklingServer:
    """A TLS server that answers 200 with a long body, one byte at a time: each byte well within the read
    timeout, the whole never."""

    def __init__(self, cert, key) -> None:
        import socket
        import threading

        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(cert, key)
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self.stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        import time

        try:
            client, _address = self.sock.accept()
            with self.context.wrap_socket(client, server_side=True) as tls:
                request = b""
                while b"\r\n\r\n" not in request:
                    request += tls.recv(4096)
                tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
                while not self.stop.is_set():
                    tls.sendall(b"\0")
                    time.sleep(0.05)
        except OSError:
            return

    def close(self) -> None:
        self.stop.set()
        self.sock.close()


def test_a_server_that_trickles_its_answer_is_given_up_by_the_deadline(ready, cmm, tmp_path) -> None:
    import time

    from fieldapp.referral.transports import DeliveryFailed, HttpsTransport

    cert, key = tls_certificate(tmp_path)
    server = TricklingServer(cert, key)
    try:
        transport = HttpsTransport(f"https://127.0.0.1:{server.port}/packets", certificate_fingerprint(cert),
                                   timeout_s=1)
        transport.deadline_s = 1.5
        taken = []
        started = time.monotonic()
        with pytest.raises(DeliveryFailed):
            transport.read_replies(taken.append, reply.replies_request(config.org_seed(ready), cmm.public))
        assert time.monotonic() - started < 5 and taken == []
    finally:
        server.close()


def test_refused_requests_for_replies_count_towards_the_refusal_limit(ready, store, cmm, tmp_path) -> None:
    cert, key = tls_certificate(tmp_path)
    stale = reply.replies_request(config.org_seed(ready), cmm.public, now=datetime.now(UTC) - timedelta(hours=1))
    with serving(intake.Intake(store, cmm), "127.0.0.1", 0, cert, key, refusal_limit=2, refusal_window=30.0,
                 refusal_block=30.0) as srv:
        statuses = [_post(srv.port, "/replies", stale)[0] for _attempt in range(4)]
    assert statuses[:2] == [422, 422] and statuses[-1] == 429
