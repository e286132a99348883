"""Compartment files: health and legal records in SQLCipher files of their own, each with its own key.

The core records stay in the vault file itself. ``<vault>.health`` and ``<vault>.legal`` are
attached to the connection at unlock only when the user holds their key, so without the health key
no SQL reaches a health row: the table is not there. Queries name tables without a schema, and
SQLite finds them in whichever attached file holds them.

Traps handled here (each checked on SQLCipher 4): the key of an attached file is bound as the
string ``x'…'`` (bound as bytes it would be taken as a passphrase, and left out it would silently
reuse the main file's key); every pragma is set per file (an attached file would otherwise keep
``journal_mode=delete``); and references from a compartment to core rows are kept by the services,
since foreign keys cannot cross files.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import sqlcipher3

from fieldapp.errors import NotAVault, StorageIOError
from fieldapp.storage.connection import Connection, file_uri

FILE_COMPARTMENTS = ("health", "legal")

SCHEMA = {
    "health": """
CREATE TABLE IF NOT EXISTS health.health_contacts (
    id INTEGER PRIMARY KEY,
    contact_id INTEGER NOT NULL UNIQUE,
    reason TEXT NOT NULL,
    tests_offered TEXT NOT NULL DEFAULT '',
    tests_taken TEXT NOT NULL DEFAULT '',
    referred_public_care INTEGER NOT NULL DEFAULT 0,
    assaults TEXT NOT NULL DEFAULT '',
    assault_by TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT ''
) STRICT;
""",
    "legal": """
CREATE TABLE IF NOT EXISTS legal.legal_sessions (
    id INTEGER PRIMARY KEY,
    contact_id INTEGER NOT NULL UNIQUE,
    adviser_id INTEGER NOT NULL,
    topics TEXT NOT NULL DEFAULT '',
    interpreter INTEGER NOT NULL DEFAULT 0,
    police_report_assisted INTEGER NOT NULL DEFAULT 0,
    police_report_filed INTEGER NOT NULL DEFAULT 0,
    victims_lawyer_requested INTEGER NOT NULL DEFAULT 0,
    outcome TEXT NOT NULL DEFAULT '',
    follow_up TEXT
) STRICT;
""",
}
TABLES = {"health": ("health_contacts",), "legal": ("legal_sessions",)}


def compartment_path(vault: Path, name: str) -> Path:
    return Path(vault).with_name(f"{Path(vault).name}.{name}")


def key_literal(key: bytes) -> str:
    if len(key) != 32:
        raise ValueError("compartment key must be 32 bytes")
    return f"x'{bytes(key).hex()}'"


def attach(conn: Connection, vault: Path, name: str, key: bytes, *, create: bool = False,
           read_only: bool = False) -> None:
    """Attach compartment ``name`` with its own key, with the same settings as the main file."""
    if name not in FILE_COMPARTMENTS:
        raise ValueError(name)
    path = compartment_path(vault, name)
    if not create and not path.is_file():
        raise NotAVault()
    mode = "ro" if read_only else ("rwc" if create else "rw")
    uri = file_uri(path, mode)
    try:
        conn.execute("ATTACH DATABASE ? AS " + name + " KEY ?", (uri, key_literal(key)))
    except sqlcipher3.Error as exc:
        raise NotAVault() from exc
    try:
        conn.execute(f"SELECT count(*) FROM {name}.sqlite_master").fetchone()
        _configure(conn, name, read_only=read_only)
        if create:
            conn.executescript(SCHEMA[name])
            path.chmod(0o600)
    except sqlcipher3.Error as exc:
        detach(conn, name)
        raise NotAVault() from exc


def _configure(conn: Connection, name: str, *, read_only: bool) -> None:
    conn.execute(f"PRAGMA {name}.secure_delete = ON")
    if not read_only:
        conn.execute(f"PRAGMA {name}.journal_mode = WAL")
    conn.execute(f"PRAGMA {name}.synchronous = FULL")


def detach(conn: Connection, name: str) -> None:
    with contextlib.suppress(sqlcipher3.Error):
        conn.execute(f"PRAGMA {name}.wal_checkpoint(TRUNCATE)")
    with contextlib.suppress(sqlcipher3.Error):
        conn.execute(f"DETACH DATABASE {name}")


def attached(conn: Connection) -> set[str]:
    return {row[1] for row in conn.execute("PRAGMA database_list")} - {"main", "temp"}


def drop_orphans(conn: Connection) -> int:
    """Delete health and legal rows whose contact is gone: in the caller's transaction after a contact
    or person is deleted, and at unlock for deletions made by a user who did not hold that key.
    (Foreign keys cannot cascade across files.)"""
    removed = 0
    for name in sorted(attached(conn) & set(FILE_COMPARTMENTS)):
        for table in TABLES[name]:
            removed += conn.execute(f"DELETE FROM {name}.{table} WHERE contact_id NOT IN "
                                    "(SELECT id FROM main.contacts)").rowcount
    return removed


def _main_tables(conn: Connection) -> set[str]:
    return {row[0] for row in conn.execute("SELECT name FROM main.sqlite_master WHERE type = 'table'")}


def still_in_main(conn: Connection, name: str) -> bool:
    """Whether the core file still holds a compartment's tables (an upgrade cut short before the move)."""
    present = _main_tables(conn)
    return any(table in present for table in TABLES[name])


def move_out_of_main(conn: Connection, name: str) -> None:
    """Move a compartment's tables from the main file into its attached file (the upgrade of a
    one-key vault, and the last step of creating one). Safe to run again after a crash: rows
    already copied are kept, and the main file's tables are dropped only after the copy is saved."""
    present = _main_tables(conn)
    for table in TABLES[name]:
        if table not in present:
            continue
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(f"INSERT OR IGNORE INTO {name}.{table} SELECT * FROM main.{table}")
            conn.execute("COMMIT")
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(f"DROP TABLE main.{table}")
            conn.execute("COMMIT")
        except sqlcipher3.Error as exc:
            with contextlib.suppress(sqlcipher3.Error):
                conn.execute("ROLLBACK")
            raise StorageIOError() from exc


def moved_whole(conn: Connection, before: dict[str, int]) -> bool:
    """Whether every compartment table holds the rows the core file had before the move."""
    for name in FILE_COMPARTMENTS:
        for table in TABLES[name]:
            if table in before and conn.execute(f"SELECT count(*) FROM {name}.{table}").fetchone()[0] != before[table]:
                return False
    return True


def rekey(conn: Connection, name: str, new_key: bytes) -> None:
    """Re-encrypt a whole file (``main`` or an attached compartment) with a new key, then fold its WAL."""
    schema = "" if name == "main" else f"{name}."
    try:
        conn.execute(f"PRAGMA {schema}wal_checkpoint(TRUNCATE)")
        conn.execute(f"PRAGMA {schema}rekey = \"{key_literal(new_key)}\"")
        conn.execute(f"PRAGMA {schema}wal_checkpoint(TRUNCATE)")
    except sqlcipher3.Error as exc:
        raise StorageIOError() from exc

