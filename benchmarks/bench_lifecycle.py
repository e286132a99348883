"""panic_wipe_ms and backup_ms: destroying a vault, and writing + verifying an encrypted backup."""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.common import kdf_floor, metric
from fieldapp.security import wipe
from fieldapp.security.vault import create_vault

PASSPHRASE = "benchmark passphrase one"


def _vault(folder: Path, megabytes: int):
    session, _ = create_vault(folder / "v.fieldapp", "bench", "admin", PASSPHRASE)
    with session.write() as conn:
        conn.executemany("INSERT INTO venues (name, kind, notes) VALUES (?, 'other', ?)",
                         [(f"venue {i}", "n" * 1000) for i in range(megabytes * 1000)])
    return session


def run(quick: bool) -> dict:
    kdf_floor()
    megabytes, runs = (5, 3) if quick else (50, 5)
    wipes, backups = [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            session = _vault(folder, megabytes)
            usb = folder / "usb"
            usb.mkdir()
            start = time.perf_counter()
            from fieldapp.lifecycle.backup import backup_to

            backup_to(session, usb)
            backups.append((time.perf_counter() - start) * 1000)
            path = session.path
            session.close(audit_lock=False)
            start = time.perf_counter()
            wipe.wipe_files(path)
            wipes.append((time.perf_counter() - start) * 1000)
    scale = f"vault of about {megabytes} MB"
    return {"panic_wipe_ms": metric(statistics.median(wipes), "ms", scale),
            "backup_ms": metric(statistics.median(backups), "ms", scale + ", written, verified and recorded")}
