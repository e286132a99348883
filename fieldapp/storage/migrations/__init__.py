"""Numbered schema migrations, applied in order against ``PRAGMA user_version``.

Each migration is a module ``mNNNN_name.py`` holding ``SQL``; it runs in one transaction
together with the version bump, so a vault is always at one whole version.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass

import sqlcipher3

from fieldapp.errors import NotAVault, StorageIOError
from fieldapp.i18n import _


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def all_migrations() -> list[Migration]:
    found = []
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("m"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        found.append(Migration(int(info.name[1:5]), info.name[6:], module.SQL))
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


def _apply(conn: sqlcipher3.Connection, migration: Migration) -> None:
    script = f"BEGIN IMMEDIATE;\n{migration.sql}\nPRAGMA user_version = {migration.version};\nCOMMIT;"
    try:
        conn.executescript(script)
    except sqlcipher3.Error as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        if isinstance(exc, sqlcipher3.OperationalError) and "full" in str(exc).lower():
            raise StorageIOError() from exc
        raise StorageIOError(_("The vault could not be upgraded to this version of fieldapp; it was left as "
                               "it was. Restore a backup or ask for help.")) from exc
