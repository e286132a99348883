"""Adversarial review of the rewritten intake and receipts (branch cmm-review).

Every test here states what SHOULD happen and fails on the code as reviewed: each failure is a defect
(see the review report). They run against the SQLCipher store only, to keep the run short; none depends
on the store kind unless its name says so."""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import UTC, datetime, timedelta

import pytest

from fieldapp.cmm import intake
from fieldapp.cmm import store as intake_store
from fieldapp.cmm.folder import receive_folder
from fieldapp.errors import ExitCode, FieldappError
from fieldapp.protocol import crypto, jsonsafe, receipt
from fieldapp.protocol.files import AGGREGATE_SCHEMA, RECEIPT_SUFFIX
from fieldapp.referral import config, org_rotation, service, sync
from fieldapp.referral.sync import SyncReport
from tests.referral.helpers import cmm_secret
from tests.referral.test_end_to_end import _queued_referral, _status
from tests.referral.test_intake_bad_input import ORG_SEED, sealed, valid_packet
from tests.referral.test_referral_cli import run

CMM_PASS = "cmm passphrase for the review attacks"
OTHER_SEED = bytes(range(50, 82))
NEW_SEED = bytes(range(150, 182))
THIEF_SEED = bytes(range(200, 232))


def _org(seed: bytes) -> str:
    return crypto.key_id(crypto.org_public(seed)).hex()


@pytest.fixture
def conn(tmp_path):
    conn = intake_store.create(tmp_path / "cmm" / "intake.store", CMM_PASS)
    yield conn
    intake_store.close(conn)


@pytest.fixture
def desk(conn):
    intake.register(conn, crypto.org_key_file(ORG_SEED, "Test NGO"))
    return intake.Intake(conn, cmm_secret())


