"""The audit trail for administrators: browse, filter by action, verify the chain."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QTableView, QVBoxLayout, QWidget

from fieldapp.i18n import _
from fieldapp.security import audit
from fieldapp.security.session import Session
from fieldapp.ui.table_model import Column, LazyTableModel


class AuditTab(QWidget):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.model = LazyTableModel([
            Column(lambda: _("When (UTC)"), lambda e: e.at[:19].replace("T", " ")),
            Column(lambda: _("User"), lambda e: e.user_id if e.user_id is not None else "-"),
            Column(lambda: _("Action"), lambda e: e.action),
            Column(lambda: _("Record"), lambda e: e.entity if e.entity_id is None else f"{e.entity} {e.entity_id}"),
        ], lambda offset, limit: [])
        self.table = QTableView(objectName="auditTable")
        self.table.setModel(self.model)
        self.filter_edit = QLineEdit(objectName="auditFilter")
        self.verify_button = QPushButton(objectName="verifyButton")
        self.result = QLabel(objectName="auditResult")
        self.result.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.filter_edit, 1)
        row.addWidget(self.verify_button)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.result)
        self.filter_edit.textChanged.connect(self.reload)
        self.verify_button.clicked.connect(self.verify)
        self.retranslate()
        self.reload()

    def retranslate(self) -> None:
        self.filter_edit.setPlaceholderText(_("Filter by action, e.g. unlock or user."))
        self.verify_button.setText(_("&Verify the chain"))
        self.model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, 3)

    def reload(self) -> None:
        action = self.filter_edit.text().strip()
        self.model.reload(lambda offset, limit: audit.events(self._session, offset, limit, action))

    def verify(self) -> None:
        self.result.setText(audit.verify(self._session).describe())

    def clear(self) -> None:
        self.model.clear()
        self.result.clear()
