"""The person form: alias, gender, age estimate or year of birth, nationality, languages, and a
phone number only once the person's consent is ticked; and whether the person agreed to be recorded (with the
information sheet they were given), was not asked yet (and why), or refused, when only an anonymous count is
kept and the form saves nothing about them. A new person who looks like someone already recorded gets a
warning with the choice to open that one instead."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fieldapp.domain import codes
from fieldapp.domain.fields import PersonFields
from fieldapp.domain.records import Person, age_class
from fieldapp.domain.validation import problems
from fieldapp.errors import ValidationError
from fieldapp.i18n import _
from fieldapp.records import people, team
from fieldapp.security.session import Session
from fieldapp.ui.code_picker import CODE, CodeChecks, CodeCombo, SearchCombo, language_labels, nationality_labels
from fieldapp.ui.record_form import ERROR_STYLE, RecordForm
from fieldapp.ui.sheets import sheet_labels, sheet_version


class Refusal:
    """What a form that counted a refusal hands on: nothing about the person."""


def person_summary(person: Person) -> str:
    """Alias, nationality and age as one line (for lists and the duplicate warning)."""
    parts = [person.alias]
    if person.nationality:
        parts.append(nationality_labels().get(person.nationality, person.nationality))
    if person.birth_year:
        parts.append(_("born {year}").format(year=person.birth_year))
    elif person.age_estimate:
        parts.append(_("about {age}").format(age=person.age_estimate))
    return ", ".join(parts)


def _number(edit: QLineEdit) -> int | None:
    text = edit.text().strip()
    return int(text) if text else None


class SimilarWarning(QFrame):
    """"This may be someone already recorded": the candidates, and a button to open one."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="similarWarning")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setStyleSheet(ERROR_STYLE)
        self.candidates = QListWidget(objectName="similarPeople")
        self.candidates.setMaximumHeight(90)
        self.open_button = QPushButton(objectName="openSimilarButton")
        column = QVBoxLayout(self)
        column.addWidget(self.text)
        row = QHBoxLayout()
        row.addWidget(self.candidates, 1)
        row.addWidget(self.open_button, 0, Qt.AlignmentFlag.AlignTop)
        column.addLayout(row)
        self.hide()

    def show_people(self, found: list[Person]) -> None:
        self.candidates.clear()
        for person in found:
            item = QListWidgetItem(person_summary(person))
            item.setData(CODE, person.id)
            self.candidates.addItem(item)
        self.candidates.setCurrentRow(0)
        self.text.setText(_("This may be someone already recorded. Open them instead, or press Save again "
                            "to record a new person."))
        self.open_button.setText(_("Open the selected &person"))
        self.show()

    def chosen(self) -> int | None:
        item = self.candidates.currentItem()
        return item.data(CODE) if item is not None else None


