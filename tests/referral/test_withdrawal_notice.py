"""Consent withdrawn after a referral was sent: a signed withdrawal notice goes to CMM, whose intake erases
the referral and confirms with a receipt; the same packet arriving again is refused, and nobody but the
organisation that sent it can withdraw it."""

from __future__ import annotations

import pytest

from fieldapp.cmm import intake
from fieldapp.cmm import store as intake_store
from fieldapp.cmm.folder import receive_folder
from fieldapp.protocol import crypto
from fieldapp.referral import config, service, sync
from fieldapp.storage import audit_repo, outbox_repo, withdrawal_repo
from tests.referral.helpers import ORG_SEED, sealed, valid_packet
from tests.referral.test_end_to_end import _queued_referral, _status

CMM_PASS = "cmm store passphrase 2026"


@pytest.fixture
def desk(tmp_path, ready, cmm):
    conn = intake_store.create(tmp_path / "cmm" / "intake.store", CMM_PASS)
    intake.register(conn, config.export_org_key(ready))
    intake.register(conn, crypto.org_key_file(ORG_SEED, "Another NGO"))
    yield intake.Intake(conn, cmm)
    intake_store.close(conn)


def _sent_and_acknowledged(session, desk, usb) -> tuple[str, bytes]:
    referral_id = _queued_referral(session)
    sync.sync(session, to_folder=usb)
    packet_file = next(usb.glob("*.cmmpkt"))
    data = packet_file.read_bytes()
    assert all(result.accepted for result in receive_folder(desk, usb))
    packet_file.unlink()                                 # CMM took it off the stick
    sync.sync(session, to_folder=usb)
    assert _status(session, referral_id) == "acknowledged"
    return referral_id, data


def test_a_sent_referral_is_erased_at_cmm_and_the_erasure_confirmed(ready, desk, tmp_path) -> None:
    usb = tmp_path / "usb"
    usb.mkdir()
    referral_id, packet_bytes = _sent_and_acknowledged(ready, desk, usb)
    packet_id = outbox_repo.for_referral(ready.conn, referral_id).packet_id
    assert intake_store.has_packet(desk.conn, packet_id) and intake_store.table(desk.conn)

    service.withdraw(ready, referral_id)
    notice = withdrawal_repo.for_referral(ready.conn, referral_id)
    assert notice.status == "queued" and notice.packet_id == packet_id
    entry = next(e for e in service.list_outbox(ready) if e.referral_id == referral_id)
    assert entry.consent_withdrawn and entry.withdrawal == "queued" and "being told" in entry.status_label
    sync.sync(ready, to_folder=usb)
    assert withdrawal_repo.for_referral(ready.conn, referral_id).status == "sent"
    results = receive_folder(desk, usb)
    assert [r.accepted for r in results] == [True]
    assert not intake_store.has_packet(desk.conn, packet_id) and intake_store.table(desk.conn) == []
    sync.sync(ready, to_folder=usb)                       # CMM's receipt for the notice comes back
    assert withdrawal_repo.for_referral(ready.conn, referral_id).status == "acknowledged"
    entry = next(e for e in service.list_outbox(ready) if e.referral_id == referral_id)
    assert entry.status_label == "Consent withdrawn; erased at CMM"
    assert "referral.erased_at_cmm" in [e.action for e in audit_repo.events(ready.conn, 5)]

    # The packet arriving again (a copy left on a stick) is refused, not stored anew; the notice again is a duplicate.
    again = desk.receive_one(packet_bytes, "folder")
    assert not again.accepted and again.reason_code == "withdrawn" and again.receipt is not None
    assert not intake_store.has_packet(desk.conn, packet_id)
    replay = desk.receive_one(withdrawal_repo.sealed_bytes(ready.conn, notice.notice_id), "folder")
    assert replay.reason_code == "duplicate"


def test_withdrawing_a_sent_referral_twice_makes_one_notice(ready, desk, tmp_path) -> None:
    usb = tmp_path / "usb"
    usb.mkdir()
    referral_id, _data = _sent_and_acknowledged(ready, desk, usb)
    service.withdraw(ready, referral_id)
    first = withdrawal_repo.for_referral(ready.conn, referral_id)
    service.withdraw(ready, referral_id)
    assert withdrawal_repo.for_referral(ready.conn, referral_id) == first


def test_a_notice_before_its_packet_keeps_the_packet_out(desk, cmm) -> None:
    packet = valid_packet(ORG_SEED)
    notice = {"schema": "cmm-withdrawal/1", "notice_id": "a" * 32, "org": packet["org"],
              "packet_id": packet["packet_id"], "reference": packet["reference"]}
    assert desk.receive_one(sealed(notice, cmm)).accepted
    late = desk.receive_one(sealed(packet, cmm))
    assert late.reason_code == "withdrawn" and intake_store.packet_count(desk.conn) == 0


def test_nobody_else_can_withdraw_a_referral(ready, desk, tmp_path, cmm) -> None:
    usb = tmp_path / "usb"
    usb.mkdir()
    referral_id, _data = _sent_and_acknowledged(ready, desk, usb)
    packet_id = outbox_repo.for_referral(ready.conn, referral_id).packet_id
    other = crypto.key_id(crypto.org_public(ORG_SEED)).hex()
    forged = {"schema": "cmm-withdrawal/1", "notice_id": "b" * 32, "org": other, "packet_id": packet_id,
              "reference": "ab" * 12}
    refused = desk.receive_one(sealed(forged, cmm, ORG_SEED))
    assert refused.reason_code == "id_taken" and intake_store.has_packet(desk.conn, packet_id)
    # A notice naming one organisation but signed by another is refused before anything is looked up.
    mismatch = desk.receive_one(sealed({**forged, "org": "0" * 32}, cmm, ORG_SEED))
    assert mismatch.reason_code == "signer_mismatch" and intake_store.has_packet(desk.conn, packet_id)


@pytest.mark.parametrize("change", [{"packet_id": "x" * 32}, {"reference": "free text"}, {"note": "she left"},
                                    {"schema": "cmm-withdrawal/2"}])
def test_a_malformed_notice_is_refused_and_erases_nothing(desk, cmm, change) -> None:
    packet = valid_packet(ORG_SEED)
    assert desk.receive_one(sealed(packet, cmm)).accepted
    notice = {"schema": "cmm-withdrawal/1", "notice_id": "c" * 32, "org": packet["org"],
              "packet_id": packet["packet_id"], "reference": packet["reference"], **change}
    refused = desk.receive_one(sealed(notice, cmm))
    assert not refused.accepted and refused.reason_code == "schema"
    assert intake_store.has_packet(desk.conn, packet["packet_id"])
