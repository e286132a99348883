"""The legal-advice part of a contact form (legal advisers only; the Reden pilot): topics, crimes
disclosed and by whom, interpreter, police report assisted or filed, victim's lawyer requested,
whether legal advice was the first contact, outcome, follow-up."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QGroupBox, QLabel, QWidget

from fieldapp.domain.fields import Field, LegalFields
from fieldapp.domain.records import LegalSession
from fieldapp.i18n import _


class LegalSection(QGroupBox):
    """Built into ``owner`` (a ``RecordForm``, which labels its fields): its fields' problems arrive as
    "legal.<field>"."""

    def __init__(self, owner, adviser_id: int, adviser_name: str) -> None:
        super().__init__(objectName="legalSection")
        self.adviser_id = adviser_id
        form = QFormLayout(self)

        def add(field: Field, widget: QWidget | None = None, **options) -> QWidget:
            return owner.add(field, widget, form=form, prefix="legal.", **options)

        self.adviser_label = add(LegalFields.adviser_id, QLabel(adviser_name, objectName="legalAdviser"))
        self.topics = add(LegalFields.topics, rows=4, objectName="legalTopics")
        self.crimes = add(LegalFields.crimes, rows=4, objectName="legalCrimes")
        self.perpetrators = add(LegalFields.perpetrators, rows=3, objectName="legalPerpetrators")
        self.interpreter_check = add(LegalFields.interpreter, objectName="legalInterpreter")
        self.assisted_check = add(LegalFields.police_report_assisted, objectName="legalPoliceAssisted")
        self.filed_check = add(LegalFields.police_report_filed, objectName="legalPoliceFiled")
        self.lawyer_check = add(LegalFields.victims_lawyer_requested, objectName="legalLawyer")
        self.first_check = add(LegalFields.first_reached_here, objectName="legalFirstReached")
        self.outcome_combo = add(LegalFields.outcome, blank=lambda: _("Not yet known"), objectName="legalOutcome")
        self.follow_up = add(LegalFields.follow_up, objectName="legalFollowUp")

    def retranslate(self) -> None:
        self.setTitle(_("Legal-advice session (seen only by legal advisers)"))

    def load(self, legal: LegalSession | None) -> None:
        legal = legal or LegalSession(contact_id=0, adviser_id=self.adviser_id)
        self.adviser_id = legal.adviser_id or self.adviser_id
        self.topics.set_checked(legal.topics)
        self.crimes.set_checked(legal.crimes)
        self.perpetrators.set_checked(legal.perpetrators)
        self.interpreter_check.setChecked(legal.interpreter)
        self.assisted_check.setChecked(legal.police_report_assisted)
        self.filed_check.setChecked(legal.police_report_filed)
        self.lawyer_check.setChecked(legal.victims_lawyer_requested)
        self.first_check.setChecked(legal.first_reached_here)
        self.outcome_combo.set_code(legal.outcome)
        self.follow_up.set_day(legal.follow_up)

    def collect(self, contact_id: str | None) -> LegalSession:
        return LegalSession(contact_id=contact_id or 0, adviser_id=self.adviser_id, topics=self.topics.checked(),
                            interpreter=self.interpreter_check.isChecked(),
                            police_report_assisted=self.assisted_check.isChecked(),
                            police_report_filed=self.filed_check.isChecked(),
                            victims_lawyer_requested=self.lawyer_check.isChecked(),
                            outcome=self.outcome_combo.code(), follow_up=self.follow_up.day(),
                            crimes=self.crimes.checked(), perpetrators=self.perpetrators.checked(),
                            first_reached_here=self.first_check.isChecked())
