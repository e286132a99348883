"""The venue form: name, kind, municipality, region, open or closed, a short note."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QWidget

from fieldapp.domain.fields import VenueFields
from fieldapp.domain.records import Venue
from fieldapp.i18n import _
from fieldapp.records import venues
from fieldapp.security.session import Session
from fieldapp.ui.record_form import RecordForm


class VenueForm(RecordForm):
    """A new venue (``venue`` None; ``name`` pre-fills the name) or changes to one."""

    def __init__(self, session: Session, venue: Venue | None = None, name: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(session, parent)
        self.venue = venue
        self.name_edit = self.add(VenueFields.name, objectName="venueName")
        self.kind_combo = self.add(VenueFields.kind, objectName="venueKind")
        self.municipality_edit = self.add(VenueFields.municipality, objectName="venueMunicipality")
        self.region_combo = self.add(VenueFields.region, blank=lambda: _("Not set"), objectName="venueRegion")
        self.open_check = self.add(VenueFields.is_open, objectName="venueOpen")
        self.notes_edit = self.add(VenueFields.notes, objectName="venueNotes")
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

    def collect(self) -> Venue:
        return Venue(name=self.name_edit.text().strip(), kind=self.kind_combo.code(),
                     municipality=self.municipality_edit.text().strip(), region=self.region_combo.code(),
                     is_open=self.open_check.isChecked(), notes=self.notes_edit.text().strip(),
                     id=self.venue.id if self.venue else None)

    def writer(self) -> Callable[[], Venue]:
        venue, session = self.collect(), self._session
        if venue.id is None:
            return lambda: venues.create_venue(session, venue)
        return lambda: venues.update_venue(session, venue)
