"""CMM's intake and the NGO's receipts against attacks on their logic: receipts that must reach the right
packet, keys revoked and replaced in every order, statements that would link the wrong keys, strict JSON at
its edges, odd sealed figures, and sticks that are write-protected or booby-trapped at one name."""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import UTC, datetime, timedelta

import pytest

from fieldapp.cmm import accounts, intake
from fieldapp.cmm import store as intake_store
from fieldapp.cmm.folder import receipt_name, receive_folder
from fieldapp.errors import ExitCode, FieldappError
from fieldapp.protocol import crypto, jsonsafe, receipt
from fieldapp.protocol.files import AGGREGATE_SCHEMA
from fieldapp.referral import config, org_rotation, service, sync
from fieldapp.referral.sync import SyncReport
from tests.referral.helpers import ORG_SEED, cmm_secret, sealed, valid_packet
from tests.referral.test_end_to_end import _queued_referral, _status
from tests.referral.test_referral_cli import run

CMM_PASS = "cmm passphrase for the intake attacks"
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


# -- receipts reach the copy they name, over a folder --------------------------------------------------

def test_after_a_rotation_a_sent_packet_is_never_acknowledged_over_a_folder(ready, tmp_path) -> None:
    """After a key rotation the outbox holds a re-signed copy under the same id; CMM's receipt for either copy
    reaches the NGO over a folder (each copy's receipt has a name of its own) and acknowledges the referral."""
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
    """A file planted at a receipt's name is written over by CMM's next receipt for those bytes, so it cannot
    keep a referral from being acknowledged."""
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
        (usb / "receipts" / receipt_name(first)).write_bytes(b"planted")          # over the real receipt
        sync.sync(ready, to_folder=usb)
        assert _status(ready, referral_id) == "sent"
        for _round in range(3):
            if _status(ready, referral_id) == "acknowledged":
                break
            service.queue(ready, referral_id)
            sync.sync(ready, to_folder=usb)
            receive_folder(desk, usb)
            sync.sync(ready, to_folder=usb)
        assert _status(ready, referral_id) == "acknowledged"
    finally:
        intake_store.close(conn)


# -- revoked first (a laptop stolen), rotation statement second ----------------------------------------

def test_a_rotation_registered_after_a_plain_revoke_still_links_the_keys(desk) -> None:
    """A key revoked at once (a laptop reported stolen) still gets its successor linked when the statement
    comes, so the organisation's re-signed copy is a duplicate, not a second referral."""
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
    """A packet CMM received before its key was revoked (the answer was lost, so the NGO sends it again) is
    answered "duplicate", never "rejected", and the referral ends acknowledged."""
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
        [again] = receive_folder(desk, usb)
        assert again.duplicate                                       # CMM has these bytes: never "rejected"
        sync.sync(ready, to_folder=usb)
        codes = [again.reason_code]
        assert intake_store.packet_count(conn) == 1
        assert _status(ready, referral_id) == "acknowledged", f"CMM answered {codes}"
    finally:
        intake_store.close(conn)


# -- statements that would link the wrong keys ---------------------------------------------------------

def test_a_rotation_to_a_key_registered_to_another_organisation_is_refused(desk) -> None:
    """A statement that names as new key one already registered (here another organisation's) is refused:
    it would link that organisation to this one's packet ids."""
    intake.register(desk.conn, crypto.org_key_file(OTHER_SEED, "Other NGO"))
    victim = valid_packet()
    assert desk.receive_one(sealed(victim, desk.secret)).accepted
    with pytest.raises(FieldappError):
        intake.register_rotation(desk.conn, _statement(ORG_SEED, OTHER_SEED),
                                 crypto.fingerprint(crypto.org_public(OTHER_SEED)))


def test_a_second_rotation_of_an_already_replaced_key_is_refused(desk) -> None:
    """A key already replaced cannot be replaced again (by whoever holds the old key, or a replayed statement)."""
    intake.register_rotation(desk.conn, _statement(ORG_SEED, NEW_SEED),
                             crypto.fingerprint(crypto.org_public(NEW_SEED)))
    with pytest.raises(FieldappError):
        intake.register_rotation(desk.conn, _statement(ORG_SEED, THIEF_SEED),
                                 crypto.fingerprint(crypto.org_public(THIEF_SEED)))


def test_a_rotation_to_the_same_key_is_refused(desk) -> None:
    """A statement whose new key is the old key is refused."""
    with pytest.raises(FieldappError):
        intake.register_rotation(desk.conn, _statement(ORG_SEED, ORG_SEED),
                                 crypto.fingerprint(crypto.org_public(ORG_SEED)))
    assert intake_store.org_key(desk.conn, _org(ORG_SEED)) == (crypto.org_public(ORG_SEED), False)


# -- packets signed with the old key after the rotation time -------------------------------------------

