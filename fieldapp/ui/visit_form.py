"""The visit form, made for logging a routine visit in under a minute with the keyboard: the venue
first (type part of its name), the last hour as the time, the signed-in user in the team, then
Tab through people met, languages, materials, observations and a note; Enter or Ctrl+S saves."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget

from fieldapp.domain.fields import VisitFields
from fieldapp.domain.queries import VenueFilter
from fieldapp.domain.records import User, Venue, Visit
from fieldapp.errors import ValidationError
from fieldapp.i18n import _
from fieldapp.records import team, venues, visits
from fieldapp.security.session import Session
from fieldapp.ui.code_picker import CodeChecks, SearchCombo, language_labels
from fieldapp.ui.materials_form import MaterialsEditor
from fieldapp.ui.record_form import RecordForm
from fieldapp.ui.venue_form import VenueForm

MAX_VENUES = 5000


def team_members(session: Session) -> list[User]:
    """Who can be ticked as team: every active colleague."""
    return team.team_members(session)


class VisitForm(RecordForm):
    """A new visit (``visit`` None) or changes to one."""

    def __init__(self, session: Session, visit: Visit | None = None, parent: QWidget | None = None) -> None:
        super().__init__(session, parent)
        self.visit = visit
        self._build()
        self.load(visit or self._new_visit())
        self.finish(scroll=True)
        self.materials.changed.connect(self.mark_dirty)
        self.new_venue_button.clicked.connect(self.new_venue)
        self.languages.itemChanged.connect(self._language_checked)
        self.resize(720, 760)
        self.venue_combo.setFocus()

    def start_new(self) -> None:
        """Make a form built ahead ready for a new visit now: the last hour, the venues and team as they are."""
        self.venue_combo.retranslate()
        self.team.retranslate()
        self.load(self._new_visit())
        self.show_problems({})
        self.dirty = False
        self.venue_combo.setFocus()

    def _new_visit(self) -> Visit:
        now = datetime.now().astimezone()
        return Visit(venue_id=0, started_at=now - timedelta(hours=1), ended_at=now, team=(self._session.user.id,))

    def _build(self) -> None:
        self.venue_combo = SearchCombo(self._venue_labels, lambda: "", translate=False, objectName="visitVenue")
        self.new_venue_button = QPushButton(objectName="newVenueButton")
        venue_row = QWidget()
        row = QHBoxLayout(venue_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.venue_combo, 1)
        row.addWidget(self.new_venue_button)
        self.add(VisitFields.venue_id, venue_row, buddy=self.venue_combo)
        self._fields["venue_id"] = self.venue_combo
        self.start_edit = self.add(VisitFields.started_at, objectName="visitStart")
        self.end_edit = self.add(VisitFields.ended_at, objectName="visitEnd")
        self.team = self.add(VisitFields.team, CodeChecks(
            lambda: {u.id: u.name for u in team_members(self._session)}, translate=False, rows=3,
            objectName="visitTeam"))
        self.people_spin = self.add(VisitFields.people_met, spin=True, objectName="visitPeopleMet")
        self.languages = self.add(VisitFields.languages, CodeChecks(language_labels, translate=False, rows=4,
                                                                    objectName="visitLanguages"))
        self.interpreter_check = self.add(VisitFields.interpreter, objectName="visitInterpreter")
        self.materials = MaterialsEditor(objectName="visitMaterials")
        self.add(VisitFields.materials, self.materials, buddy=self.materials.kind_combo)
        self.observations = self.add(VisitFields.observations, rows=4, objectName="visitObservations")
        self.note_edit = self.add(VisitFields.note, objectName="visitNote")

    def _venue_labels(self) -> dict[str, str]:
        labels = venues.venue_names(self._session, VenueFilter(is_open=True), MAX_VENUES)
        if self.visit is not None and self.visit.venue_id not in labels:
            current = venues.get_venue(self._session, self.visit.venue_id)
            if current is not None:
                labels[current.id] = current.name
        return dict(sorted(labels.items(), key=lambda item: item[1].casefold()))

    def load(self, visit: Visit) -> None:
        self.venue_combo.set_code(visit.venue_id)
        if not visit.venue_id:
            self.venue_combo.setEditText("")
        self.start_edit.set_moment(visit.started_at)
        self.end_edit.set_moment(visit.ended_at or visit.started_at)
        self.team.set_checked(visit.team)
        self.people_spin.setValue(visit.people_met)
        self.languages.set_checked(visit.languages)
        self.interpreter_check.setChecked(visit.interpreter)
        self.materials.set_materials(visit.materials)
        self.observations.set_checked(visit.observations)
        self.note_edit.setText(visit.note)

    def retranslate(self) -> None:
        super().retranslate()
        self.heading.setText(_("<h3>Outreach visit</h3>"))
        self.new_venue_button.setText(_("New venue…"))
        self.materials.retranslate()

    def _language_checked(self, _item) -> None:
        """The first language used becomes the materials' language (saves a step)."""
        checked = self.languages.checked()
        if checked and not self.materials.materials():
            self.materials.language_combo.set_code(checked[0])

    def new_venue(self) -> None:
        typed = self.venue_combo.currentText().strip() if self.venue_combo.typed_unknown() else ""
        dialog = VenueForm(self._session, name=typed, parent=self)
        dialog.saved.connect(self._venue_added)
        dialog.open()
        self.venue_dialog = dialog

    def _venue_added(self, venue: Venue) -> None:
        self.venue_combo.retranslate()
        self.venue_combo.set_code(venue.id)
        self.mark_dirty()

    def collect(self) -> Visit:
        return Visit(venue_id=self.venue_combo.code() or 0, started_at=self.start_edit.moment(),
                     ended_at=self.end_edit.moment(), team=self.team.checked(), people_met=self.people_spin.value(),
                     languages=self.languages.checked(), interpreter=self.interpreter_check.isChecked(),
                     materials=self.materials.materials(), observations=self.observations.checked(),
                     note=self.note_edit.text().strip(), created_by=self.visit.created_by if self.visit else None,
                     id=self.visit.id if self.visit else None)

    def writer(self) -> Callable[[], Visit]:
        if self.venue_combo.typed_unknown():
            raise ValidationError({"venue_id": _("No venue has this name. Choose one, or add it with “New venue…”.")})
        visit, session = self.collect(), self._session
        if visit.id is None:
            return lambda: visits.create_visit(session, visit)
        return lambda: visits.update_visit(session, visit)
