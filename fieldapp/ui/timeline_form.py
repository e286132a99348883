"""The person panel: one person's details and the timeline of their contacts, with health and
legal details only for those allowed to see them (the services leave the rest out)."""

from __future__ import annotations

from datetime import date
from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QHeaderView, QLabel, QPushButton, QVBoxLayout, QWidget

from fieldapp.domain.codes import (
    ASSAULT_BY,
    ASSAULT_KINDS,
    CONTACT_KINDS,
    CRIME_FORMS,
    EXPLOITATION_FORMS,
    GENDERS,
    HEALTH_REASONS,
    INDICATORS,
    INDUSTRIES,
    LEGAL_TOPICS,
    NOT_ASKED_REASONS,
    RECORD_CONSENT,
    SERVICES,
    TOPICS,
)
from fieldapp.domain.queries import TimelineEntry
from fieldapp.domain.record_codes import HEALTH_TESTS, LEGAL_OUTCOMES
from fieldapp.domain.records import HealthContact, LegalSession, Person, age_class
from fieldapp.i18n import _
from fieldapp.leaflets import languages as leaflet_languages
from fieldapp.records import contacts, team
from fieldapp.security.session import Session
from fieldapp.ui.code_picker import code_text, day_text, language_labels, moment_text, nationality_labels
from fieldapp.ui.record_form import on_keys, record_table, selected_row
from fieldapp.ui.table_model import Column, LazyTableModel


def age_text(person: Person) -> str:
    if person.birth_year:
        return str(date.today().year - person.birth_year)
    return _("about {age}").format(age=person.age_estimate) if person.age_estimate else ""


def _health_text(part: HealthContact) -> list[str]:
    lines = [_("Reason: {reason}").format(reason=_(HEALTH_REASONS.get(part.reason, part.reason)))]
    if part.tests_offered:
        lines.append(_("Tests offered: {tests}").format(tests=code_text(HEALTH_TESTS, part.tests_offered)))
    if part.tests_taken:
        lines.append(_("taken: {tests}").format(tests=code_text(HEALTH_TESTS, part.tests_taken)))
    if part.referred_public_care:
        lines.append(_("referred to public health care"))
    if part.assaults:
        lines.append(_("Assault: {kinds} (by {who})").format(kinds=code_text(ASSAULT_KINDS, part.assaults),
                                                              who=code_text(ASSAULT_BY, part.assault_by) or "?"))
    return [*lines, part.note] if part.note else lines


def _legal_text(part: LegalSession) -> list[str]:
    lines = [code_text(LEGAL_TOPICS, part.topics)] if part.topics else []
    flags = ((part.police_report_assisted, _("police report prepared")), (part.police_report_filed,
             _("police report filed")), (part.victims_lawyer_requested, _("victim's lawyer requested")))
    lines += [text for flag, text in flags if flag]
    if part.outcome:
        lines.append(_("Outcome: {outcome}").format(outcome=_(LEGAL_OUTCOMES.get(part.outcome, part.outcome))))
    return lines


def entry_details(entry: TimelineEntry) -> str:
    """What the reader may see of a contact, as one line."""
    if entry.restricted:
        return _("Details restricted to health staff") if entry.contact.kind == "health" \
            else _("Details restricted to legal advisers")
    contact = entry.contact
    parts = [code_text(TOPICS, contact.topics), code_text(SERVICES, contact.services),
             code_text(INDICATORS, contact.indicators), code_text(EXPLOITATION_FORMS, contact.exploitation),
             code_text(INDUSTRIES, (contact.industry,) if contact.industry else ()),
             code_text(CRIME_FORMS, contact.crime_forms)]
    if entry.health is not None:
        parts += _health_text(entry.health)
    if entry.legal is not None:
        parts += _legal_text(entry.legal)
    parts.append(contact.note)
    return "; ".join(part for part in parts if part)


def _follow_up_text(entry: TimelineEntry) -> str:
    due = entry.contact.follow_up
    if due is None:
        return ""
    return _("{day} (done)").format(day=day_text(due)) if entry.contact.follow_up_done else day_text(due)


def consent_text(person: Person) -> str:
    """Whether the person agreed to be recorded, in words: with the sheet's language, or why not asked yet."""
    status = _(RECORD_CONSENT.get(person.record_consent, person.record_consent))
    if person.record_consent == "given" and person.sheet_language:
        sheet = language_labels().get(person.sheet_language, person.sheet_language)
        return _("{status} (sheet in {language})").format(status=status, language=sheet)
    if person.record_consent == "not_asked" and person.consent_reason:
        reason = _(NOT_ASKED_REASONS.get(person.consent_reason, person.consent_reason))
        return f"{status}: {reason}"
    return status


def leaflet_for(person: Person) -> tuple[str, str]:
    """The sheet to offer: in the first of the person's languages that has one (else English), for children when
    the person is under 18 (the duty to protect children), for men or for women."""
    sheets = [lang for lang in (leaflet_languages.for_code(code) for code in person.languages) if lang is not None]
    tag = sheets[0].tag if sheets else "en"
    if age_class(person) == "child":
        return tag, "minor"
    return tag, "men" if person.gender == "man" else "women"


