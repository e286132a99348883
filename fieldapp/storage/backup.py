"""Encrypted copies of the vault database.

Copies are made only with ``VACUUM INTO``, which SQLCipher writes encrypted with the source's key.
(``ATTACH ... KEY ''`` followed by an export would write plaintext: this module never attaches.)
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

import sqlcipher3

from fieldapp.errors import StorageIOError
from fieldapp.storage.atomic import fsync_dir
from fieldapp.storage.connection import PLAIN_SQLITE_HEADER, Connection, connect, integrity_problems

COUNTED_TABLES = ("users", "audit_events", "venues", "visits", "people", "contacts", "health_contacts",
                  "legal_sessions")


def copy_encrypted(conn: Connection, dest: Path) -> None:
    """Write an encrypted copy of the open vault to ``dest`` atomically (temp name, fsync, rename)."""
    dest = Path(dest)
    tmp = dest.with_name(f".{dest.name}.partial")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    try:
        conn.execute("VACUUM INTO ?", (str(tmp),))
        with tmp.open("rb+") as handle:
            if handle.read(len(PLAIN_SQLITE_HEADER)) == PLAIN_SQLITE_HEADER:
                raise StorageIOError()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, dest)
        fsync_dir(dest.parent)
    except (sqlcipher3.Error, OSError) as exc:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise StorageIOError() from exc


def copy_file(source: Path, dest: Path) -> None:
    """Copy an (encrypted) file whole or not at all: owner-only temp file, fsync, atomic rename."""
    source, dest = Path(source), Path(dest)
    tmp = dest.with_name(f".{dest.name}.restoring")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()                                   # a copy cut short before (never followed: unlink)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(tmp, flags, 0o600)
        with os.fdopen(fd, "wb") as out, source.open("rb") as src:
            shutil.copyfileobj(src, out, 1 << 20)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, dest)
        fsync_dir(dest.parent)
    except OSError as exc:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise StorageIOError() from exc


def table_counts(conn: Connection) -> dict[str, int]:
    existing = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in COUNTED_TABLES if t in existing}


def verify_copy(path: Path, data_key: bytes, expected: dict[str, int] | None = None) -> list[str]:
    """Open the copy read-only with the key and check it; returns problems (empty when good)."""
    conn = connect(path, data_key, read_only=True)
    try:
        problems = integrity_problems(conn, full=True)
        if expected is not None and table_counts(conn) != expected:
            problems.append("row counts differ")
        return problems
    finally:
        conn.close()


def vacuum(conn: Connection) -> None:
    """Rebuild the file so no free page keeps deleted content; then fold the WAL back."""
    conn.execute("VACUUM")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
