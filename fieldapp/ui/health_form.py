"""The health part of a contact form (health staff only): reason, tests offered and taken,
referral to public health care, assaults disclosed and by whom, a note."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QFormLayout, QGroupBox

from fieldapp.domain.codes import ASSAULT_BY, ASSAULT_KINDS, HEALTH_REASONS
from fieldapp.domain.record_codes import HEALTH_TESTS
from fieldapp.domain.records import HealthContact
from fieldapp.i18n import _
from fieldapp.ui.code_picker import CodeChecks, CodeCombo
from fieldapp.ui.record_form import NoteEdit


class HealthSection(QGroupBox):
    """Built into ``owner`` (a ``RecordForm``): its fields' problems arrive as "health.<field>"."""

    def __init__(self, owner) -> None:
        super().__init__(objectName="healthSection")
        self.reason_combo = CodeCombo(HEALTH_REASONS, objectName="healthReason")
        self.offered = CodeChecks(HEALTH_TESTS, rows=4, objectName="healthTestsOffered")
        self.taken = CodeChecks(HEALTH_TESTS, rows=4, objectName="healthTestsTaken")
        self.referred_check = QCheckBox(objectName="healthReferred")
        self.assaults = CodeChecks(ASSAULT_KINDS, rows=4, objectName="healthAssaults")
        self.assault_by = CodeChecks(ASSAULT_BY, rows=3, objectName="healthAssaultBy")
        self.note_edit = NoteEdit(1000, objectName="healthNote")
        form = QFormLayout(self)
        fields = (("reason", self.reason_combo), ("tests_offered", self.offered), ("tests_taken", self.taken),
                  ("referred_public_care", self.referred_check), ("assaults", self.assaults),
                  ("assault_by", self.assault_by), ("note", self.note_edit))
        self.labels = [owner.field(f"health.{name}", widget, form) for name, widget in fields]

    def retranslate(self) -> None:
        self.setTitle(_("Health (seen only by health staff)"))
        texts = (_("&Reason"), _("Tests o&ffered"), _("Tests ta&ken"), _("Referral"), _("Assault &disclosed"),
                 _("Assault &by"), _("Health no&te"))
        for label, text in zip(self.labels, texts, strict=True):
            label.setText(text)
        self.referred_check.setText(_("Referred to public health care"))
        for widget in (self.reason_combo, self.offered, self.taken, self.assaults, self.assault_by):
            widget.retranslate()

    def load(self, health: HealthContact | None) -> None:
        health = health or HealthContact(contact_id=0, reason="sti_test")
        self.reason_combo.set_code(health.reason)
        self.offered.set_checked(health.tests_offered)
        self.taken.set_checked(health.tests_taken)
        self.referred_check.setChecked(health.referred_public_care)
        self.assaults.set_checked(health.assaults)
        self.assault_by.set_checked(health.assault_by)
        self.note_edit.setText(health.note)

    def collect(self, contact_id: str | None) -> HealthContact:
        return HealthContact(contact_id=contact_id or 0, reason=self.reason_combo.code(),
                             tests_offered=self.offered.checked(), tests_taken=self.taken.checked(),
                             referred_public_care=self.referred_check.isChecked(), assaults=self.assaults.checked(),
                             assault_by=self.assault_by.checked(), note=self.note_edit.text().strip())
