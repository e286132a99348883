"""CMM's intake against hostile packets and hostile senders: one bad packet never stops or spoils another,
receipts are signed only for packets whose signature verified and bind the bytes received, the NGO applies
a receipt only to the packet it sent, the refusal log is bounded, and a revoked key is refused."""

from __future__ import annotations

import hashlib
import json
import os
import uuid

import pytest

from fieldapp.cmm import intake
from fieldapp.cmm import store as intake_store
from fieldapp.cmm.errors import FingerprintMismatch, KeyRevoked, UnknownOrg
from fieldapp.cmm.folder import receive_folder
from fieldapp.protocol import crypto, jsonsafe, receipt, rotation, schemas
from fieldapp.protocol.reasons import AUTHENTICATED, REASONS
from fieldapp.referral import config, org_rotation, service, sync
from fieldapp.referral.sync import SyncReport
from tests.referral.helpers import ORG_SEED, cmm_secret, receipt_ids, sealed, valid_packet
from tests.referral.test_end_to_end import _queued_referral, _status

CMM_PASS = "cmm store passphrase 2026"


@pytest.fixture
def desk(intake_location):
    conn = intake_store.create(intake_location, CMM_PASS)
    intake.register(conn, crypto.org_key_file(ORG_SEED, "Test NGO"))
    yield intake.Intake(conn, cmm_secret())
    intake_store.close(conn)


def _nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def _signed_body(desk, body: bytes) -> bytes:
    return crypto.sign_and_seal(body, ORG_SEED, desk.secret.public)


# -- defect 1: deep nesting ------------------------------------------------------------------------

@pytest.mark.parametrize("depth", [30, 500, 30_000])
def test_a_deeply_nested_signed_packet_is_refused_and_the_others_in_its_folder_are_accepted(desk, tmp_path,
                                                                                            depth) -> None:
    good = valid_packet()
    deep = crypto.canonical_json(valid_packet()).replace(b'"languages":["en"]',
                                                         b'"languages":' + _nested(depth), 1)
    folder = tmp_path / "stick"
    folder.mkdir()
    (folder / "a.cmmpkt").write_bytes(_signed_body(desk, deep))
    (folder / "b.cmmpkt").write_bytes(sealed(good, desk.secret))
    outcomes = receive_folder(desk, folder)
    assert [(o.accepted, o.reason_code) for o in outcomes] == [(False, "malformed"), (True, "")]
    assert intake_store.packet_count(desk.conn) == 1
    assert receipt_ids(folder / "receipts") == [good["packet_id"]]
    again = receive_folder(desk, folder)                           # a rerun refuses it the same way
    assert [(o.accepted, o.reason_code) for o in again] == [(False, "malformed"), (False, "duplicate")]


def test_nesting_is_measured_without_recursion() -> None:
    assert jsonsafe.nesting_depth(_nested(1_000_000)) == 1_000_000
    assert jsonsafe.nesting_depth(b'["[[[[", {"a": "]]]"}]') == 2
    with pytest.raises(jsonsafe.NotStrictJson):
        jsonsafe.loads(_nested(1_000_000), max_bytes=10**7)


def test_an_unexpected_error_in_one_packet_is_a_refusal_not_a_crash(desk, monkeypatch) -> None:
    def broken(*_args, **_kwargs):
        raise RecursionError("from a library we call")

    monkeypatch.setattr(schemas, "packet_problems", broken)
    outcome = desk.receive_one(sealed(valid_packet(), desk.secret))
    assert (outcome.accepted, outcome.reason_code, outcome.receipt) == (False, "unprocessable", None)
    monkeypatch.undo()
    assert desk.receive_one(sealed(valid_packet(), desk.secret)).accepted


# -- defect 4: receipts only for verified packets, bound to the bytes --------------------------------

def test_only_a_packet_whose_signature_verified_gets_a_signed_receipt(desk) -> None:
    stranger = os.urandom(32)
    flipped = bytearray(sealed(valid_packet(), desk.secret))
    flipped[-20] ^= 1
    for data, code in [(os.urandom(400), "not_a_packet"),
                       (bytes(flipped), "damaged"),
                       (sealed(valid_packet(stranger), desk.secret, stranger), "unknown_signer")]:
        outcome = desk.receive_one(data)
        assert (outcome.reason_code, outcome.receipt, outcome.packet_id) == (code, None, "")
        assert outcome.http_status == 400 and receipt.read_error(outcome.http_body) == code
        with pytest.raises(Exception):      # noqa: B017 - an error answer carries no signature at all
            crypto.CmmSecret(bytes(32)).signing_key.verify_key.verify(outcome.http_body)
    data = sealed(valid_packet(), desk.secret)
    signed = receipt.verify(desk.receive_one(data).receipt, desk.secret.public)
    assert signed["packet_sha256"] == hashlib.sha256(data).hexdigest() and signed["outcome"] == "accepted"


