"""What can be done for the person shown: refer them to CMM, give them their data, erase them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fieldapp.domain.records import Person
from fieldapp.errors import FieldappError
from fieldapp.i18n import _
from fieldapp.lifecycle import erasure, subject_export
from fieldapp.security.session import Session
from fieldapp.storage.atomic import write_atomic
from fieldapp.ui import changes, folders
from fieldapp.ui.forms import add_row


class SubjectExportDialog(QDialog):
    """Everything about one person to a folder: encrypted with a passphrase the worker tells them."""

    def __init__(self, session: Session, person: Person, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session, self._person = session, person
        self.folder_edit, self.pass_edit, self.repeat_edit = (QLineEdit(objectName=n) for n in
                                                              ("exportFolder", "exportPass", "exportRepeat"))
        for edit in (self.pass_edit, self.repeat_edit):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.browse = QPushButton(_("Choose ..."))
        self.browse.clicked.connect(self._choose)
        self.pdf_check = QCheckBox(_("Also save a printable PDF (not encrypted: print it, then delete it)"))
        self.message = QLabel(objectName="exportMessage")
        self.message.setWordWrap(True)
        self.save_button = QPushButton(_("&Export"), objectName="exportButton")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.export)
        form = QFormLayout()
        add_row(form, self.folder_edit).setText(_("&Folder"))
        form.addRow("", self.browse)
        add_row(form, self.pass_edit).setText(_("&Passphrase for the file"))
        add_row(form, self.repeat_edit).setText(_("&Repeat passphrase"))
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(_("The file holds everything we recorded about this person. Tell them the "
                                  "passphrase in person, never with the file.")))
        layout.addLayout(form)
        for widget in (self.pdf_check, self.message, self.save_button):
            layout.addWidget(widget)
        self.setWindowTitle(_("Give a person their data"))
        self.written: list[Path] = []

    def _choose(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, _("Choose a folder (for example a USB stick)"),
                                                  folders.last_folder())
        if folder:                      # not remembered: a folder for one person's data may bear their name
            self.folder_edit.setText(folder)

    def export(self) -> None:
        folder = Path(self.folder_edit.text().strip())
        if not self.folder_edit.text().strip() or not folder.is_dir():
            self.message.setText(_("Choose an existing folder."))
            return
        if self.pass_edit.text() != self.repeat_edit.text():
            self.message.setText(_("The two passphrases are not the same."))
            return
        try:
            self.written = [subject_export.export_person(self._session, self._person.id, folder,
                                                         self.pass_edit.text())]
            if self.pdf_check.isChecked():
                pdf = self.written[0].with_suffix(".pdf")
                write_atomic(pdf, subject_export.printable(self._session, self._person.id))
                self.written.append(pdf)
        except FieldappError as error:
            self.message.setText(error.message)
            return
        except OSError:
            self.message.setText(_("The folder could not be written. Check the drive and free space."))
            return
        self.accept()


class PersonActions(QWidget):
    """Buttons for the person in the panel; ``person()`` says who that is (or None)."""

    def __init__(self, session: Session, person: Callable[[], Person | None], on_erased: Callable[[], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session, self._person, self._on_erased = session, person, on_erased
        self.refer_button = QPushButton(objectName="referButton")
        self.export_button = QPushButton(objectName="subjectExportButton")
        self.erase_button = QPushButton(objectName="eraseButton")
        self.message = QLabel(objectName="personActionsMessage")
        self.message.setWordWrap(True)
        # The message below the buttons, across the whole width: a long one wraps instead of squeezing them.
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        for button in (self.refer_button, self.export_button, self.erase_button):
            row.addWidget(button)
        row.addStretch(1)
        column.addLayout(row)
        column.addWidget(self.message)
        self.refer_button.clicked.connect(self.refer)
        self.export_button.clicked.connect(self.export)
        self.erase_button.clicked.connect(self.erase)
        self.dialog: QDialog | None = None
        self.retranslate()

    def retranslate(self) -> None:
        self.refer_button.setText(_("Refer to &CMM ..."))
        self.export_button.setText(_("Give them their data ..."))
        self.erase_button.setText(_("Erase completely ..."))

    def refer(self) -> None:
        from fieldapp.ui.referral_wizard import ReferralWizard

        person = self._person()
        if person is None:
            return
        try:
            self.dialog = ReferralWizard(self._session, person.id, self)
        except FieldappError as error:
            self.message.setText(error.message)
            return
        self.dialog.accepted.connect(lambda: self.message.setText(_("The referral is queued: sync it from Referrals.")))
        self.dialog.finished.connect(lambda _code: changes.notify(self._session, "referrals"))
        self.dialog.open()

    def export(self) -> None:
        person = self._person()
        if person is not None:
            self.dialog = SubjectExportDialog(self._session, person, self)
            self.dialog.accepted.connect(lambda: self.message.setText(_("Exported.")))
            self.dialog.open()

    def erase(self) -> None:
        person = self._person()
        if person is None:
            return
        answer = QMessageBox.warning(self, _("Erase completely"), _(
            "Erase {alias} with every contact, health contact, legal session and referral? Nothing about them "
            "can be recovered afterwards.").format(alias=person.alias),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Cancel)
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            erasure.erase_person(self._session, person.id)
        except FieldappError as error:
            self.message.setText(error.message)
            return
        self.message.setText(_("Erased."))
        self._on_erased()
