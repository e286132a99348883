"""Test helpers: people, venues and contacts inserted with SQL (the columns of migration 0002),
a CMM key pair, and a vault ready to seal referrals."""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import UTC, datetime
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


def add_contact(conn, person_id: str, *, kind: str = "venue", at: datetime | None = None,
                visit_id: str | None = None, indicators: str = "", note: str = "") -> str:
    at = at or datetime.now(UTC)
    with transaction(conn):
        return conn.execute(
            "INSERT INTO contacts (person_id, visit_id, kind, occurred_at, indicators, note) VALUES (?, ?, ?, ?, ?, ?)"
            " RETURNING id", (person_id, visit_id, kind, at.isoformat(), indicators, note)).fetchone()[0]


def cmm_secret() -> CmmSecret:
    return CmmSecret(CMM_SEED)


def cmm_public_bytes(secret: CmmSecret | None = None) -> bytes:
    return json.dumps((secret or cmm_secret()).public.to_json()).encode()


def setup_channel(session, secret: CmmSecret | None = None) -> None:
    """Org key + CMM key imported (the session must be an admin's)."""
    config.ensure_org_key(session)
    config.import_cmm_key(session, cmm_public_bytes(secret))


def crowd(conn, n: int, *, gender: str = "woman", age: int = 27, nationality: str = "NG",
          region: str = "hovedstaden", at: datetime | None = None) -> list[int]:
    """n people met at a venue in ``region`` at ``at``, all sharing the same quasi-identifiers."""
    at = at or datetime.now(UTC)
    venue = add_venue(conn, region)
    visit = add_visit(conn, venue, at)
    ids = []
    for i in range(n):
        pid = add_person(conn, alias=f"crowd{i}", gender=gender, age=age, nationality=nationality, seen=at)
        add_contact(conn, pid, at=at, visit_id=visit)
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
