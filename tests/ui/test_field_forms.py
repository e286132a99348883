"""The record forms are built from the field descriptions: each form has a labelled row for every
field of its record a user types, each widget keeps to the description's limits and codes, labels
follow a language switch, and what is typed past a limit never reaches the vault."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QIntValidator
from PySide6.QtWidgets import QApplication, QCheckBox, QLineEdit, QSpinBox

from fieldapp import i18n
from fieldapp.domain.fields import (
    BOOL,
    CODE,
    CODES,
    INT,
    NOTE,
    TEXT,
    ContactFields,
    HealthFields,
    LegalFields,
    MaterialFields,
    PersonFields,
    VenueFields,
    VisitFields,
)
from fieldapp.domain.records import Person
from fieldapp.records import people, venues
from fieldapp.security import vault
from fieldapp.ui.code_picker import CODE as CODE_ROLE
from fieldapp.ui.code_picker import CodeChecks, CodeCombo
from fieldapp.ui.contact_form import ContactForm
from fieldapp.ui.field_widgets import NoteEdit
from fieldapp.ui.person_form import PersonForm
from fieldapp.ui.record_form import RecordForm
from fieldapp.ui.venue_form import VenueForm
from fieldapp.ui.visit_form import VisitForm
from tests.conftest import AGREED, PASSPHRASE
from tests.ui.helpers import shown, written

QT_LINE_EDIT_DEFAULT_LENGTH = 32767


@pytest.fixture
def role_session(session, vault_path: Path, request):
    """A session of the role asked for ("admin": the vault's first user), with one person recorded."""
    people.create_person(session, Person(**AGREED, alias="Joy"))
    if request.param == "admin":
        yield session
        return
    vault.add_user(session, "Staff", request.param, PASSPHRASE, PASSPHRASE)
    session.close()
    staff = vault.unlock(vault_path, "Staff", PASSPHRASE)
    yield staff
    staff.close()


def _forms(session) -> list[tuple[RecordForm, list]]:
    [joy] = people.list_people(session)
    if session.can("health"):
        return [(ContactForm(session, joy), [ContactFields, HealthFields])]
    if session.can("legal"):
        return [(ContactForm(session, joy), [ContactFields, LegalFields])]
    return [(VenueForm(session), [VenueFields]), (PersonForm(session), [PersonFields]),
            (VisitForm(session), [VisitFields]), (ContactForm(session, joy), [ContactFields])]


def _codes_offered(widget) -> set[str]:
    if isinstance(widget, CodeChecks):
        return {widget.item(row).data(CODE_ROLE) for row in range(widget.count())}
    return {widget.itemData(index) for index in range(widget.count())} - {""}


def _check_row(row) -> None:
    field, widget = row.field, row.widget
    assert row.label.text() == (i18n._(field.label) if field.label else "")
    assert field.label == "" or row.label.buddy() is not None
    if field.kind == TEXT:
        assert isinstance(widget, QLineEdit)
        assert widget.maxLength() == (field.max_length or QT_LINE_EDIT_DEFAULT_LENGTH)
    elif field.kind == NOTE:
        assert isinstance(widget, NoteEdit) and widget.max_length == field.max_length
    elif field.kind == INT and isinstance(widget, QSpinBox):
        assert (widget.minimum(), widget.maximum()) == (field.low, field.high)
    elif field.kind == INT:
        validator = widget.validator()
        assert isinstance(validator, QIntValidator)
        assert (validator.bottom(), validator.top()) == (field.low or 0, field.high)
    elif field.kind == BOOL:
        assert isinstance(widget, QCheckBox) and widget.text() == i18n._(field.tick)
    elif field.kind in (CODE, CODES) and isinstance(widget, CodeCombo | CodeChecks):
        assert _codes_offered(widget) <= set(field.allowed()) and _codes_offered(widget)
        if row.built:
            assert _codes_offered(widget) == set(field.allowed())


@pytest.mark.parametrize("role_session", ["admin", "health", "legal"], indirect=True)
def test_every_form_has_a_labelled_row_for_each_field_its_record_describes(qtbot, role_session) -> None:
    checked = 0
    for form, described in _forms(role_session):
        qtbot.addWidget(form)
        wanted = [field for fields in described for field in fields.fields if field.shown]
        assert [row.field for row in form.described] == wanted, type(form).__name__
        for row in form.described:
            _check_row(row)
            checked += 1
    assert checked >= 15


@pytest.mark.parametrize("role_session", ["health"], indirect=True)
def test_labels_follow_a_language_switch(qtbot, role_session) -> None:
    [joy] = people.list_people(role_session)
    form = ContactForm(role_session, joy)
    qtbot.addWidget(form)
    i18n.set_language("da")
    form.retranslate()
    labels = {row.field: row.label.text() for row in form.described}
    assert labels[ContactFields.kind] == i18n._("&Kind") != "&Kind"
    assert labels[HealthFields.reason] == i18n._("&Reason") != "&Reason"
    assert form.health.referred_check.text() == i18n._(HealthFields.referred_public_care.tick)
    for row in form.described:
        _check_row(row)


def test_typing_past_a_limit_stops_at_the_limit_and_the_venue_is_saved(qtbot, session) -> None:
    form = VenueForm(session)
    form.show()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is form)
    limit = VenueFields.name.max_length
    qtbot.keyClicks(form.name_edit, "Lotus" + "x" * limit)
    qtbot.keyClicks(form.municipality_edit, "y" * (VenueFields.municipality.max_length + 3))
    qtbot.keyClick(form.municipality_edit, Qt.Key.Key_Return)
    written(qtbot, form)
    assert not shown(form)
    [venue] = venues.list_venues(session)
    assert venue.name == ("Lotus" + "x" * limit)[:limit]
    assert venue.municipality == "y" * VenueFields.municipality.max_length


def test_an_age_out_of_range_is_typed_and_refused_with_the_described_range(qtbot, session) -> None:
    form = PersonForm(session)
    form.show()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is form)
    qtbot.keyClicks(form.alias_edit, "Mai")
    too_old = PersonFields.age_estimate.high + 1
    qtbot.keyClicks(form.age_edit, str(too_old))
    qtbot.keyClick(form.age_edit, Qt.Key.Key_Return)
    assert form.isVisible() and people.list_people(session) == []
    assert form.age_edit.text() == str(too_old)
    assert str(PersonFields.age_estimate.high) in form.errors["age_estimate"].text()
    form.dirty = False
    form.close()


def test_the_materials_row_keeps_to_the_material_description(qtbot, session) -> None:
    form = VisitForm(session)
    qtbot.addWidget(form)
    editor = form.materials
    quantity = MaterialFields.quantity
    assert (editor.quantity_spin.minimum(), editor.quantity_spin.maximum()) == (quantity.low, quantity.high)
    assert _codes_offered(editor.kind_combo) == set(MaterialFields.kind.codes)
    assert [editor.table.horizontalHeaderItem(column).text() for column in range(3)] == [
        i18n._(field.label) for field in MaterialFields.fields]
