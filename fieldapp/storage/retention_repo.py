"""Deleting records whose time is up, and erasing one person completely."""

from __future__ import annotations

from fieldapp.storage import compartments
from fieldapp.storage.connection import Connection


def people_inactive_since(conn: Connection, cutoff_iso: str) -> list[str]:
    """People whose last contact is before the cutoff (or who never had one and were first seen before)."""
    rows = conn.execute(
        "SELECT id FROM people WHERE coalesce(last_contact, first_contact, '0000') < ? ORDER BY id",
        (cutoff_iso,))
    return [r[0] for r in rows]


def visits_before(conn: Connection, cutoff_iso: str) -> list[str]:
    rows = conn.execute("SELECT id FROM visits WHERE started_at < ? ORDER BY id", (cutoff_iso,))
    return [r[0] for r in rows]


def delete_people(conn: Connection, ids: list[str]) -> int:
    """Delete people; their contacts, health contacts and legal sessions go with them (cascade)."""
    conn.executemany("DELETE FROM people WHERE id = ?", [(i,) for i in ids])
    compartments.drop_orphans(conn)
    return len(ids)


def delete_visits(conn: Connection, ids: list[str]) -> int:
    conn.executemany("DELETE FROM visits WHERE id = ?", [(i,) for i in ids])
    return len(ids)
