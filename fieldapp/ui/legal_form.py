"""The legal-advice part of a contact form (legal advisers only; the Reden pilot): topics,
interpreter, police report assisted or filed, victim's lawyer requested, outcome, follow-up."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QFormLayout, QGroupBox, QLabel

from fieldapp.domain.codes import LEGAL_TOPICS
from fieldapp.domain.record_codes import LEGAL_OUTCOMES
from fieldapp.domain.records import LegalSession
from fieldapp.i18n import _
from fieldapp.ui.code_picker import CodeChecks, CodeCombo, OptionalDate


class LegalSection(QGroupBox):
    """Built into ``owner`` (a ``RecordForm``): its fields' problems arrive as "legal.<field>"."""

    def __init__(self, owner, adviser_id: int, adviser_name: str) -> None:
        super().__init__(objectName="legalSection")
        self.adviser_id = adviser_id
        self.adviser_label = QLabel(adviser_name, objectName="legalAdviser")
        self.topics = CodeChecks(LEGAL_TOPICS, rows=4, objectName="legalTopics")
        self.interpreter_check = QCheckBox(objectName="legalInterpreter")
        self.assisted_check = QCheckBox(objectName="legalPoliceAssisted")
        self.filed_check = QCheckBox(objectName="legalPoliceFiled")
        self.lawyer_check = QCheckBox(objectName="legalLawyer")
        self.outcome_combo = CodeCombo(LEGAL_OUTCOMES, lambda: _("Not yet known"), objectName="legalOutcome")
        self.follow_up = OptionalDate(objectName="legalFollowUp")
        form = QFormLayout(self)
        fields = (("adviser_id", self.adviser_label), ("topics", self.topics),
                  ("interpreter", self.interpreter_check), ("police_report_assisted", self.assisted_check),
                  ("police_report_filed", self.filed_check), ("victims_lawyer_requested", self.lawyer_check),
                  ("outcome", self.outcome_combo), ("follow_up", self.follow_up))
        self.labels = [owner.field(f"legal.{name}", widget, form) for name, widget in fields]

    def retranslate(self) -> None:
        self.setTitle(_("Legal-advice session (seen only by legal advisers)"))
        texts = (_("Adviser"), _("Legal &topics"), _("Interpreter"), _("Police report"), "", _("Lawyer"),
                 _("O&utcome"), _("Session follow-&up"))
        for label, text in zip(self.labels, texts, strict=True):
            label.setText(text)
        self.interpreter_check.setText(_("An interpreter took part"))
        self.assisted_check.setText(_("Helped to prepare a police report"))
        self.filed_check.setText(_("A police report was filed"))
        self.lawyer_check.setText(_("A victim's lawyer (bistandsadvokat) was requested"))
        self.topics.retranslate()
        self.outcome_combo.retranslate()

    def load(self, legal: LegalSession | None) -> None:
        legal = legal or LegalSession(contact_id=0, adviser_id=self.adviser_id)
        self.adviser_id = legal.adviser_id or self.adviser_id
        self.topics.set_checked(legal.topics)
        self.interpreter_check.setChecked(legal.interpreter)
        self.assisted_check.setChecked(legal.police_report_assisted)
        self.filed_check.setChecked(legal.police_report_filed)
        self.lawyer_check.setChecked(legal.victims_lawyer_requested)
        self.outcome_combo.set_code(legal.outcome)
        self.follow_up.set_day(legal.follow_up)

    def collect(self, contact_id: str | None) -> LegalSession:
        return LegalSession(contact_id=contact_id or 0, adviser_id=self.adviser_id, topics=self.topics.checked(),
                            interpreter=self.interpreter_check.isChecked(),
                            police_report_assisted=self.assisted_check.isChecked(),
                            police_report_filed=self.filed_check.isChecked(),
                            victims_lawyer_requested=self.lawyer_check.isChecked(),
                            outcome=self.outcome_combo.code(), follow_up=self.follow_up.day())
