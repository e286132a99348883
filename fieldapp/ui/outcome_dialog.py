"""What CMM said by phone about a referral: recorded like one of CMM's replies, marked "(by phone)"."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QComboBox, QDateEdit, QDialog, QDialogButtonBox, QFormLayout, QLabel, QWidget

from fieldapp.domain.referral import ASSESSMENT_OUTCOMES, CONTACT_ROLES, REPLY_STATUSES
from fieldapp.errors import FieldappError, ValidationError
from fieldapp.i18n import _
from fieldapp.protocol.reply import Answer
from fieldapp.referral import service
from fieldapp.security.session import Session
from fieldapp.ui.forms import add_row


class OutcomeDialog(QDialog):
    def __init__(self, session: Session, referral_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session, self._referral_id = session, referral_id
        self.status = QComboBox(objectName="outcomeStatus")
        self.assessment = QComboBox(objectName="outcomeAssessment")
        self.role = QComboBox(objectName="outcomeRole")
        for combo, table in ((self.status, REPLY_STATUSES), (self.assessment, ASSESSMENT_OUTCOMES),
                             (self.role, CONTACT_ROLES)):
            for code, label in table.items():
                combo.addItem(_(label), code)
        today = QDate.currentDate()
        self.first = QDateEdit(today, objectName="outcomeFrom", calendarPopup=True)
        self.last = QDateEdit(today, objectName="outcomeTo", calendarPopup=True)
        for edit in (self.first, self.last):
            edit.setDisplayFormat("yyyy-MM-dd")      # one unambiguous order, as in the reports
        self.message = QLabel(objectName="outcomeMessage", wordWrap=True)
        self.message.setStyleSheet("color: #b00020;")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        form = QFormLayout(self)
        form.addRow(QLabel(_("What did CMM tell you by phone?"), wordWrap=True))
        self.labels = {widget: add_row(form, widget) for widget in (self.status, self.first, self.last,
                                                                     self.assessment, self.role)}
        for widget, text in ((self.status, _("&What happened")), (self.first, _("Interview &from")),
                             (self.last, _("Interview &to")), (self.assessment, _("&Outcome")),
                             (self.role, _("Contact &person"))):
            self.labels[widget].setText(text)
        form.addRow(self.message)
        form.addRow(buttons)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.status.currentIndexChanged.connect(self._show_fields)
        self.setWindowTitle(_("CMM's answer by phone"))
        self._show_fields()

    def _show_fields(self, *_args) -> None:
        status = self.status.currentData()
        interview = status == "interview_booked"
        for widget, shown in ((self.first, interview), (self.last, interview), (self.assessment, status == "assessed"),
                              (self.role, status == "contact_person_assigned")):
            widget.setVisible(shown)
            self.labels[widget].setVisible(shown)

    def answer(self) -> Answer:
        status = self.status.currentData()
        window: tuple[date, date] | None = None
        if status == "interview_booked":
            window = (self.first.date().toPython(), self.last.date().toPython())
        return Answer(status, window, self.assessment.currentData() if status == "assessed" else "",
                      self.role.currentData() if status == "contact_person_assigned" else "")

    def save(self) -> None:
        try:
            service.record_outcome(self._session, self._referral_id, self.answer())
        except ValidationError as error:
            self.message.setText("\n".join(error.problems.values()))
            return
        except FieldappError as error:
            self.message.setText(error.message)
            return
        self.accept()
