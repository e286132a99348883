"""CMM's intake refuses bad input with a clear reason, never crashes and never counts twice;
plus hypothesis fuzzing of the packet parser (bounded here; docs/referral-packet.md has a longer run)."""

from __future__ import annotations

import json
import os
import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fieldapp.cmm import intake
from fieldapp.cmm import store as intake_store
from fieldapp.cmm.folder import receive_folder
from fieldapp.protocol import crypto, jsonsafe, receipt, schemas
from fieldapp.protocol.crypto import LEGACY_MAGIC, MAGIC, MAX_PACKET_BYTES
from fieldapp.protocol.reasons import REASONS
from tests.conftest import STORE_KINDS, new_intake_location
from tests.referral.helpers import ORG_SEED, receipt_ids, receipt_path, sealed, valid_packet

FUZZ_EXAMPLES = int(os.environ.get("FIELDAPP_FUZZ_EXAMPLES", "200"))


@pytest.fixture(scope="module", params=STORE_KINDS)
def desk(request, tmp_path_factory):
    """An intake store with one registered organisation, shared by the tests of this module."""
    from tests.referral.helpers import cmm_secret

    location = new_intake_location(request, tmp_path_factory.mktemp("cmm"), request.param)
    conn = intake_store.create(location, "cmm passphrase for tests")
    intake.register(conn, crypto.org_key_file(ORG_SEED, "Test NGO"))
    yield intake.Intake(conn, cmm_secret())
    intake_store.close(conn)


def _refusal(desk: intake.Intake, data: bytes) -> str:
    before = intake_store.packet_count(desk.conn)
    result = desk.receive_one(data, "test")
    assert intake_store.packet_count(desk.conn) == before
    assert not result.accepted
    assert result.reason.startswith(REASONS[result.reason_code])
    return result.reason_code


def test_valid_packet_is_accepted_once_and_a_replay_is_refused(desk) -> None:
    data = sealed(valid_packet(), desk.secret)
    before = intake_store.packet_count(desk.conn)
    result = desk.receive_one(data)
    assert result.accepted and intake_store.packet_count(desk.conn) == before + 1
    assert receipt.verify(result.receipt, desk.secret.public)["outcome"] == "accepted"
    assert _refusal(desk, data) == "duplicate"
    again = desk.receive_one(data)
    assert receipt.verify(again.receipt, desk.secret.public)["outcome"] == "duplicate"


