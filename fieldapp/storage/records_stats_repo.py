"""Housekeeping for the field-record tables: highest ids (for bulk loads) and planner statistics."""

from __future__ import annotations

from fieldapp.storage.connection import Connection

_TABLES = {"venue": "venues", "visit": "visits", "person": "people", "contact": "contacts"}


def max_ids(conn: Connection) -> dict[str, int]:
    """The highest id in use per record kind (0 for an empty table)."""
    return {kind: conn.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0]
            for kind, table in _TABLES.items()}


def analyse(conn: Connection) -> None:
    """Refresh the query planner's statistics after a bulk load."""
    conn.execute("PRAGMA optimize = 0x10002")
