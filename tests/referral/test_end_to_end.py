"""Person -> referral with consent -> seal -> transport -> CMM intake -> receipt -> acknowledged,
over a folder and over HTTPS on loopback; and the app-side failures that keep packets queued."""

from __future__ import annotations

import errno
import os
import socket
from dataclasses import replace

import pytest

from fieldapp.cmm import intake
from fieldapp.cmm import store as intake_store
from fieldapp.cmm.folder import receive_folder
from fieldapp.cmm.server import certificate_fingerprint, serving
from fieldapp.referral import config, service, sync
from fieldapp.referral.transports import HttpsTransport
from fieldapp.storage import referral_repo
from tests.referral.helpers import add_contact, add_person, crowd, receipt_ids, tls_certificate

CMM_PASS = "cmm store passphrase 2026"


def _queued_referral(session, *, urgent: bool = False) -> int:
    crowd(session.conn, 5)
    pid = add_person(session.conn, alias="Rose Alias", phone="+45 2222 3333")
    add_contact(session.conn, pid, kind="street", indicators="documents_withheld debt", note="lives above the bar")
    draft = service.create_draft(session, pid)
    draft = service.update_draft(session, replace(draft, region="hovedstaden", exploitation_forms=("sexual",),
                                                  help_requested=("identification_interview",),
                                                  immediate_danger=urgent))
    service.record_consent(session, draft.id, "anonymous_notice", "en", "2026.1", notice_read=True)
    service.seal_and_queue(session, draft.id, seen=service.preview(session, draft.id))
    return draft.id


@pytest.fixture
def store(intake_location, ready):
    conn = intake_store.create(intake_location, CMM_PASS)
    intake.register(conn, config.export_org_key(ready))
    yield conn
    intake_store.close(conn)


def _status(session, referral_id: int) -> str:
    return {e.referral_id: e.status for e in service.list_outbox(session)}[referral_id]


def test_folder_end_to_end(ready, store, cmm, tmp_path) -> None:
    referral_id = _queued_referral(ready)
    usb = tmp_path / "usb"
    usb.mkdir()
    seen = []
    report = sync.sync(ready, progress=lambda done, total, msg: seen.append((done, total)), to_folder=usb)
    assert [item.referral_id for item in report.sent] == [referral_id] and report.failed == []
    assert seen[0] == (0, 1) and seen[-1] == (1, 1)
    assert _status(ready, referral_id) == "sent"
    files = list(usb.glob("*.cmmpkt"))
    assert len(files) == 1 and not list(usb.glob(".*"))          # no half-written temp file left

    results = receive_folder(intake.Intake(store, cmm), usb)
    assert [r.accepted for r in results] == [True] and intake_store.packet_count(store) == 1
    assert receipt_ids(usb / "receipts") == [results[0].packet_id]

    report = sync.sync(ready, to_folder=usb)
    assert [item.referral_id for item in report.acknowledged] == [referral_id]
    assert _status(ready, referral_id) == "acknowledged"
    assert "Acknowledged by CMM" in [e.status_label for e in service.list_outbox(ready)]


@pytest.fixture
def server(store, cmm, tmp_path):
    cert, key = tls_certificate(tmp_path)
    with serving(intake.Intake(store, cmm), "127.0.0.1", 0, cert, key) as srv:
        yield srv, certificate_fingerprint(cert)


def _https(session, port: int, pin: str, retries: int = 2) -> None:
    config.set_transport(session, config.TransportSettings(
        kind="https", endpoint=f"https://127.0.0.1:{port}/packets", pin_sha256=pin, retries=retries,
        backoff_s=0.01, timeout_s=5))


def test_https_end_to_end_with_pinned_certificate(ready, store, server) -> None:
    srv, pin = server
    first, second = _queued_referral(ready), _queued_referral(ready, urgent=True)
    _https(ready, srv.port, pin)
    report = sync.sync(ready)
    assert [i.referral_id for i in report.sent] == [second, first]      # immediate danger goes first
    assert {i.referral_id for i in report.acknowledged} == {first, second}
    assert _status(ready, first) == _status(ready, second) == "acknowledged"
    assert intake_store.packet_count(store) == 2


def test_https_retry_is_idempotent(ready, store, server) -> None:
    srv, pin = server
    referral_id = _queued_referral(ready)
    _https(ready, srv.port, pin)
    sync.sync(ready)
    with ready.write() as conn:      # as if the answer had been lost before it was saved: send it again
        referral_repo.set_status(conn, referral_id, "queued")
    report = sync.sync(ready)
    assert [i.referral_id for i in report.acknowledged] == [referral_id]
    assert intake_store.packet_count(store) == 1


def test_certificate_mismatch_keeps_packets_queued(ready, store, server) -> None:
    srv, _pin = server
    referral_id = _queued_referral(ready)
    _https(ready, srv.port, "0" * 64)
    report = sync.sync(ready)
    assert report.sent == [] and "does not match the pinned" in report.failed[0].reason
    assert _status(ready, referral_id) == "queued" and intake_store.packet_count(store) == 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_endpoint_down_retries_with_backoff_then_keeps_packets_queued(ready) -> None:
    first, second = _queued_referral(ready), _queued_referral(ready)
    _https(ready, _free_port(), "a" * 64, retries=3)
    report = sync.sync(ready)
    assert {i.referral_id for i in report.failed} == {first, second}
    assert all("could not be reached" in i.reason for i in report.failed)
    assert _status(ready, first) == _status(ready, second) == "queued"
    waits = []
    transport = HttpsTransport(f"https://127.0.0.1:{_free_port()}/packets", "a" * 64, retries=5, backoff_s=1,
                               sleep=waits.append)
    with pytest.raises(Exception, match="could not be reached"):
        transport.deliver("b" * 32, b"x")
    assert waits == [1, 2, 4, 8, 8]


def test_folder_that_is_not_a_folder_keeps_packets_queued(ready, tmp_path) -> None:
    referral_id = _queued_referral(ready)
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")
    report = sync.sync(ready, to_folder=not_a_folder)
    assert "cannot be written" in report.failed[0].reason and _status(ready, referral_id) == "queued"


def test_disk_full_leaves_no_half_file_and_keeps_packets_queued(ready, tmp_path, monkeypatch) -> None:
    referral_id = _queued_referral(ready)

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    usb = tmp_path / "usb"
    usb.mkdir()
    monkeypatch.setattr(os, "fsync", full)     # the disk fills up while the packet is being written
    report = sync.sync(ready, to_folder=usb)
    monkeypatch.undo()
    assert "is the disk full" in report.failed[0].reason and _status(ready, referral_id) == "queued"
    assert list(usb.iterdir()) == []            # neither the packet nor a temporary half of it


def test_missing_folder_keeps_packets_queued(ready, tmp_path) -> None:
    referral_id = _queued_referral(ready)
    report = sync.sync(ready, to_folder=tmp_path / "no-usb-stick")
    assert "missing or cannot be written" in report.failed[0].reason
    assert _status(ready, referral_id) == "queued"
    assert sync.sync(ready, to_folder=tmp_path).sent[0].referral_id == referral_id


def test_plain_http_gets_no_answer(server) -> None:
    srv, _pin = server
    with socket.create_connection(("127.0.0.1", srv.port), timeout=5) as sock:
        sock.sendall(b"POST /packets HTTP/1.1\r\nContent-Length: 0\r\n\r\n")
        try:
            data = sock.recv(100)
        except OSError:
            data = b""
    assert not data.startswith(b"HTTP/")