class PersonForm(RecordForm):
    """A new person (``person`` None) or changes to one; ``open_requested(id)`` when the user
    chooses an existing person over a new one."""

    open_requested = Signal(str)

    def __init__(self, session: Session, person: Person | None = None, parent: QWidget | None = None) -> None:
        super().__init__(session, parent)
        self.person = person
        self._warned_for: tuple | None = None
        self._build()
        self.load(person or Person(alias=""))
        self.finish()
        self.consent_check.toggled.connect(self._consent_changed)
        self.warning.open_button.clicked.connect(self._open_chosen)
        self._consent_changed(self.consent_check.isChecked())
        self.record_combo.currentIndexChanged.connect(self._record_consent_changed)
        self._record_consent_changed()
        self.resize(560, 640)

    def _build(self) -> None:
        self.alias_edit = self.add(PersonFields.alias, objectName="personAlias")
        self.gender_combo = self.add(PersonFields.gender, objectName="personGender")
        self.age_edit = self.add(PersonFields.age_estimate, objectName="personAge")
        self.year_edit = self.add(PersonFields.birth_year, objectName="personBirthYear")
        # Names of countries and languages come from babel, in the interface language.
        self.nationality_combo = self.add(PersonFields.nationality, SearchCombo(
            nationality_labels, lambda: _("Unknown"), translate=False, objectName="personNationality"))
        self.languages = self.add(PersonFields.languages, CodeChecks(language_labels, translate=False, rows=5,
                                                                     objectName="personLanguages"))
        self.consent_check = self.add(PersonFields.phone_consent, objectName="personPhoneConsent")
        self.phone_edit = self.add(PersonFields.phone, objectName="personPhone")
        self.key_worker_combo = self.add(PersonFields.key_worker, CodeCombo(
            lambda: {u.id: u.name for u in team.team_members(self._session)}, lambda: _("Nobody in particular"),
            translate=False, objectName="personKeyWorker"))
        self.record_combo = self.add(PersonFields.record_consent, CodeCombo(
            self._consent_choices, lambda: _("Choose …"), objectName="personRecordConsent"))
        self.reason_combo = self.add(PersonFields.consent_reason, CodeCombo(
            {code: label for code, label in codes.NOT_ASKED_REASONS.items() if code != "before_app"
             or (self.person is not None and self.person.consent_reason == code)},
            lambda: _("Choose …"), objectName="personConsentReason"))
        self.sheet_combo = self.add(PersonFields.sheet_language, CodeCombo(
            sheet_labels, lambda: _("Choose …"), translate=False, objectName="personSheet"))
        self.warning = SimilarWarning()
        self.form.addRow(self.warning)

    def load(self, person: Person) -> None:
        self.alias_edit.setText(person.alias)
        self.gender_combo.set_code(person.gender)
        self.age_edit.setText(str(person.age_estimate) if person.age_estimate is not None else "")
        self.year_edit.setText(str(person.birth_year) if person.birth_year is not None else "")
        self.nationality_combo.set_code(person.nationality)
        self.languages.set_checked(person.languages)
        self.consent_check.setChecked(person.phone_consent)
        self.phone_edit.setText(person.phone)
        self.key_worker_combo.set_code(person.key_worker if person.key_worker is not None else "")
        self.record_combo.set_code(person.record_consent)
        self.reason_combo.set_code(person.consent_reason)
        self.sheet_combo.set_code(person.sheet_language)
        self._sheet_version_loaded = (person.sheet_language, person.sheet_version)

    def retranslate(self) -> None:
        super().retranslate()
        self.heading.setText(_("<h3>Person</h3><p>An alias, never the real name.</p>"))
        self.age_edit.setPlaceholderText(_("years"))
        self._record_consent_changed()

    def _consent_choices(self) -> dict[str, str]:
        """What a worker may choose; a historic record keeps its status until someone asks the person."""
        chosen = [*codes.RECORD_CONSENT_CHOSEN]
        if self.person is not None and self.person.record_consent not in chosen:
            chosen.append(self.person.record_consent)
        if self.person is not None:
            chosen.remove("refused")               # a refusal of someone kept: delete them (Delete…)
        return {code: codes.RECORD_CONSENT[code] for code in chosen if code in codes.RECORD_CONSENT}

    def _record_consent_changed(self, *_args) -> None:
        consent = self.record_combo.code()
        for row in self.described:
            if row.field.name == "consent_reason":
                row.label.setVisible(consent == "not_asked")
                row.widget.parentWidget().setVisible(consent == "not_asked")
            elif row.field.name == "sheet_language":
                row.label.setVisible(consent == "given")
                row.widget.parentWidget().setVisible(consent == "given")
        self.save_button.setText(_("Count &anonymously") if consent == "refused" else _("&Save"))

    def _sheet_version(self, language: str) -> str:
        """The version the person was given: kept as recorded when the sheet did not change, else today's."""
        if (language, self._sheet_version_loaded[1]) == self._sheet_version_loaded:
            return self._sheet_version_loaded[1]
        return sheet_version(language)

    def _consent_changed(self, checked: bool) -> None:
        self.phone_edit.setEnabled(checked)
        if not checked:
            self.phone_edit.clear()

    def _open_chosen(self) -> None:
        chosen = self.warning.chosen()
        if chosen is not None:
            self.dirty = False
            self.open_requested.emit(chosen)
            self.reject()

    def _refusal(self, person: Person) -> Callable[[], Refusal]:
        """Someone who refused: only the day, gender and adult or child are counted; what was typed goes."""
        found = {name: message for name, message in problems(person).items()
                 if name in ("gender", "age_estimate", "birth_year")}
        if found:
            raise ValidationError(found)
        session, gender, age = self._session, person.gender, age_class(person)
        return lambda: (people.count_refusal(session, gender, age), Refusal())[1]

    def collect(self) -> Person:
        sheet = self.sheet_combo.code() if self.record_combo.code() == "given" else ""
        base = self.person or Person(alias="")
        return Person(alias=self.alias_edit.text().strip(), gender=self.gender_combo.code(),
                      age_estimate=_number(self.age_edit), birth_year=_number(self.year_edit),
                      nationality=self.nationality_combo.code(), languages=self.languages.checked(),
                      phone=self.phone_edit.text().strip() if self.consent_check.isChecked() else "",
                      phone_consent=self.consent_check.isChecked(), reference=base.reference,
                      first_contact=base.first_contact, last_contact=base.last_contact, id=base.id,
                      key_worker=self.key_worker_combo.code() or None, record_consent=self.record_combo.code(),
                      consent_reason=self.reason_combo.code() if self.record_combo.code() == "not_asked" else "",
                      sheet_language=sheet, sheet_version=self._sheet_version(sheet) if sheet else "")

    def writer(self) -> Callable[[], Person | Refusal] | None:
        person, session = self.collect(), self._session
        if person.record_consent == "refused" and person.id is None:
            return self._refusal(person)
        found = problems(person)
        if self.nationality_combo.typed_unknown():
            found["nationality"] = _("Choose a country from the list.")
        if found:
            raise ValidationError(found)
        if person.id is not None:
            return lambda: people.update_person(session, person)
        key = (person.alias.casefold(), person.nationality, person.age_estimate, person.birth_year)
        if self._warned_for != key:
            similar = people.similar_people(self._session, person)
            if similar:
                self._warned_for = key
                self.warning.show_people(similar)
                self.warning.candidates.setFocus()
                return None
        return lambda: people.create_person(session, person)
