"""Legal-advice sessions (restricted: the services let only legal advisers reach these functions)."""

from __future__ import annotations

from collections.abc import Iterable

from fieldapp.domain.ids import new_id
from fieldapp.domain.records import LegalSession
from fieldapp.domain.values import date_from_text, date_text, join_codes, split_codes
from fieldapp.storage.compartment_migrations import readable
from fieldapp.storage.connection import Connection

# Read from ``compartment_migrations.readable(conn, TABLE)``: a legal file attached read-only before its
# upgrade lacks the newest columns, and reads as their defaults.
TABLE = "legal_sessions"
COLUMNS = ("id, contact_id, adviser_id, topics, interpreter, police_report_assisted, police_report_filed,"
           " victims_lawyer_requested, outcome, follow_up, crimes, perpetrators, first_reached_here")
_INSERT = ("INSERT INTO legal_sessions (id, contact_id, adviser_id, topics, interpreter, police_report_assisted,"
           " police_report_filed, victims_lawyer_requested, outcome, follow_up, crimes, perpetrators,"
           " first_reached_here) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")


def from_row(row) -> LegalSession:
    return LegalSession(id=row[0], contact_id=row[1], adviser_id=row[2], topics=split_codes(row[3]),
                        interpreter=bool(row[4]), police_report_assisted=bool(row[5]),
                        police_report_filed=bool(row[6]), victims_lawyer_requested=bool(row[7]), outcome=row[8],
                        follow_up=date_from_text(row[9]), crimes=split_codes(row[10]),
                        perpetrators=split_codes(row[11]), first_reached_here=bool(row[12]))


def _values(legal: LegalSession) -> tuple:
    return (legal.adviser_id, join_codes(legal.topics), int(legal.interpreter), int(legal.police_report_assisted),
            int(legal.police_report_filed), int(legal.victims_lawyer_requested), legal.outcome,
            date_text(legal.follow_up), join_codes(legal.crimes), join_codes(legal.perpetrators),
            int(legal.first_reached_here))


def insert_legal_session(conn: Connection, legal: LegalSession) -> LegalSession:
    conn.execute(_INSERT, (legal.id or new_id(), legal.contact_id, *_values(legal)))
    return get_legal_session(conn, legal.contact_id)


def bulk_insert_legal_sessions(conn: Connection, records: Iterable[LegalSession]) -> None:
    conn.executemany(_INSERT, ((s.id or new_id(), s.contact_id, *_values(s)) for s in records))


def update_legal_session(conn: Connection, legal: LegalSession) -> LegalSession | None:
    """Replace the legal part of ``legal.contact_id``; None if that contact has none."""
    cur = conn.execute(
        "UPDATE legal_sessions SET adviser_id = ?, topics = ?, interpreter = ?, police_report_assisted = ?,"
        " police_report_filed = ?, victims_lawyer_requested = ?, outcome = ?, follow_up = ?, crimes = ?,"
        " perpetrators = ?, first_reached_here = ? WHERE contact_id = ?",
        (*_values(legal), legal.contact_id))
    return get_legal_session(conn, legal.contact_id) if cur.rowcount else None


def get_legal_session(conn: Connection, contact_id: str) -> LegalSession | None:
    """The legal part of a contact, by the contact's id."""
    row = conn.execute(f"SELECT {COLUMNS} FROM {readable(conn, TABLE)} AS l WHERE contact_id = ?",
                       (contact_id,)).fetchone()
    return from_row(row) if row else None
