"""Housekeeping for the field-record tables: highest ids (for bulk loads) and planner statistics."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from fieldapp.storage.connection import Connection

_TABLES = {"venue": "venues", "visit": "visits", "person": "people", "contact": "contacts"}


def max_ids(conn: Connection) -> dict[str, int]:
    """The highest id in use per record kind (0 for an empty table)."""
    return {kind: conn.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0]
            for kind, table in _TABLES.items()}


def analyse(conn: Connection) -> None:
    """Refresh the query planner's statistics after a bulk load."""
    conn.execute("PRAGMA optimize = 0x10002")


@contextlib.contextmanager
def indexes_rebuilt(conn: Connection, tables: tuple[str, ...]) -> Iterator[None]:
    """Inside an open transaction: drop the tables' secondary indexes for a bulk load and build them
    again at the end (one sort each instead of an index update per row). A rollback restores them."""
    found = conn.execute(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        f" AND tbl_name IN ({','.join('?' * len(tables))})", tables).fetchall()
    for name, _sql in found:
        conn.execute(f'DROP INDEX "{name}"')
    yield
    for _name, sql in found:
        conn.execute(sql)
