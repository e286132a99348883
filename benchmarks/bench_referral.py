"""packet_seal_ms (seal + write one packet), intake_10k_s (CMM intake of 10,000 packets with the table,
into the SQLCipher file) and intake_10k_pg_s (the same into a PostgreSQL database, on a throwaway local
server with fsync on). Targets: <= 50 ms and <= 60 s each."""

from __future__ import annotations

import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks.common import kdf_floor, metric
from fieldapp.cmm import intake, table
from fieldapp.cmm import store as intake_store
from fieldapp.cmm.folder import receive_folder
from fieldapp.domain import codes
from fieldapp.protocol import crypto
from fieldapp.protocol.crypto import CmmSecret
from fieldapp.referral import config, service
from fieldapp.referral.transports import FolderTransport
from fieldapp.storage import outbox_repo
from fieldapp.storage.connection import transaction

PASSPHRASE = "benchmark passphrase one"


NATIONALITIES = ("NG", "NG", "NG", "RO", "RO", "TH", "TH", "BG", "VN", "CN", "UA", "GH", "HU", "PH", "ES", "DK")
LANGUAGES = {"NG": "en", "RO": "ro", "TH": "th", "BG": "bg", "VN": "vi", "CN": "zh", "UA": "uk", "GH": "en",
             "HU": "hu", "PH": "tl en", "ES": "es", "DK": "da"}


def _people(conn, n: int) -> list[str]:
    """n people of one gender met in one region over the last two years (the first ones this month):
    nationalities in the proportions the seeds report, ages 18 to 60, their languages."""
    rng, now = random.Random(7), datetime.now(UTC)
    with transaction(conn):
        conn.execute("INSERT INTO venues (name, kind, region) VALUES ('Bench', 'street_area', 'hovedstaden')")
        ids = []
        for i in range(n):
            nationality = rng.choice(NATIONALITIES)
            met = now - timedelta(days=0 if i < 100 else rng.randint(0, 730))
            person_id = conn.execute(
                "INSERT INTO people (reference, alias, alias_key, gender, age_estimate, nationality, languages,"
                " first_contact, last_contact) VALUES (?, ?, ?, 'woman', ?, ?, ?, ?, ?) RETURNING id",
                (uuid.uuid4().hex, f"b{i}", f"b{i}", rng.randint(18, 60), nationality, LANGUAGES[nationality],
                 met.date().isoformat(), met.date().isoformat())).fetchone()[0]
            conn.execute("INSERT INTO contacts (person_id, kind, occurred_at, indicators)"
                         " VALUES (?, 'street', ?, 'debt')", (person_id, met.isoformat()))
            ids.append(person_id)
    return ids


def _referral(session, person_id: str) -> str:
    draft = service.create_draft(session, person_id)
    service.update_draft(session, replace(draft, region="hovedstaden"))
    service.record_consent(session, draft.id, "anonymous_notice", "en", "1", notice_read=True)
    return draft.id


def packet_seal_ms(folder: Path, runs: int, population: int) -> float:
    """Each person timed already has a sealed packet, so every count is an intersection of two."""
    from fieldapp.security.vault import create_vault

    session, _recovery = create_vault(folder / "bench.fieldapp", "Bench", "admin", PASSPHRASE)
    try:
        config.import_cmm_key(session, json.dumps(crypto.new_cmm_secret().public.to_json()).encode())
        drafts = []
        for pid in _people(session.conn, population)[:runs + 1]:
            service.seal(session, _referral(session, pid), reason="benchmark")
            drafts.append(_referral(session, pid))
        out = folder / "usb"
        out.mkdir()
        transport = FolderTransport(out)
        samples = []
        for referral_id in drafts:
            start = time.perf_counter()
            packet_id = service.seal(session, referral_id, reason="benchmark")
            sealed = session.conn.execute("SELECT sealed FROM outbox WHERE packet_id = ?", (packet_id,)).fetchone()
            transport.deliver(packet_id, bytes(sealed[0]))
            samples.append((time.perf_counter() - start) * 1000)
        assert outbox_repo.get(session.conn, packet_id) is not None
        return statistics.median(samples[1:])
    finally:
        session.close(audit_lock=False)


