"""Test helpers: people, venues and contacts inserted with SQL (the columns of migration 0002),
a CMM key pair, a vault ready to seal referrals, packets sealed without a vault, and a TLS certificate."""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fieldapp.protocol import crypto
from fieldapp.protocol.crypto import CmmSecret
from fieldapp.referral import config
from fieldapp.storage.connection import transaction

CMM_SEED = bytes(range(32))


def add_venue(conn, region: str = "hovedstaden", kind: str = "massage_clinic") -> str:
    with transaction(conn):
        return conn.execute("INSERT INTO venues (name, kind, region) VALUES (?, ?, ?) RETURNING id",
                            ("Clinic", kind, region)).fetchone()[0]


def add_visit(conn, venue_id: str, at: datetime) -> str:
    with transaction(conn):
        return conn.execute("INSERT INTO visits (venue_id, started_at) VALUES (?, ?) RETURNING id",
                            (venue_id, at.isoformat())).fetchone()[0]


PERSON_DEFAULTS = {"alias": "Rose", "gender": "woman", "age": 27, "birth_year": None, "nationality": "NG",
                   "languages": "en yo", "phone": "", "seen": None, "reference": None}


def add_person(conn, **fields) -> str:
    """A person row; ``fields`` override PERSON_DEFAULTS."""
    p = {**PERSON_DEFAULTS, **fields}
    seen = p["seen"] or datetime.now(UTC)
    with transaction(conn):
        return conn.execute(
            "INSERT INTO people (reference, alias, alias_key, gender, age_estimate, birth_year, nationality,"
            " languages, phone, phone_consent, first_contact, last_contact)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (p["reference"] or secrets.token_hex(8), p["alias"], p["alias"].casefold(), p["gender"], p["age"],
             p["birth_year"], p["nationality"], p["languages"], p["phone"], int(bool(p["phone"])),
             seen.date().isoformat(), seen.date().isoformat())).fetchone()[0]


CONTACT_CODES = ("exploitation", "industry", "crime_forms")     # more coded columns a test may fill


def add_contact(conn, person_id: str, *, kind: str = "venue", at: datetime | None = None,
                visit_id: str | None = None, indicators: str = "", note: str = "", **coded: str) -> str:
    """A contact row; ``coded`` fills CONTACT_CODES columns (codes separated by spaces)."""
    at = at or datetime.now(UTC)
    values = [coded.pop(name, "") for name in CONTACT_CODES]
    if coded:
        raise TypeError(sorted(coded))
    with transaction(conn):
        return conn.execute(
            "INSERT INTO contacts (person_id, visit_id, kind, occurred_at, indicators, note, exploitation, industry,"
            " crime_forms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (person_id, visit_id, kind, at.isoformat(), indicators, note, *values)).fetchone()[0]


def cmm_secret() -> CmmSecret:
    return CmmSecret(CMM_SEED)


def cmm_public_bytes(secret: CmmSecret | None = None) -> bytes:
    return json.dumps((secret or cmm_secret()).public.to_json()).encode()


def setup_channel(session, secret: CmmSecret | None = None) -> None:
    """Org key + CMM key imported (the session must be an admin's)."""
    config.ensure_org_key(session)
    config.import_cmm_key(session, cmm_public_bytes(secret))


def crowd(conn, n: int, *, gender: str = "woman", age: int = 27, nationality: str = "NG",
          region: str = "hovedstaden", at: datetime | None = None, **contact) -> list[int]:
    """n people met at a venue in ``region`` at ``at``, all sharing the same quasi-identifiers (``contact``: more
    columns of their contact, such as ``industry``)."""
    at = at or datetime.now(UTC)
    venue = add_venue(conn, region)
    visit = add_visit(conn, venue, at)
    ids = []
    for i in range(n):
        pid = add_person(conn, alias=f"crowd{i}", gender=gender, age=age, nationality=nationality, seen=at)
        add_contact(conn, pid, at=at, visit_id=visit, **contact)
        ids.append(pid)
    return ids


def org_key_bytes(session) -> bytes:
    return config.export_org_key(session)


def write_org_key(session, path: Path) -> Path:
    path.write_bytes(org_key_bytes(session))
    return path


def signed_plaintext_packet(body: bytes, seed: bytes, cmm) -> bytes:
    """Seal arbitrary bytes signed by ``seed`` (to craft bad packets for the intake)."""
    return crypto.sign_and_seal(body, seed, cmm)


def receipt_path(folder: Path, packet_id: str, data: bytes) -> Path:
    """Where CMM's intake writes the receipt for these packet bytes."""
    return folder / f"{packet_id}.{hashlib.sha256(data).hexdigest()[:16]}.cmmrcpt"


def receipt_ids(folder: Path) -> list[str]:
    """The packet ids that the receipt files in ``folder`` are named by, sorted."""
    return sorted(p.name.split(".")[0] for p in folder.iterdir())


ORG_SEED = bytes(range(100, 132))


def valid_packet(seed: bytes = ORG_SEED, **changes) -> dict:
    packet = {
        "schema": "cmm-referral/1", "packet_id": uuid.uuid4().hex,
        "org": crypto.key_id(crypto.org_public(seed)).hex(), "reference": "ab" * 12, "region": "hovedstaden",
        "period": "2026-Q2", "contact_setting": "street", "gender": "woman", "age_group": "25-34",
        "nationality": "western_africa", "languages": ["en"], "indicators": ["debt"],
        "exploitation_forms": ["sexual"], "help_requested": ["safe_housing"], "immediate_danger": True,
        "consent": {"scope": "anonymous_notice", "sheet_language": "en", "sheet_version": "2026.1"},
        "anonymisation": {"k": 5, "rule": "met", "generalised": ["age_10_years", "nationality_subregion"]},
    }
    packet.update(changes)
    return packet


def sealed(packet: dict | bytes, cmm: CmmSecret, seed: bytes = ORG_SEED) -> bytes:
    body = packet if isinstance(packet, bytes) else crypto.canonical_json(packet)
    return crypto.sign_and_seal(body, seed, cmm.public)


def tls_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed P-256 certificate for CMM's test receiver (the cryptography package; no system tool)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    cert, key = folder / "cmm-tls.crt", folder / "cmm-tls.key"
    private = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(private.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(minutes=5))
                   .not_valid_after(now + timedelta(days=2)).sign(private, hashes.SHA256()))
    key.write_bytes(private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return cert, key
