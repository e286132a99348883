"""Services for venues, visits, people and contacts: validation, one transaction, audit."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from fieldapp.domain.queries import PeopleFilter, VenueFilter, VisitFilter
from fieldapp.domain.records import Contact, Material, Person, Venue, Visit
from fieldapp.errors import InvalidInput, PermissionDenied, ValidationError
from fieldapp.records import contacts, people, venues, visits
from fieldapp.storage import audit_repo
from tests.conftest import AGREED
from tests.records.conftest import EARLIER


def _actions(session, count: int = 20) -> list[tuple[str, str, int | None]]:
    return [(e.action, e.entity, e.entity_id) for e in reversed(audit_repo.events(session.conn, count))]


def test_venue_create_update_delete_are_audited(session) -> None:
    venue = venues.create_venue(session, Venue(name="Orchid Spa", kind="massage_clinic"))
    venues.update_venue(session, replace(venue, is_open=False))
    assert venues.get_venue(session, venue.id).is_open is False
    venues.delete_venue(session, venue.id)
    assert venues.get_venue(session, venue.id) is None
    assert _actions(session)[-3:] == [("venue.create", "venue", venue.id), ("venue.update", "venue", venue.id),
                                      ("venue.delete", "venue", venue.id)]


def test_invalid_input_changes_nothing(session) -> None:
    before = audit_repo.head(session.conn)
    with pytest.raises(ValidationError) as caught:
        venues.create_venue(session, Venue(name="", kind="casino"))
    assert set(caught.value.problems) == {"name", "kind"}
    assert venues.count_venues(session) == 0
    assert audit_repo.head(session.conn) == before


def test_venue_with_visits_cannot_be_deleted(session, venue) -> None:
    visits.create_visit(session, Visit(venue_id=venue.id, started_at=EARLIER))
    with pytest.raises(InvalidInput):
        venues.delete_venue(session, venue.id)
    assert venues.get_venue(session, venue.id) is not None


def test_visit_defaults_to_the_signed_in_user_and_lists(session, venue) -> None:
    visit = visits.create_visit(session, Visit(venue_id=venue.id, started_at=EARLIER,
                                               ended_at=EARLIER + timedelta(hours=1),
                                               materials=(Material("leaflet", "th", 8),)))
    assert visit.team == (session.user.id,) and visit.created_by == session.user.id
    rows = visits.list_visits(session, VisitFilter(venue_id=venue.id))
    assert [(r.visit.id, r.venue_name) for r in rows] == [(visit.id, "Lotus Massage")]
    pager = visits.visits_pager(session, VisitFilter(worker_id=session.user.id))
    assert pager.count() == 1 and pager.page(0, 10)[0].visit == visit
    visits.update_visit(session, replace(visit, people_met=3))
    assert visits.get_visit(session, visit.id).people_met == 3
    visits.delete_visit(session, visit.id)
    assert visits.count_visits(session) == 0


def test_visit_needs_an_existing_venue_and_team(session) -> None:
    with pytest.raises(ValidationError) as caught:
        visits.create_visit(session, Visit(venue_id=999, started_at=EARLIER, team=(12345,), people_met=-2))
    assert set(caught.value.problems) == {"venue_id", "team", "people_met"}


def test_people_list_filters_by_alias_and_country_name(session, person) -> None:
    people.create_person(session, Person(**AGREED, alias="Ioana", nationality="RO", age_estimate=24))
    people.create_person(session, Person(**AGREED, alias="Nok", nationality="TH", age_estimate=40))
    assert [p.alias for p in people.list_people(session, PeopleFilter(text="ma"))] == ["Mali"]
    assert [p.alias for p in people.list_people(session, PeopleFilter(text="thai"))] == ["Mali", "Nok"]
    assert [p.alias for p in people.list_people(session, PeopleFilter(text="Romania"))] == ["Ioana"]
    pager = people.people_pager(session, PeopleFilter(text="o"))
    assert pager.count() == 2 and [p.alias for p in pager.page(1, 5)] == ["Nok"]
    assert people.count_people(session, PeopleFilter(text=person.reference)) == 1


def test_person_validation_and_update(session, person) -> None:
    with pytest.raises(ValidationError) as caught:
        people.create_person(session, Person(**AGREED, alias=" ", age_estimate=5, phone="+45 12345678"))
    assert set(caught.value.problems) == {"alias", "age_estimate", "phone"}
    changed = people.update_person(session, replace(person, alias="Mali T.", phone="+45 11223344",
                                                    phone_consent=True))
    assert people.get_person(session, person.id) == changed and changed.phone == "+45 11223344"


def test_saving_contacts_keeps_first_and_last_contact(session, person) -> None:
    first = contacts.create_contact(session, Contact(person_id=person.id, kind="street", occurred_at=EARLIER))
    later = contacts.create_contact(session, Contact(person_id=person.id, kind="venue",
                                                     occurred_at=EARLIER + timedelta(days=4)))
    stored = people.get_person(session, person.id)
    local = EARLIER.astimezone()
    assert (stored.first_contact, stored.last_contact) == (local.date(), (local + timedelta(days=4)).date())
    contacts.delete_contact(session, later.id)
    assert people.get_person(session, person.id).last_contact == local.date()
    assert first.created_by == session.user.id


def test_contact_for_a_missing_person_or_visit_is_refused(session) -> None:
    with pytest.raises(ValidationError) as caught:
        contacts.create_contact(session, Contact(person_id=4242, kind="street", occurred_at=EARLIER, visit_id=77))
    assert set(caught.value.problems) == {"person_id", "visit_id"}


def test_updating_a_deleted_record_says_so(session, person) -> None:
    people.delete_person(session, person.id)
    with pytest.raises(InvalidInput):
        people.update_person(session, person)
    with pytest.raises(InvalidInput):
        people.delete_person(session, person.id)


def test_follow_ups_due_and_done(session, person) -> None:
    due = contacts.create_contact(session, Contact(person_id=person.id, kind="street", occurred_at=EARLIER,
                                                   follow_up=EARLIER.date() + timedelta(days=2)))
    contacts.create_contact(session, Contact(person_id=person.id, kind="street", occurred_at=EARLIER,
                                             follow_up=EARLIER.date() + timedelta(days=60)))
    assert [f.contact_id for f in contacts.follow_ups_due(session)] == [due.id]
    later = EARLIER.date() + timedelta(days=60)
    assert contacts.count_follow_ups(session, later, later) == (2, 2)
    contacts.complete_follow_up(session, due.id)
    assert contacts.follow_ups_pager(session).count() == 0
    assert ("contact.follow_up_done", "contact", due.id) in _actions(session)


def test_reads_need_a_known_role(session, act_as) -> None:
    stranger = act_as("visitor")
    for call in (lambda: people.count_people(stranger), lambda: venues.list_venues(stranger, VenueFilter()),
                 lambda: visits.count_visits(stranger), lambda: contacts.follow_ups_due(stranger)):
        with pytest.raises(PermissionDenied):
            call()


def test_a_pager_asks_for_its_count_once() -> None:
    """A list makes a pager for each refill; saying the count again (a language switch) must not ask the vault."""
    from fieldapp.records.common import Pager

    asked = []
    pager = Pager(lambda: asked.append(1) or 7, lambda _offset, _limit: [])
    assert (pager.count(), pager.count(), len(asked)) == (7, 7, 1)
