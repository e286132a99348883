"""unlock_full_ms, rekey_ms and panic_wipe_full_ms (issue: key hierarchy).

A vault is filled by the synthetic generator (20,000 people / 100,000 contacts with their health and
legal parts; quick: 2,000 / 10,000), with a second admin who holds every compartment key. Then:
an admin unlocks with argon2id at 256 MiB and every compartment attached (``unlock_full_ms``); the
second admin is deactivated, which rotates every key and re-encrypts every file (``rekey_ms``); and
the whole vault is overwritten in place and removed (``panic_wipe_full_ms``).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.common import kdf_floor, median_ms, metric
from fieldapp.crypto import keys
from fieldapp.demo.synthetic_store import populate
from fieldapp.lifecycle import members
from fieldapp.security import users, vault, wipe

PASSPHRASE = "benchmark passphrase three"


def _vault(folder: Path, count: int) -> Path:
    path = folder / "keys.fieldapp"
    session, _recovery = vault.create_vault(path, "admin", "admin", PASSPHRASE, params=keys.DEFAULT)
    try:
        populate(session, people=count, seed=2026)
        vault.add_user(session, "leaver", "admin", PASSPHRASE + " leaver", PASSPHRASE)
    finally:
        session.close(audit_lock=False)
    return path


def _size_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in wipe.vault_files(path) if f.exists()) / 1e6


def _deactivate_leaver(path: Path) -> float:
    session = vault.unlock(path, "admin", PASSPHRASE)
    try:
        leaver = next(u for u in users.list_all(session) if u.name == "leaver")
        start = time.perf_counter()
        members.deactivate(session, leaver.id)
        return (time.perf_counter() - start) * 1000
    finally:
        session.close(audit_lock=False)


def run(quick: bool) -> dict:
    kdf_floor()
    count, runs = (2_000, 3) if quick else (20_000, 3)
    with tempfile.TemporaryDirectory() as tmp:
        path = _vault(Path(tmp), count)
        size = _size_mb(path)
        unlock_ms = median_ms(lambda: vault.unlock(path, "admin", PASSPHRASE).close(), runs)
        rekey_ms = _deactivate_leaver(path)
        start = time.perf_counter()
        wipe.wipe_files(path)
        wipe_ms = (time.perf_counter() - start) * 1000
    scale = f"{count:,} people / {count * 5:,} contacts, {size:.0f} MB in all files"
    return {
        "unlock_full_ms": metric(unlock_ms, "ms", scale + "; argon2id 256 MiB, every compartment"),
        "rekey_ms": metric(rekey_ms, "ms", scale + "; deactivate a member who held every key"),
        "panic_wipe_full_ms": metric(statistics.median([wipe_ms]), "ms", scale + "; every file overwritten"),
    }
