"""Health contacts and legal sessions are for health staff and legal advisers only, enforced in the
services: others get PermissionDenied and no data, and their timelines carry no details."""

from __future__ import annotations

import contextlib
from dataclasses import replace
from datetime import timedelta

import pytest
import sqlcipher3

from fieldapp.domain.records import Contact, HealthContact, LegalSession
from fieldapp.errors import PermissionDenied, ValidationError
from fieldapp.records import contacts, health, legal
from fieldapp.storage import audit_repo
from tests.records.conftest import EARLIER

SECRET_NOTE = "disclosed-assault-7731"
OTHER_ROLES_HEALTH = ("outreach", "coordinator", "admin", "legal")
OTHER_ROLES_LEGAL = ("outreach", "coordinator", "admin", "health")


@contextlib.contextmanager
def tables_read(session):
    """The tables SQLite reads while the block runs (the real statements, via the authorizer)."""
    seen: set[str] = set()

    def authorizer(action, table, _column, _db, _trigger):
        if action == sqlcipher3.SQLITE_READ and table:
            seen.add(table)
        return sqlcipher3.SQLITE_OK

    session.conn.set_authorizer(authorizer)
    try:
        yield seen
    finally:
        session.conn.set_authorizer(None)


def _health_contact(nurse, person) -> Contact:
    contact, _part = health.save_health_contact(
        nurse, Contact(person_id=person.id, kind="health", occurred_at=EARLIER, note=SECRET_NOTE,
                       topics=("health",), services=("referral_health",), indicators=("threats_violence",),
                       follow_up=EARLIER.date() + timedelta(days=1)),
        HealthContact(contact_id=0, reason="injury", assaults=("sexual",), assault_by=("customer",),
                      note=SECRET_NOTE))
    return contact


def _legal_session(adviser, person) -> Contact:
    contact, _part = legal.save_legal_session(
        adviser, Contact(person_id=person.id, kind="legal", occurred_at=EARLIER, note=SECRET_NOTE),
        LegalSession(contact_id=0, adviser_id=0, topics=("report_violence",), police_report_assisted=True,
                     follow_up=EARLIER.date() + timedelta(days=3)))
    return contact


def test_health_staff_save_and_read_health_contacts(act_as, person) -> None:
    nurse = act_as("health")
    contact = _health_contact(nurse, person)
    part = health.get_health_contact(nurse, contact.id)
    assert (part.reason, part.assaults, part.note) == ("injury", ("sexual",), SECRET_NOTE)
    assert contact.kind == "health" and contacts.get_contact(nurse, contact.id).note == SECRET_NOTE
    actions = [(e.action, e.user_id, e.entity_id) for e in audit_repo.events(nurse.conn, 3)]
    assert ("health.view", nurse.user.id, contact.id) in actions


@pytest.mark.parametrize("role", OTHER_ROLES_HEALTH)
def test_other_roles_get_no_health_data(act_as, person, role: str) -> None:
    contact = _health_contact(act_as("health"), person)
    other = act_as(role)
    with tables_read(other) as seen, pytest.raises(PermissionDenied) as caught:
        health.get_health_contact(other, contact.id)
    assert "health_contacts" not in seen and SECRET_NOTE not in str(caught.value)
    with pytest.raises(PermissionDenied):
        health.save_health_contact(other, Contact(person_id=person.id, kind="health", occurred_at=EARLIER),
                                   HealthContact(contact_id=0, reason="sti_test"))
    with pytest.raises(PermissionDenied):
        contacts.create_contact(other, Contact(person_id=person.id, kind="health", occurred_at=EARLIER))
    with pytest.raises(PermissionDenied):
        contacts.update_contact(other, replace(contact, kind="street"))
    with pytest.raises(PermissionDenied):
        contacts.delete_contact(other, contact.id)
    assert contacts.get_contact(act_as("health"), contact.id).kind == "health"


@pytest.mark.parametrize("role", OTHER_ROLES_HEALTH)
def test_timeline_without_the_health_role_has_no_health_details(act_as, person, role: str) -> None:
    contact = _health_contact(act_as("health"), person)
    street = contacts.create_contact(act_as("outreach"), Contact(person_id=person.id, kind="street",
                                                                 occurred_at=EARLIER, note="Met at the station."))
    other = act_as(role)
    with tables_read(other) as seen:
        entries = {e.contact.id: e for e in contacts.timeline(other, person.id)}
    assert "health_contacts" not in seen
    restricted = entries[contact.id]
    assert restricted.restricted and restricted.health is None
    assert (restricted.contact.note, restricted.contact.topics, restricted.contact.services) == ("", (), ())
    assert SECRET_NOTE not in repr(list(entries.values()))
    assert entries[street.id].contact.note == "Met at the station." and not entries[street.id].restricted
    assert contacts.get_contact(other, contact.id).note == ""
    assert [f.contact_id for f in contacts.follow_ups_due(other)] == []
    views = [e for e in audit_repo.events(other.conn, 50) if e.action == "health.view" and e.user_id == other.user.id]
    assert views == []


