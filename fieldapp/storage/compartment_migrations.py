"""Numbered schema steps for the compartment files (``<vault>.health``, ``<vault>.legal``).

The core file has its migrations (``fieldapp.storage.migrations``); a compartment file cannot take part
in them, since only the holders of its key can open it. So each compartment file carries its own
``PRAGMA <name>.user_version``: how many of its steps below it has had. Files made before this
module are at 0.

- A holder of the key brings the file up to date when attaching it for writing: the steps it lacks
  and the version bump run in one ``BEGIN IMMEDIATE`` transaction, and the version is read again
  once the lock is held, so a second connection that attaches at the same moment waits and then
  finds nothing to do. A new file is made at the latest version directly, from ``compartments._DDL``,
  which is always the whole current schema.
- Steps only add columns with a default, so an older app still reads and writes a file it did not
  make (it names its columns), and rows carried from an older file read as the default.
- A file attached read-only (a vault opened read-only after a failed check) is not changed: its
  readers take the table through ``readable``, which gives a missing column its default. What a
  read-only session shows of an old file is therefore what the upgrade would have given it.
- A file newer than this app (a version above the last step) is not attached for writing.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

import sqlcipher3

from fieldapp.errors import NotAVault
from fieldapp.storage.connection import Connection


@dataclass(frozen=True)
class Step:
    """One version of a compartment file: ``statements`` (``{schema}`` is the attached name) and, per
    table, the columns it adds with the SQL of their default (what a reader of an older file sees)."""

    statements: tuple[str, ...]
    added: dict[str, dict[str, str]] = field(default_factory=dict)


def add_columns(table: str, columns: dict[str, tuple[str, str]]) -> Step:
    """A step that adds ``columns`` (name -> (type, default SQL)) to ``table``, each NOT NULL."""
    return Step(tuple(f"ALTER TABLE {{schema}}.{table} ADD COLUMN {name} {kind} NOT NULL DEFAULT {default}"
                      for name, (kind, default) in columns.items()),
                {table: {name: default for name, (_kind, default) in columns.items()}})


# Append only: a step, once released, is never changed. Keep ``compartments._DDL`` equal to the
# result (a test compares a migrated file with a new one, column by column).
STEPS: dict[str, tuple[Step, ...]] = {
    "health": (),
    "legal": (
        # 1: crimes disclosed and by whom, and whether legal advice was the first contact (the pilot's report).
        add_columns("legal_sessions", {"crimes": ("TEXT", "''"), "perpetrators": ("TEXT", "''"),
                                       "first_reached_here": ("INTEGER", "0")}),
    ),
}
_HOLDER = {table: name for name, steps in STEPS.items() for step in steps for table in step.added}


def latest(name: str) -> int:
    return len(STEPS[name])


def version(conn: Connection, name: str) -> int:
    return int(conn.execute(f"PRAGMA {name}.user_version").fetchone()[0])


def _has_tables(conn: Connection, name: str) -> bool:
    return conn.execute(f"SELECT 1 FROM {name}.sqlite_master WHERE type = 'table'").fetchone() is not None


def bring_up_to_date(conn: Connection, name: str, schema: tuple[str, ...]) -> int:
    """Make an empty attached file with ``schema`` (the whole current schema) at the latest version, or
    apply the steps an older one lacks; returns the steps applied. NotAVault for a file newer than this
    app; an SQLite error (nothing changed) if a step fails."""
    if version(conn, name) == latest(name) and (_has_tables(conn, name) or not schema):
        return 0                                      # the usual case: no write lock taken
    conn.execute("BEGIN IMMEDIATE")
    try:
        applied = _apply(conn, name, schema)
        conn.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(sqlcipher3.Error):
            conn.execute("ROLLBACK")
        raise
    return applied


def _apply(conn: Connection, name: str, schema: tuple[str, ...]) -> int:
    current = version(conn, name)          # again, under the lock: another connection may have done it
    if current > latest(name):
        raise NotAVault()
    steps = STEPS[name][current:]
    if _has_tables(conn, name):
        for step in steps:
            for statement in step.statements:
                conn.execute(statement.format(schema=name))
    elif schema:
        steps = ()
        for statement in schema:
            conn.execute(statement)
    else:
        return 0                            # an empty file that is not being made: left as it is
    conn.execute(f"PRAGMA {name}.user_version = {latest(name)}")
    return len(steps)


def readable(conn: Connection, table: str) -> str:
    """What to select ``table`` from: the table itself, or, for a file attached read-only before its
    upgrade, a sub-select that gives each column added since its default. Follow it with an alias."""
    name = _HOLDER.get(table)
    if name is None or name not in _attached(conn) or version(conn, name) >= latest(name):
        return table
    present = {row[1] for row in conn.execute(f"PRAGMA {name}.table_info({table})")}
    missing = [f"{default} AS {column}" for step in STEPS[name][version(conn, name):]
               for column, default in step.added.get(table, {}).items() if column not in present]
    return f"(SELECT *, {', '.join(missing)} FROM {name}.{table})" if missing else table


def _attached(conn: Connection) -> set[str]:
    return {row[1] for row in conn.execute("PRAGMA database_list")}
