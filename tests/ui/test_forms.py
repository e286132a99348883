"""The health and legal parts of the contact form, typed in by the roles that may use them."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from fieldapp.domain.records import Person
from fieldapp.records import contacts, health, legal, people
from fieldapp.security import vault
from fieldapp.ui.contact_form import ContactForm
from tests.conftest import AGREED, PASSPHRASE
from tests.ui.helpers import shown, written


@pytest.fixture
def role_session(session, vault_path: Path, request):
    role = request.param
    vault.add_user(session, "Staff", role, PASSPHRASE, PASSPHRASE)
    people.create_person(session, Person(**AGREED, alias="Joy"))
    session.close()
    staff = vault.unlock(vault_path, "Staff", PASSPHRASE)
    yield staff
    staff.close()


def _contact_form(qtbot, session) -> ContactForm:
    [person] = people.list_people(session)
    form = ContactForm(session, person)          # deletes itself when closed
    form.show()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is form)
    return form


def _joy(session) -> str:
    [person] = people.list_people(session)
    return person.id


def _tick(qtbot, checks, text: str) -> None:
    checks.setFocus()
    qtbot.keyClicks(checks, text)
    qtbot.keyClick(checks, Qt.Key.Key_Space)


@pytest.mark.parametrize("role_session", ["health"], indirect=True)
def test_health_contact_typed_in_by_health_staff(qtbot, role_session) -> None:
    form = _contact_form(qtbot, role_session)
    assert form.legal is None and not form.health.isVisible()
    qtbot.keyClicks(form.kind_combo, "Health")
    assert form.health.isVisible()
    qtbot.keyClicks(form.health.reason_combo, "Contraception")
    _tick(qtbot, form.health.taken, "HIV")                 # taken but not offered: refused
    qtbot.keyClick(form.note_edit, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    written(qtbot, form)
    assert "only be taken if it was offered" in form.errors["health.tests_taken"].text()
    assert contacts.timeline(role_session, _joy(role_session)) == []
    _tick(qtbot, form.health.offered, "HIV")
    qtbot.keyClick(form.health.referred_check, Qt.Key.Key_Space)
    _tick(qtbot, form.health.assaults, "Robbery")
    _tick(qtbot, form.health.assault_by, "Customer")
    form.health.note_edit.setFocus()
    qtbot.keyClicks(form.health.note_edit, "Needs a follow-up test")
    qtbot.keyClick(form.health.note_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    written(qtbot, form)
    assert not shown(form)
    [entry] = contacts.timeline(role_session, _joy(role_session))
    part = health.get_health_contact(role_session, entry.contact.id)
    assert entry.contact.kind == "health" and part.reason == "contraception"
    assert part.tests_offered == ("hiv",) and part.tests_taken == ("hiv",) and part.referred_public_care
    assert part.assaults == ("robbery",) and part.assault_by == ("customer",)
    assert part.note == "Needs a follow-up test"


@pytest.mark.parametrize("role_session", ["legal"], indirect=True)
def test_legal_session_typed_in_by_legal_adviser(qtbot, role_session) -> None:
    form = _contact_form(qtbot, role_session)
    assert form.health is None
    qtbot.keyClicks(form.kind_combo, "Legal")
    assert form.legal.isVisible() and form.legal.adviser_label.text() == "Staff"
    _tick(qtbot, form.legal.topics, "Reflection")
    qtbot.keyClick(form.legal.assisted_check, Qt.Key.Key_Space)
    qtbot.keyClick(form.legal.lawyer_check, Qt.Key.Key_Space)
    qtbot.keyClicks(form.legal.outcome_combo, "Referred to a lawyer")
    qtbot.keyClick(form.legal.follow_up.check, Qt.Key.Key_Space)
    form.note_edit.setFocus()
    qtbot.keyClick(form.note_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    written(qtbot, form)
    assert not shown(form)
    [entry] = contacts.timeline(role_session, _joy(role_session))
    part = legal.get_legal_session(role_session, entry.contact.id)
    assert part.topics == ("reflection_period",) and part.police_report_assisted and part.victims_lawyer_requested
    assert part.outcome == "referred_lawyer" and part.adviser_id == role_session.user.id
    assert entry.contact.follow_up == part.follow_up is not None


def _mnemonic(text: str) -> str:
    return text[text.index("&") + 1].lower() if "&" in text.replace("&&", "") else ""


@pytest.mark.parametrize("role_session", ["legal"], indirect=True)
def test_crimes_perpetrators_and_first_contact_typed_in_by_legal_adviser(qtbot, role_session) -> None:
    form = _contact_form(qtbot, role_session)
    qtbot.keyClicks(form.kind_combo, "Legal")
    letters = [_mnemonic(row.label.text()) for row in form.described if row.label.isVisibleTo(form)]
    for label in (form.legal.crimes, form.legal.perpetrators, form.legal.first_check):
        row = next(row for row in form.described if row.widget is label)
        assert letters.count(_mnemonic(row.label.text())) == 1, row.label.text()
    _tick(qtbot, form.legal.perpetrators, "Customer")          # by whom, but no crime: refused
    form.note_edit.setFocus()
    qtbot.keyClick(form.note_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    written(qtbot, form)
    assert "Say which crime was disclosed" in form.errors["legal.perpetrators"].text()
    assert contacts.timeline(role_session, _joy(role_session)) == []
    _tick(qtbot, form.legal.crimes, "Rape")
    qtbot.wait(QApplication.keyboardInputInterval() + 100)     # a new search, not "RapeThreats"
    _tick(qtbot, form.legal.crimes, "Threats")
    qtbot.keyClick(form.legal.first_check, Qt.Key.Key_Space)
    assert form.legal.first_check.text() == "Legal advice was the first contact with this person (not met by " \
                                            "outreach before)"
    form.note_edit.setFocus()
    qtbot.keyClick(form.note_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    written(qtbot, form)
    assert not shown(form)
    [entry] = contacts.timeline(role_session, _joy(role_session))
    part = legal.get_legal_session(role_session, entry.contact.id)
    assert part.crimes == ("sexual", "threats") and part.perpetrators == ("customer",) and part.first_reached_here
    [person] = people.list_people(role_session)
    again = ContactForm(role_session, person, entry.contact)
    qtbot.addWidget(again)
    assert again.legal.crimes.checked() == ("sexual", "threats")
    assert again.legal.perpetrators.checked() == ("customer",) and again.legal.first_check.isChecked()