def test_timeline_for_health_staff_is_complete_and_audited(act_as, person) -> None:
    nurse = act_as("health")
    contact = _health_contact(nurse, person)
    entry = contacts.timeline(nurse, person.id)[0]
    assert not entry.restricted and entry.health.note == SECRET_NOTE and entry.contact.note == SECRET_NOTE
    assert [f.contact_id for f in contacts.follow_ups_due(nurse)] == [contact.id]
    last = audit_repo.events(nurse.conn, 1)[0]
    assert (last.action, last.entity, last.entity_id, last.user_id) == ("health.view", "person", person.id,
                                                                        nurse.user.id)


def test_a_health_contact_keeps_its_kind(act_as, person) -> None:
    nurse = act_as("health")
    contact = _health_contact(nurse, person)
    with pytest.raises(ValidationError) as caught:
        contacts.update_contact(nurse, replace(contact, kind="street"))
    assert set(caught.value.problems) == {"kind"}
    assert contacts.get_contact(nurse, contact.id).kind == "health"


def test_health_problems_are_reported_with_the_contacts(act_as, person) -> None:
    nurse = act_as("health")
    with pytest.raises(ValidationError) as caught:
        health.save_health_contact(nurse, Contact(person_id=person.id, kind="health",
                                                  occurred_at=EARLIER + timedelta(days=30)),
                                   HealthContact(contact_id=0, reason="flu", tests_taken=("hiv",)))
    assert set(caught.value.problems) == {"occurred_at", "health.reason", "health.tests_taken"}
    assert contacts.timeline(nurse, person.id) == []


def test_health_contact_update_and_delete(act_as, person) -> None:
    nurse = act_as("health")
    contact = _health_contact(nurse, person)
    _same, part = health.save_health_contact(nurse, contact, HealthContact(contact_id=0, reason="pregnancy",
                                                                           tests_offered=("pregnancy",)))
    assert part.reason == "pregnancy" and health.get_health_contact(nurse, contact.id) == part
    health.delete_health_contact(nurse, contact.id)
    assert contacts.get_contact(nurse, contact.id) is None and health.get_health_contact(nurse, contact.id) is None


def test_legal_advisers_save_and_read_sessions(act_as, person) -> None:
    adviser = act_as("legal")
    contact = _legal_session(adviser, person)
    part = legal.get_legal_session(adviser, contact.id)
    assert part.adviser_id == adviser.user.id and part.topics == ("report_violence",)
    assert contact.follow_up == part.follow_up            # shows in the follow-ups due list
    assert audit_repo.events(adviser.conn, 1)[0].action == "legal.view"
    entry = contacts.timeline(adviser, person.id)[0]
    assert entry.legal == part and not entry.restricted


@pytest.mark.parametrize("role", OTHER_ROLES_LEGAL)
def test_other_roles_get_no_legal_data(act_as, person, role: str) -> None:
    contact = _legal_session(act_as("legal"), person)
    other = act_as(role)
    with tables_read(other) as seen:
        with pytest.raises(PermissionDenied):
            legal.get_legal_session(other, contact.id)
        entry = contacts.timeline(other, person.id)[0]
    assert "legal_sessions" not in seen
    assert entry.restricted and entry.legal is None and entry.contact.note == ""
    with pytest.raises(PermissionDenied):
        legal.save_legal_session(other, Contact(person_id=person.id, kind="legal", occurred_at=EARLIER),
                                 LegalSession(contact_id=0, adviser_id=0))
    with pytest.raises(PermissionDenied):
        legal.delete_legal_session(other, contact.id)


def test_legal_session_needs_a_known_adviser(act_as, person) -> None:
    with pytest.raises(ValidationError) as caught:
        legal.save_legal_session(act_as("legal"), Contact(person_id=person.id, kind="legal", occurred_at=EARLIER),
                                 LegalSession(contact_id=0, adviser_id=98765, outcome="won"))
    assert set(caught.value.problems) == {"legal.adviser_id", "legal.outcome"}