def _random_packet(rng: random.Random, org: str) -> dict:
    return {
        "schema": "cmm-referral/1", "packet_id": uuid.uuid4().hex, "org": org, "reference": rng.randbytes(12).hex(),
        "region": rng.choice(sorted(codes.REGIONS)), "period": f"2026-{rng.randint(1, 12):02d}",
        "contact_setting": rng.choice(sorted(codes.CONTACT_KINDS)), "gender": rng.choice(["woman", "man"]),
        "age_group": rng.choice(["18-24", "25-34", "35-44", "under_18"]),
        "nationality": rng.choice(["NG", "TH", "RO", "VN", "western_africa", "asia"]), "languages": ["en"],
        "indicators": sorted(rng.sample(sorted(codes.INDICATORS), 3)),
        "exploitation_forms": [rng.choice(sorted(codes.EXPLOITATION_FORMS))], "help_requested": ["safe_housing"],
        "immediate_danger": rng.random() < 0.1,
        "consent": {"scope": "anonymous_notice", "sheet_language": "en", "sheet_version": "1"},
        "anonymisation": {"k": 5, "rule": "met", "generalised": []},
    }


def intake_s(folder: Path, count: int, location: Path | str | None = None) -> float:
    """Seconds to receive ``count`` packet files (receipts written) and make the table, into a new store at
    ``location`` (default: a file in ``folder``)."""
    secret, seed, rng = CmmSecret(bytes(32)), crypto.new_signing_seed(), random.Random(5)
    org = crypto.key_id(crypto.org_public(seed)).hex()
    inbox = folder / "inbox"
    inbox.mkdir()
    for _ in range(count):
        packet = _random_packet(rng, org)
        data = crypto.sign_and_seal(crypto.canonical_json(packet), seed, secret.public)
        (inbox / f"{packet['packet_id']}.cmmpkt").write_bytes(data)
    conn = intake_store.create(location or folder / "intake.store", PASSPHRASE)
    try:
        intake.register(conn, crypto.org_key_file(seed, "Bench NGO"))
        start = time.perf_counter()
        results = receive_folder(intake.Intake(conn, secret), inbox)
        table.write_csv(conn, folder / "table.csv")
        table.text_table(conn)
        elapsed = time.perf_counter() - start
        assert sum(r.accepted for r in results) == count == intake_store.packet_count(conn)
        return elapsed
    finally:
        intake_store.close(conn)


def intake_pg_s(folder: Path, count: int) -> float | None:
    """``intake_s`` into a database of a throwaway PostgreSQL server; None when one cannot be started here."""
    from tests import pg_server

    missing = pg_server.missing_prerequisite()
    if missing:
        print(f"intake_10k_pg_s left out: {missing}", file=sys.stderr)
        return None
    server = pg_server.ThrowawayPostgres(durable=True)
    try:
        server.start()
        return intake_s(folder, count, server.new_database())
    finally:
        server.stop()


def run(quick: bool) -> dict:
    kdf_floor()
    runs, count, population = (10, 1_000, 2_000) if quick else (30, 10_000, 20_000)
    with tempfile.TemporaryDirectory() as tmp:
        seal = packet_seal_ms(Path(tmp), runs, population)
    with tempfile.TemporaryDirectory() as tmp:
        took = intake_s(Path(tmp), count)
    with tempfile.TemporaryDirectory() as tmp:
        took_pg = intake_pg_s(Path(tmp), count)
    scale = f"{count:,} packets with receipts and the table" + (" (quick: 1,000, not 10,000)" if quick else "")
    results = {
        "packet_seal_ms": metric(seal, "ms", f"seal + write one packet, median of {runs}, k-rule over "
                                             f"{population:,} people, counted with an earlier packet"),
        "intake_10k_s": metric(took, "s", scale),
    }
    if took_pg is not None:
        results["intake_10k_pg_s"] = metric(took_pg, "s", f"{scale}; PostgreSQL, local socket, fsync on")
    return results
