"""The lock screen: user name and passphrase. Shows the demo passphrase on a demo vault only."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fieldapp.errors import FieldappError
from fieldapp.i18n import _
from fieldapp.security import vault
from fieldapp.security.session import Session
from fieldapp.ui.forms import add_row


class UnlockPage(QWidget):
    unlocked = Signal(object)          # Session
    create_requested = Signal()

    def __init__(self, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._path = path
        self._build()
        self._connect()
        self.retranslate()

    def _build(self) -> None:
        self.title = QLabel()
        self.title.setObjectName("unlockTitle")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.user_edit = QLineEdit()
        self.user_edit.setObjectName("userEdit")
        self.passphrase_edit = QLineEdit()
        self.passphrase_edit.setObjectName("passphraseEdit")
        self.passphrase_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.unlock_button = QPushButton()
        self.unlock_button.setObjectName("unlockButton")
        self.unlock_button.setDefault(True)
        self.error_label = QLabel()
        self.error_label.setObjectName("unlockError")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b00020;")
        self.demo_label = QLabel()
        self.demo_label.setObjectName("demoHint")
        self.demo_label.setWordWrap(True)
        self.create_button = QPushButton()
        self.create_button.setObjectName("createButton")
        self.recovery_button = QPushButton(objectName="forgotButton")
        self.recovery_button.setFlat(True)
        self._form = QFormLayout()
        self.user_label = add_row(self._form, self.user_edit)
        self.passphrase_label = add_row(self._form, self.passphrase_edit)
        box = QWidget()
        box.setMaximumWidth(460)
        inner = QVBoxLayout(box)
        for widget in (self.title, self.demo_label):
            inner.addWidget(widget)
        inner.addLayout(self._form)
        for widget in (self.unlock_button, self.error_label, self.create_button, self.recovery_button):
            inner.addWidget(widget)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(box, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(2)

    def _connect(self) -> None:
        self.unlock_button.clicked.connect(self.try_unlock)
        self.passphrase_edit.returnPressed.connect(self.try_unlock)
        self.user_edit.returnPressed.connect(self.passphrase_edit.setFocus)
        self.create_button.clicked.connect(self.create_requested)
        self.recovery_button.clicked.connect(self.start_recovery)

    def retranslate(self) -> None:
        self.title.setText(_("<h2>fieldapp is locked</h2>"))
        self.user_label.setText(_("&User name"))
        self.passphrase_label.setText(_("&Passphrase"))
        self.unlock_button.setText(_("&Unlock"))
        self.create_button.setText(_("Create a new vault ..."))
        self.recovery_button.setText(_("Forgot your passphrase? Use the recovery key ..."))
        self.refresh_state()

    def refresh_state(self) -> None:
        """Show what fits the vault on disk: the create button when there is none, the demo hint."""
        exists = vault.vault_exists(self._path)
        self.create_button.setVisible(not exists)
        self.recovery_button.setVisible(exists)
        self.unlock_button.setEnabled(exists)
        if vault.is_demo(self._path):
            from fieldapp.demo.vault import DEMO_PASSPHRASE, DEMO_USER

            self.demo_label.setText(_("This is a demo vault with synthetic data. User: {user}, passphrase: {pp}")
                                    .format(user=DEMO_USER, pp=DEMO_PASSPHRASE))
            self.demo_label.show()
            if not self.user_edit.text():
                self.user_edit.setText(DEMO_USER)
        else:
            self.demo_label.hide()
        if not exists:
            self.error_label.setText(_("No vault was found at this place. You can create a new one."))

    def start_recovery(self) -> None:
        from fieldapp.ui.recovery_dialog import RecoveryDialog

        self.recovery_dialog = RecoveryDialog(self._path, self)
        self.recovery_dialog.user_edit.setText(self.user_edit.text())
        self.recovery_dialog.accepted.connect(
            lambda: self.error_label.setText(_("The new passphrase is set. Unlock with it now.")))
        self.recovery_dialog.open()

    def reset(self) -> None:
        self.passphrase_edit.clear()
        self.error_label.clear()
        self.refresh_state()
        (self.passphrase_edit if self.user_edit.text() else self.user_edit).setFocus()

    def try_unlock(self) -> None:
        user, passphrase = self.user_edit.text().strip(), self.passphrase_edit.text()
        if not user or not passphrase:
            self.error_label.setText(_("Type your user name and passphrase."))
            return
        self.error_label.setText(_("Unlocking ..."))
        self.unlock_button.setEnabled(False)
        self.repaint()
        try:
            session: Session = vault.unlock(self._path, user, passphrase)
        except FieldappError as error:
            self.error_label.setText(error.message)
            self.passphrase_edit.selectAll()
            self.passphrase_edit.setFocus()
            return
        finally:
            self.unlock_button.setEnabled(vault.vault_exists(self._path))
        self.passphrase_edit.clear()
        self.error_label.clear()
        self.unlocked.emit(session)
