"""Duplicates: similar people are found; merging keeps every contact and logs no personal data."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fieldapp.domain.records import Contact, HealthContact, Person
from fieldapp.errors import InvalidInput
from fieldapp.records import contacts, health, people
from fieldapp.storage import audit_repo
from tests.conftest import AGREED
from tests.records.conftest import EARLIER


def test_similar_people_by_alias_nationality_and_age(session, person) -> None:
    typo = people.create_person(session, Person(**AGREED, alias="Malli", nationality="TH", age_estimate=32))
    initial = people.create_person(session, Person(**AGREED, alias="mali k.", nationality="TH",
                                                         birth_year=EARLIER.year - 28))
    people.create_person(session, Person(**AGREED, alias="Mali", nationality="RO", age_estimate=30))     # other country
    people.create_person(session, Person(**AGREED, alias="Mali", nationality="TH", age_estimate=45))     # too old
    people.create_person(session, Person(**AGREED, alias="Joy", nationality="TH", age_estimate=30))      # other alias
    found = people.similar_people(session, Person(**AGREED, alias="MALI", nationality="TH", age_estimate=31))
    assert {p.id for p in found} == {person.id, typo.id, initial.id}
    assert found[0].id == person.id                                  # the exact alias first
    assert person.id not in {p.id for p in people.similar_people(session, person)}


def test_merge_keeps_every_contact(session, act_as, person) -> None:
    nurse = act_as("health")
    twin = people.create_person(session, Person(**AGREED, alias="Mali K", nationality="", languages=("en",),
                                                phone="+45 22334455", phone_consent=True))
    own = [contacts.create_contact(session, Contact(person_id=person.id, kind="street",
                                                    occurred_at=EARLIER + timedelta(days=d))) for d in (2, 4)]
    theirs = [contacts.create_contact(session, Contact(person_id=twin.id, kind="venue",
                                                       occurred_at=EARLIER + timedelta(days=d))) for d in (1, 6)]
    clinic, _part = health.save_health_contact(nurse, Contact(person_id=twin.id, kind="health",
                                                              occurred_at=EARLIER + timedelta(days=3)),
                                               HealthContact(contact_id=0, reason="sti_test"))
    merged = people.merge_people(session, person.id, twin.id)
    assert people.get_person(session, twin.id) is None
    timeline = contacts.timeline(nurse, person.id)
    assert {e.contact.id for e in timeline} == {c.id for c in own + theirs} | {clinic.id}
    assert next(e for e in timeline if e.contact.id == clinic.id).health.reason == "sti_test"
    assert (merged.first_contact, merged.last_contact) == ((EARLIER + timedelta(days=1)).astimezone().date(),
                                                           (EARLIER + timedelta(days=6)).astimezone().date())
    assert merged.languages == ("th", "en") and merged.phone == "+45 22334455" and merged.nationality == "TH"
    events = audit_repo.events(session.conn, 5)
    merge_events = [(e.action, e.entity_id) for e in events if e.action.startswith("person.merge")]
    assert sorted(merge_events) == [("person.merge", person.id), ("person.merge.removed", twin.id)]
    for event in events:
        assert "Mali" not in repr(event) and "22334455" not in repr(event)


def test_merging_a_person_with_itself_is_refused(session, person) -> None:
    with pytest.raises(InvalidInput):
        people.merge_people(session, person.id, person.id)
    with pytest.raises(InvalidInput):
        people.merge_people(session, person.id, 9999)
    assert people.get_person(session, person.id) is not None
