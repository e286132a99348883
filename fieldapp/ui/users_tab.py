"""Administration of users: add (with their own passphrase), change role, deactivate."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from fieldapp.domain.codes import ROLES
from fieldapp.errors import FieldappError
from fieldapp.i18n import _
from fieldapp.lifecycle import members
from fieldapp.security import users, vault
from fieldapp.security.session import Session
from fieldapp.ui.create_vault_dialog import RecoveryKeyDialog
from fieldapp.ui.forms import add_row
from fieldapp.ui.table_model import Column, LazyTableModel
from fieldapp.ui.tasks import Task


class UsersTab(QWidget):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.task: Task | None = None
        self._build()
        self._connect()
        self.retranslate()
        self.reload()

    def _build(self) -> None:
        self.model = LazyTableModel([
            Column(lambda: _("Name"), lambda u: u.name),
            Column(lambda: _("Role"), lambda u: _(ROLES.get(u.role, u.role))),
            Column(lambda: _("Status"), lambda u: _("active") if u.active else _("deactivated")),
        ], lambda offset, limit: [])
        self.table = QTableView(objectName="usersTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.name_edit = QLineEdit(objectName="newUserName")
        self.role_combo = QComboBox(objectName="newUserRole")
        for code in ROLES:
            self.role_combo.addItem(code, code)
        self.pass_edit = QLineEdit(objectName="newUserPass")
        self.repeat_edit = QLineEdit(objectName="newUserRepeat")
        self.admin_edit = QLineEdit(objectName="adminPass")
        for edit in (self.pass_edit, self.repeat_edit, self.admin_edit):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.form = QFormLayout()
        self.labels = [add_row(self.form, w) for w in (self.name_edit, self.role_combo, self.pass_edit,
                                                      self.repeat_edit, self.admin_edit)]
        self.add_button = QPushButton(objectName="addUserButton")
        self.deactivate_button = QPushButton(objectName="deactivateButton")
        self.set_role_button = QPushButton(objectName="setRoleButton")
        self.recovery_button = QPushButton(objectName="newRecoveryKeyButton")
        self.recovery_dialog: RecoveryKeyDialog | None = None
        self.message = QLabel(objectName="usersMessage")
        self.message.setWordWrap(True)
        buttons = QHBoxLayout()
        for button in (self.add_button, self.set_role_button, self.deactivate_button, self.recovery_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(self.form)
        layout.addLayout(buttons)
        layout.addWidget(self.message)

    def _connect(self) -> None:
        self.add_button.clicked.connect(self.add_user)
        self.recovery_button.clicked.connect(self.new_recovery_key)
        self.deactivate_button.clicked.connect(self.deactivate_selected)
        self.set_role_button.clicked.connect(self.set_role_of_selected)

    def retranslate(self) -> None:
        texts = (_("&Name"), _("R&ole"), _("Pass&phrase"), _("&Repeat passphrase"), _("&Your passphrase"))
        for label, text in zip(self.labels, texts, strict=True):
            label.setText(text)
        for i in range(self.role_combo.count()):
            self.role_combo.setItemText(i, _(ROLES[self.role_combo.itemData(i)]))
        self.add_button.setText(_("&Add user"))
        self.deactivate_button.setText(_("&Deactivate selected"))
        self.recovery_button.setText(_("New &recovery key ..."))
        self.recovery_button.setToolTip(_("Type your own passphrase below first. The recovery key printed "
                                          "before stops working."))
        self.set_role_button.setText(_("Give selected the role"))
        self.model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, 2)

    def reload(self) -> None:
        everyone = users.list_all(self._session)
        self.model.reload(lambda offset, limit: everyone[offset:offset + limit])

    def _selected(self):
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def _run(self, action, done_text: str) -> None:
        try:
            action()
        except FieldappError as error:
            self.message.setText(error.message)
            return
        self.message.setText(done_text)
        self.reload()

    def add_user(self) -> None:
        if self.pass_edit.text() != self.repeat_edit.text():
            self.message.setText(_("The two passphrases are not the same."))
            return
        name = self.name_edit.text()
        self._run(lambda: users.add(self._session, name, self.role_combo.currentData(), self.pass_edit.text(),
                                    self.admin_edit.text()), _("User added."))
        for edit in (self.pass_edit, self.repeat_edit, self.admin_edit):
            edit.clear()

    def new_recovery_key(self) -> None:
        """A new recovery key with the admin's passphrase from the form; shown until acknowledged."""
        passphrase = self.admin_edit.text()
        self.admin_edit.clear()
        if not passphrase:
            self.message.setText(_("Type your own passphrase first."))
            self.admin_edit.setFocus()
            return
        try:
            recovery_key = vault.new_recovery_key(self._session, passphrase)
        except FieldappError as error:
            self.message.setText(error.message)
            return
        self.recovery_dialog = RecoveryKeyDialog(recovery_key, self)
        self.recovery_dialog.accepted.connect(self._recovery_key_stored)
        self.recovery_dialog.open()

    def _recovery_key_stored(self) -> None:
        dialog, self.recovery_dialog = self.recovery_dialog, None
        if dialog is not None:
            dialog.deleteLater()           # the key is not kept in a hidden widget
        vault.confirm_recovery_key(self._session)
        self.message.setText(_("New recovery key made. The one printed before no longer works: destroy it."))

    def deactivate_selected(self) -> Task | None:
        """Asks first; then rotates the person's keys off the GUI thread (every file is re-encrypted)."""
        user = self._selected()
        if user is None or not self._confirm_deactivate(user.name):
            return None
        session = self._session
        # On the window's own connection (the modal dialog keeps everything else off it): the re-encryption
        # changes the keys of that connection and of the session itself.
        self.task = Task(self, _("Deactivating the user and re-encrypting the vault ..."),
                         lambda _progress: members.deactivate(session, user.id), interrupt=session.conn.interrupt)
        self.task.finished_ok.connect(self._deactivated)
        self.task.finished_error.connect(self.message.setText)
        self.task.start()
        return self.task

    def _confirm_deactivate(self, name: str) -> bool:
        answer = QMessageBox.question(
            self, _("Deactivate user"),
            _("Deactivate {name}? They can no longer unlock this vault.\n\n"
              "Every key {name} held is rotated and all the vault's files are re-encrypted with new keys. "
              "This may take a moment.\n\n"
              "Backups made before today can still be opened with {name}'s old passphrase: destroy them, "
              "or keep them somewhere safe that {name} cannot reach.").format(name=name),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel)
        return answer == QMessageBox.StandardButton.Yes

    def _deactivated(self, statement=None) -> None:
        text = _("User deactivated.")
        if statement is not None:
            text += " " + _("The organisation's referral signing key was replaced. Send this statement to CMM "
                            "and confirm the new key's fingerprint with them by phone: {path}").format(path=statement)
        self.message.setText(text)
        self.reload()

    def set_role_of_selected(self) -> None:
        user = self._selected()
        if user is not None:
            self._run(lambda: users.set_role(self._session, user.id, self.role_combo.currentData()),
                      _("Role changed."))

    def clear(self) -> None:
        self.model.clear()
        for edit in (self.pass_edit, self.repeat_edit, self.admin_edit, self.name_edit):
            edit.clear()
