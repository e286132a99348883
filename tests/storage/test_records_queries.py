"""Lists, filters and paging of the field records, the timeline, follow-ups, duplicates and merging."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from fieldapp.domain.queries import PeopleQuery, VenueFilter, VisitFilter
from fieldapp.domain.records import Contact, HealthContact, LegalSession, Person, Venue, Visit
from fieldapp.domain.values import moment_text
from fieldapp.storage import contacts_repo, health_repo, legal_repo, people_repo, venues_repo, visits_repo
from fieldapp.storage.connection import transaction
from fieldapp.storage.users_repo import insert_user
from tests.conftest import AGREED

DAY = datetime(2026, 5, 10, 12, 0, tzinfo=UTC)


def _venues(conn) -> list[Venue]:
    specs = [("Lotus Massage", "massage_clinic", "København", "hovedstaden", True),
             ("Orchid Spa", "massage_clinic", "Odense", "syddanmark", False),
             ("Station area", "street_area", "Odense", "syddanmark", True),
             ("Harbour flats", "house_apartment", "Aalborg", "nordjylland", True)]
    with transaction(conn):
        return [venues_repo.insert_venue(conn, Venue(name=n, kind=k, municipality=m, region=r, is_open=o))
                for n, k, m, r, o in specs]


def test_venue_filters(session) -> None:
    conn = session.conn
    _venues(conn)

    def names(**kw) -> list[str]:
        filt = VenueFilter(**kw)
        found = [v.name for v in venues_repo.list_venues(conn, filt)]
        assert venues_repo.count_venues(conn, filt) == len(found)
        return found

    assert names() == ["Harbour flats", "Lotus Massage", "Orchid Spa", "Station area"]
    assert names(text="odense") == ["Orchid Spa", "Station area"]        # municipality
    assert names(text="LOTUS") == ["Lotus Massage"]
    assert names(kind="massage_clinic") == ["Lotus Massage", "Orchid Spa"]
    assert names(region="syddanmark", is_open=True) == ["Station area"]
    assert names(is_open=False) == ["Orchid Spa"]
    assert names(text="københavn") == names(text="kobenhavn") == ["Lotus Massage"]


def test_visit_filters_and_paging(session) -> None:
    conn = session.conn
    venues = _venues(conn)
    with transaction(conn):
        colleague = insert_user(conn, _user("Colleague"), "lookup-colleague")
        for day in range(20):
            team = (session.user.id, colleague.id) if day % 4 == 0 else (session.user.id,)
            visits_repo.insert_visit(conn, Visit(venue_id=venues[day % 2].id, team=team,
                                                 started_at=DAY - timedelta(days=day)))
    everything = VisitFilter()
    assert visits_repo.count_visits(conn, everything) == 20
    rows = visits_repo.list_visits(conn, everything, 0, 100)
    assert [r.visit.started_at for r in rows] == sorted((r.visit.started_at for r in rows), reverse=True)
    pages = [r.visit.id for offset in range(0, 20, 7) for r in visits_repo.list_visits(conn, everything, offset, 7)]
    assert pages == [r.visit.id for r in rows]
    assert rows[0].venue_name == "Lotus Massage"
    week = VisitFilter(since=(DAY - timedelta(days=6)).date(), until=DAY.date())
    assert visits_repo.count_visits(conn, week) == 7
    assert visits_repo.count_visits(conn, VisitFilter(venue_id=venues[1].id)) == 10
    by_worker = visits_repo.list_visits(conn, VisitFilter(worker_id=colleague.id))
    assert len(by_worker) == 5 and all(colleague.id in r.visit.team for r in by_worker)


def _user(name: str):
    from fieldapp.domain.records import User

    return User(name=name, role="outreach")


def _people(conn) -> dict[str, Person]:
    specs = [("Mali", "TH", 30), ("Mali K.", "TH", 32), ("Malina", "RO", 25), ("Ana-Maria", "RO", 41),
             ("Nok", "TH", 35), ("Joy", "NG", 28), ("Ánna", "", None)]
    with transaction(conn):
        return {alias: people_repo.insert_person(conn, Person(**AGREED, alias=alias, nationality=n, age_estimate=a))
                for alias, n, a in specs}


def test_people_filter_by_typed_text(session) -> None:
    conn = session.conn
    people = _people(conn)

    def aliases(query: PeopleQuery) -> list[str]:
        found = [p.alias for p in people_repo.list_people(conn, query)]
        assert people_repo.count_people(conn, query) == len(found)
        return found

    assert aliases(PeopleQuery()) == ["Ana-Maria", "Ánna", "Joy", "Mali", "Mali K.", "Malina", "Nok"]
    assert aliases(PeopleQuery(text_key="mal")) == ["Mali", "Mali K.", "Malina"]
    assert aliases(PeopleQuery(text_key="ann")) == ["Ánna"]                     # accents folded
    assert aliases(PeopleQuery(text_key="ria")) == ["Ana-Maria"]                # substring
    assert aliases(PeopleQuery(text_key="thai", name_nationalities=("TH",))) == ["Mali", "Mali K.", "Nok"]
    assert aliases(PeopleQuery(nationality="RO")) == ["Ana-Maria", "Malina"]
    reference = people["Joy"].reference
    assert aliases(PeopleQuery(text_key=reference.lower(), reference=reference)) == ["Joy"]
    assert aliases(PeopleQuery(text_key="zzz")) == []


def test_people_pages_cover_every_match_once(session) -> None:
    conn = session.conn
    with transaction(conn):
        for i in range(53):
            people_repo.insert_person(conn, Person(**AGREED, alias=f"Alias {i:02d}"))
    query = PeopleQuery(text_key="alias")
    seen = [p.id for offset in range(0, 60, 10) for p in people_repo.list_people(conn, query, offset, 10)]
    assert len(seen) == len(set(seen)) == people_repo.count_people(conn, query) == 53


def test_timeline_reads_restricted_parts_only_when_asked(session) -> None:
    conn = session.conn
    person = _people(conn)["Mali"]
    with transaction(conn):
        street = contacts_repo.insert_contact(conn, Contact(person_id=person.id, kind="street", occurred_at=DAY))
        clinic = contacts_repo.insert_contact(conn, Contact(person_id=person.id, kind="health",
                                                            occurred_at=DAY + timedelta(days=1)))
        health_repo.insert_health_contact(conn, HealthContact(contact_id=clinic.id, reason="sti_test"))
        advice = contacts_repo.insert_contact(conn, Contact(person_id=person.id, kind="legal",
                                                            occurred_at=DAY + timedelta(days=2)))
        legal_repo.insert_legal_session(conn, LegalSession(contact_id=advice.id, adviser_id=session.user.id))
    full = contacts_repo.timeline(conn, person.id, with_health=True, with_legal=True)
    assert [e.contact.id for e in full] == [advice.id, clinic.id, street.id]
    assert full[0].legal.contact_id == advice.id and full[1].health.reason == "sti_test"
    assert full[2].health is None and full[2].legal is None
    bare = contacts_repo.timeline(conn, person.id, with_health=False, with_legal=False)
    assert [e.contact.id for e in bare] == [advice.id, clinic.id, street.id]
    assert all(e.health is None and e.legal is None for e in bare)
    health_only = contacts_repo.timeline(conn, person.id, with_health=True, with_legal=False)
    assert health_only[1].health is not None and health_only[0].legal is None


def test_follow_ups_due(session) -> None:
    conn = session.conn
    person = _people(conn)["Nok"]
    with transaction(conn):
        due = [contacts_repo.insert_contact(conn, Contact(person_id=person.id, kind="street", occurred_at=DAY,
                                                          follow_up=date(2026, 5, day))) for day in (20, 12, 30)]
        contacts_repo.insert_contact(conn, Contact(person_id=person.id, kind="street", occurred_at=DAY))
        contacts_repo.insert_contact(conn, Contact(person_id=person.id, kind="health", occurred_at=DAY,
                                                   follow_up=date(2026, 5, 15)))
    until = date(2026, 5, 25)
    assert [f.due for f in contacts_repo.follow_ups_due(conn, until)] == [date(2026, 5, 12), date(2026, 5, 15),
                                                                           date(2026, 5, 20)]
    assert contacts_repo.count_follow_ups_due(conn, until, ("health",)) == 2
    assert contacts_repo.count_follow_ups_split(conn, until, date(2026, 5, 14), ("health",)) == (2, 1)
    assert contacts_repo.count_follow_ups_split(conn, until, date(2026, 5, 15)) == (3, 2)
    assert contacts_repo.count_follow_ups_split(conn, date(2026, 5, 1), date(2026, 4, 1)) == (0, 0)
    assert contacts_repo.follow_ups_due(conn, until)[0].alias == "Nok"
    with transaction(conn):
        contacts_repo.set_follow_up_done(conn, due[1].id)
    assert [f.contact_id for f in contacts_repo.follow_ups_due(conn, until, ("health",))] == [due[0].id]


def test_candidates_for_duplicates(session) -> None:
    conn = session.conn
    people = _people(conn)
    found = {p.alias for p in people_repo.candidates_like(conn, "TH", 31, 2026, 3)}
    assert found == {"Mali", "Mali K.", "Ánna"}          # Nok is 35, Ánna's nationality and age are unknown
    assert {p.alias for p in people_repo.candidates_like(conn, "", None, 2026, 3)} == set(people)
    assert {p.alias for p in people_repo.candidates_like(conn, "TH", 31, 2026, 3,
                                                         lambda key: key.startswith("mali"))} == {"Mali", "Mali K."}


def test_merge_moves_every_contact_and_reference(session) -> None:
    conn = session.conn
    people = _people(conn)
    keep, drop = people["Mali"], people["Mali K."]
    with transaction(conn):
        for day, who in ((1, keep), (5, drop), (9, drop), (3, keep)):
            contacts_repo.insert_contact(conn, Contact(person_id=who.id, kind="venue",
                                                       occurred_at=DAY + timedelta(days=day)))
        conn.execute("INSERT INTO referrals (person_id, reference, region, contact_setting, month, created_at,"
                     " updated_at) VALUES (?, 'R-1', 'syddanmark', 'venue', '2026-05', ?, ?)",
                     (drop.id, moment_text(DAY), moment_text(DAY)))
        moved = people_repo.merge_people(conn, keep.id, drop.id)
    assert moved == 2
    assert people_repo.get_person(conn, drop.id) is None
    assert conn.execute("SELECT count(*) FROM contacts WHERE person_id = ?", (keep.id,)).fetchone()[0] == 4
    assert conn.execute("SELECT person_id FROM referrals WHERE reference = 'R-1'").fetchone()[0] == keep.id
    merged = people_repo.get_person(conn, keep.id)
    assert (merged.first_contact, merged.last_contact) == ((DAY + timedelta(days=1)).astimezone().date(),
                                                           (DAY + timedelta(days=9)).astimezone().date())


def test_counting_follow_ups_reads_the_index_alone(session) -> None:
    """The follow-ups tab counts on every refill, with health and legal left out for most roles, and first for the
    user's own ("mine": the owner, the person's key worker or the writer): the count must not read each contact's row
    (a write from another connection empties the cache, and the window waited)."""
    conn = session.conn
    for hidden, owner in (((), None), (("health", "legal"), None), (("health", "legal"), 1)):   # 1: "mine"
        sql, args = contacts_repo._due(date(2026, 5, 25), hidden, people=False, owner=owner)  # noqa: SLF001
        for select, values in (("count(*)", args), ("count(*), sum(c.follow_up <= ?)", ["2026-05-01", *args])):
            plan = " ".join(row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN SELECT {select} {sql}", values))
            assert "COVERING INDEX contacts_follow_up" in plan, plan


def test_searching_people_tests_the_index_before_reading_a_row(session) -> None:
    """Typing in People's search refills the list on every key: the list walks its index in list order (no sort)
    and every column the typed text is tested against is in that index, so only the matches' rows are read."""
    conn = session.conn
    query = PeopleQuery(text_key="mal", reference="MAL", name_nationalities=("TH",))
    where, args = people_repo._where(query)                                   # noqa: SLF001 - the list's SQL
    plan = " ".join(row[3] for row in conn.execute(
        f"EXPLAIN QUERY PLAN SELECT * FROM people WHERE {where} ORDER BY alias_key, nationality, id", args))
    assert "USING INDEX people_alias" in plan and "TEMP B-TREE" not in plan, plan
    indexed = {row[2] for row in conn.execute("PRAGMA index_info(people_alias)")}
    assert {"alias_key", "nationality", "reference", "id"} <= indexed, indexed
