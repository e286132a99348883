"""Fuzzing the intake: 10,000 mutated packets through the shared packet handler, half mutated before sealing
(validly signed, hostile content) and half after; a few hundred through the folder transport into a real
store. Nothing but a refusal ever comes out of a bad packet, and a control packet is accepted after each
batch. ``FIELDAPP_FUZZ_PACKETS`` sets the count for longer runs."""

from __future__ import annotations

import json
import os
import random

import pytest

from fieldapp.cmm import accounts, intake
from fieldapp.cmm import store as intake_store
from fieldapp.cmm.folder import receipt_name, receive_folder
from fieldapp.protocol import crypto, jsonsafe, packet, schemas
from fieldapp.protocol.packet import SignerKey
from fieldapp.protocol.reasons import REASONS, Rejected
from tests.referral.helpers import ORG_SEED, cmm_secret, sealed, valid_packet

PACKETS = int(os.environ.get("FIELDAPP_FUZZ_PACKETS", "10000"))
BATCH = 1000
ORG = crypto.key_id(crypto.org_public(ORG_SEED)).hex()


def _lookup(org: str) -> SignerKey | None:
    return SignerKey(crypto.org_public(ORG_SEED)) if org == ORG else None


_ODD_CHARS = [0, 10, 27, 0x7F, 0x85, 0x202E, 0x2028, 0xFEFF, 0xD7FF, 0x10FFFF]
_SCALARS = [
    lambda rng: None,
    lambda rng: rng.choice([True, False]),
    lambda rng: rng.choice([0, -1, 2**63, -(2**64), 10**300, 1.5, 1e308]),
    lambda rng: "".join(chr(rng.choice([*_ODD_CHARS, rng.randrange(32, 127)])) for _ in range(rng.randrange(12))),
    lambda rng: rng.choice(["", "a" * 5000, "0" * 32, "f" * 32 + "\n", "2026-13", "2026-Q5", "sexual", "en"]),
    lambda rng: uuid_like(rng),
    lambda rng: rng.choice(["hovedstaden", "woman", "25-34", "western_africa", "street", "anonymous_notice"]),
]


def _value(rng: random.Random, depth: int = 0):
    """A random JSON value: odd scalars, valid codes in the wrong place, and small nested containers."""
    kind = rng.randrange(len(_SCALARS) + (2 if depth < 4 else 0))
    if kind < len(_SCALARS):
        return _SCALARS[kind](rng)
    if kind == len(_SCALARS):
        return [_value(rng, depth + 1) for _ in range(rng.randrange(0, 4))]
    return {rng.choice(["a", "schema", "packet_id", "", "\u0000"]): _value(rng, depth + 1)
            for _ in range(rng.randrange(0, 3))}


def uuid_like(rng: random.Random) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(32))


def _hostile_document(rng: random.Random) -> dict:
    document = valid_packet(packet_id=uuid_like(rng))
    for _ in range(rng.randrange(1, 4)):
        action = rng.randrange(4)
        if action == 0:
            document[rng.choice(sorted(document))] = _value(rng)
        elif action == 1 and document:
            document.pop(rng.choice(sorted(document)))
        elif action == 2:
            document[rng.choice(["extra", "Packet_id", "org "])] = _value(rng)
        else:
            inner = document.get(rng.choice(["consent", "anonymisation"]))
            if isinstance(inner, dict) and inner:
                inner[rng.choice(sorted(inner))] = _value(rng)
    return document


def _hostile_body(rng: random.Random) -> bytes:
    """A body the organisation really signs, with hostile content or a hostile encoding."""
    try:
        body = crypto.canonical_json(_hostile_document(rng))
    except ValueError:                      # a value that has no JSON form (never sent)
        body = b"{}"
    tweak = rng.randrange(8)
    at = rng.randrange(len(body))
    depth = rng.choice([9, 50, 5000, 20_000])
    tweaks = {
        0: lambda: body.replace(b":", b": ", 1),                                    # not canonical
        1: lambda: body[:-1] + b',"schema":"cmm-referral/1"}',                      # a second value for a key
        2: lambda: body.replace(b'"languages":[', b'"languages":' + b"[" * depth + b"]" * (depth - 1) + b",", 1),
        3: lambda: body[:at] + bytes([rng.randrange(256)]) + body[at + 1:],
        4: lambda: body[:at],
    }
    return tweaks[tweak]() if tweak in tweaks else body