def test_flipped_bit_is_refused(desk) -> None:
    data = bytearray(sealed(valid_packet(), desk.secret))
    data[len(data) // 2] ^= 0x04
    assert _refusal(desk, bytes(data)) == "damaged"


def test_sealed_to_another_key_is_refused(desk) -> None:
    assert _refusal(desk, sealed(valid_packet(), crypto.new_cmm_secret())) == "other_recipient"


def test_unknown_signer_is_refused(desk) -> None:
    stranger = crypto.new_signing_seed()
    assert _refusal(desk, sealed(valid_packet(stranger), desk.secret, stranger)) == "unknown_signer"


def test_forged_signature_is_refused(desk) -> None:
    good = valid_packet()
    plaintext = crypto.open_packet(sealed(good, desk.secret), desk.secret)
    forged = plaintext[:80] + crypto.canonical_json({**good, "immediate_danger": False})
    box = crypto.SealedBox(crypto.PublicKey(desk.secret.public.x25519)).encrypt(forged)
    data = LEGACY_MAGIC + desk.secret.public.key_id + struct.pack(">I", len(box)) + box
    assert _refusal(desk, data) == "bad_signature"


def test_malformed_json_is_refused(desk) -> None:
    assert _refusal(desk, sealed(b'{"schema": "cmm-referral/1",', desk.secret)) == "malformed"
    assert _refusal(desk, sealed(b'{"a": 1, "a": 2}', desk.secret)) == "malformed"
    assert _refusal(desk, sealed(b"[NaN]", desk.secret)) == "malformed"


@pytest.mark.parametrize("change", [
    {"alias": "Rose"}, {"gender": "female"}, {"period": "2026-03-14"}, {"languages": ["en", "en"]},
    {"exploitation_forms": []}, {"consent": {"scope": "anonymous_notice", "sheet_language": "en",
                                             "sheet_version": "see notes: met at the bar"}},
])
def test_schema_violation_is_refused(desk, change) -> None:
    assert _refusal(desk, sealed(valid_packet(**change), desk.secret)) == "schema"


def test_packet_naming_another_org_is_refused(desk) -> None:
    assert _refusal(desk, sealed(valid_packet(org="0" * 32), desk.secret)) == "signer_mismatch"


def test_truncated_file_is_refused(desk) -> None:
    data = sealed(valid_packet(), desk.secret)
    assert _refusal(desk, data[:-7]) == "truncated"
    assert _refusal(desk, data[:10]) == "not_a_packet"
    assert _refusal(desk, b"") == "not_a_packet"


def test_file_over_the_size_limit_is_refused_without_reading_it_all(desk, tmp_path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / f"{'c' * 32}.cmmpkt").write_bytes(b"\0" * (50 * MAX_PACKET_BYTES))
    (folder / f"{'d' * 32}.cmmpkt").write_bytes(sealed(valid_packet(packet_id="d" * 32), desk.secret))
    results = receive_folder(desk, folder)
    assert [(r.accepted, r.reason_code) for r in results] == [(False, "too_large"), (True, "")]
    assert receipt_ids(folder / "receipts") == ["d" * 32]      # nothing signed for a file that did not verify


def test_a_refusal_never_overwrites_an_acceptance(desk, tmp_path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    good = sealed(valid_packet(packet_id="e" * 32), desk.secret)
    (folder / f"{'e' * 32}.cmmpkt").write_bytes(good)
    receive_folder(desk, folder)
    (folder / f"{'e' * 32}.cmmpkt").write_bytes(good[:-1])
    assert [r.reason_code for r in receive_folder(desk, folder)] == ["truncated"]
    found = receipt.verify(receipt_path(folder / "receipts", "e" * 32, good).read_bytes(), desk.secret.public)
    assert found["outcome"] == "accepted"


# -- fuzzing ----------------------------------------------------------------------------------------

fuzz = settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@fuzz
@given(st.binary(max_size=600))
def test_fuzz_random_bytes_never_crash(desk, data) -> None:
    before = intake_store.packet_count(desk.conn)
    result = desk.receive_one(MAGIC + desk.secret.public.key_id + data if len(data) % 2 else data)
    assert not result.accepted and result.reason_code in REASONS
    assert intake_store.packet_count(desk.conn) == before


@fuzz
@given(st.data())
def test_fuzz_mutated_packets_are_refused_or_counted_once(desk, data) -> None:
    packet = sealed(valid_packet(), desk.secret)
    mutated = bytearray(packet)
    for _ in range(data.draw(st.integers(1, 4))):
        position = data.draw(st.integers(0, len(mutated) - 1))
        mutated[position] ^= data.draw(st.integers(1, 255))
    cut = data.draw(st.integers(0, len(mutated)))
    candidate = bytes(mutated[:cut]) + data.draw(st.binary(max_size=8))
    before = intake_store.packet_count(desk.conn)
    result = desk.receive_one(candidate)
    assert result.accepted is False or candidate == packet
    assert intake_store.packet_count(desk.conn) - before <= 1


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=20)


@fuzz
@given(st.data())
def test_fuzz_packet_parser(data) -> None:
    packet = valid_packet()
    for _ in range(data.draw(st.integers(0, 3))):
        key = data.draw(st.sampled_from(sorted(packet)))
        if data.draw(st.booleans()):
            packet[key] = data.draw(json_values)
        else:
            packet.pop(key)
    body = data.draw(st.sampled_from([crypto.canonical_json(packet), json.dumps(data.draw(json_values)).encode(),
                                      data.draw(st.binary(max_size=200))]))
    try:
        parsed = jsonsafe.loads_object(body, canonical_only=True)
    except jsonsafe.NotStrictJson:
        return
    if not schemas.packet_problems(parsed):
        assert parsed == json.loads(body) and crypto.canonical_json(parsed) == body