class PersonPanel(QWidget):
    """Shows one person; asks the page to edit them, add a contact, or open/delete a contact."""

    edit_requested = Signal()
    contact_requested = Signal()
    open_contact_requested = Signal(object)     # a TimelineEntry
    delete_contact_requested = Signal(object)
    leaflet_requested = Signal(str, str)        # the leaflet's language tag and reader (women, men, minor)

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.person: Person | None = None
        self.details = QLabel(objectName="personDetails")
        self.details.setWordWrap(True)
        self.details.setTextFormat(Qt.TextFormat.RichText)
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.edit_button, self.contact_button, self.open_button, self.delete_button = (
            QPushButton(objectName=name) for name in ("editPersonButton", "newContactButton",
                                                      "openContactButton", "deleteContactButton"))
        self.leaflet_button = QPushButton(objectName="personLeafletButton")
        self.timeline_label = QLabel()
        self.model = LazyTableModel([
            Column(lambda: _("When"), lambda e: moment_text(e.contact.occurred_at)),
            Column(lambda: _("Kind"), lambda e: _(CONTACT_KINDS.get(e.contact.kind, e.contact.kind))),
            Column(lambda: _("Follow-up"), _follow_up_text),
            Column(lambda: _("Details"), entry_details),
        ], lambda offset, limit: [])
        self.timeline = record_table("timelineTable", self.model)
        self.timeline.setWordWrap(True)
        # When, kind and follow-up as wide as they need; the details take the rest and wrap onto more lines.
        header = self.timeline.horizontalHeader()
        for column in range(3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.timeline.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self._lay_out()
        self.edit_button.clicked.connect(self.edit_requested)
        self.contact_button.clicked.connect(self.contact_requested)
        self.leaflet_button.clicked.connect(self._ask_leaflet)
        self.open_button.clicked.connect(self._open_selected)
        self.delete_button.clicked.connect(self._delete_selected)
        self.timeline.activated.connect(self._open_selected)
        on_keys(self.timeline, QKeySequence.StandardKey.Delete, self._delete_selected, only_widget=True)
        self.show_person(None)

    def _lay_out(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.details, 1)
        column = QVBoxLayout()
        column.addWidget(self.edit_button)
        column.addWidget(self.contact_button)
        column.addWidget(self.leaflet_button)
        column.addStretch(1)
        top.addLayout(column)
        below = QHBoxLayout()
        below.addWidget(self.timeline_label, 1)
        below.addWidget(self.open_button)
        below.addWidget(self.delete_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addLayout(below)
        layout.addWidget(self.timeline, 1)

    def retranslate(self) -> None:
        self.edit_button.setText(_("&Edit person"))
        self.contact_button.setText(_("New &contact"))
        self.leaflet_button.setText(_("Lea&flet for this person"))
        self.open_button.setText(_("Open contact"))
        self.delete_button.setText(_("Delete contact"))
        self.timeline_label.setText(_("<b>Timeline</b> (newest first)"))
        self.model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, self.model.columnCount() - 1)
        self.show_person(self.person)

    def _ask_leaflet(self) -> None:
        if self.person is not None:
            self.leaflet_requested.emit(*leaflet_for(self.person))

    def show_person(self, person: Person | None) -> None:
        self.person = person
        for button in (self.edit_button, self.contact_button, self.leaflet_button, self.open_button,
                       self.delete_button):
            button.setEnabled(person is not None)
        if person is None:
            self.details.setText(_("Choose a person in the list, or press Ctrl+N for a new one."))
            self.model.reload(lambda offset, limit: [])
            return
        self.details.setText(self._details_html(person))
        entries = contacts.timeline(self._session, person.id)
        self.model.reload(lambda offset, limit: entries[offset:offset + limit])

    def _details_html(self, person: Person) -> str:
        rows = [(_("Reference"), person.reference), (_("Gender"), _(GENDERS.get(person.gender, person.gender))),
                (_("Age"), age_text(person)),
                (_("Nationality"), nationality_labels().get(person.nationality, person.nationality)),
                (_("Languages"), code_text(language_labels(), person.languages)),
                (_("Phone"), person.phone), (_("Consent to record"), consent_text(person)),
                (_("Key worker"), self._member_name(person.key_worker)),
                (_("First contact"), day_text(person.first_contact)),
                (_("Last contact"), day_text(person.last_contact))]
        cells = "".join(f"<tr><td>{escape(name)}:&nbsp;</td><td>{escape(value)}</td></tr>"
                        for name, value in rows if value)
        return f"<h3>{escape(person.alias)}</h3><table>{cells}</table>"

    def _member_name(self, user_id: int | None) -> str:
        if user_id is None:
            return ""
        return next((u.name for u in team.team_members(self._session) if u.id == user_id), "")

    def _open_selected(self, *_args) -> None:
        entry = selected_row(self.timeline)
        if entry is not None and not entry.restricted:
            self.open_contact_requested.emit(entry)

    def _delete_selected(self) -> None:
        entry = selected_row(self.timeline)
        if entry is not None:
            self.delete_contact_requested.emit(entry)

    def clear(self) -> None:
        self.person = None
        self.details.clear()
        self.model.clear()
