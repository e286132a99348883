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

from fieldapp.domain.ids import new_id
from fieldapp.errors import NotAVault, StorageIOError
from fieldapp.storage import compartment_migrations
from fieldapp.storage.connection import Connection, file_uri

FILE_COMPARTMENTS = ("health", "legal")

# Each compartment table, written for a schema and a table name (the id upgrade builds a copy
# under another name). Ids are random (``fieldapp.domain.ids``); contact_id names a core contact.
# Always the whole current schema: a change is also a step in ``compartment_migrations`` (columns
# added there come last here, in the same order).
_DDL = {
    "health_contacts": """
CREATE TABLE IF NOT EXISTS {schema}.{table} (
    id TEXT NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(16)))),
    contact_id TEXT NOT NULL UNIQUE,
    reason TEXT NOT NULL,
    tests_offered TEXT NOT NULL DEFAULT '',
    tests_taken TEXT NOT NULL DEFAULT '',
    referred_public_care INTEGER NOT NULL DEFAULT 0,
    assaults TEXT NOT NULL DEFAULT '',
    assault_by TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT ''
) STRICT;
""",
    "legal_sessions": """
CREATE TABLE IF NOT EXISTS {schema}.{table} (
    id TEXT NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(16)))),
    contact_id TEXT NOT NULL UNIQUE,
    adviser_id INTEGER NOT NULL,
    topics TEXT NOT NULL DEFAULT '',
    interpreter INTEGER NOT NULL DEFAULT 0,
    police_report_assisted INTEGER NOT NULL DEFAULT 0,
    police_report_filed INTEGER NOT NULL DEFAULT 0,
    victims_lawyer_requested INTEGER NOT NULL DEFAULT 0,
    outcome TEXT NOT NULL DEFAULT '',
    follow_up TEXT,
    crimes TEXT NOT NULL DEFAULT '',
    perpetrators TEXT NOT NULL DEFAULT '',
    first_reached_here INTEGER NOT NULL DEFAULT 0
) STRICT;
""",
}
TABLES = {"health": ("health_contacts",), "legal": ("legal_sessions",)}
SCHEMA = {name: "".join(_DDL[t].format(schema=name, table=t) for t in tables) for name, tables in TABLES.items()}

# Old contact numbers and their new ids, kept in the core file by the id upgrade (migration 6) until
# every compartment file has been converted by someone holding its key.
ID_MAP = "id_upgrade_contacts"
# A new random 128-bit id (fieldapp.domain.ids.new_id) for statements that convert many rows; the
# schema's DEFAULT uses SQLite's own randomblob(16), which is several times slower per row here.
SQL_NEW_ID = "fieldapp_new_id()"


def register_new_id(conn: Connection) -> None:
    conn.create_function("fieldapp_new_id", 0, new_id)


def compartment_path(vault: Path, name: str) -> Path:
    return Path(vault).with_name(f"{Path(vault).name}.{name}")


def key_literal(key: bytes) -> str:
    if len(key) != 32:
        raise ValueError("compartment key must be 32 bytes")
    return f"x'{bytes(key).hex()}'"


def attach(conn: Connection, vault: Path, name: str, key: bytes, *, create: bool = False,
           read_only: bool = False) -> None:
    """Attach compartment ``name`` with its own key, with the same settings as the main file. Attached
    for writing, the file is brought up to its latest version (``compartment_migrations``); made
    (``create``), it starts there."""
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
        if not read_only:
            compartment_migrations.bring_up_to_date(conn, name, _statements(name) if create else ())
        if create:
            path.chmod(0o600)
    except (sqlcipher3.Error, NotAVault) as exc:
        detach(conn, name)
        raise NotAVault() from exc


def _statements(name: str) -> tuple[str, ...]:
    return tuple(_DDL[table].format(schema=name, table=table) for table in TABLES[name])


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
    already copied are kept, and the main file's tables are dropped only after the copy is saved.
    Columns are copied by name: a column the main file's table lacks takes its default."""
    present = _main_tables(conn)
    for table in TABLES[name]:
        if table not in present:
            continue
        source = {row[1] for row in conn.execute(f"PRAGMA main.table_info({table})")}
        columns = ", ".join(row[1] for row in conn.execute(f"PRAGMA {name}.table_info({table})") if row[1] in source)
        _own_transaction(conn, f"INSERT OR IGNORE INTO {name}.{table} ({columns}) SELECT {columns} FROM main.{table}")
        _own_transaction(conn, f"DROP TABLE main.{table}")


def _own_transaction(conn: Connection, statement: str) -> None:
    """One statement in a write transaction of its own; StorageIOError (rolled back) if it fails."""
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(statement)
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


# -- the id upgrade ------------------------------------------------------------------------------

