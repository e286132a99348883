"""People (pseudonymous): create, change, find by typed text, spot duplicates, merge, delete."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from fieldapp.domain import codes
from fieldapp.domain.aliases import alias_key, keys_similar
from fieldapp.domain.places import nationalities_matching
from fieldapp.domain.queries import PeopleFilter, PeopleQuery
from fieldapp.domain.records import Person
from fieldapp.errors import InvalidInput
from fieldapp.i18n import _, current_language
from fieldapp.records.common import DEFAULT_PAGE, Pager, audit, missing, validate
from fieldapp.security.session import Session
from fieldapp.storage import people_repo, report_repo

AGE_SPREAD = 3
MAX_SIMILAR = 10
_ALL = PeopleFilter()


AGE_CLASSES = ("child", "adult", "unknown")


def create_person(session: Session, person: Person) -> Person:
    """Store a new person (check ``similar_people`` first to warn about duplicates). Someone who refused to be
    recorded is refused here too (``count_refusal``); only an import marks a record "historic"."""
    session.require("records")
    validate(person)
    if person.record_consent == "historic_import":
        raise InvalidInput(_("Only an import of old records marks a person as a historic record."))
    with session.write() as conn:
        stored = people_repo.insert_person(conn, replace(person, first_contact=None, last_contact=None))
        audit(session, conn, "person.create", "person", stored.id)
    return stored


def update_person(session: Session, person: Person) -> Person:
    """Change alias, gender, age, nationality, languages and phone (first/last contact follow the contacts)."""
    session.require("records")
    validate(person)
    with session.write() as conn:
        before = people_repo.get_person(conn, person.id)
        if before is None:
            raise missing()
        if person.record_consent == "historic_import" != before.record_consent:
            raise InvalidInput(_("Only an import of old records marks a person as a historic record."))
        stored = people_repo.update_person(conn, person)
        if stored is None:
            raise missing()
        audit(session, conn, "person.update", "person", person.id)
    return stored


def count_refusal(session: Session, gender: str, age: str, day: date | None = None) -> None:
    """Someone met who refused to be recorded: an anonymous count (the day, gender, ``age``: child, adult or
    unknown, see ``domain.records.age_class``), no record. Nothing ties a count to a worker or a moment: no
    author, no order of insertion (the table has only a random key), and no audit event, whose time and author
    would lead to the visit where the person was met."""
    session.require("records")
    if gender not in codes.GENDERS or age not in AGE_CLASSES:
        raise InvalidInput(_("Choose the gender, and whether the person is a child or an adult."))
    with session.write() as conn:
        people_repo.add_anonymous_count(conn, day or date.today(), gender, age)


def count_refusals(session: Session, first: date, last: date) -> int:
    session.require("records")
    return report_repo.refusals_count(session.conn, first.isoformat(), last.isoformat())


def delete_person(session: Session, person_id: str) -> None:
    """Delete a person with all their contacts (health and legal parts included)."""
    session.require("records")
    with session.write() as conn:
        if not people_repo.delete_person(conn, person_id):
            raise missing()
        audit(session, conn, "person.delete", "person", person_id)


def get_person(session: Session, person_id: str) -> Person | None:
    session.require("records")
    return people_repo.get_person(session.conn, person_id)


# -- the People list --------------------------------------------------------------------------

def people_query(filt: PeopleFilter) -> PeopleQuery:
    """The filter as storage wants it: folded text, and the countries whose name (in the UI
    language or English) contains it, so typing "thai" finds people from Thailand."""
    key = alias_key(filt.text)
    languages = tuple(dict.fromkeys((current_language(), "en")))
    return PeopleQuery(text_key=key, reference=filt.text.strip().upper(),
                       name_nationalities=nationalities_matching(key, languages),
                       nationality=filt.nationality, gender=filt.gender)


def count_people(session: Session, filt: PeopleFilter | None = None) -> int:
    session.require("records")
    return people_repo.count_people(session.conn, people_query(filt or _ALL))


def list_people(session: Session, filt: PeopleFilter | None = None, offset: int = 0,
                limit: int = DEFAULT_PAGE) -> list[Person]:
    """People sorted by alias, one page; pair with ``count_people`` (or use ``people_pager``)."""
    session.require("records")
    return people_repo.list_people(session.conn, people_query(filt or _ALL), offset, limit)


def people_pager(session: Session, filt: PeopleFilter | None = None) -> Pager[Person]:
    session.require("records")
    query = people_query(filt or _ALL)
    return Pager(lambda: people_repo.count_people(session.conn, query),
                 lambda offset, limit: people_repo.list_people(session.conn, query, offset, limit))


# -- duplicates and merging ---------------------------------------------------------------------

def _age(person: Person, year: int) -> int | None:
    return year - person.birth_year if person.birth_year else person.age_estimate


def similar_people(session: Session, person: Person) -> list[Person]:
    """People who may be this one: a similar alias, the same nationality and an age within ±3
    years (an unknown nationality or age does not rule anyone out). Closest aliases first."""
    session.require("records")
    key, year = alias_key(person.alias), date.today().year
    found = [other for other in people_repo.candidates_like(session.conn, person.nationality, _age(person, year),
                                                            year, AGE_SPREAD,
                                                            lambda other_key: keys_similar(key, other_key))
             if other.id != person.id]
    found.sort(key=lambda other: (alias_key(other.alias) != key, other.alias.casefold(), other.id))
    return found[:MAX_SIMILAR]


def _merged(keep: Person, drop: Person) -> Person:
    """The kept person, with blanks filled from the other one."""
    changes: dict = {"languages": tuple(dict.fromkeys(keep.languages + drop.languages))}
    if not keep.nationality:
        changes["nationality"] = drop.nationality
    if keep.gender == "unknown":
        changes["gender"] = drop.gender
    if keep.age_estimate is None and keep.birth_year is None:
        changes.update(age_estimate=drop.age_estimate, birth_year=drop.birth_year)
    if not keep.phone and drop.phone and drop.phone_consent:
        changes.update(phone=drop.phone, phone_consent=True)
    return replace(keep, **changes)


def merge_people(session: Session, keep_id: str, drop_id: str) -> Person:
    """Make two records of the same person one: every contact (and referral) of ``drop_id`` moves
    to ``keep_id``, blanks of the kept record are filled, ``drop_id`` is deleted. One transaction."""
    session.require("records")
    if keep_id == drop_id:
        raise InvalidInput(_("Choose two different people to merge."))
    with session.write() as conn:
        keep, drop = people_repo.get_person(conn, keep_id), people_repo.get_person(conn, drop_id)
        if keep is None or drop is None:
            raise missing()
        people_repo.update_person(conn, _merged(keep, drop))
        people_repo.merge_people(conn, keep_id, drop_id)
        audit(session, conn, "person.merge", "person", keep_id)
        audit(session, conn, "person.merge.removed", "person", drop_id)
        return people_repo.get_person(conn, keep_id)
