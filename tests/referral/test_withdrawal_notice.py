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


# -- what an attack review found ---------------------------------------------------------------------------

def test_a_notice_id_used_twice_is_refused_and_the_intake_goes_on(ready, desk, cmm, tmp_path) -> None:
    other = crypto.key_id(crypto.org_public(ORG_SEED)).hex()
    first = {"schema": "cmm-withdrawal/1", "notice_id": "d" * 32, "org": other, "packet_id": "1" * 32,
             "reference": "ab" * 12}
    usb = tmp_path / "stick"
    usb.mkdir()
    (usb / "a.cmmpkt").write_bytes(sealed(first, cmm))
    (usb / "b.cmmpkt").write_bytes(sealed({**first, "packet_id": "2" * 32}, cmm))     # the same notice id again
    packet = valid_packet(ORG_SEED)
    (usb / "c.cmmpkt").write_bytes(sealed(packet, cmm))
    results = {r.source.split("/")[-1]: r for r in receive_folder(desk, usb)}
    assert results["a.cmmpkt"].accepted and results["c.cmmpkt"].accepted
    assert results["b.cmmpkt"].reason_code == "id_taken"


def test_another_organisations_notice_does_not_keep_a_packet_out(ready, desk, cmm) -> None:
    theirs = crypto.key_id(crypto.org_public(ORG_SEED)).hex()
    # Another organisation (ORG_SEED) names, first, the packet id this vault's organisation sends.
    referral_id = _queued_referral(ready)
    packet_id = outbox_repo.for_referral(ready.conn, referral_id).packet_id
    notice = {"schema": "cmm-withdrawal/1", "notice_id": "e" * 32, "org": theirs, "packet_id": packet_id,
              "reference": "ab" * 12}
    assert desk.receive_one(sealed(notice, cmm, ORG_SEED)).accepted                  # B's own (pending) withdrawal
    received = desk.receive_one(outbox_repo.sealed_bytes(ready.conn, packet_id))
    assert received.accepted and intake_store.has_packet(desk.conn, packet_id)


def test_a_withdrawal_is_signed_again_when_the_organisations_key_is_replaced(ready, desk, tmp_path, cmm) -> None:
    import json

    from fieldapp.referral import org_rotation

    usb = tmp_path / "usb"
    usb.mkdir()
    referral_id, _data = _sent_and_acknowledged(ready, desk, usb)
    service.withdraw(ready, referral_id)
    before = withdrawal_repo.for_referral(ready.conn, referral_id)
    org_rotation.rotate_org_key(ready)
    after = withdrawal_repo.for_referral(ready.conn, referral_id)
    assert after.notice_id == before.notice_id and after.digest != before.digest
    signer, _signature, body = crypto.split_signed(crypto.open_packet(
        withdrawal_repo.sealed_bytes(ready.conn, after.notice_id), cmm))
    assert json.loads(body)["org"] == config.org_id(ready) == signer.hex()


def test_erasing_the_person_here_keeps_the_notice_that_is_still_to_go(ready, desk, tmp_path) -> None:
    from fieldapp.lifecycle import erasure

    usb = tmp_path / "usb"
    usb.mkdir()
    referral_id, _data = _sent_and_acknowledged(ready, desk, usb)
    person_id = service.get(ready, referral_id).person_id
    service.withdraw(ready, referral_id)
    notice = withdrawal_repo.for_referral(ready.conn, referral_id)
    erasure.erase_person(ready, person_id)
    kept = withdrawal_repo.get(ready.conn, notice.notice_id)
    assert kept is not None and kept.referral_id is None and kept.status == "queued"
    sync.sync(ready, to_folder=usb)
    receive_folder(desk, usb)
    sync.sync(ready, to_folder=usb)
    assert withdrawal_repo.get(ready.conn, notice.notice_id).status == "acknowledged"


def test_a_packet_whose_delivery_was_tried_gets_a_notice(ready, desk) -> None:
    referral_id = _queued_referral(ready)
    with ready.write() as conn:
        outbox_repo.record_attempt(conn, outbox_repo.for_referral(conn, referral_id).packet_id, "https",
                                   "no valid receipt")
    assert _status(ready, referral_id) == "queued"
    service.withdraw(ready, referral_id)
    assert _status(ready, referral_id) == "withdrawn"
    notice = withdrawal_repo.for_referral(ready.conn, referral_id)
    assert notice is not None and notice.status == "queued"
