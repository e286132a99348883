"""Forgotten passphrase: the printed recovery key gives a user a new passphrase."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QDialog, QFormLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from fieldapp.errors import FieldappError
from fieldapp.i18n import _
from fieldapp.security import vault
from fieldapp.security.passphrase import strength
from fieldapp.ui.forms import add_row


class RecoveryDialog(QDialog):
    def __init__(self, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._path = path
        self.user_edit = QLineEdit(objectName="recoveryUser")
        self.key_edit = QLineEdit(objectName="recoveryKeyEdit")
        self.pass_edit = QLineEdit(objectName="recoveryNewPass")
        self.repeat_edit = QLineEdit(objectName="recoveryRepeat")
        for edit in (self.pass_edit, self.repeat_edit):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout()
        self.labels = [add_row(form, w) for w in (self.user_edit, self.key_edit, self.pass_edit, self.repeat_edit)]
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.message = QLabel(objectName="recoveryMessage")
        self.message.setWordWrap(True)
        self.apply_button = QPushButton(objectName="recoveryApply")
        self.apply_button.setDefault(True)
        self.apply_button.clicked.connect(self.apply)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.apply_button)
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(_("Set a new passphrase with the recovery key"))
        self.intro.setText(_("Type the recovery key exactly as printed (spaces and dashes do not matter)."))
        texts = (_("&User name"), _("Recovery &key"), _("&New passphrase"), _("&Repeat passphrase"))
        for label, text in zip(self.labels, texts, strict=True):
            label.setText(text)
        self.apply_button.setText(_("Set new passphrase"))

    def apply(self) -> None:
        new = self.pass_edit.text()
        if new != self.repeat_edit.text():
            self.message.setText(_("The two passphrases are not the same."))
            return
        verdict = strength(new, (self.user_edit.text(),))
        if not verdict.acceptable:
            self.message.setText(_("The passphrase is too weak ({label}). {advice}").format(
                label=verdict.label, advice=verdict.advice))
            return
        try:
            vault.reset_with_recovery(self._path, self.key_edit.text(), self.user_edit.text().strip(), new)
        except FieldappError as error:
            self.message.setText(error.message)
            return
        self.accept()
