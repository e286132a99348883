"""Housekeeping for the field-record tables after bulk loads: planner statistics and index rebuilds."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from fieldapp.storage.connection import Connection


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
