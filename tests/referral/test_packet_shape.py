"""What a packet file shows to whoever holds it without CMM's key: one size whatever it holds, and in a
folder no order or time that says which packet is urgent. The padding is checked when the packet opens,
and packets of the first format still open."""

from __future__ import annotations

import json
import os
import struct
from dataclasses import replace

import pytest
from nacl.public import PublicKey, SealedBox

from fieldapp.cmm import intake
from fieldapp.cmm import store as intake_store
from fieldapp.cmm.folder import receive_folder
from fieldapp.protocol import crypto
from fieldapp.protocol.files import PACKET_SUFFIX
from fieldapp.protocol.reasons import Rejected
from fieldapp.referral import config, service, sync
from fieldapp.storage import outbox_repo
from fieldapp.storage.untrusted_dir import UntrustedFolder
from tests.referral.helpers import ORG_SEED, add_contact, add_person, crowd, sealed, valid_packet

CMM_PASS = "cmm store passphrase 2026"


def _referral(session, *, urgent: bool = False, rich: bool = False, alias: str = "Rose") -> str:
    pid = add_person(session.conn, alias=alias)
    add_contact(session.conn, pid, kind="street", indicators="debt documents_withheld threats_violence"
                if rich else "debt")
    draft = service.create_draft(session, pid)
    service.update_draft(session, replace(
        draft, region="hovedstaden", exploitation_forms=("sexual", "forced_labour") if rich else ("sexual",),
        help_requested=("identification_interview", "safe_housing", "health_care", "legal_advice") if rich else (),
        immediate_danger=urgent))
    service.record_consent(session, draft.id, "anonymous_notice", "en", "2026.1", notice_read=True)
    return draft.id


def test_a_small_and_a_full_packet_are_the_same_size(ready, cmm) -> None:
    crowd(ready.conn, 5)
    small = service.seal(ready, _referral(ready))                                  # generalised: k met
    full = service.seal(ready, _referral(ready, rich=True, urgent=True, alias="Joy"), exact=True,
                        reason="CMM asked for the exact details")
    files = [ready.conn.execute("SELECT sealed FROM outbox WHERE packet_id = ?", (packet_id,)).fetchone()[0]
             for packet_id in (small, full)]
    assert len(files[0]) == len(files[1]) == len(crypto.MAGIC) + 16 + 4 + crypto.SEAL_OVERHEAD + crypto.BUCKETS[0]
    bodies = [json.loads(crypto.split_signed(crypto.open_packet(bytes(f), cmm))[2]) for f in files]
    assert len(crypto.canonical_json(bodies[0])) != len(crypto.canonical_json(bodies[1]))
    assert bodies[1]["immediate_danger"] and not bodies[0]["immediate_danger"]


def _with_plaintext(plaintext: bytes, cmm) -> bytes:
    box = SealedBox(PublicKey(cmm.public.x25519)).encrypt(plaintext)
    return crypto.MAGIC + cmm.public.key_id + struct.pack(">I", len(box)) + box


def _signed(body: bytes) -> bytes:
    from nacl.signing import SigningKey

    signer = SigningKey(ORG_SEED)
    return crypto.key_id(bytes(signer.verify_key)) + signer.sign(body).signature


@pytest.mark.parametrize("damage", ["a byte in the padding", "length past the end", "size not a bucket",
                                    "no room for the length"])
def test_damaged_padding_is_refused(cmm, damage) -> None:
    body = crypto.canonical_json(valid_packet())
    head = _signed(body)
    plaintext = head + struct.pack(">I", len(body)) + body
    padded = plaintext + bytes(crypto.BUCKETS[0] - len(plaintext))
    if damage == "a byte in the padding":
        padded = padded[:-10] + b"\x01" + padded[-9:]
    elif damage == "length past the end":
        padded = head + struct.pack(">I", crypto.BUCKETS[0]) + padded[len(head) + 4:]
    elif damage == "size not a bucket":
        padded = padded + b"\0"
    else:
        padded = head[:40]
    with pytest.raises(Rejected) as refused:
        crypto.open_packet(_with_plaintext(padded, cmm), cmm)
    assert refused.value.code == "damaged"
    assert crypto.open_packet(_with_plaintext(plaintext + bytes(crypto.BUCKETS[0] - len(plaintext)), cmm),
                              cmm) == head + body


def test_json_too_large_for_any_packet_is_refused_before_sealing(cmm) -> None:
    with pytest.raises(crypto.TooLarge):
        crypto.sign_and_seal(b'"' + b"x" * crypto.MAX_PACKET_BYTES + b'"', ORG_SEED, cmm.public)


@pytest.fixture
def desk(tmp_path, ready, cmm):
    conn = intake_store.create(tmp_path / "cmm" / "intake.store", CMM_PASS)
    intake.register(conn, config.export_org_key(ready))
    intake.register(conn, crypto.org_key_file(ORG_SEED, "Test NGO"))
    yield intake.Intake(conn, cmm)
    intake_store.close(conn)


def test_packets_of_the_first_format_still_open_at_the_intake(desk, cmm) -> None:
    body = crypto.canonical_json(valid_packet())
    box = SealedBox(PublicKey(cmm.public.x25519)).encrypt(_signed(body) + body)
    legacy = crypto.LEGACY_MAGIC + cmm.public.key_id + struct.pack(">I", len(box)) + box
    assert desk.receive_one(legacy).accepted
    assert desk.receive_one(sealed(valid_packet(), cmm)).accepted


def test_a_folder_shows_neither_order_nor_times(ready, desk, tmp_path, monkeypatch) -> None:
    crowd(ready.conn, 5)
    urgent = set()
    for i in range(16):
        referral_id = _referral(ready, urgent=i % 2 == 0, alias=f"p{i}")
        service.seal_and_queue(ready, referral_id)
        if i % 2 == 0:
            urgent.add(referral_id)
    written = []
    real_write = UntrustedFolder.write

    def recording(self, name, data, mode=0o644, mtime=None):
        written.append(name)
        return real_write(self, name, data, mode, mtime)

    monkeypatch.setattr(UntrustedFolder, "write", recording)
    usb = tmp_path / "usb"
    usb.mkdir()
    report = sync.sync(ready, to_folder=usb)
    assert len(report.sent) == 16 and len(written) == 16

    urgent_packets = {outbox_repo.for_referral(ready.conn, r).packet_id + PACKET_SUFFIX for r in urgent}
    first_half = set(written[:8])
    # Written urgent first, the first eight would be the eight urgent ones; shuffled, that happens once in 12,870.
    assert first_half != urgent_packets
    times = {os.stat(usb / name).st_mtime for name in written}
    assert len(times) == 1 and times.pop() % 3600 == 0
    assert all(result.accepted for result in receive_folder(desk, usb))
