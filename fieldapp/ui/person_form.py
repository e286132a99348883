"""The person form: alias, gender, age estimate or year of birth, nationality, languages, and a
phone number only once the person's consent is ticked. A new person who looks like someone
already recorded gets a warning with the choice to open that one instead."""

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

from fieldapp.domain.fields import PersonFields
from fieldapp.domain.records import Person
from fieldapp.domain.validation import problems
from fieldapp.errors import ValidationError
from fieldapp.i18n import _
from fieldapp.records import people
from fieldapp.security.session import Session
from fieldapp.ui.code_picker import CODE, CodeChecks, SearchCombo, language_labels, nationality_labels
from fieldapp.ui.record_form import ERROR_STYLE, RecordForm


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

    def retranslate(self) -> None:
        super().retranslate()
        self.heading.setText(_("<h3>Person</h3><p>An alias, never the real name.</p>"))
        self.age_edit.setPlaceholderText(_("years"))

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

    def collect(self) -> Person:
        base = self.person or Person(alias="")
        return Person(alias=self.alias_edit.text().strip(), gender=self.gender_combo.code(),
                      age_estimate=_number(self.age_edit), birth_year=_number(self.year_edit),
                      nationality=self.nationality_combo.code(), languages=self.languages.checked(),
                      phone=self.phone_edit.text().strip() if self.consent_check.isChecked() else "",
                      phone_consent=self.consent_check.isChecked(), reference=base.reference,
                      first_contact=base.first_contact, last_contact=base.last_contact, id=base.id)

    def writer(self) -> Callable[[], Person] | None:
        person, session = self.collect(), self._session
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