def needs_new_ids(conn: Connection, schema: str) -> bool:
    """Whether a compartment's tables in ``schema`` still have the counted ids of before migration 6."""
    return any(_id_type(conn, schema, table) == "INTEGER" for table in _tables_in(conn, schema))


def _tables_in(conn: Connection, schema: str) -> list[str]:
    present = {row[0] for row in conn.execute(f"SELECT name FROM {schema}.sqlite_master WHERE type = 'table'")}
    return [table for tables in TABLES.values() for table in tables if table in present]


def _id_type(conn: Connection, schema: str, table: str) -> str:
    for row in conn.execute(f"PRAGMA {schema}.table_info({table})"):
        if row[1] == "id":
            return str(row[2]).upper()
    return ""


def convert_ids(conn: Connection, schema: str) -> int:
    """Give the compartment rows in ``schema`` random ids and point them at their contacts' new ids,
    inside the caller's transaction; returns how many rows were not carried over because their
    contact is gone (orphans, which would be dropped at unlock anyway). Without the core file's map
    nothing can be matched: NotAVault, and nothing changes.

    The map is core data: whoever holds the core key can change it, as they can delete or move the
    contacts themselves. What it cannot do is go unseen: the caller reports rows not carried over."""
    if conn.execute("SELECT 1 FROM main.sqlite_master WHERE type = 'table' AND name = ?", (ID_MAP,)).fetchone() is None:
        raise NotAVault()
    register_new_id(conn)
    dropped = 0
    for table in _tables_in(conn, schema):
        if _id_type(conn, schema, table) != "INTEGER":
            continue
        columns = [row[1] for row in conn.execute(f"PRAGMA {schema}.table_info({table})")
                   if row[1] not in ("id", "contact_id")]
        rest = ", ".join(columns)
        conn.execute(f"DROP TABLE IF EXISTS {schema}.{table}_new")
        conn.execute(_DDL[table].format(schema=schema, table=f"{table}_new"))
        conn.execute(f"INSERT INTO {schema}.{table}_new (id, contact_id, {rest})"
                     f" SELECT {SQL_NEW_ID}, m.new, {', '.join('t.' + c for c in columns)}"
                     f" FROM {schema}.{table} AS t JOIN main.{ID_MAP} AS m ON m.old = t.contact_id")
        before = conn.execute(f"SELECT count(*) FROM {schema}.{table}").fetchone()[0]
        after = conn.execute(f"SELECT count(*) FROM {schema}.{table}_new").fetchone()[0]
        dropped += before - after
        conn.execute(f"DROP TABLE {schema}.{table}")
        conn.execute(f"ALTER TABLE {schema}.{table}_new RENAME TO {table}")
    return dropped


def convert_attached(conn: Connection, name: str) -> int:
    """Convert an attached compartment file to random ids in a transaction of its own (a no-op when it
    has them); returns the rows not carried over. NotAVault, with nothing changed, if it cannot be done."""
    if not needs_new_ids(conn, name):
        return 0
    try:
        conn.execute("BEGIN IMMEDIATE")
        dropped = convert_ids(conn, name)
        conn.execute("COMMIT")
    except sqlcipher3.Error as exc:
        with contextlib.suppress(sqlcipher3.Error):
            conn.execute("ROLLBACK")
        raise NotAVault() from exc
    except BaseException:
        with contextlib.suppress(sqlcipher3.Error):
            conn.execute("ROLLBACK")
        raise
    return dropped


def forget_id_map(conn: Connection, vault: Path, granted: set[str]) -> None:
    """Drop the id upgrade's map once no compartment file can still need it: every compartment the key
    file grants, and every compartment file on disk, is attached and converted (a file that is missing
    for now may come back), and the core file holds no unconverted compartment table."""
    if conn.execute("SELECT 1 FROM main.sqlite_master WHERE type = 'table' AND name = ?", (ID_MAP,)).fetchone() is None:
        return
    here = attached(conn)
    for name in FILE_COMPARTMENTS:
        wanted = name in granted or compartment_path(vault, name).exists()
        if wanted and (name not in here or needs_new_ids(conn, name)):
            return
    if needs_new_ids(conn, "main"):
        return
    _own_transaction(conn, f"DROP TABLE main.{ID_MAP}")


def rekey(conn: Connection, name: str, new_key: bytes) -> None:
    """Re-encrypt a whole file (``main`` or an attached compartment) with a new key, then fold its WAL."""
    schema = "" if name == "main" else f"{name}."
    try:
        conn.execute(f"PRAGMA {schema}wal_checkpoint(TRUNCATE)")
        conn.execute(f"PRAGMA {schema}rekey = \"{key_literal(new_key)}\"")
        conn.execute(f"PRAGMA {schema}wal_checkpoint(TRUNCATE)")
    except sqlcipher3.Error as exc:
        raise StorageIOError() from exc

