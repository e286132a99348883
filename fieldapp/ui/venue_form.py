"""The venue form: name, kind, municipality, region, open or closed, a short note."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QLineEdit, QWidget

from fieldapp.domain.codes import REGIONS, VENUE_KINDS
from fieldapp.domain.records import Venue
from fieldapp.i18n import _
from fieldapp.records import venues
from fieldapp.security.session import Session
from fieldapp.ui.code_picker import CodeCombo
from fieldapp.ui.record_form import RecordForm


class VenueForm(RecordForm):
    """A new venue (``venue`` None; ``name`` pre-fills the name) or changes to one."""

    def __init__(self, session: Session, venue: Venue | None = None, name: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(session, parent)
        self.venue = venue
        self.name_edit = QLineEdit(objectName="venueName")
        self.name_edit.setMaxLength(80)
        self.kind_combo = CodeCombo(VENUE_KINDS, objectName="venueKind")
        self.municipality_edit = QLineEdit(objectName="venueMunicipality")
        self.region_combo = CodeCombo(REGIONS, lambda: _("Not set"), objectName="venueRegion")
        self.open_check = QCheckBox(objectName="venueOpen")
        self.notes_edit = QLineEdit(objectName="venueNotes")
        self.labels = [self.field(name, widget) for name, widget in (
            ("name", self.name_edit), ("kind", self.kind_combo), ("municipality", self.municipality_edit),
            ("region", self.region_combo), ("is_open", self.open_check), ("notes", self.notes_edit))]
        self.load(venue or Venue(name=name, kind="massage_clinic"))
        self.finish()

    def load(self, venue: Venue) -> None:
        self.name_edit.setText(venue.name)
        self.kind_combo.set_code(venue.kind)
        self.municipality_edit.setText(venue.municipality)
        self.region_combo.set_code(venue.region)
        self.open_check.setChecked(venue.is_open)
        self.notes_edit.setText(venue.notes)

    def retranslate(self) -> None:
        super().retranslate()
        self.heading.setText(_("<h3>Venue</h3>"))
        texts = (_("&Name"), _("&Kind"), _("&Municipality"), _("&Region"), _("Status"), _("N&otes"))
        for label, text in zip(self.labels, texts, strict=True):
            label.setText(text)
        self.open_check.setText(_("O&pen (visits still happen)"))
        self.kind_combo.retranslate()
        self.region_combo.retranslate()

    def collect(self) -> Venue:
        return Venue(name=self.name_edit.text().strip(), kind=self.kind_combo.code(),
                     municipality=self.municipality_edit.text().strip(), region=self.region_combo.code(),
                     is_open=self.open_check.isChecked(), notes=self.notes_edit.text().strip(),
                     id=self.venue.id if self.venue else None)

    def store(self) -> Venue:
        venue = self.collect()
        if venue.id is None:
            return venues.create_venue(self._session, venue)
        return venues.update_venue(self._session, venue)
