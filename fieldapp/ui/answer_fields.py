"""CMM's answer about a referral as form rows: what happened, and what that takes (an interview's first and last
day, an assessment's outcome, a contact person's role), the other rows hidden. CMM's desk writes one with it; the
organisation records one heard by phone with it."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QComboBox, QDateEdit, QFormLayout, QLabel

from fieldapp.domain.referral import ASSESSMENT_OUTCOMES, CONTACT_ROLES, REPLY_STATUSES
from fieldapp.i18n import _
from fieldapp.protocol.reply import Answer
from fieldapp.ui.forms import add_row

INTERVIEW_DAYS = 2        # the window first offered: today and the two days after


class AnswerFields:
    """The rows, added to ``form``; ``retranslate`` says them (and the choices) in the interface language."""

    def __init__(self, form: QFormLayout, prefix: str) -> None:
        self.status = QComboBox(objectName=f"{prefix}Status")
        self.assessment = QComboBox(objectName=f"{prefix}Assessment")
        self.role = QComboBox(objectName=f"{prefix}Role")
        today = QDate.currentDate()
        self.first = QDateEdit(today, objectName=f"{prefix}From", calendarPopup=True)
        self.last = QDateEdit(today.addDays(INTERVIEW_DAYS), objectName=f"{prefix}To", calendarPopup=True)
        for edit in (self.first, self.last):
            edit.setDisplayFormat("yyyy-MM-dd")      # one unambiguous order, as in the reports
        self.labels: dict = {widget: add_row(form, widget) for widget in self.widgets()}
        self.status.currentIndexChanged.connect(self._show_fields)

    def widgets(self) -> tuple:
        return self.status, self.first, self.last, self.assessment, self.role

    def retranslate(self) -> None:
        for combo, table in ((self.status, REPLY_STATUSES), (self.assessment, ASSESSMENT_OUTCOMES),
                             (self.role, CONTACT_ROLES)):
            chosen = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            for code, label in table.items():
                combo.addItem(_(label), code)
            if chosen is not None:
                combo.setCurrentIndex(max(0, combo.findData(chosen)))
            combo.blockSignals(False)
        for widget, text in ((self.status, _("&What happened")), (self.first, _("Interview &from")),
                             (self.last, _("Interview &to")), (self.assessment, _("&Outcome")),
                             (self.role, _("Contact &person"))):
            label: QLabel = self.labels[widget]
            label.setText(text)
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