def _statement(old_seed: bytes, new_seed: bytes, revoke_from: datetime | None = None) -> bytes:
    """A rotation statement old -> new, signed with the new key, exactly as the NGO's app writes it."""
    old_public = crypto.org_public(old_seed)
    when = (revoke_from or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    old = {"key_id": crypto.key_id(old_public).hex(), "fingerprint": crypto.fingerprint(old_public),
           "revoke_from": when}
    return org_rotation._signed(old, new_seed).to_bytes()


# -- 1. a folder never carries the receipt that matches the outbox row ------------------------------

def test_after_a_rotation_a_sent_packet_is_never_acknowledged_over_a_folder(ready, tmp_path) -> None:
    """The doc: 'a receipt for either copy matches the outbox row'. It does not: the row keeps only the
    new copy's SHA-256, and the duplicate receipt for the new copy is never written over the old copy's
    acceptance on the stick. The referral stays 'sent' for good, however often it is queued again."""
    cmm = cmm_secret()
    conn = intake_store.create(tmp_path / "cmm" / "intake.store", CMM_PASS)
    try:
        intake.register(conn, config.export_org_key(ready))
        desk = intake.Intake(conn, cmm)
        referral_id = _queued_referral(ready)
        usb = tmp_path / "usb"
        usb.mkdir()
        sync.sync(ready, to_folder=usb)                              # old copy on the stick: sent
        [first] = receive_folder(desk, usb)                          # CMM has it; receipt for the old copy
        assert first.accepted
        statement = org_rotation.rotate_org_key(ready)              # a member leaves before the stick is back
        intake.register_rotation(conn, statement.to_bytes(), statement.new_fingerprint)
        for _round in range(3):                                      # queue again, carry the stick, read it
            sync.sync(ready, to_folder=usb)
            if _status(ready, referral_id) == "acknowledged":
                break
            service.queue(ready, referral_id)
            sync.sync(ready, to_folder=usb)
            [again] = receive_folder(desk, usb)
            assert again.duplicate and again.receipt is not None     # CMM did sign a receipt for the new copy ...
        assert _status(ready, referral_id) == "acknowledged"        # ... but it never reaches the NGO
    finally:
        intake_store.close(conn)


def test_a_file_planted_at_the_receipt_name_blocks_the_acknowledgement_for_good(ready, tmp_path) -> None:
    """The doc: 'nobody who can ... write on the stick can block a referral by naming its packet id'.
    A file planted once at <packet_id>.cmmrcpt (here: in place of the lost acceptance) is never replaced
    by the duplicate receipt, so the packet is never acknowledged, even after the attacker is gone."""
    cmm = cmm_secret()
    conn = intake_store.create(tmp_path / "cmm" / "intake.store", CMM_PASS)
    try:
        intake.register(conn, config.export_org_key(ready))
        desk = intake.Intake(conn, cmm)
        referral_id = _queued_referral(ready)
        usb = tmp_path / "usb"
        usb.mkdir()
        sync.sync(ready, to_folder=usb)
        [first] = receive_folder(desk, usb)
        (usb / "receipts" / f"{first.packet_id}{RECEIPT_SUFFIX}").write_bytes(b"planted")
        sync.sync(ready, to_folder=usb)
        assert _status(ready, referral_id) == "sent"
        for _round in range(3):
            service.queue(ready, referral_id)
            sync.sync(ready, to_folder=usb)
            receive_folder(desk, usb)
            sync.sync(ready, to_folder=usb)
        assert _status(ready, referral_id) == "acknowledged"
    finally:
        intake_store.close(conn)


# -- 2. revoke first (laptop stolen), rotation statement second: the chain is never made -------------

def test_a_rotation_registered_after_a_plain_revoke_still_links_the_keys(desk) -> None:
    """docs: 'intake revoke ... (a laptop reported stolen before any statement)'. When the statement then
    comes, revoke_org's WHERE revoked_at IS NULL skips the row, replaced_by stays NULL, and the NGO's
    re-signed copy of a packet CMM already has is refused as id_taken ('seal it again' -> a new id ->
    the person is counted twice)."""
    first = valid_packet()
    assert desk.receive_one(sealed(first, desk.secret)).accepted
    assert intake.revoke(desk.conn, _org(ORG_SEED))                 # the laptop was stolen: revoke at once
    statement = _statement(ORG_SEED, NEW_SEED)
    intake.register_rotation(desk.conn, statement, crypto.fingerprint(crypto.org_public(NEW_SEED)))
    resigned = valid_packet(NEW_SEED, packet_id=first["packet_id"])
    outcome = desk.receive_one(sealed(resigned, desk.secret, NEW_SEED))
    assert (outcome.reason_code, intake_store.replaced_by(desk.conn, _org(ORG_SEED))) == (
        "duplicate", _org(NEW_SEED))


def test_the_stolen_laptop_flow_without_any_attacker_ends_acknowledged(ready, tmp_path) -> None:
    """The documented flow for a stolen laptop, nobody hostile: CMM got a packet (the answer was lost, so it
    is still queued), CMM revokes the key on the phone call, the NGO's next sync carries the same bytes and
    gets a *signed refusal* of bytes CMM holds (finding 5), the NGO rotates, CMM registers the statement
    (chain not made: finding 2), and the re-signed copy is refused as id_taken, whose receipt is never
    written over the refusal already on the stick (finding 1). The referral CMM has is never acknowledged."""
    from fieldapp.storage import outbox_repo

    cmm = cmm_secret()
    conn = intake_store.create(tmp_path / "cmm" / "intake.store", CMM_PASS)
    try:
        intake.register(conn, config.export_org_key(ready))
        desk = intake.Intake(conn, cmm)
        referral_id = _queued_referral(ready)
        [row] = service.list_outbox(ready)
        assert desk.receive_one(outbox_repo.sealed_bytes(ready.conn, row.packet_id)).accepted   # answer lost
        intake.revoke(conn, config.org_id(ready))                   # the laptop is reported stolen
        usb = tmp_path / "usb"
        usb.mkdir()
        sync.sync(ready, to_folder=usb)
        [refused] = receive_folder(desk, usb)
        assert refused.reason_code == "revoked_signer"
        sync.sync(ready, to_folder=usb)
        assert _status(ready, referral_id) == "failed"              # the NGO now believes CMM refused it
        statement = org_rotation.rotate_org_key(ready)
        intake.register_rotation(conn, statement.to_bytes(), statement.new_fingerprint)
        codes = []
        for _round in range(2):
            service.queue(ready, referral_id)
            sync.sync(ready, to_folder=usb)
            codes += [o.reason_code for o in receive_folder(desk, usb)]
            sync.sync(ready, to_folder=usb)
        assert intake_store.packet_count(conn) == 1
        assert _status(ready, referral_id) == "acknowledged", f"CMM answered {codes}"
    finally:
        intake_store.close(conn)


# -- 3. a rotation to a key that already belongs to another organisation ------------------------------

def test_a_rotation_to_a_key_registered_to_another_organisation_is_refused(desk) -> None:
    """Organisation B writes a statement 'A's key -> B's own key' and reads out its own (true) fingerprint.
    register_rotation renames B's key to A's name, revokes A and links A -> B: B is now answered
    'duplicate' for A's packet ids, and A is locked out."""
    intake.register(desk.conn, crypto.org_key_file(OTHER_SEED, "Other NGO"))
    victim = valid_packet()
    assert desk.receive_one(sealed(victim, desk.secret)).accepted
    with pytest.raises(FieldappError):
        intake.register_rotation(desk.conn, _statement(ORG_SEED, OTHER_SEED),
                                 crypto.fingerprint(crypto.org_public(OTHER_SEED)))


def test_a_second_rotation_of_an_already_replaced_key_is_refused(desk) -> None:
    """A -> A2 registered. A statement 'A -> T' (the departed member, who holds A's old key, or a replay
    with another new key) is accepted as well: T is trusted under A's name though A was already replaced."""
    intake.register_rotation(desk.conn, _statement(ORG_SEED, NEW_SEED),
                             crypto.fingerprint(crypto.org_public(NEW_SEED)))
    with pytest.raises(FieldappError):
        intake.register_rotation(desk.conn, _statement(ORG_SEED, THIEF_SEED),
                                 crypto.fingerprint(crypto.org_public(THIEF_SEED)))


def test_a_rotation_to_the_same_key_is_refused(desk) -> None:
    """old key == new key: the statement verifies, the operator types the fingerprint CMM already has on
    file, and the organisation's only key is revoked (replaced by itself)."""
    with pytest.raises(FieldappError):
        intake.register_rotation(desk.conn, _statement(ORG_SEED, ORG_SEED),
                                 crypto.fingerprint(crypto.org_public(ORG_SEED)))
    assert intake_store.org_key(desk.conn, _org(ORG_SEED)) == (crypto.org_public(ORG_SEED), False)


# -- 4. revoke_from is ignored: the departed member's packets after it count as the organisation's ---

def test_a_packet_signed_with_the_old_key_after_revoke_from_does_not_make_the_real_one_a_duplicate(desk) -> None:
    """The statement says 'packets signed by the old key that arrive from then on are to be refused'.
    CMM ignores revoke_from. The departed member (who had the vault, so knows the outbox's packet ids)
    sends forged content under a pending packet id with the old key before CMM registers the statement;
    the NGO's real, re-signed packet is then answered 'duplicate' (acknowledged in the NGO's outbox) while
    CMM keeps the forgery."""
    revoke_from = datetime.now(UTC) - timedelta(hours=2)
    real = valid_packet(NEW_SEED)                                   # re-signed with the new key, id kept
    forged = valid_packet(ORG_SEED, packet_id=real["packet_id"], gender="man", nationality="DK",
                          immediate_danger=False)
    assert desk.receive_one(sealed(forged, desk.secret, ORG_SEED)).accepted          # after revoke_from
    intake.register_rotation(desk.conn, _statement(ORG_SEED, NEW_SEED, revoke_from),
                             crypto.fingerprint(crypto.org_public(NEW_SEED)))
    outcome = desk.receive_one(sealed(real, desk.secret, NEW_SEED))
    kept = json.loads(intake_store.packet_body(desk.conn, real["packet_id"]))
    assert not (outcome.duplicate and kept != real), "real referral acknowledged; CMM keeps the forged content"


# -- 5. CMM signs 'rejected' for bytes it accepted and counted --------------------------------------

def test_bytes_already_accepted_are_never_answered_rejected_after_a_revocation(ready, tmp_path) -> None:
    """Anyone holding a copy of a packet file (a stick) replays it after CMM revoked the key: CMM signs
    'rejected: revoked_signer' for exactly the bytes it accepted and counts, and the NGO applies it
    (sent -> failed) although CMM has the referral."""
    cmm = cmm_secret()
    conn = intake_store.create(tmp_path / "cmm" / "intake.store", CMM_PASS)
    try:
        intake.register(conn, config.export_org_key(ready))
        desk = intake.Intake(conn, cmm)
        referral_id = _queued_referral(ready)
        usb = tmp_path / "usb"
        usb.mkdir()
        sync.sync(ready, to_folder=usb)
        data = next(usb.glob("*.cmmpkt")).read_bytes()
        shutil.copy(next(usb.glob("*.cmmpkt")), tmp_path / "copy.cmmpkt")
        assert desk.receive_one(data).accepted
        intake.revoke(conn, config.org_id(ready))
        replay = desk.receive_one((tmp_path / "copy.cmmpkt").read_bytes())
        assert intake_store.has_packet(conn, replay.packet_id)
        signed = receipt.verify(replay.receipt, cmm.public)
        sync.apply_receipt(ready, replay.receipt, cmm.public, SyncReport())
        assert signed["outcome"] != "rejected", "CMM signed a refusal of bytes it holds and counts"
        assert _status(ready, referral_id) != "failed"
    finally:
        intake_store.close(conn)


# -- 6. strict JSON: an out-of-range number escapes as ValueError -----------------------------------

@pytest.mark.parametrize("raw", [b"1e400", b'{"a":-1E400}'])
def test_strict_json_refuses_an_out_of_range_number_with_its_own_error(raw) -> None:
    with pytest.raises(jsonsafe.NotStrictJson):
        jsonsafe.loads(raw, canonical_only=True)


def test_strict_json_refuses_infinity_written_as_a_number() -> None:
    """parse_constant refuses the word Infinity; 1e400 is the same value and passes (key files, statements)."""
    with pytest.raises(jsonsafe.NotStrictJson):
        jsonsafe.loads(b'{"a":1e400}')


def test_a_signed_packet_with_an_out_of_range_number_is_malformed_with_a_receipt(desk) -> None:
    body = crypto.canonical_json(valid_packet()).replace(b'"k":5', b'"k":1e400')
    outcome = desk.receive_one(crypto.sign_and_seal(body, ORG_SEED, desk.secret.public))
    assert (outcome.reason_code, outcome.receipt is not None) == ("malformed", True)


def test_strict_json_refuses_a_lone_surrogate() -> None:
    """"\\ud800" passes _check_strings; it is not text (sqlite3/psycopg cannot even encode it)."""
    with pytest.raises(jsonsafe.NotStrictJson):
        jsonsafe.loads(b'{"a":"\\ud800"}')


# -- 7. an org key file whose name is a lone surrogate: a traceback, not BadKeyFile ------------------

def test_an_org_key_file_with_a_lone_surrogate_in_its_name_is_a_bad_key_file(conn) -> None:
    raw = crypto.org_key_file(OTHER_SEED, "x").replace(b'"name": "x"', b'"name": "\\udc80"')
    with pytest.raises(FieldappError):
        intake.register(conn, raw)


# -- 8. sealed figures from a registered organisation crash `intake figures` -------------------------

@pytest.mark.parametrize("tables", [[1], [{"key": "k"}], [{"key": "k", "columns": 5, "rows": [], "cells": []}],
                                    [{"key": "k", "columns": [], "rows": [1], "cells": [1]}]])
def test_odd_signed_figures_are_refused_not_a_traceback(tmp_path, monkeypatch, tables) -> None:
    cmm = cmm_secret()
    store_path = tmp_path / "cmm" / "intake.store"
    conn = intake_store.create(store_path, CMM_PASS)
    intake.register(conn, crypto.org_key_file(ORG_SEED, "Test NGO"))
    intake_store.close(conn)
    key = tmp_path / "cmm" / intake.SECRET_FILE
    key.write_bytes(crypto.secret_key_file(cmm, CMM_PASS))
    body = {"schema": AGGREGATE_SCHEMA, "org": _org(ORG_SEED), "k": 5,
            "period": {"from": "2026-01-01", "to": "2026-03-31"}, "tables": tables}
    figures = tmp_path / "figures.cmmagg"
    figures.write_bytes(crypto.sign_and_seal(crypto.canonical_json(body), ORG_SEED, cmm.public))
    code = run(["intake", "figures", "--store", str(store_path), "--file", str(figures)], CMM_PASS + "\n",
               monkeypatch)
    assert code == ExitCode.INVALID_INPUT


# -- 8b. a write-protected stick: a traceback, nothing received ------------------------------------

def test_a_write_protected_stick_is_received_with_receipts_unwritten(desk, tmp_path, monkeypatch) -> None:
    """A stick with its write-protect switch on and no receipts folder yet: os.mkdir raises EROFS, which
    subfolder(create=True) does not expect; receive_folder raises OSError (the CLI prints a traceback)
    and no packet is received. Reproduced without monkeypatch by tests/cmm/repro_readonly_stick.sh."""
    import errno
    import os

    from fieldapp.storage import untrusted_dir

    usb = tmp_path / "usb"
    usb.mkdir()
    (usb / "a.cmmpkt").write_bytes(sealed(valid_packet(), desk.secret))
    real_mkdir = os.mkdir

    def read_only(path, *args, **kwargs):
        if path == "receipts":
            raise OSError(errno.EROFS, "Read-only file system")
        return real_mkdir(path, *args, **kwargs)

    monkeypatch.setattr(untrusted_dir.os, "mkdir", read_only)
    outcomes = receive_folder(desk, usb)
    assert [o.accepted for o in outcomes] == [True]


# -- 9. two encodings of one value pass the schema --------------------------------------------------

def test_k_as_a_float_is_not_a_second_encoding_of_the_same_packet() -> None:
    from fieldapp.protocol import schemas

    packet = valid_packet()
    packet["anonymisation"]["k"] = 5.0
    raw = crypto.canonical_json(packet)
    assert jsonsafe.loads(raw, canonical_only=True) == packet
    assert schemas.packet_problems(packet) != [], "5 and 5.0 both pass: one value, two signed encodings"


def test_digest_helper_is_sha256() -> None:                     # a guard for the tests above
    assert receipt.digest(b"x") == hashlib.sha256(b"x").hexdigest()


# -- 10. a folder planted at one packet's file name stops every delivery to the stick -----------------

def test_a_folder_planted_at_one_packet_name_does_not_stop_the_other_packets(ready, tmp_path) -> None:
    """FolderTransport.deliver turns any OSError of the write into a *fatal* DeliveryFailed ('is the disk
    full?'), so sync stops for the run: a folder planted at <packet_id>.cmmpkt (ids are file names on the
    stick) keeps every later packet in the queue from going, run after run."""
    urgent = _queued_referral(ready, urgent=True)
    other = _queued_referral(ready)
    usb = tmp_path / "usb"
    usb.mkdir()
    rows = {row.referral_id: row.packet_id for row in service.list_outbox(ready)}
    (usb / f"{rows[urgent]}.cmmpkt").mkdir()                        # planted by whoever had the stick
    report = sync.sync(ready, to_folder=usb)
    assert (usb / f"{rows[other]}.cmmpkt").is_file(), [item.reason for item in report.failed]
    assert _status(ready, other) == "sent"
