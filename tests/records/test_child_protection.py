"""The duty to protect children: a contact with someone under 18 says what was done (the municipality told, or
to be told by a follow-up day); a child is never referred as an anonymous notice only; the children's leaflet
is the one offered."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from fieldapp.domain.records import Contact, Person
from fieldapp.errors import ValidationError
from fieldapp.records import contacts, people
from fieldapp.referral import service
from fieldapp.ui.timeline_form import leaflet_for
from tests.conftest import AGREED
from tests.referral.helpers import add_contact, add_person, crowd

EARLIER = datetime.now(UTC) - timedelta(hours=2)


def _contact(session, person: Person, **extra) -> Contact:
    return contacts.create_contact(session, Contact(person_id=person.id, kind="street", occurred_at=EARLIER, **extra))


def _problems(session, person: Person, **extra) -> dict[str, str]:
    with pytest.raises(ValidationError) as refused:
        _contact(session, person, **extra)
    return refused.value.problems


def test_a_contact_with_a_child_says_what_was_done_about_the_municipality(session) -> None:
    child = people.create_person(session, Person(**AGREED, alias="Young Yen", gender="man", age_estimate=16))
    assert set(_problems(session, child)) == {"child_steps"}
    assert set(_problems(session, child, child_steps=("cmm_told", "child_heard"))) == {"child_steps"}
    assert set(_problems(session, child, child_steps=("municipality_to_tell",))) == {"follow_up"}
    assert contacts.timeline(session, child.id) == []
    _contact(session, child, child_steps=("municipality_to_tell", "child_heard"), follow_up=date.today())
    _contact(session, child, child_steps=("municipality_told", "cmm_told"))
    assert {entry.contact.child_steps for entry in contacts.timeline(session, child.id)} == {
        ("municipality_to_tell", "child_heard"), ("municipality_told", "cmm_told")}


def test_a_child_by_the_year_of_birth_too_and_adults_have_no_child_steps(session) -> None:
    born = people.create_person(session, Person(**AGREED, alias="By Year", birth_year=date.today().year - 15))
    assert set(_problems(session, born)) == {"child_steps"}
    adult = people.create_person(session, Person(**AGREED, alias="Grown", age_estimate=30))
    assert set(_problems(session, adult, child_steps=("municipality_told",))) == {"child_steps"}
    _contact(session, adult)
    unknown = people.create_person(session, Person(**AGREED, alias="Ageless"))
    _contact(session, unknown)                       # no age known: no step asked for


def test_a_child_is_referred_for_assessment_never_as_an_anonymous_notice_only(session) -> None:
    crowd(session.conn, 5)
    child = add_person(session.conn, alias="Minor Mai", age=16)
    draft = service.create_draft(session, child)
    with pytest.raises(ValidationError) as refused:
        service.record_consent(session, draft.id, "anonymous_notice", "en", "2026.1", notice_read=True)
    assert "never as an anonymous notice" in refused.value.problems["scope"]
    adult = add_person(session.conn, alias="Adult Ada", age=30)
    other = service.create_draft(session, adult)
    assert service.record_consent(session, other.id, "anonymous_notice", "en", "2026.1", notice_read=True)


def test_the_leaflet_offered_is_the_childrens_in_the_persons_language() -> None:
    assert leaflet_for(Person(alias="", age_estimate=15, languages=("vi", "en"), gender="man")) == ("vi", "minor")
    assert leaflet_for(Person(alias="", age_estimate=35, languages=("yo", "en"), gender="man")) == ("en", "men")
    assert leaflet_for(Person(alias="", languages=("sw",), gender="woman")) == ("en", "women")


def test_a_notice_recorded_for_an_adult_is_not_sealed_once_the_person_turns_out_to_be_a_child(session) -> None:
    from dataclasses import replace

    from fieldapp.referral.errors import ConsentMissing

    crowd(session.conn, 5)
    pid = add_person(session.conn, alias="Thought Adult", age=27)
    add_contact(session.conn, pid, kind="street", indicators="debt")
    draft = service.create_draft(session, pid)
    service.update_draft(session, replace(draft, region="hovedstaden", exploitation_forms=("sexual",)))
    service.record_consent(session, draft.id, "anonymous_notice", "en", "2026.1", notice_read=True)
    person = people.get_person(session, pid)
    people.update_person(session, replace(person, **AGREED, age_estimate=16))
    with pytest.raises(ConsentMissing, match="child"):
        service.preview(session, draft.id)


def test_a_child_if_either_the_estimate_or_the_year_of_birth_says_so() -> None:
    from fieldapp.domain.records import age_class

    today = date(2026, 6, 1)
    assert age_class(Person(alias="", age_estimate=18, birth_year=2010), today) == "child"
    assert age_class(Person(alias="", age_estimate=16, birth_year=2006), today) == "child"
    assert age_class(Person(alias="", age_estimate=19, birth_year=2006), today) == "adult"


def test_an_older_contact_stays_editable_when_the_age_is_corrected_to_a_childs(session) -> None:
    from dataclasses import replace

    person = people.create_person(session, Person(**AGREED, alias="Corrected", age_estimate=25))
    contact = _contact(session, person, note="first")
    people.update_person(session, replace(people.get_person(session, person.id), age_estimate=16))
    changed = contacts.update_contact(session, replace(contact, note="first, corrected"))
    assert changed.note == "first, corrected"
    assert set(_problems(session, person)) == {"child_steps"}                 # a new contact asks for the step
