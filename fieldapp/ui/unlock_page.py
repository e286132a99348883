"""The lock screen: user name and passphrase. Shows the demo passphrase on a demo vault only.

A vault of an earlier version (one key for everything) is not opened: the page explains and offers
the one-time upgrade, which an administrator runs with the user name and passphrase typed here.

The unlock runs off the window's thread: the key derivation (argon2id, about half a second by design), the
integrity checks of every file and the scheduled retention run take about a second at full scale, and the
window keeps painting meanwhile.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fieldapp.errors import FieldappError, NeedsUpgrade
from fieldapp.i18n import _
from fieldapp.lifecycle import members
from fieldapp.security import vault
from fieldapp.security.session import Session
from fieldapp.ui.create_vault_dialog import RecoveryKeyDialog
from fieldapp.ui.forms import add_row
from fieldapp.ui.tasks import Task, pending

DIALOG_AFTER_MS = 3000       # the status line says "Unlocking ..."; a dialog only if it takes much longer


@dataclass
class Unlocked:
    """An unlocked session and what the scheduled retention run at this unlock deleted (people, visits)."""

    session: Session
    retention: tuple[int, int] | None = None


def open_vault(path: Path, user: str, passphrase: str) -> Unlocked:
    """Unlock, then the scheduled retention run (when it is due and this user may run it); the pages' code is
    imported meanwhile too, and the leaflets' fonts registered, so building and showing them costs the window
    little."""
    from fieldapp.leaflets.qt_fonts import register_fonts
    from fieldapp.ui.pages import import_pages

    unlocked = _retained(members.unlock(path, user, passphrase))
    try:
        import_pages()
    except BaseException:
        unlocked.session.close()
        raise
    with contextlib.suppress(FieldappError):     # a missing font is said where leaflets are made, not here
        register_fonts()
    return unlocked


def _retained(session: Session) -> Unlocked:
    """A failed retention run is a warning, never a lock-out (and never a session left open in a thread)."""
    from fieldapp.lifecycle import retention

    try:
        plan = retention.run_if_due(session)
    except FieldappError as error:
        session.warnings.append(error.message)
        return Unlocked(session)
    except Exception:  # noqa: BLE001 - a hostile setting or file: the vault opens, the admin is told
        session.warnings.append(_("The scheduled retention run could not be finished. The vault is open; "
                                  "run it from Settings, or ask for help."))
        return Unlocked(session)
    return Unlocked(session, (len(plan.people), len(plan.visits)) if plan is not None and not plan.empty else None)


class UnlockPage(QWidget):
    unlocked = Signal(object)          # Unlocked
    create_requested = Signal()

    def __init__(self, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._path = path
        self.task: Task | None = None
        self.recovery_key_dialog: RecoveryKeyDialog | None = None
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
        self._build_messages()
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
        for widget in (self.unlock_button, self.status_label, self.error_label, self._build_upgrade_offer(),
                       self.create_button,
                       self.recovery_button):
            inner.addWidget(widget)
        # Centred by stretches, not by an alignment flag: an aligned item gets its size hint only, so
        # wrapped text (the upgrade offer, a long error) would be cut off instead of growing the box.
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(box, 4)
        row.addStretch(1)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)

    def _build_messages(self) -> None:
        self.error_label = QLabel(objectName="unlockError", wordWrap=True)
        self.error_label.setStyleSheet("color: #b00020;")
        self.status_label = QLabel(objectName="unlockStatus")      # progress, in the normal colour
        # Room kept from the start (two lines for an error, one for progress): a message never pushes the
        # fields around.
        line = self.error_label.fontMetrics().lineSpacing()
        self.error_label.setMinimumHeight(2 * line)
        self.status_label.setMinimumHeight(line)

    def _build_upgrade_offer(self) -> QWidget:
        self.upgrade_box = QWidget(objectName="upgradeOffer")
        self.upgrade_text = QLabel(objectName="upgradeText")
        self.upgrade_text.setWordWrap(True)
        self.upgrade_button = QPushButton(objectName="upgradeButton")
        self.upgrade_cancel_button = QPushButton(objectName="upgradeCancelButton")
        for button in (self.upgrade_button, self.upgrade_cancel_button):
            button.setAutoDefault(True)        # Enter presses the focused one
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.upgrade_cancel_button)
        buttons.addWidget(self.upgrade_button)
        layout = QVBoxLayout(self.upgrade_box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.upgrade_text)
        layout.addLayout(buttons)
        self.upgrade_box.hide()
        return self.upgrade_box

    def _connect(self) -> None:
        self.unlock_button.clicked.connect(self.try_unlock)
        self.passphrase_edit.returnPressed.connect(self.try_unlock)
        self.user_edit.returnPressed.connect(self.passphrase_edit.setFocus)
        self.create_button.clicked.connect(self.create_requested)
        self.recovery_button.clicked.connect(self.start_recovery)
        self.upgrade_button.clicked.connect(self.start_upgrade)
        self.upgrade_cancel_button.clicked.connect(self.cancel_upgrade)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self.upgrade_box, self.cancel_upgrade,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)

    def retranslate(self) -> None:
        self.title.setText(_("<h2>fieldapp is locked</h2>"))
        self.user_label.setText(_("&User name"))
        self.passphrase_label.setText(_("&Passphrase"))
        self.unlock_button.setText(_("&Unlock"))
        self.create_button.setText(_("Create a new vault ..."))
        self.recovery_button.setText(_("Forgot your passphrase? Use the recovery key ..."))
        self.upgrade_text.setText(_(
            "<b>This vault was made by an earlier version of fieldapp.</b> An administrator upgrades it "
            "once, here, with their own user name and passphrase; after that everyone unlocks as before. "
            "A verified copy of the vault as it is now is written beside it first, and destroyed once every "
            "record is in its new place. At the end a NEW recovery "
            "key is shown: write it down, because the recovery key printed before stops working."))
        self.upgrade_button.setText(_("&Upgrade now"))
        self.upgrade_cancel_button.setText(_("Cancel"))
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
        self.upgrade_box.hide()
        self.passphrase_edit.clear()
        self.error_label.clear()
        self.refresh_state()
        (self.passphrase_edit if self.user_edit.text() else self.user_edit).setFocus()

    def busy(self) -> bool:
        """An unlock or an upgrade is running."""
        return self.task is not None and self.task in pending()

    def try_unlock(self) -> None:
        user, passphrase = self.user_edit.text().strip(), self.passphrase_edit.text()
        if self.busy():
            return
        if not user or not passphrase:
            self.error_label.setText(_("Type your user name and passphrase."))
            return
        self.error_label.clear()
        self.status_label.setText(_("Unlocking ..."))
        self._set_typing(False)
        path = self._path
        self.task = Task(self, _("Unlocking ..."), lambda _progress: open_vault(path, user, passphrase),
                         quiet_ms=DIALOG_AFTER_MS, failure=NeedsUpgrade)
        self.task.finished_ok.connect(self._unlock_done)
        self.task.finished_error.connect(self._unlock_failed)
        self.task.failed_with.connect(lambda _error: self._offer_upgrade())
        self.task.start()

    def cancel(self) -> None:
        """The window closes, the app quits or the screen locks: an unlock still running ends in a closed
        session, never in an open workspace."""
        if self.task is not None:
            self.task.cancel()

    def _set_typing(self, enabled: bool) -> None:
        for widget in (self.user_edit, self.passphrase_edit, self.recovery_button):
            widget.setEnabled(enabled)
        self.unlock_button.setEnabled(enabled and vault.vault_exists(self._path))
        if enabled:
            self.status_label.clear()

    def _unlock_failed(self, message: str) -> None:
        self._set_typing(True)
        self.error_label.setText(message)
        self.passphrase_edit.selectAll()
        self.passphrase_edit.setFocus()

    def _unlock_done(self, result: Unlocked) -> None:
        self._set_typing(True)
        if self.task is not None and self.task.token.cancelled:     # the window closed meanwhile
            result.session.close()
            return
        self.passphrase_edit.clear()
        self.error_label.clear()
        self.unlocked.emit(result)

    # -- the one-time upgrade of an earlier version's vault ------------------------------------
    def _offer_upgrade(self) -> None:
        self._set_typing(True)
        self.error_label.clear()
        self.upgrade_box.show()
        self.upgrade_button.setEnabled(True)
        self.upgrade_button.setFocus()

    def cancel_upgrade(self) -> None:
        self.upgrade_box.hide()
        self.passphrase_edit.setFocus()

    def start_upgrade(self) -> None:
        """Upgrade off the GUI thread (a verified copy is written first), then show the new key."""
        user, passphrase = self.user_edit.text().strip(), self.passphrase_edit.text()
        if not user or not passphrase:
            self.error_label.setText(_("Type your user name and passphrase."))
            return
        self.upgrade_button.setEnabled(False)
        self.error_label.setText(_("Upgrading the vault ..."))
        path = self._path
        self.task = Task(self, _("Upgrading the vault and keeping a verified copy ..."),
                         lambda _progress: _upgraded_and_retained(path, user, passphrase))
        self.task.finished_ok.connect(self._upgraded)
        self.task.finished_error.connect(self._upgrade_failed)
        self.task.start()

    def _upgrade_failed(self, message: str) -> None:
        self.upgrade_box.hide()
        self.error_label.setText(message)
        self.passphrase_edit.selectAll()
        self.passphrase_edit.setFocus()

    def _upgraded(self, result: tuple[Unlocked, str]) -> None:
        unlocked, recovery_key = result
        self.upgrade_box.hide()
        self.passphrase_edit.clear()
        self.error_label.clear()
        self.recovery_key_dialog = RecoveryKeyDialog(recovery_key, self)
        self.recovery_key_dialog.accepted.connect(lambda: self._key_acknowledged(unlocked))
        self.recovery_key_dialog.open()

    def _key_acknowledged(self, unlocked: Unlocked) -> None:
        dialog, self.recovery_key_dialog = self.recovery_key_dialog, None
        if dialog is not None:
            dialog.deleteLater()           # the key is not kept in a hidden widget
        vault.confirm_recovery_key(unlocked.session)
        if self.task is not None and self.task.token.cancelled:     # the screen locked meanwhile
            unlocked.session.close()
            return
        self.unlocked.emit(unlocked)


def _upgraded_and_retained(path: Path, user: str, passphrase: str) -> tuple[Unlocked, str]:
    session, recovery_key = vault.upgrade(path, user, passphrase)
    return _retained(session), recovery_key
