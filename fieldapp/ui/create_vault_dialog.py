"""First run: create a vault (passphrase twice, strength feedback), then show the recovery key once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from fieldapp.errors import FieldappError
from fieldapp.i18n import _
from fieldapp.security import vault
from fieldapp.security.passphrase import strength
from fieldapp.ui.forms import add_row


class CreateVaultDialog(QDialog):
    """After ``accepted``, ``session`` holds the open session of the new vault."""

    def __init__(self, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._path = path
        self.session = None
        self.setModal(True)
        self._build()
        self._connect()
        self.retranslate()

    def _build(self) -> None:
        self.stack = QStackedWidget()
        self.stack.addWidget(self._build_form())
        self.stack.addWidget(self._build_recovery())
        layout = QVBoxLayout(self)
        layout.addWidget(self.stack)
        self.resize(520, 360)

    def _build_form(self) -> QWidget:
        page = QWidget()
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.user_edit = QLineEdit(objectName="newUserEdit")
        self.pass_edit = QLineEdit(objectName="newPassEdit")
        self.repeat_edit = QLineEdit(objectName="repeatPassEdit")
        for edit in (self.pass_edit, self.repeat_edit):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.meter = QProgressBar(objectName="strengthMeter")
        self.meter.setRange(0, 4)
        self.meter.setTextVisible(True)
        self.advice = QLabel(objectName="strengthAdvice")
        self.advice.setWordWrap(True)
        self.error_label = QLabel(objectName="createError")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b00020;")
        self.create_button = QPushButton(objectName="createVaultButton")
        self.create_button.setDefault(True)
        self.form = QFormLayout()
        self.labels = [add_row(self.form, w) for w in (self.user_edit, self.pass_edit, self.repeat_edit, self.meter)]
        layout = QVBoxLayout(page)
        layout.addWidget(self.intro)
        layout.addLayout(self.form)
        for widget in (self.advice, self.error_label, self.create_button):
            layout.addWidget(widget)
        return page

    def _build_recovery(self) -> QWidget:
        self.recovery = RecoveryKeyPanel()
        # The names the flow and its tests use for the panel's parts.
        self.recovery_intro, self.recovery_label = self.recovery.intro, self.recovery.key_label
        self.stored_check, self.done_button = self.recovery.stored_check, self.recovery.done_button
        return self.recovery

    def _connect(self) -> None:
        self.pass_edit.textChanged.connect(self._update_strength)
        self.create_button.clicked.connect(self.create)
        self.repeat_edit.returnPressed.connect(self.create)
        self.recovery.acknowledged.connect(self.accept)

    def retranslate(self) -> None:
        self.setWindowTitle(_("Create a vault"))
        self.intro.setText(_("The vault keeps all records encrypted on this computer. Choose a passphrase "
                             "only you know: a few unrelated words are strong and easy to remember."))
        texts = (_("&Your name"), _("&Passphrase"), _("&Repeat passphrase"), _("Strength"))
        for label, text in zip(self.labels, texts, strict=True):
            label.setText(text)
        self.create_button.setText(_("&Create vault"))
        self.recovery.retranslate()
        self._update_strength(self.pass_edit.text())

    def _update_strength(self, text: str) -> None:
        verdict = strength(text, (self.user_edit.text(),))
        self.meter.setValue(verdict.score)
        self.meter.setFormat(verdict.label)
        self.advice.setText(verdict.advice)

    def create(self) -> None:
        name, passphrase = self.user_edit.text().strip(), self.pass_edit.text()
        problem = self._problem(name, passphrase)
        if problem:
            self.error_label.setText(problem)
            return
        self.error_label.setText(_("Creating the vault ..."))
        self.repaint()
        try:
            self.session, recovery_key = vault.create_vault(self._path, name, "admin", passphrase)
        except FieldappError as error:
            self.error_label.setText(error.message)
            return
        except OSError:
            self.error_label.setText(_("The vault could not be written here. Check the folder and free space."))
            return
        self.recovery.show_key(recovery_key)
        self.stack.setCurrentIndex(1)

    def _problem(self, name: str, passphrase: str) -> str:
        if not name:
            return _("Type your name.")
        if passphrase != self.repeat_edit.text():
            return _("The two passphrases are not the same.")
        verdict = strength(passphrase, (name,))
        if not verdict.acceptable:
            return _("The passphrase is too weak ({label}). {advice}").format(label=verdict.label,
                                                                             advice=verdict.advice)
        return ""

    def reject(self) -> None:
        # Once the vault exists the recovery key must be acknowledged, not escaped past.
        if self.stack.currentIndex() == 1:
            if self.stored_check.isChecked():
                self.accept()
            return
        super().reject()


class RecoveryKeyPanel(QWidget):
    """The recovery key, shown once, with a box to tick before ``acknowledged`` can be given."""

    acknowledged = Signal()

    def __init__(self, intro: Callable[[], str] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._intro_text = intro or _first_key_intro
        self.intro = QLabel(objectName="recoveryIntro")
        self.intro.setWordWrap(True)
        self.key_label = QLabel(objectName="recoveryKey")
        font = QFont("monospace")
        font.setPointSize(16)
        self.key_label.setFont(font)
        self.stored_check = QCheckBox(objectName="storedCheck")
        self.done_button = QPushButton(objectName="recoveryDoneButton")
        self.done_button.setEnabled(False)
        self.done_button.setAutoDefault(True)
        layout = QVBoxLayout(self)
        for widget in (self.intro, self.key_label, self.stored_check, self.done_button):
            layout.addWidget(widget)
        layout.addStretch(1)
        self.stored_check.toggled.connect(self.done_button.setEnabled)
        self.done_button.clicked.connect(self.acknowledged)
        self.retranslate()

    def retranslate(self) -> None:
        self.intro.setText(self._intro_text())
        self.stored_check.setText(_("I have written down or printed the recovery key"))
        self.done_button.setText(_("&Continue"))

    def show_key(self, recovery_key: str) -> None:
        self.key_label.setText(recovery_key)
        self.stored_check.setChecked(False)
        self.stored_check.setFocus()


def _first_key_intro() -> str:
    return _("This is the recovery key. It opens the vault if a passphrase is forgotten. It is shown only "
             "now: print it or write it down, and keep it in a locked place away from this laptop "
             "(for example the office safe). Never keep it in the laptop bag.")


def _new_key_intro() -> str:
    return _("This is the vault's NEW recovery key. The recovery key printed before no longer opens "
             "anything: destroy it. The new one is shown only now: print it or write it down, and keep it "
             "in a locked place away from this laptop (for example the office safe).")


class RecoveryKeyDialog(QDialog):
    """The new recovery key after an upgrade; it closes only once the key is acknowledged."""

    def __init__(self, recovery_key: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setModal(True)
        self.setWindowTitle(_("New recovery key"))
        self.panel = RecoveryKeyPanel(_new_key_intro)
        self.panel.show_key(recovery_key)
        self.panel.acknowledged.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(self.panel)
        self.resize(520, 320)

    def reject(self) -> None:
        # Escape or the close button must not skip past a key that is shown only once.
        if self.panel.stored_check.isChecked():
            self.accept()