def test_a_packet_signed_with_the_old_key_after_revoke_from_does_not_make_the_real_one_a_duplicate(desk) -> None:
    """Packets signed with the old key that arrived after the rotation time are put aside when the rotation is
    registered: not counted, and the organisation's own copy under that id is never answered "duplicate"."""
    revoke_from = datetime.now(UTC) - timedelta(hours=2)
    real = valid_packet(NEW_SEED)                                   # re-signed with the new key, id kept
    forged = valid_packet(ORG_SEED, packet_id=real["packet_id"], gender="man", nationality="DK",
                          immediate_danger=False)
    assert desk.receive_one(sealed(forged, desk.secret, ORG_SEED)).accepted          # after revoke_from
    intake.register_rotation(desk.conn, _statement(ORG_SEED, NEW_SEED, revoke_from),
                             crypto.fingerprint(crypto.org_public(NEW_SEED)))
    outcome = desk.receive_one(sealed(real, desk.secret, NEW_SEED))
    kept = json.loads(accounts.read_referral(desk.conn, real["packet_id"]))
    assert not (outcome.duplicate and kept != real), "real referral acknowledged; CMM keeps the forged content"


# -- bytes CMM holds are never refused -----------------------------------------------------------------

def test_bytes_already_accepted_are_never_answered_rejected_after_a_revocation(ready, tmp_path) -> None:
    """Bytes CMM accepted before the key was revoked are answered "duplicate" when they come again."""
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


# -- strict JSON at its edges --------------------------------------------------------------------------

@pytest.mark.parametrize("raw", [b"1e400", b'{"a":-1E400}'])
def test_strict_json_refuses_an_out_of_range_number_with_its_own_error(raw) -> None:
    with pytest.raises(jsonsafe.NotStrictJson):
        jsonsafe.loads(raw, canonical_only=True)


def test_strict_json_refuses_infinity_written_as_a_number() -> None:
    """1e400 is Infinity by another name, refused like the word."""
    with pytest.raises(jsonsafe.NotStrictJson):
        jsonsafe.loads(b'{"a":1e400}')


def test_a_signed_packet_with_an_out_of_range_number_is_malformed(desk) -> None:
    """Refused as malformed (a body that does not parse names no packet id, so it gets no receipt), not as an
    error of the intake's own."""
    body = crypto.canonical_json(valid_packet()).replace(b'"k":5', b'"k":1e400')
    outcome = desk.receive_one(crypto.sign_and_seal(body, ORG_SEED, desk.secret.public))
    assert (outcome.reason_code, outcome.receipt) == ("malformed", None)


def test_strict_json_refuses_a_lone_surrogate() -> None:
    """A lone surrogate is not text (it has no UTF-8 form): refused like a control character."""
    with pytest.raises(jsonsafe.NotStrictJson):
        jsonsafe.loads(b'{"a":"\\ud800"}')


# -- an organisation key file with a name that is not text ---------------------------------------------

def test_an_org_key_file_with_a_lone_surrogate_in_its_name_is_a_bad_key_file(conn) -> None:
    raw = crypto.org_key_file(OTHER_SEED, "x").replace(b'"name": "x"', b'"name": "\\udc80"')
    with pytest.raises(FieldappError):
        intake.register(conn, raw)


# -- odd sealed figures --------------------------------------------------------------------------------

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


# -- a write-protected stick ---------------------------------------------------------------------------

def test_a_write_protected_stick_is_received_with_receipts_unwritten(desk, tmp_path, monkeypatch) -> None:
    """A write-protected stick with no receipts folder yet: the packets are received, and every receipt is
    reported as not written."""
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


# -- one value, one encoding ---------------------------------------------------------------------------

def test_k_as_a_float_is_not_a_second_encoding_of_the_same_packet() -> None:
    from fieldapp.protocol import schemas

    packet = valid_packet()
    packet["anonymisation"]["k"] = 5.0
    raw = crypto.canonical_json(packet)
    assert jsonsafe.loads(raw, canonical_only=True) == packet
    assert schemas.packet_problems(packet) != [], "5 and 5.0 both pass: one value, two signed encodings"


def test_digest_helper_is_sha256() -> None:                     # a guard for the tests above
    assert receipt.digest(b"x") == hashlib.sha256(b"x").hexdigest()


# -- something planted at one packet's name on the NGO's stick -----------------------------------------

def test_a_folder_planted_at_one_packet_name_does_not_stop_the_other_packets(ready, tmp_path) -> None:
    """Something planted at one packet's file name on the stick keeps that packet queued; the others go."""
    urgent = _queued_referral(ready, urgent=True)
    other = _queued_referral(ready)
    usb = tmp_path / "usb"
    usb.mkdir()
    rows = {row.referral_id: row.packet_id for row in service.list_outbox(ready)}
    (usb / f"{rows[urgent]}.cmmpkt").mkdir()                        # planted by whoever had the stick
    report = sync.sync(ready, to_folder=usb)
    assert (usb / f"{rows[other]}.cmmpkt").is_file(), [item.reason for item in report.failed]
    assert _status(ready, other) == "sent"
