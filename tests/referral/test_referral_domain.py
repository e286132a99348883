"""Code lists, age groups, world regions, the published schemas and the key files."""

from __future__ import annotations

import json

import pytest
from babel import Locale

from fieldapp.crypto import keys
from fieldapp.domain import codes
from fieldapp.domain import referral as r
from fieldapp.protocol import crypto, receipt
from fieldapp.protocol import schemas as schema
from fieldapp.protocol.errors import BadKeyFile, WrongCmmPassphrase
from fieldapp.protocol.reasons import AUTHENTICATED, REASONS


@pytest.mark.parametrize(("age", "levels"), [
    (None, ("unknown", "unknown", "unknown")), (16, ("under_18",) * 3), (19, ("18-24", "18-24", "18_plus")),
    (27, ("25-29", "25-34", "18_plus")), (41, ("40-44", "35-44", "18_plus")), (58, ("55-59", "55_plus", "18_plus")),
    (70, ("65_plus", "55_plus", "18_plus")),
])
def test_age_groups_keep_cmm_lines(age, levels) -> None:
    assert tuple(r.age_group(age, level) for level in range(3)) == levels
    assert all(group in r.AGE_GROUPS for group in levels)


def test_nationality_generalises_to_subregion_and_world_region() -> None:
    assert [r.nationality_group("NG", level) for level in range(3)] == ["NG", "western_africa", "africa"]
    assert [r.nationality_group("th", level) for level in range(3)] == ["TH", "south_eastern_asia", "asia"]
    assert r.nationality_group("", 0) == r.nationality_group("ZZ", 2) == "unknown"


def test_every_world_region_has_a_name_from_the_locale() -> None:
    names = Locale.parse("da").territories
    assert all(names.get(code) for code in r.M49_NUMERIC.values())
    assert set(r.M49_NUMERIC) == set(r.WORLD_REGION_OF) | set(r.WORLD_REGION_OF.values())
    assert len(r.COUNTRIES) > 240


def test_month_to_quarter() -> None:
    assert [r.period(m, 1) for m in ("2026-01", "2026-03", "2026-04", "2026-12")] == [
        "2026-Q1", "2026-Q1", "2026-Q2", "2026-Q4"]


def _enum(node: dict) -> set:
    return set(node.get("enum") or node["items"]["enum"])


def test_schema_enums_match_the_code_lists() -> None:
    props = json.loads(schema.PACKET_FILE.read_text())["properties"]
    assert _enum(props["indicators"]) == set(codes.INDICATORS)
    assert _enum(props["exploitation_forms"]) == set(codes.EXPLOITATION_FORMS)
    assert _enum(props["industries"]) == set(codes.INDUSTRIES)
    assert _enum(props["crime_forms"]) == set(codes.CRIME_FORMS)
    assert _enum(props["help_requested"]) == set(r.HELP_REQUESTED)
    assert _enum(props["gender"]) == set(codes.GENDERS)
    assert _enum(props["region"]) == set(codes.REGIONS)
    assert _enum(props["contact_setting"]) == set(codes.CONTACT_KINDS)
    assert _enum(props["languages"]) == set(codes.LANGUAGES)
    assert _enum(props["age_group"]) == set(r.AGE_GROUPS)
    assert _enum(props["nationality"]) == set(r.NATIONALITY_VALUES)
    assert _enum(props["consent"]["properties"]["scope"]) == set(r.CONSENT_SCOPES)
    assert _enum(props["anonymisation"]["properties"]["generalised"]) == {code for code, _l in r.STEPS}
    receipt = json.loads(schema.RECEIPT_FILE.read_text())["properties"]
    assert _enum(receipt["reason"]) == (AUTHENTICATED - {"duplicate"}) | {""} and AUTHENTICATED <= set(REASONS)


def _walk(node):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


@pytest.mark.parametrize("path", [*schema.PACKET_FILES.values(), schema.RECEIPT_FILE])
def test_schema_is_closed_and_has_no_free_text(path) -> None:
    for node in _walk(json.loads(path.read_text())):
        if node.get("type") == "object":
            assert node.get("additionalProperties") is False
        if node.get("type") == "string":
            assert "pattern" in node, "every string is a pattern-bound code, never free text"


def test_secret_key_file_round_trip_and_wrong_passphrase() -> None:
    secret = crypto.new_cmm_secret()
    raw = crypto.secret_key_file(secret, "a long cmm passphrase", keys.FLOOR)
    assert crypto.open_secret_key_file(raw, "a long cmm passphrase").public == secret.public
    with pytest.raises(WrongCmmPassphrase):
        crypto.open_secret_key_file(raw, "not the passphrase")
    with pytest.raises(BadKeyFile):
        crypto.open_secret_key_file(b"{not json", "x")
    assert secret.seed.hex() not in raw.decode() and keys.b64(secret.seed) not in raw.decode()


def test_fingerprint_is_eight_groups_of_four_hex() -> None:
    text = crypto.fingerprint(b"\x01" * 32)
    assert len(text.split()) == 8 and all(len(g) == 4 for g in text.split())
    assert int(text.replace(" ", ""), 16) >= 0


def test_receipt_signature_and_format_are_checked() -> None:
    secret = crypto.new_cmm_secret()
    body = receipt.build("a" * 32, "b" * 64, "accepted")
    raw = receipt.sign(body, secret)
    assert receipt.verify(raw, secret.public) == body
    tampered = raw[:-3] + b"b" + raw[-2:]
    assert receipt.verify(tampered, secret.public) is None
    assert receipt.verify(raw, crypto.new_cmm_secret().public) is None
    assert receipt.verify(receipt.sign({"packet_id": "a" * 32}, secret), secret.public) is None
    assert receipt.verify(receipt.sign({**body, "packet_id": "a" * 32 + "\n"}, secret), secret.public) is None


def test_cmm_public_key_file_is_checked() -> None:
    with pytest.raises(BadKeyFile):
        crypto.CmmPublic.from_json({"format": "cmm-public-key/1", "x25519": "AAAA", "ed25519": "AAAA"})
    with pytest.raises(BadKeyFile):
        crypto.CmmPublic.from_json([])


def test_demo_cmm_key_pair_is_consistent_and_marked() -> None:
    from fieldapp.referral import demo

    assert demo.demo_secret().public == demo.demo_public()
    assert "DEMO ONLY" in demo.DEMO_CMM_PUBLIC.read_text() and "DEMO ONLY" in demo.DEMO_CMM_SECRET.read_text()
    assert (demo.DEMO_CMM_DIR / "README-DEMO-ONLY.txt").is_file()
