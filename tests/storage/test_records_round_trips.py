"""Every field-record type goes into the real vault and comes back unchanged."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from fieldapp.domain.records import Contact, HealthContact, LegalSession, Material, Person, Venue, Visit
from fieldapp.storage import contacts_repo, health_repo, legal_repo, people_repo, venues_repo, visits_repo
from fieldapp.storage.connection import transaction
from tests.conftest import AGREED

START = datetime(2026, 3, 4, 19, 30, tzinfo=UTC)


def _local_day(moment: datetime) -> date:
    """First and last contact are days on the laptop's clock."""
    return moment.astimezone().date()


def _venue(conn) -> Venue:
    return venues_repo.insert_venue(conn, Venue(name="Jade Spa", kind="massage_clinic", municipality="Vejle",
                                                region="syddanmark", is_open=False, notes="Back entrance."))


def _person(conn, alias: str = "Mali") -> Person:
    return people_repo.insert_person(conn, Person(**AGREED, alias=alias, gender="woman", age_estimate=29,
                                                  nationality="TH", languages=("th", "en"), phone="+45 12345678",
                                                  phone_consent=True))


def test_venue_round_trip(session) -> None:
    conn = session.conn
    with transaction(conn):
        venue = _venue(conn)
    assert venue.id is not None
    assert venues_repo.get_venue(conn, venue.id) == venue
    assert (venue.name, venue.kind, venue.region, venue.is_open, venue.notes) == (
        "Jade Spa", "massage_clinic", "syddanmark", False, "Back entrance.")
    with transaction(conn):
        changed = venues_repo.update_venue(conn, replace(venue, name="Jade Wellness", is_open=True))
    assert changed == replace(venue, name="Jade Wellness", is_open=True) == venues_repo.get_venue(conn, venue.id)
    with transaction(conn):
        assert venues_repo.delete_venue(conn, venue.id)
    assert venues_repo.get_venue(conn, venue.id) is None
    with transaction(conn):
        assert venues_repo.update_venue(conn, venue) is None


def test_visit_round_trip_with_team_and_materials(session) -> None:
    conn = session.conn
    with transaction(conn):
        venue = _venue(conn)
        visit = visits_repo.insert_visit(conn, Visit(
            venue_id=venue.id, started_at=START, ended_at=START + timedelta(hours=2), team=(session.user.id,),
            people_met=5, languages=("th", "ro"), interpreter=True,
            materials=(Material("leaflet", "th", 10), Material("health_kit", "ro", 4)),
            observations=("lives_at_work", "not_speaking_freely"), note="Quiet.", created_by=session.user.id))
    assert visits_repo.get_visit(conn, visit.id) == visit
    assert visit.started_at == START and visit.team == (session.user.id,)
    assert {m.kind for m in visit.materials} == {"leaflet", "health_kit"}
    with transaction(conn):
        changed = visits_repo.update_visit(conn, replace(visit, materials=(Material("wallet_card", "th", 2),),
                                                         people_met=6))
    assert changed.materials == (Material("wallet_card", "th", 2),) and changed.people_met == 6
    with transaction(conn):
        assert visits_repo.delete_visit(conn, visit.id)
    assert visits_repo.get_visit(conn, visit.id) is None
    assert conn.execute("SELECT count(*) FROM visit_materials").fetchone()[0] == 0


def test_person_round_trip(session) -> None:
    conn = session.conn
    with transaction(conn):
        person = _person(conn)
    assert person.reference.startswith("P-")
    assert people_repo.get_person(conn, person.id) == person
    assert (person.alias, person.nationality, person.languages, person.phone) == (
        "Mali", "TH", ("th", "en"), "+45 12345678")
    with transaction(conn):
        changed = people_repo.update_person(conn, replace(person, alias="Mali K.", age_estimate=None,
                                                           birth_year=1995))
    assert changed == replace(person, alias="Mali K.", age_estimate=None, birth_year=1995)
    with transaction(conn):
        assert people_repo.delete_person(conn, person.id)
    assert people_repo.get_person(conn, person.id) is None


def test_phone_is_never_stored_without_consent(session) -> None:
    with transaction(session.conn):
        person = people_repo.insert_person(session.conn, Person(**AGREED, alias="Nok", phone="+45 12345678"))
    assert person.phone == "" and not person.phone_consent


