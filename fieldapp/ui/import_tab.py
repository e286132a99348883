"""Settings, Import (administrators and coordinators): bringing old records from spreadsheets."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget
from shiboken6 import isValid

from fieldapp.i18n import _
from fieldapp.security.session import Session


class ImportTab(QWidget):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.wizard = None
        self.about = QLabel(objectName="importAbout")
        self.about.setWordWrap(True)
        self.start = QPushButton(objectName="importStart")
        self.start.clicked.connect(self.open_wizard)
        self.start.setEnabled(not session.read_only)
        layout = QVBoxLayout(self)
        layout.addWidget(self.about)
        layout.addWidget(self.start)
        layout.addStretch(1)
        self.retranslate()

    def retranslate(self) -> None:
        self.about.setText(_(
            "Bring the records of earlier years from a spreadsheet (.xlsx, or .csv as Excel saves it): contacts "
            "with people, or visits to venues. A dry run reports on every row first; then everything is imported "
            "or nothing. Imported people are marked as historic records, so the next worker who meets them asks "
            "for their consent. Rows past the retention period are not kept as people."))
        self.start.setText(_("&Import from a spreadsheet ..."))

    def open_wizard(self):
        from fieldapp.ui.import_wizard import ImportWizard

        wizard = ImportWizard(self._session, self)
        # Closed, the wizard goes: it holds the whole spreadsheet and the dry run's plan in memory.
        wizard.finished.connect(lambda _result, wizard=wizard: self._closed(wizard))
        self.wizard = wizard
        wizard.open()
        return wizard

    def _closed(self, wizard) -> None:
        if self.wizard is wizard:
            self.wizard = None
        wizard.deleteLater()

    def clear(self) -> None:
        if self.wizard is not None and isValid(self.wizard):
            self.wizard.reject()
        self.wizard = None
