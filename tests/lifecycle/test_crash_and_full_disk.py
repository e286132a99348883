"""Crash safety (SIGKILL at random moments) and a full disk during a save.

CI runs 50 kill rounds; FIELDAPP_CRASH_ROUNDS=1000 runs the documented long variant.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from fieldapp.domain.ids import is_record_id
from fieldapp.storage.connection import connect, integrity_problems

WRITER = Path(__file__).with_name("writer_process.py")


def _start(mode: str, path: Path, key: bytes) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, str(WRITER), mode, str(path)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    proc.stdin.write(key.hex() + "\n")
    proc.stdin.flush()
    return proc


def test_no_committed_record_lost_when_killed(session) -> None:
    key, path = bytes(session.data_key), session.path
    session.close(audit_lock=False)
    rounds = int(os.environ.get("FIELDAPP_CRASH_ROUNDS", "50"))
    rng = random.Random(2026)
    committed: set[str] = set()
    for _round in range(rounds):
        proc = _start("crash", path, key)
        first = proc.stdout.readline()          # the writer is saving now; kill it at a random moment
        time.sleep(rng.random() * 0.05)
        proc.send_signal(signal.SIGKILL)
        out, _err = proc.communicate()
        lines = [first, *out.splitlines()]
        committed.update(line.strip() for line in lines if is_record_id(line.strip()))
        conn = connect(path, key)
        stored = {row[0] for row in conn.execute("SELECT id FROM venues")}
        orphans = conn.execute("SELECT count(*) FROM venues v LEFT JOIN visits s ON s.venue_id = v.id"
                               " WHERE s.id IS NULL").fetchone()[0]
        problems = integrity_problems(conn, full=True)
        conn.close()
        assert committed <= stored, f"lost {sorted(committed - stored)[:5]}"
        assert orphans == 0          # each save was all or nothing
        assert problems == []
    assert len(committed) > rounds   # the writer really wrote in most rounds


def test_full_disk_during_save_keeps_vault_intact(session) -> None:
    with session.write() as conn:
        conn.execute("INSERT INTO venues (name, kind) VALUES ('before', 'other')")
    key, path = bytes(session.data_key), session.path
    session.close(audit_lock=False)
    proc = _start("full", path, key)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 10, err          # ExitCode.IO_ERROR, with a clear message
    assert "disk full" in out
    conn = connect(path, key)
    names = [row[0] for row in conn.execute("SELECT name FROM venues")]
    assert integrity_problems(conn, full=True) == []
    conn.close()
    assert names == ["before"]                 # the big record was not saved, not even in part


def test_disk_fault_inside_a_save_is_a_clear_error(session) -> None:
    """A write that fails in the middle of a save (not only at commit) is rolled back and reported."""
    import pytest
    import sqlcipher3

    from fieldapp.errors import StorageIOError

    with pytest.raises(StorageIOError):
        with session.write() as conn:
            conn.execute("INSERT INTO venues (name, kind) VALUES ('half', 'other')")
            raise sqlcipher3.OperationalError("database or disk is full")
    assert session.conn.execute("SELECT count(*) FROM venues").fetchone()[0] == 0
    with pytest.raises(sqlcipher3.OperationalError):            # our own SQL mistakes stay visible
        with session.write() as conn:
            conn.execute("SELECT * FROM no_such_table")
