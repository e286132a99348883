"""Referrals to CMM: the outbox with each packet's status, new referrals, withdrawing consent, Sync."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from fieldapp.cancel import CancelToken
from fieldapp.domain.queries import PeopleFilter
from fieldapp.errors import FieldappError
from fieldapp.i18n import _
from fieldapp.records import people
from fieldapp.referral import service, sync
from fieldapp.security.session import Session
from fieldapp.ui import changes
from fieldapp.ui.code_picker import moment_text
from fieldapp.ui.referral_settings import ReferralSettings
from fieldapp.ui.table_model import Column, LazyTableModel
from fieldapp.ui.tasks import Task

PROBLEM_COLUMN = 7      # the column of delivery problems, which wraps


class ReferralsPage(QWidget):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.task: Task | None = None
        self.wizard = None
        self._build()
        self._connect()
        self.retranslate()
        self.reload()
        changes.on_change(session, self, ("referrals", "people"), self.reload)

    def _build(self) -> None:
        self.heading = QLabel()
        self.model = LazyTableModel([
            Column(lambda: _("Person"), lambda e: e.alias),
            Column(lambda: _("Made"), lambda e: moment_text(e.created_at)),
            Column(lambda: _("Status"), lambda e: e.status_label),
            Column(lambda: _("Urgent"), lambda e: _("Yes") if e.immediate_danger else ""),
            Column(lambda: _("Acknowledged by CMM"), lambda e: moment_text(e.acknowledged_at)),
            Column(lambda: _("CMM's answer"), lambda e: e.cmm_status),
            Column(lambda: _("Attempts"), lambda e: e.attempts or ""),
            Column(lambda: _("Problem"), lambda e: e.last_error),          # PROBLEM_COLUMN
            Column(lambda: _("Packet"), lambda e: e.packet_id[:8]),
        ], lambda offset, limit: [])
        self.table = QTableView(objectName="outboxTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)   # dates and headers whole
        header.setSectionResizeMode(PROBLEM_COLUMN, QHeaderView.ResizeMode.Stretch)   # the problem, if any, wraps
        self.person_combo = QComboBox(objectName="personCombo")
        self.person_combo.setEditable(True)
        self.person_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.person_combo.completer().setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.new_button = QPushButton(objectName="newReferral")
        self.withdraw_button = QPushButton(objectName="withdrawButton")
        self.outcome_button = QPushButton(objectName="recordOutcome")
        self.sync_button = QPushButton(objectName="syncButton")
        self.report = QLabel(objectName="syncReport")
        self.report.setWordWrap(True)
        self.settings = ReferralSettings(self._session)
        row = QHBoxLayout()
        row.addWidget(self.person_combo, 1)
        for button in (self.new_button, self.withdraw_button, self.outcome_button, self.sync_button):
            row.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.report)
        layout.addWidget(self.settings)

    def _connect(self) -> None:
        self.new_button.clicked.connect(self.start_referral)
        self.withdraw_button.clicked.connect(self.withdraw_selected)
        self.outcome_button.clicked.connect(self.record_outcome)
        self.sync_button.clicked.connect(self.start_sync)
        self.person_combo.lineEdit().textEdited.connect(self._search_people)

    def retranslate(self) -> None:
        self.heading.setText(_("<h2>Referrals to CMM</h2><p>Sealed so only CMM can read them; they wait here "
                               "until you sync.</p>"))
        self.person_combo.lineEdit().setPlaceholderText(_("Type an alias or reference to refer a person"))
        self.new_button.setText(_("&Refer to CMM ..."))
        self.withdraw_button.setText(_("Consent &withdrawn ..."))
        self.outcome_button.setText(_("CMM &answered by phone ..."))
        self.sync_button.setText(_("&Sync now"))
        self.settings.retranslate()
        self.model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, self.model.columnCount() - 1)

    def reload(self) -> None:
        entries = service.list_outbox(self._session)
        self.model.reload(lambda offset, limit: entries[offset:offset + limit])

    def _search_people(self, text: str) -> None:
        found = people.list_people(self._session, PeopleFilter(text=text.strip()), 0, 30) if text.strip() else []
        self.person_combo.blockSignals(True)
        self.person_combo.clear()
        for person in found:
            self.person_combo.addItem(f"{person.alias} ({person.reference})", person.id)
        self.person_combo.setEditText(text)
        self.person_combo.blockSignals(False)

    def start_referral(self, person_id: str | None = None) -> None:
        from fieldapp.ui.referral_wizard import ReferralWizard

        person_id = person_id or self.person_combo.currentData()
        if not person_id:
            self.report.setText(_("Choose the person first: type part of their alias."))
            return
        try:
            self.wizard = ReferralWizard(self._session, person_id, self)
        except FieldappError as error:
            self.report.setText(error.message)
            return
        self.wizard.finished.connect(lambda _code: changes.notify(self._session, "referrals"))
        self.wizard.open()

    def _selected(self):
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def record_outcome(self) -> None:
        """What CMM said by phone about the selected referral."""
        from fieldapp.ui.outcome_dialog import OutcomeDialog

        entry = self._selected()
        if entry is None:
            self.report.setText(_("Choose a referral in the list first."))
            return
        self.outcome = OutcomeDialog(self._session, entry.referral_id, self)
        self.outcome.accepted.connect(lambda: changes.notify(self._session, "referrals"))
        self.outcome.open()

    def withdraw_selected(self) -> None:
        entry = self._selected()
        if entry is None:
            return
        answer = QMessageBox.question(self, _("Consent withdrawn"), _(
            "Record that the person withdrew consent? A referral not yet sent will never be sent. One already "
            "sent is erased at CMM: a withdrawal notice goes with the next sync, and CMM's receipt confirms it."))
        if answer == QMessageBox.StandardButton.Yes:
            try:
                service.withdraw(self._session, entry.referral_id)
            except FieldappError as error:
                self.report.setText(error.message)
                return
            changes.notify(self._session, "referrals")

    def start_sync(self) -> Task:
        token = CancelToken()
        self.task = Task(self, _("Sending referrals ..."),
                         lambda progress: sync.sync(self._session, progress, cancel=token), token=token,
                         cancellable=True, session=self._session)
        self.task.finished_ok.connect(self._synced)
        self.task.finished_error.connect(self.report.setText)
        self.task.start()
        return self.task

    def _synced(self, report: sync.SyncReport) -> None:
        self.report.setText("\n".join(report.lines()) or _("Nothing to send."))
        changes.notify(self._session, "referrals")

    def clear(self) -> None:
        self.model.clear()
        self.person_combo.clear()
        self.report.clear()
        self.settings.clear()