def test_contact_round_trip_keeps_first_and_last_contact(session) -> None:
    conn = session.conn
    with transaction(conn):
        person = _person(conn)
        first = contacts_repo.insert_contact(conn, Contact(
            person_id=person.id, kind="street", occurred_at=START, topics=("rights", "health"),
            services=("leaflet",), indicators=("debt",), exploitation=("sexual",), follow_up=date(2026, 3, 20),
            note="Asked about housing.", created_by=session.user.id))
        later = contacts_repo.insert_contact(conn, Contact(person_id=person.id, kind="drop_in",
                                                           occurred_at=START + timedelta(days=30)))
    assert contacts_repo.get_contact(conn, first.id) == first
    assert first.exploitation == ("sexual",) and first.follow_up == date(2026, 3, 20) and not first.follow_up_done
    stored = people_repo.get_person(conn, person.id)
    assert (stored.first_contact, stored.last_contact) == (_local_day(START), _local_day(START + timedelta(days=30)))
    with transaction(conn):
        moved = contacts_repo.update_contact(conn, replace(later, occurred_at=START - timedelta(days=1)))
    assert moved.occurred_at == START - timedelta(days=1)
    assert people_repo.get_person(conn, person.id).first_contact == _local_day(START - timedelta(days=1))
    with transaction(conn):
        assert contacts_repo.delete_contact(conn, later.id)
        assert contacts_repo.delete_contact(conn, first.id)
    stored = people_repo.get_person(conn, person.id)
    assert (stored.first_contact, stored.last_contact) == (None, None)


def test_health_contact_round_trip(session) -> None:
    conn = session.conn
    with transaction(conn):
        person = _person(conn)
        contact = contacts_repo.insert_contact(conn, Contact(person_id=person.id, kind="health", occurred_at=START))
        health = health_repo.insert_health_contact(conn, HealthContact(
            contact_id=contact.id, reason="sti_test", tests_offered=("hiv", "syphilis"), tests_taken=("hiv",),
            referred_public_care=True, assaults=("physical", "threats"), assault_by=("customer",), note="Bruises."))
    assert health_repo.get_health_contact(conn, contact.id) == health
    assert health.assaults == ("physical", "threats") and health.referred_public_care
    with transaction(conn):
        changed = health_repo.update_health_contact(conn, replace(health, reason="injury", tests_offered=(),
                                                                   tests_taken=()))
    assert changed.reason == "injury" and changed.tests_offered == ()
    with transaction(conn):
        contacts_repo.delete_contact(conn, contact.id)
    assert health_repo.get_health_contact(conn, contact.id) is None


def test_legal_session_round_trip(session) -> None:
    conn = session.conn
    with transaction(conn):
        person = _person(conn)
        contact = contacts_repo.insert_contact(conn, Contact(person_id=person.id, kind="legal", occurred_at=START))
        legal = legal_repo.insert_legal_session(conn, LegalSession(
            contact_id=contact.id, adviser_id=session.user.id, topics=("report_violence", "compensation"),
            interpreter=True, police_report_assisted=True, police_report_filed=True, victims_lawyer_requested=True,
            outcome="report_prepared", follow_up=date(2026, 4, 1), crimes=("sexual", "threats"),
            perpetrators=("customer", "trafficker"), first_reached_here=True))
    assert legal_repo.get_legal_session(conn, contact.id) == legal
    assert legal.follow_up == date(2026, 4, 1) and legal.victims_lawyer_requested
    assert legal.crimes == ("sexual", "threats") and legal.perpetrators == ("customer", "trafficker")
    assert legal.first_reached_here
    with transaction(conn):
        changed = legal_repo.update_legal_session(conn, replace(legal, outcome="advice_given", follow_up=None,
                                                                crimes=("robbery",), perpetrators=(),
                                                                first_reached_here=False))
    assert changed.outcome == "advice_given" and changed.follow_up is None
    assert (changed.crimes, changed.perpetrators, changed.first_reached_here) == (("robbery",), (), False)
    with transaction(conn):
        people_repo.delete_person(conn, person.id)
    assert legal_repo.get_legal_session(conn, contact.id) is None
    assert contacts_repo.get_contact(conn, contact.id) is None