def test_the_ngo_applies_a_receipt_only_to_the_packet_it_sent(ready, cmm, tmp_path) -> None:
    referral_id = _queued_referral(ready)
    [row] = service.list_outbox(ready)
    packet_id = row.packet_id

    def signed(outcome: str, digest: str, reason: str = "") -> bytes:
        return receipt.sign(receipt.build(packet_id, digest, outcome, reason), cmm)

    report = SyncReport()
    wrong = hashlib.sha256(b"other bytes").hexdigest()
    assert sync.apply_receipt(ready, signed("rejected", wrong, "schema"), cmm.public, report) is None
    usb = tmp_path / "usb"
    usb.mkdir()
    sync.sync(ready, to_folder=usb)                                   # now sent
    assert _status(ready, referral_id) == "sent"
    digest = hashlib.sha256(next(usb.glob("*.cmmpkt")).read_bytes()).hexdigest()
    assert sync.apply_receipt(ready, signed("rejected", wrong, "schema"), cmm.public, report) is None
    forged = receipt.sign(receipt.build(packet_id, digest, "rejected", "schema"), crypto.new_cmm_secret())
    assert sync.apply_receipt(ready, forged, cmm.public, report) is None
    assert _status(ready, referral_id) == "sent" and report.failed == []
    assert sync.apply_receipt(ready, signed("accepted", digest), cmm.public, report) == "accepted"
    assert _status(ready, referral_id) == "acknowledged"
    assert sync.apply_receipt(ready, signed("rejected", digest, "schema"), cmm.public, report) == "rejected"
    assert _status(ready, referral_id) == "acknowledged"               # never set back


def test_a_packet_id_named_by_a_stranger_gets_no_receipt(desk, tmp_path) -> None:
    victim = valid_packet()
    folder = tmp_path / "stick"
    folder.mkdir()
    (folder / f"{victim['packet_id']}.cmmpkt").write_bytes(os.urandom(500))
    [outcome] = receive_folder(desk, folder)
    assert outcome.reason_code == "not_a_packet"
    assert list((folder / "receipts").glob("*")) == []


# -- defect 5: whole-value patterns, no control characters, one encoding ----------------------------

@pytest.mark.parametrize("field", ["packet_id", "org", "reference", "period"])
def test_a_value_with_a_trailing_newline_does_not_match(field) -> None:
    packet = valid_packet()
    assert schemas.packet_problems(packet) == []
    packet[field] += "\n"
    assert schemas.packet_problems(packet) != []


def test_an_id_ending_in_a_newline_is_refused_and_names_no_receipt(desk) -> None:
    packet = valid_packet(packet_id=uuid.uuid4().hex + "\n")
    outcome = desk.receive_one(sealed(packet, desk.secret))
    assert (outcome.accepted, outcome.packet_id, outcome.receipt) == (False, "", None)
    assert outcome.reason_code in ("malformed", "schema")


@pytest.mark.parametrize("body", [
    b'{"a": 1}',                                  # not canonical (a space)
    b'{"a":1,"a":2}',                             # duplicate key
    b'{"a":NaN}',
    b'{"a":"\\u001b[2J"}',                        # an escape sequence, escaped
    b'{"a":"x\\n"}',
    b'{"a":"\\u202e"}',
    '{"a":"é"}'.encode(),                        # not ASCII
])
def test_strict_json_refuses(body) -> None:
    with pytest.raises(jsonsafe.NotStrictJson):
        jsonsafe.loads(body, canonical_only=True)


def test_a_signed_packet_that_is_not_in_its_canonical_encoding_is_refused(desk) -> None:
    packet = valid_packet()
    body = json.dumps(packet, sort_keys=True).encode()                 # spaces: same content, other bytes
    outcome = desk.receive_one(_signed_body(desk, body))
    assert outcome.reason_code == "malformed" and outcome.receipt is None


# -- defect 7: the refusal log is bounded ------------------------------------------------------------

def test_the_refusal_log_keeps_the_latest_rows_and_counts_all(desk, monkeypatch) -> None:
    monkeypatch.setattr(intake_store, "REJECTION_LOG_ROWS", 40)
    for _ in range(150):
        desk.receive_one(os.urandom(64))
    assert intake_store.rejection_count(desk.conn) == 40
    assert sum(intake_store.rejection_totals(desk.conn).values()) == 150


# -- defect 8: revocation and a rotated key ----------------------------------------------------------

def test_a_revoked_key_is_refused_and_never_registered_again(desk) -> None:
    org = crypto.key_id(crypto.org_public(ORG_SEED)).hex()
    assert desk.receive_one(sealed(valid_packet(), desk.secret)).accepted
    assert intake.revoke(desk.conn, org) is True and intake.revoke(desk.conn, org) is False
    outcome = desk.receive_one(sealed(valid_packet(), desk.secret))
    assert (outcome.accepted, outcome.reason_code) == (False, "revoked_signer")
    assert receipt.verify(outcome.receipt, desk.secret.public)["reason"] == "revoked_signer"
    assert intake_store.packet_count(desk.conn) == 1                   # what came before stays counted
    with pytest.raises(KeyRevoked):
        intake.register(desk.conn, crypto.org_key_file(ORG_SEED, "Test NGO"))
    with pytest.raises(UnknownOrg):
        intake.revoke(desk.conn, "0" * 32)


