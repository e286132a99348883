"""Numbered schema migrations, applied in order against ``PRAGMA user_version``.

Each migration is a module ``mNNNN_name.py`` holding ``SQL``, or ``run(conn)`` for one that must
look at the file first; it runs in one transaction together with the version bump, so a vault is
always at one whole version. Foreign keys are off while a migration rebuilds tables (SQLite's own
procedure) and checked before its commit.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass

import sqlcipher3

from fieldapp.errors import NotAVault, StorageIOError
from fieldapp.i18n import _


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str
    run: Callable[[sqlcipher3.Connection], None] | None = None


def all_migrations() -> list[Migration]:
    found = []
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("m"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        found.append(Migration(int(info.name[1:5]), info.name[6:], getattr(module, "SQL", ""),
                               getattr(module, "run", None)))
    found.sort(key=lambda m: m.version)
    if [m.version for m in found] != list(range(1, len(found) + 1)):
        raise RuntimeError("migrations must be numbered 1..N without gaps")
    return found


LATEST = len(all_migrations())


def schema_version(conn: sqlcipher3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlcipher3.Connection, target: int | None = None) -> int:
    """Bring the schema up to ``target`` (default: latest); returns the version reached."""
    target = LATEST if target is None else target
    current = schema_version(conn)
    if current > LATEST:
        raise NotAVault(_("This vault was made by a newer version of fieldapp. Update the app to open it."))
    for migration in all_migrations():
        if current < migration.version <= target:
            _apply(conn, migration)
            current = migration.version
    return current


def statements(script: str) -> list[str]:
    """The statements of a script, one by one (``executescript`` would commit the transaction)."""
    found, pending = [], ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlcipher3.complete_statement(pending):
            found.append(pending.strip())
            pending = ""
    if pending.strip():
        raise ValueError("a migration ends in an incomplete statement")
    return found


def _apply(conn: sqlcipher3.Connection, migration: Migration) -> None:
    conn.execute("PRAGMA foreign_keys = OFF")       # a no-op inside a transaction: set before it
    try:
        conn.execute("BEGIN IMMEDIATE")
        for statement in statements(migration.sql):
            conn.execute(statement)
        if migration.run is not None:
            migration.run(conn)
        if conn.execute("PRAGMA foreign_key_check").fetchone() is not None:
            raise sqlcipher3.IntegrityError("foreign key check failed")
        conn.execute(f"PRAGMA user_version = {migration.version}")
        conn.execute("COMMIT")
    except sqlcipher3.Error as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        if isinstance(exc, sqlcipher3.OperationalError) and "full" in str(exc).lower():
            raise StorageIOError() from exc
        raise StorageIOError(_("The vault could not be upgraded to this version of fieldapp; it was left as "
                               "it was. Restore a backup or ask for help.")) from exc
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    finally:
        conn.execute("PRAGMA foreign_keys = ON")
