"""Backup, retention and panic-wipe settings."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from fieldapp.errors import FieldappError
from fieldapp.i18n import _, ngettext
from fieldapp.lifecycle import backup, retention
from fieldapp.security import retention_policy, vault
from fieldapp.security.session import Session
from fieldapp.storage import settings_repo
from fieldapp.ui import folders
from fieldapp.ui.forms import add_row
from fieldapp.ui.tasks import Task


class DataTab(QWidget):
    wipe_requested = Signal()

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.task: Task | None = None
        layout = QVBoxLayout(self)
        for box in (self._build_backup(), self._build_retention(), self._build_wipe()):
            layout.addWidget(box)
        layout.addStretch(1)
        self.retranslate()
        self.load()

    def _build_backup(self) -> QGroupBox:
        self.backup_box = QGroupBox()
        self.backup_status = QLabel(objectName="backupStatus")
        self.backup_button = QPushButton(objectName="backupButton")
        self.backup_button.clicked.connect(self.choose_backup_folder)
        inner = QVBoxLayout(self.backup_box)
        inner.addWidget(self.backup_status)
        inner.addWidget(self.backup_button)
        return self.backup_box

    def _build_retention(self) -> QGroupBox:
        self.retention_box = QGroupBox()
        self.people_months = QSpinBox(objectName="peopleMonths")
        self.visit_months = QSpinBox(objectName="visitMonths")
        for spin in (self.people_months, self.visit_months):
            spin.setRange(1, 240)
        self.automatic = QCheckBox(objectName="retentionAutomatic")
        self.retention_form = QFormLayout(self.retention_box)
        self.retention_labels = [add_row(self.retention_form, w) for w in (self.people_months, self.visit_months)]
        self.retention_form.addRow(self.automatic)
        self.save_policy_button = QPushButton(objectName="savePolicy")
        self.preview_button = QPushButton(objectName="previewRetention")
        self.run_button = QPushButton(objectName="runRetention")
        self.retention_result = QLabel(objectName="retentionResult")
        self.retention_result.setWordWrap(True)
        for widget in (self.save_policy_button, self.preview_button, self.run_button, self.retention_result):
            self.retention_form.addRow(widget)
        self.save_policy_button.clicked.connect(self.save_policy)
        self.preview_button.clicked.connect(self.preview)
        self.run_button.clicked.connect(self.run_retention)
        return self.retention_box

    def _build_wipe(self) -> QGroupBox:
        self.wipe_box = QGroupBox()
        self.wipe_pass = QLineEdit(objectName="wipePass")
        self.wipe_pass.setEchoMode(QLineEdit.EchoMode.Password)
        self.wipe_after = QSpinBox(objectName="wipeAfter")
        self.wipe_after.setRange(0, 50)
        self.wipe_form = QFormLayout(self.wipe_box)
        self.wipe_labels = [add_row(self.wipe_form, w) for w in (self.wipe_pass, self.wipe_after)]
        self.save_wipe_button = QPushButton(objectName="saveWipe")
        self.panic_button = QPushButton(objectName="panicButton")
        self.panic_button.setStyleSheet("color: #b00020; font-weight: bold;")
        self.wipe_message = QLabel(objectName="wipeMessage")
        for widget in (self.save_wipe_button, self.panic_button, self.wipe_message):
            self.wipe_form.addRow(widget)
        self.save_wipe_button.clicked.connect(self.save_wipe_settings)
        self.panic_button.clicked.connect(self.confirm_panic_wipe)
        return self.wipe_box

    def retranslate(self) -> None:
        self.backup_box.setTitle(_("Backup"))
        self.backup_button.setText(_("&Back up now to a folder ..."))
        self.retention_box.setTitle(_("Retention"))
        for label, text in zip(self.retention_labels, (_("Delete people with no contact for (months)"),
                                                       _("Delete visit logs older than (months)")), strict=True):
            label.setText(text)
        self.automatic.setText(_("Run automatically once a day at unlock"))
        self.save_policy_button.setText(_("Save retention policy"))
        self.preview_button.setText(_("&Preview what would be deleted"))
        self.run_button.setText(_("Delete now ..."))
        self.wipe_box.setTitle(_("Emergency"))
        self.wipe_labels[0].setText(_("Wipe passphrase (typed at the lock screen, it erases the vault)"))
        self.wipe_labels[1].setText(_("Erase after this many wrong passphrases (0 = never)"))
        self.save_wipe_button.setText(_("Save emergency settings"))
        self.panic_button.setText(_("Erase this vault now ..."))
        self._show_backup_status()

    def load(self) -> None:
        policy = retention_policy.load_policy(self._session)
        self.people_months.setValue(policy.people_inactive_months)
        self.visit_months.setValue(policy.visits_months)
        self.automatic.setChecked(policy.automatic)
        admin = self._session.can("settings")
        for widget in (self.save_policy_button, self.run_button, self.save_wipe_button, self.panic_button):
            widget.setEnabled(admin and not self._session.read_only)

    def _show_backup_status(self) -> None:
        last = settings_repo.get(self._session.conn, backup.LAST_BACKUP_KEY)
        if last is None:
            text = _("No backup has been made yet.")
        else:
            days = (datetime.now(UTC) - datetime.fromisoformat(last)).days
            text = ngettext("Last backup: {count} day ago.", "Last backup: {count} days ago.", days).format(count=days)
        if backup.backup_overdue(self._session):
            text += " " + _("Please make a backup.")
        self.backup_status.setText(text)

    def choose_backup_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, _("Choose the backup folder (e.g. a USB stick)"),
                                                  folders.last_folder())
        if folder:
            folders.remember(folder)
            self.start_backup(Path(folder))

    def start_backup(self, folder: Path) -> Task:
        self.task = Task(self, _("Backing up ..."), lambda progress: backup.backup_to(self._session, folder, progress),
                         session=self._session, cancellable=True)
        self.task.finished_ok.connect(lambda result: self.backup_status.setText(
            _("Backup written and verified: {name}").format(name=result.path.name)))
        self.task.finished_error.connect(self.backup_status.setText)
        self.task.start()
        return self.task

    def _policy(self) -> retention_policy.RetentionPolicy:
        return retention_policy.RetentionPolicy(self.people_months.value(), self.visit_months.value(),
                                         self.automatic.isChecked())

    def save_policy(self) -> None:
        try:
            retention_policy.save_policy(self._session, self._policy())
        except FieldappError as error:
            self.retention_result.setText(error.message)
            return
        self.retention_result.setText(_("Retention policy saved."))

    def preview(self) -> None:
        plan = retention.preview(self._session)
        self.retention_result.setText(_("{people} people and {visits} visits would be deleted.").format(
            people=len(plan.people), visits=len(plan.visits)))

    def run_retention(self) -> None:
        plan = retention.preview(self._session)
        answer = QMessageBox.question(self, _("Delete records"), _(
            "Delete {people} people (with all their contacts) and {visits} visits for good? "
            "This cannot be undone.").format(people=len(plan.people), visits=len(plan.visits)))
        if answer != QMessageBox.StandardButton.Yes:
            return
        done = retention.run(self._session)
        self.retention_result.setText(_("{people} people and {visits} visits were deleted.").format(
            people=len(done.people), visits=len(done.visits)))

    def save_wipe_settings(self) -> Task:
        """Checked against every slot off the GUI thread (one key derivation per user)."""
        text = self.wipe_pass.text()
        self.wipe_pass.clear()
        after = self.wipe_after.value()
        self.task = Task(self, _("Checking the wipe passphrase ..."),
                         lambda _progress: vault.set_wipe_passphrase(self._session, text or None, after))
        self.task.finished_ok.connect(lambda _result: self.wipe_message.setText(_("Emergency settings saved.")))
        self.task.finished_error.connect(self.wipe_message.setText)
        self.task.start()
        return self.task

    def confirm_panic_wipe(self) -> None:
        answer = QMessageBox.warning(
            self, _("Erase this vault"),
            _("Erase the vault and its keys now? Nothing can be recovered afterwards, not with any "
              "passphrase and not with the recovery key. Backups elsewhere are not touched."),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Cancel)
        if answer == QMessageBox.StandardButton.Yes:
            self.wipe_requested.emit()

    def clear(self) -> None:
        self.wipe_pass.clear()
        self.retention_result.clear()