def test_a_rotated_key_is_trusted_only_with_the_right_fingerprint(ready, cmm, intake_location) -> None:
    conn = intake_store.create(intake_location, CMM_PASS)
    try:
        intake.register(conn, config.export_org_key(ready))
        old_seed = config.org_seed(ready)
        statement = org_rotation.rotate_org_key(ready)
        raw = statement.to_bytes()
        with pytest.raises(FingerprintMismatch):
            intake.register_rotation(conn, raw, crypto.fingerprint(crypto.org_public(old_seed)))
        assert intake_store.org_key(conn, statement.new_key_id) is None
        intake.register_rotation(conn, raw, statement.new_fingerprint.lower().replace(" ", ""))
        desk = intake.Intake(conn, cmm)
        new_packet = valid_packet(config.org_seed(ready))
        assert desk.receive_one(sealed(new_packet, cmm, config.org_seed(ready))).accepted
        refused = desk.receive_one(sealed(valid_packet(old_seed), cmm, old_seed))
        assert refused.reason_code == "revoked_signer"
        rows = {r.org: r for r in intake_store.org_rows(conn)}
        assert rows[statement.org].replaced_by == statement.new_key_id and rows[statement.org].revoked_at
        tampered = json.loads(raw)
        tampered["statement"]["org"] = "f" * 32
        with pytest.raises(Exception) as error:
            intake.register_rotation(conn, json.dumps(tampered).encode(), statement.new_fingerprint)
        assert type(error.value).__name__ == "BadKeyFile"
    finally:
        intake_store.close(conn)
    assert rotation.same_fingerprint(statement.new_fingerprint.replace(" ", "  "), statement.new_public)


def test_every_authenticated_refusal_has_words() -> None:
    assert AUTHENTICATED <= set(REASONS)


def test_another_organisation_cannot_take_a_packet_id_it_read_on_a_stick(desk) -> None:
    other_seed = bytes(range(50, 82))
    intake.register(desk.conn, crypto.org_key_file(other_seed, "Other NGO"))
    victim = valid_packet()
    taken = valid_packet(other_seed, packet_id=victim["packet_id"])              # the id read off the file name
    assert desk.receive_one(sealed(taken, desk.secret, other_seed)).accepted
    real = sealed(victim, desk.secret)
    outcome = desk.receive_one(real)
    assert (outcome.accepted, outcome.reason_code) == (False, "id_taken")
    signed = receipt.verify(outcome.receipt, desk.secret.public)
    assert (signed["outcome"], signed["reason"]) == ("rejected", "id_taken")        # never "duplicate"
    assert desk.receive_one(real).reason_code == "id_taken"


def test_a_packet_re_signed_after_a_rotation_is_a_duplicate_of_the_old_one(desk) -> None:
    old_org = crypto.key_id(crypto.org_public(ORG_SEED)).hex()
    new_seed = bytes(range(150, 182))
    first = valid_packet()
    assert desk.receive_one(sealed(first, desk.secret)).accepted
    intake.register(desk.conn, crypto.org_key_file(new_seed, "Test NGO"))
    intake_store.revoke_org(desk.conn, old_org, replaced_by=crypto.key_id(crypto.org_public(new_seed)).hex())
    again = valid_packet(new_seed, packet_id=first["packet_id"])
    outcome = desk.receive_one(sealed(again, desk.secret, new_seed))
    assert outcome.duplicate and receipt.verify(outcome.receipt, desk.secret.public)["outcome"] == "duplicate"


def test_a_referral_whose_id_was_taken_goes_back_to_draft_at_the_ngo(ready, cmm, tmp_path) -> None:
    referral_id = _queued_referral(ready)
    usb = tmp_path / "usb"
    usb.mkdir()
    sync.sync(ready, to_folder=usb)
    sent = next(usb.glob("*.cmmpkt"))
    [row] = service.list_outbox(ready)
    answer = receipt.sign(receipt.build(row.packet_id, hashlib.sha256(sent.read_bytes()).hexdigest(), "rejected",
                                        "id_taken"), cmm)
    report = SyncReport()
    assert sync.apply_receipt(ready, answer, cmm.public, report) == "rejected"
    [entry] = service.list_outbox(ready)
    assert (entry.status, entry.packet_id) == ("draft", "") and service.get(ready, referral_id).status == "draft"
    assert "new id" in report.failed[0].reason
    again = service.seal_and_queue(ready, referral_id, seen=service.preview(ready, referral_id))
    assert again != row.packet_id
