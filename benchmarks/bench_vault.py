"""cold_start_ms, unlock_ms and vault_vs_sqlite_ratio (issue: foundation)."""

from __future__ import annotations

import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sqlcipher3

from benchmarks.common import median_ms, metric
from fieldapp.crypto import keys
from fieldapp.security.vault import create_vault, unlock
from fieldapp.storage.connection import connect

PASSPHRASE = "benchmark passphrase one"
_SHOW = """
from pathlib import Path
from fieldapp.ui.app import make_app
from fieldapp.ui.main_window import MainWindow
app = make_app()
window = MainWindow(Path({path!r}))
window.show()
app.processEvents()
print("shown", flush=True)
"""


def cold_start_ms(vault: Path, runs: int) -> float:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", _SHOW.format(path=str(vault))], env=env,
                             capture_output=True, text=True, check=True).stdout
        assert "shown" in out
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def _workload(conn, rows: int) -> None:
    conn.execute("CREATE TABLE IF NOT EXISTS bench (id INTEGER PRIMARY KEY, alias TEXT, n INTEGER, note TEXT)")
    conn.execute("DELETE FROM bench")
    for start in range(0, rows, 500):
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO bench (alias, n, note) VALUES (?, ?, ?)",
                         [(f"alias{i}", i % 97, "x" * 80) for i in range(start, min(rows, start + 500))])
        conn.execute("COMMIT")
    for i in range(200):
        conn.execute("SELECT count(*), sum(n) FROM bench WHERE alias LIKE ?", (f"alias{i}%",)).fetchone()


def _configure(conn) -> None:
    for pragma in ("journal_mode = WAL", "synchronous = FULL", "temp_store = MEMORY", "secure_delete = ON"):
        conn.execute(f"PRAGMA {pragma}")


def ratio(folder: Path, rows: int, runs: int) -> tuple[float, float]:
    vault_conn = connect(folder / "keyed.db", keys.new_data_key(), create=True)
    plain = sqlcipher3.connect(folder / "plain.db", isolation_level=None)
    stdlib = sqlite3.connect(folder / "stdlib.db", isolation_level=None)
    for conn in (plain, stdlib):
        _configure(conn)
    keyed_ms = median_ms(lambda: _workload(vault_conn, rows), runs)
    plain_ms = median_ms(lambda: _workload(plain, rows), runs)
    stdlib_ms = median_ms(lambda: _workload(stdlib, rows), runs)
    for conn in (vault_conn, plain, stdlib):
        conn.close()
    return keyed_ms / plain_ms, keyed_ms / stdlib_ms


def run(quick: bool) -> dict:
    runs = 3 if quick else 7
    rows = 5_000 if quick else 50_000
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "bench.fieldapp"
        session, _ = create_vault(path, "bench", "admin", PASSPHRASE, params=keys.DEFAULT)
        session.close(audit_lock=False)
        unlock_ms = median_ms(lambda: unlock(path, "bench", PASSPHRASE).close(), runs)
        start_ms = cold_start_ms(path, runs)
        cipher_ratio, stdlib_ratio = ratio(folder, rows, runs)
    scale = f"{rows:,} rows insert + 200 selects"
    return {
        "cold_start_ms": metric(start_ms, "ms", "process start to unlock window shown"),
        "unlock_ms": metric(unlock_ms, "ms", "argon2id 256 MiB t=3 p=4 + open + checks"),
        "vault_vs_sqlite_ratio": metric(cipher_ratio, "x", scale + "; vs same sqlcipher3 build unkeyed"),
        "vault_vs_stdlib_sqlite3_ratio": metric(stdlib_ratio, "x", scale + "; vs Python's sqlite3 (reference)"),
    }
