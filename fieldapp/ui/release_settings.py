"""Which periods the organisation releases figures for, and whether CMM gets exact figures (Settings →
Organisation; administrators only)."""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QGroupBox, QLabel, QPushButton, QWidget

from fieldapp.errors import FieldappError
from fieldapp.i18n import _
from fieldapp.reports import release
from fieldapp.security.session import Session
from fieldapp.ui import changes
from fieldapp.ui.forms import add_row


class ReleaseSettings(QGroupBox):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="releaseSettings")
        self._session = session
        self.grid_combo = QComboBox(objectName="releaseGrid")
        for code in release.GRIDS:
            self.grid_combo.addItem(code, code)
        self.grid_note = QLabel(objectName="releaseGridNote", wordWrap=True)
        self.grid_status = QLabel(objectName="releaseGridStatus", wordWrap=True)
        self.cmm_exact = QCheckBox(objectName="releaseCmmExact")
        self.cmm_note = QLabel(objectName="releaseCmmNote", wordWrap=True)
        self.save_button = QPushButton(objectName="saveRelease")
        self.message = QLabel(objectName="releaseMessage", wordWrap=True)
        form = QFormLayout(self)
        self.grid_label = add_row(form, self.grid_combo)
        form.addRow(self.grid_status)
        form.addRow(self.grid_note)
        form.addRow(self.cmm_exact)
        form.addRow(self.cmm_note)
        form.addRow(self.save_button)
        form.addRow(self.message)
        self.save_button.clicked.connect(self.save)
        allowed = session.can("settings") and not session.read_only
        for widget in (self.grid_combo, self.cmm_exact, self.save_button):
            widget.setEnabled(allowed)
        self.load()

    def load(self) -> None:
        settings = release.load(self._session)
        self.grid_combo.setCurrentIndex(max(self.grid_combo.findData(settings.grid), 0))
        self.cmm_exact.setChecked(settings.cmm_exact)
        self._show_status(settings)

    def _show_status(self, settings: release.ReleaseSettings) -> None:
        this_year = date.today().year
        now = release.grid_in(settings.history, this_year)
        text = _("Figures for {year} are released for: {grid}.").format(
            year=this_year, grid=_(release.GRID_LABELS[now]).lower())
        if settings.since > this_year:
            text += " " + _("From 1 January {year}: {grid}.").format(
                year=settings.since, grid=_(release.GRID_LABELS[settings.grid]).lower())
        self.grid_status.setText(text)

    def retranslate(self) -> None:
        self.setTitle(_("Released figures"))
        self.grid_label.setText(_("Release &figures for"))
        for index in range(self.grid_combo.count()):
            self.grid_combo.setItemText(index, _(release.GRID_LABELS[self.grid_combo.itemData(index)]))
        self.grid_note.setText(_(
            "Reports with small counts hidden (for funders, the public, and on screen) are made only for these "
            "periods, and a whole year as the sum of its parts. Two reports of overlapping periods could be "
            "subtracted to find a small count; on one grid they never overlap. A change applies from 1 January "
            "next year, so figures already released stay on their grid."))
        self._show_status(release.load(self._session))
        self.cmm_exact.setText(_("Send CMM e&xact figures"))
        self.cmm_note.setText(_(
            "CMM compiles the national statistics and needs exact counts. Keep this on only while your "
            "organisation has a data agreement with CMM; the figures are sealed so that only CMM can open them, "
            "for whole calendar months, quarters, half years or years. Switched off, CMM gets figures with small "
            "counts hidden, on the grid above."))
        self.save_button.setText(_("Save"))

    def save(self) -> None:
        wanted = release.ReleaseSettings(grid=self.grid_combo.currentData(), cmm_exact=self.cmm_exact.isChecked())
        try:
            saved = release.save(self._session, wanted)
        except FieldappError as error:
            self.message.setText(error.message)
            return
        self._show_status(saved)
        self.message.setText(_("Saved."))
        changes.notify(self._session, "organisation")

    def clear(self) -> None:
        self.message.clear()
