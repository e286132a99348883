"""Contacts with people, a person's timeline and the follow-ups due.

Saving or deleting a contact keeps the person's first and last contact right, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from fieldapp.domain.ids import new_id
from fieldapp.domain.queries import FollowUp, TimelineEntry
from fieldapp.domain.records import Contact
from fieldapp.domain.values import (
    date_from_text,
    date_text,
    join_codes,
    moment_from_text,
    moment_text,
    split_codes,
)
from fieldapp.storage import compartments, health_repo, legal_repo
from fieldapp.storage.compartment_migrations import readable
from fieldapp.storage.connection import Connection
from fieldapp.storage.people_repo import refresh_contact_dates

_FIELDS = ("person_id, visit_id, kind, occurred_at, topics, services, indicators, exploitation, follow_up,"
           " follow_up_done, note, created_by, industry, crime_forms, follow_up_text, follow_up_owner,"
           " child_steps")
_COLUMNS = "id, " + _FIELDS
_WIDTH = len(_COLUMNS.split(","))
_INSERT = f"INSERT INTO contacts (id, {_FIELDS}) VALUES ({', '.join('?' * _WIDTH)})"


def _row(row) -> Contact:
    return Contact(id=row[0], person_id=row[1], visit_id=row[2], kind=row[3], occurred_at=moment_from_text(row[4]),
                   topics=split_codes(row[5]), services=split_codes(row[6]), indicators=split_codes(row[7]),
                   exploitation=split_codes(row[8]), follow_up=date_from_text(row[9]), follow_up_done=bool(row[10]),
                   note=row[11], created_by=row[12], industry=row[13], crime_forms=split_codes(row[14]),
                   follow_up_text=row[15], follow_up_owner=row[16], child_steps=split_codes(row[17]))


def _values(contact: Contact) -> tuple:
    return (contact.person_id, contact.visit_id, contact.kind, moment_text(contact.occurred_at),
            join_codes(contact.topics), join_codes(contact.services), join_codes(contact.indicators),
            join_codes(contact.exploitation), date_text(contact.follow_up), int(contact.follow_up_done),
            contact.note, contact.created_by, contact.industry, join_codes(contact.crime_forms),
            contact.follow_up_text.strip() if contact.follow_up else "",
            contact.follow_up_owner if contact.follow_up else None, join_codes(contact.child_steps))


def insert_contact(conn: Connection, contact: Contact) -> Contact:
    contact_id = contact.id or new_id()
    conn.execute(_INSERT, (contact_id, *_values(contact)))
    refresh_contact_dates(conn, [contact.person_id])
    return get_contact(conn, contact_id)


def bulk_insert_contacts(conn: Connection, contacts: Iterable[Contact]) -> None:
    """Many contacts at once; call ``people_repo.refresh_contact_dates`` afterwards."""
    conn.executemany(_INSERT, ((c.id or new_id(), *_values(c)) for c in contacts))


def update_contact(conn: Connection, contact: Contact) -> Contact | None:
    """The stored contact after the change, or None if it does not exist."""
    before = conn.execute("SELECT person_id FROM contacts WHERE id = ?", (contact.id,)).fetchone()
    if before is None:
        return None
    conn.execute(f"UPDATE contacts SET ({_FIELDS}) = ({','.join('?' * (_WIDTH - 1))}) WHERE id = ?",
                 (*_values(contact), contact.id))
    refresh_contact_dates(conn, {before[0], contact.person_id})
    return get_contact(conn, contact.id)


def get_contact(conn: Connection, contact_id: str) -> Contact | None:
    row = conn.execute(f"SELECT {_COLUMNS} FROM contacts WHERE id = ?", (contact_id,)).fetchone()
    return _row(row) if row else None


def delete_contact(conn: Connection, contact_id: str) -> bool:
    """Delete a contact with its health or legal part."""
    row = conn.execute("SELECT person_id FROM contacts WHERE id = ?", (contact_id,)).fetchone()
    if row is None:
        return False
    conn.execute("DELETE FROM contacts WHERE id = ?", (contact_id,))
    compartments.drop_orphans(conn)
    refresh_contact_dates(conn, [row[0]])
    return True


def timeline(conn: Connection, person_id: str, *, with_health: bool, with_legal: bool,
             limit: int = 1000) -> list[TimelineEntry]:
    """A person's contacts, newest first. Health and legal parts are read only when asked for:
    without them the restricted tables are not touched at all."""
    columns = ["c." + c.strip() for c in _COLUMNS.split(",")]
    joins = []
    if with_health:
        columns += ["h." + c.strip() for c in health_repo.COLUMNS.split(",")]
        joins.append("LEFT JOIN health_contacts h ON h.contact_id = c.id")
    if with_legal:
        columns += ["l." + c.strip() for c in legal_repo.COLUMNS.split(",")]
        joins.append(f"LEFT JOIN {readable(conn, legal_repo.TABLE)} l ON l.contact_id = c.id")
    rows = conn.execute(f"SELECT {', '.join(columns)} FROM contacts c {' '.join(joins)} WHERE c.person_id = ?"
                        " ORDER BY c.occurred_at DESC, c.id DESC LIMIT ?", (person_id, limit))
    return [_entry(row, with_health, with_legal) for row in rows]


def _entry(row, with_health: bool, with_legal: bool) -> TimelineEntry:
    contact, rest = _row(row[:_WIDTH]), row[_WIDTH:]
    health = legal = None
    if with_health:
        health = health_repo.from_row(rest[:9]) if rest[0] is not None else None
        rest = rest[9:]
    if with_legal and rest[0] is not None:
        legal = legal_repo.from_row(rest)
    return TimelineEntry(contact, health, legal)


# -- follow-ups -------------------------------------------------------------------------------

# Whose a follow-up is: its owner; without one, the person's key worker; without one, whoever wrote the contact.
_OWNER = "coalesce(c.follow_up_owner, p.key_worker, c.created_by)"


def _due(until: date, hidden_kinds: tuple[str, ...], *, people: bool = True,
         owner: int | None = None) -> tuple[str, list]:
    marks = ",".join("?" * len(hidden_kinds))
    hidden = f" AND c.kind NOT IN ({marks})" if marks else ""
    mine = f" AND {_OWNER} = ?" if owner is not None else ""
    return ("FROM contacts c" + (" JOIN people p ON p.id = c.person_id" if people or owner is not None else "")
            + " WHERE c.follow_up IS NOT NULL AND c.follow_up_done = 0 AND c.follow_up <= ?" + hidden + mine,
            [date_text(until), *hidden_kinds, *([owner] if owner is not None else [])])


def count_follow_ups_due(conn: Connection, until: date, hidden_kinds: tuple[str, ...] = (),
                         owner: int | None = None) -> int:
    """Without ``owner`` the count comes from the follow-ups index alone: every contact has its person (the foreign
    key deletes a person's contacts with them), so the count equals the list's length without reading people."""
    sql, args = _due(until, hidden_kinds, people=False, owner=owner)
    return conn.execute(f"SELECT count(*) {sql}", args).fetchone()[0]


def count_follow_ups_split(conn: Connection, until: date, overdue_until: date, hidden_kinds: tuple[str, ...] = (),
                           owner: int | None = None) -> tuple[int, int]:
    """How many follow-ups are due up to ``until``, and how many of them up to ``overdue_until``: one pass over the
    index for both (the follow-ups list shows both after every change)."""
    sql, args = _due(until, hidden_kinds, people=False, owner=owner)
    due, overdue = conn.execute(f"SELECT count(*), coalesce(sum(c.follow_up <= ?), 0) {sql}",
                                (date_text(overdue_until), *args)).fetchone()
    return due, overdue


def follow_ups_due(conn: Connection, until: date, hidden_kinds: tuple[str, ...] = (), offset: int = 0,
                   limit: int = 100, owner: int | None = None) -> list[FollowUp]:
    """Open follow-ups due on or before ``until`` (contacts of ``hidden_kinds`` left out), most overdue first;
    with ``owner``, only that user's (``_OWNER``)."""
    sql, args = _due(until, hidden_kinds, owner=owner)
    rows = conn.execute(f"SELECT c.id, c.person_id, p.alias, c.kind, c.follow_up, c.occurred_at, c.follow_up_text,"
                        f" {_OWNER} {sql} ORDER BY c.follow_up, c.id LIMIT ? OFFSET ?", (*args, limit, offset))
    return [FollowUp(r[0], r[1], r[2], r[3], date_from_text(r[4]), moment_from_text(r[5]).astimezone().date(),
                     what=r[6], owner=r[7]) for r in rows]


def set_follow_up_done(conn: Connection, contact_id: str, done: bool = True) -> bool:
    cur = conn.execute("UPDATE contacts SET follow_up_done = ? WHERE id = ?", (int(done), contact_id))
    return cur.rowcount > 0