def _mutated_after_sealing(rng: random.Random, good: bytes) -> bytes:
    data = bytearray(good)
    action = rng.randrange(6)
    if action == 0:
        for _ in range(rng.randrange(1, 5)):
            data[rng.randrange(len(data))] ^= rng.randrange(1, 256)
    elif action == 1:
        data = data[:rng.randrange(len(data))]
    elif action == 2:
        data += os.urandom(rng.randrange(1, 64))
    elif action == 3:                                                         # the length field
        data[len(crypto.MAGIC) + crypto.KEY_ID_BYTES + rng.randrange(4)] ^= rng.randrange(1, 256)
    elif action == 4:                                                         # the recipient or the magic
        data[rng.randrange(len(crypto.MAGIC) + crypto.KEY_ID_BYTES)] ^= rng.randrange(1, 256)
    else:
        data = bytearray(os.urandom(rng.randrange(0, 2 * len(good))))
    return bytes(data)


def _check_one(data: bytes, secret) -> str:
    """The handler's verdict: "accepted" or a reason code; anything else raised fails the test."""
    try:
        opened = packet.open_referral(data, secret, _lookup)
    except Rejected as refusal:
        assert refusal.code in REASONS
        assert not refusal.packet_id or packet.PACKET_ID.fullmatch(refusal.packet_id)
        return refusal.code
    document = opened.document
    assert schemas.packet_problems(document) == [] and document["org"] == ORG == opened.signer
    assert jsonsafe.nesting_depth(crypto.canonical_json(document)) <= jsonsafe.MAX_DEPTH
    return "accepted"


def test_ten_thousand_mutated_packets_through_the_shared_handler() -> None:
    secret = cmm_secret()
    rng = random.Random(20261202)
    control = sealed(valid_packet(), secret)
    verdicts: dict[str, int] = {}
    for start in range(0, PACKETS, BATCH):
        for index in range(start, min(start + BATCH, PACKETS)):
            if index % 2:
                data = crypto.sign_and_seal(_hostile_body(rng), ORG_SEED, secret.public)
            else:
                data = _mutated_after_sealing(rng, sealed(valid_packet(), secret))
            verdict = _check_one(data, secret)
            verdicts[verdict] = verdicts.get(verdict, 0) + 1
        assert _check_one(control, secret) == "accepted"
    assert sum(verdicts.values()) == PACKETS
    # The mutations reach every stage of the handler, not only the first check.
    assert {"damaged", "malformed", "schema", "not_a_packet", "other_recipient"} <= set(verdicts)


@pytest.fixture
def desk(tmp_path):
    conn = intake_store.create(tmp_path / "cmm" / "intake.store", "cmm store passphrase 2026")
    intake.register(conn, crypto.org_key_file(ORG_SEED, "Test NGO"))
    yield intake.Intake(conn, cmm_secret())
    intake_store.close(conn)


def test_hundreds_of_mutated_packets_through_the_folder_transport(desk, tmp_path) -> None:
    rng = random.Random(7)
    accepted = 0
    for batch in range(3):
        folder = tmp_path / f"stick{batch}"
        folder.mkdir()
        for index in range(100):
            good = sealed(valid_packet(), desk.secret)
            data = (crypto.sign_and_seal(_hostile_body(rng), ORG_SEED, desk.secret.public) if index % 2
                    else _mutated_after_sealing(rng, good))
            (folder / f"{index:03}.cmmpkt").write_bytes(data)
        control = valid_packet()
        (folder / "zzz-control.cmmpkt").write_bytes(sealed(control, desk.secret))
        outcomes = receive_folder(desk, folder)
        assert len(outcomes) == 101 and outcomes[-1].accepted and outcomes[-1].packet_id == control["packet_id"]
        assert all(o.accepted or o.reason_code in REASONS for o in outcomes)
        accepted += sum(o.accepted for o in outcomes)
        receipts = {p.name for p in (folder / "receipts").iterdir()}
        assert receipts <= {receipt_name(o) for o in outcomes if o.receipt}
    assert intake_store.packet_count(desk.conn) == accepted
    for body in intake_store_bodies(desk):
        assert schemas.packet_problems(json.loads(body)) == []


def intake_store_bodies(desk) -> list[str]:
    ids = [row[0] for row in desk.conn.execute("SELECT packet_id FROM packets")]
    return [accounts.read_referral(desk.conn, packet_id) for packet_id in ids]
