"""People met in the field, under an alias: storage, the typed-text filter, duplicates and merging."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from datetime import date

from fieldapp.domain.aliases import alias_key
from fieldapp.domain.ids import new_id
from fieldapp.domain.queries import PeopleQuery
from fieldapp.domain.records import Person
from fieldapp.domain.values import date_from_text, date_text, join_codes, split_codes
from fieldapp.storage import compartments
from fieldapp.storage.connection import Connection

_COLUMNS = ("id, reference, alias, gender, age_estimate, birth_year, nationality, languages, phone, phone_consent,"
            " first_contact, last_contact, record_consent, consent_reason, sheet_language, sheet_version, key_worker")
_INSERT = ("INSERT INTO people (id, reference, alias, alias_key, gender, age_estimate, birth_year, nationality,"
           " languages, phone, phone_consent, record_consent, consent_reason, sheet_language, sheet_version,"
           " key_worker) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")


def new_reference() -> str:
    """A stable, opaque internal reference (no personal data in it)."""
    return "P-" + secrets.token_hex(5).upper()


def _row(row) -> Person:
    return Person(id=row[0], reference=row[1], alias=row[2], gender=row[3], age_estimate=row[4], birth_year=row[5],
                  nationality=row[6], languages=split_codes(row[7]), phone=row[8], phone_consent=bool(row[9]),
                  first_contact=date_from_text(row[10]), last_contact=date_from_text(row[11]),
                  record_consent=row[12], consent_reason=row[13], sheet_language=row[14], sheet_version=row[15],
                  key_worker=row[16])


def _values(person: Person) -> tuple:
    phone = person.phone.strip() if person.phone_consent else ""
    return (person.alias.strip(), alias_key(person.alias), person.gender, person.age_estimate, person.birth_year,
            person.nationality, join_codes(person.languages), phone, int(person.phone_consent), person.record_consent,
            person.consent_reason, person.sheet_language, person.sheet_version, person.key_worker)


def insert_person(conn: Connection, person: Person) -> Person:
    """Store a new person; the reference is made here unless the person brings one."""
    person_id = person.id or new_id()
    conn.execute(_INSERT, (person_id, person.reference or new_reference(), *_values(person)))
    return get_person(conn, person_id)


def bulk_insert_people(conn: Connection, people: Iterable[Person]) -> None:
    conn.executemany(_INSERT, ((p.id or new_id(), p.reference or new_reference(), *_values(p)) for p in people))


def update_person(conn: Connection, person: Person) -> Person | None:
    """Change what a worker can edit (not the reference nor first/last contact); None if missing."""
    cur = conn.execute(
        "UPDATE people SET alias = ?, alias_key = ?, gender = ?, age_estimate = ?, birth_year = ?, nationality = ?,"
        " languages = ?, phone = ?, phone_consent = ?, record_consent = ?, consent_reason = ?, sheet_language = ?,"
        " sheet_version = ?, key_worker = ? WHERE id = ?", (*_values(person), person.id))
    return get_person(conn, person.id) if cur.rowcount else None


def get_person(conn: Connection, person_id: str) -> Person | None:
    row = conn.execute(f"SELECT {_COLUMNS} FROM people WHERE id = ?", (person_id,)).fetchone()
    return _row(row) if row else None


def referred_aliases(conn: Connection) -> dict[str, str]:
    """The alias of every person with a referral, by id (one query, for the list of referrals)."""
    return dict(conn.execute("SELECT id, alias FROM people WHERE id IN (SELECT person_id FROM referrals)").fetchall())


def delete_person(conn: Connection, person_id: str) -> bool:
    """Delete a person; their contacts and health and legal parts go with them."""
    deleted = conn.execute("DELETE FROM people WHERE id = ?", (person_id,)).rowcount > 0
    compartments.drop_orphans(conn)
    return deleted


def refresh_contact_dates(conn: Connection, person_ids: Iterable[str] | None = None) -> None:
    """Set first and last contact (local dates) from the contacts, for the given people or everyone."""
    sql = ("UPDATE people SET"
           " first_contact = (SELECT date(min(occurred_at), 'localtime') FROM contacts WHERE person_id = people.id),"
           " last_contact = (SELECT date(max(occurred_at), 'localtime') FROM contacts WHERE person_id = people.id)")
    if person_ids is None:
        conn.execute(sql)
    else:
        conn.executemany(sql + " WHERE id = ?", [(i,) for i in set(person_ids)])


# -- the typed-text filter ----------------------------------------------------------------------

def _where(query: PeopleQuery) -> tuple[str, list]:
    clauses, args = ["1"], []
    if query.text_key:
        marks = ",".join("?" * len(query.name_nationalities))
        by_name = f" OR nationality IN ({marks})" if marks else ""
        clauses.append(f"(instr(alias_key, ?) > 0 OR reference = ?{by_name})")
        args += [query.text_key, query.reference, *query.name_nationalities]
    for column, value in (("nationality", query.nationality), ("gender", query.gender)):
        if value:
            clauses.append(f"{column} = ?")
            args.append(value)
    return " AND ".join(clauses), args


def count_people(conn: Connection, query: PeopleQuery) -> int:
    where, args = _where(query)
    return conn.execute(f"SELECT count(*) FROM people WHERE {where}", args).fetchone()[0]


def list_people(conn: Connection, query: PeopleQuery, offset: int = 0, limit: int = 100) -> list[Person]:
    """People by alias, one page at a time (for a lazy list: ``count_people`` + pages). The order
    follows the ``people_alias`` index exactly, so deep pages need no sort."""
    where, args = _where(query)
    rows = conn.execute(f"SELECT {_COLUMNS} FROM people WHERE {where}"
                        " ORDER BY alias_key, nationality, id LIMIT ? OFFSET ?", (*args, limit, offset))
    return [_row(r) for r in rows]


# -- duplicates and merging ---------------------------------------------------------------------

def candidates_like(conn: Connection, nationality: str, age: int | None, year: int, spread: int,
                    key_matches: Callable[[str], bool] | None = None) -> list[Person]:
    """People who could be the same as one of this nationality and age (unknowns match anything) and, when
    ``key_matches`` is given, whose stored alias key it accepts. Only ids and keys are read for the
    comparison (thousands of people of one age are compared while a form waits); whole records are
    read for the matches alone."""
    clauses, args = ["1"], []
    if nationality:
        clauses.append("(nationality = ? OR nationality = '')")
        args.append(nationality)
    if age is not None:
        clauses.append("(coalesce(? - birth_year, age_estimate) IS NULL"
                       " OR abs(coalesce(? - birth_year, age_estimate) - ?) <= ?)")
        args += [year, year, age, spread]
    where = " AND ".join(clauses)
    if key_matches is None:
        return [_row(r) for r in conn.execute(f"SELECT {_COLUMNS} FROM people WHERE {where}", args)]
    ids = [row[0] for row in conn.execute(f"SELECT id, alias_key FROM people WHERE {where}", args)
           if key_matches(row[1])]
    return [person for person in (get_person(conn, person_id) for person_id in ids) if person is not None]


def merge_people(conn: Connection, keep_id: str, drop_id: str) -> int:
    """Move everything that points at ``drop_id`` (contacts, referrals ...) to ``keep_id``, delete
    ``drop_id`` and recompute first/last contact; returns how many contacts moved."""
    moved = 0
    for table, column in _references_to_people(conn):
        cur = conn.execute(f"UPDATE {table} SET {column} = ? WHERE {column} = ?", (keep_id, drop_id))
        moved += cur.rowcount if table == "contacts" else 0
    conn.execute("DELETE FROM people WHERE id = ?", (drop_id,))
    refresh_contact_dates(conn, [keep_id])
    return moved


def _references_to_people(conn: Connection) -> list[tuple[str, str]]:
    """Every (table, column) with a foreign key to people, found in the schema (later migrations too)."""
    found = []
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    for table in tables:
        for row in conn.execute(f"PRAGMA foreign_key_list({table})"):
            if row[2] == "people":
                found.append((table, row[3]))
    return found


# -- people who refused to be recorded: counted, never kept ---------------------------------------------------------

def add_anonymous_count(conn: Connection, counted_on: date, gender: str, age_class: str,
                        reason: str = "refused") -> None:
    add_anonymous_counts(conn, [(counted_on, gender, age_class)], reason)


def add_anonymous_counts(conn: Connection, counts: Iterable[tuple[date, str, str]], reason: str) -> None:
    """``reason``: "refused" (someone who did not want to be recorded) or "historic" (an old record past its time
    at its import)."""
    conn.executemany("INSERT INTO anonymous_counts (id, counted_on, gender, age_class, reason) VALUES (?, ?, ?, ?, ?)",
                     [(new_id(), date_text(day), gender, age, reason) for day, gender, age in counts])


def identities(conn: Connection) -> dict[tuple[str, int | None, str], list[tuple[str, str, str]]]:
    """Every person kept, by (alias key, year of birth, nationality): their (id, reference, alias), to spot an
    imported person who is already kept."""
    found: dict[tuple[str, int | None, str], list[tuple[str, str, str]]] = {}
    for person_id, reference, alias, key, year, nationality in conn.execute(
            "SELECT id, reference, alias, alias_key, birth_year, nationality FROM people ORDER BY id"):
        found.setdefault((key, year, nationality), []).append((person_id, reference, alias))
    return found
