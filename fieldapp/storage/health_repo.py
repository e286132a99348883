"""Health contacts (restricted: the services let only health staff reach these functions)."""

from __future__ import annotations

from collections.abc import Iterable

from fieldapp.domain.ids import new_id
from fieldapp.domain.records import HealthContact
from fieldapp.domain.values import join_codes, split_codes
from fieldapp.storage.connection import Connection

COLUMNS = "id, contact_id, reason, tests_offered, tests_taken, referred_public_care, assaults, assault_by, note"
_INSERT = ("INSERT INTO health_contacts (id, contact_id, reason, tests_offered, tests_taken, referred_public_care,"
           " assaults, assault_by, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")


def from_row(row) -> HealthContact:
    return HealthContact(id=row[0], contact_id=row[1], reason=row[2], tests_offered=split_codes(row[3]),
                         tests_taken=split_codes(row[4]), referred_public_care=bool(row[5]),
                         assaults=split_codes(row[6]), assault_by=split_codes(row[7]), note=row[8])


def _values(health: HealthContact) -> tuple:
    return (health.reason, join_codes(health.tests_offered), join_codes(health.tests_taken),
            int(health.referred_public_care), join_codes(health.assaults), join_codes(health.assault_by), health.note)


def insert_health_contact(conn: Connection, health: HealthContact) -> HealthContact:
    conn.execute(_INSERT, (health.id or new_id(), health.contact_id, *_values(health)))
    return get_health_contact(conn, health.contact_id)


def bulk_insert_health_contacts(conn: Connection, records: Iterable[HealthContact]) -> None:
    conn.executemany(_INSERT, ((h.id or new_id(), h.contact_id, *_values(h)) for h in records))


def update_health_contact(conn: Connection, health: HealthContact) -> HealthContact | None:
    """Replace the health part of ``health.contact_id``; None if that contact has none."""
    cur = conn.execute(
        "UPDATE health_contacts SET reason = ?, tests_offered = ?, tests_taken = ?, referred_public_care = ?,"
        " assaults = ?, assault_by = ?, note = ? WHERE contact_id = ?", (*_values(health), health.contact_id))
    return get_health_contact(conn, health.contact_id) if cur.rowcount else None


def get_health_contact(conn: Connection, contact_id: str) -> HealthContact | None:
    """The health part of a contact, by the contact's id."""
    row = conn.execute(f"SELECT {COLUMNS} FROM health_contacts WHERE contact_id = ?", (contact_id,)).fetchone()
    return from_row(row) if row else None
