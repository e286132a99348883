"""The health part of a contact form (health staff only): reason, tests offered and taken,
referral to public health care, assaults disclosed and by whom, a note."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QGroupBox, QWidget

from fieldapp.domain.fields import Field, HealthFields
from fieldapp.domain.records import HealthContact
from fieldapp.i18n import _


class HealthSection(QGroupBox):
    """Built into ``owner`` (a ``RecordForm``, which labels its fields): its fields' problems arrive as
    "health.<field>"."""

    def __init__(self, owner) -> None:
        super().__init__(objectName="healthSection")
        form = QFormLayout(self)

        def add(field: Field, **options) -> QWidget:
            return owner.add(field, form=form, prefix="health.", **options)

        self.reason_combo = add(HealthFields.reason, objectName="healthReason")
        self.offered = add(HealthFields.tests_offered, rows=4, objectName="healthTestsOffered")
        self.taken = add(HealthFields.tests_taken, rows=4, objectName="healthTestsTaken")
        self.referred_check = add(HealthFields.referred_public_care, objectName="healthReferred")
        self.assaults = add(HealthFields.assaults, rows=4, objectName="healthAssaults")
        self.assault_by = add(HealthFields.assault_by, rows=3, objectName="healthAssaultBy")
        self.note_edit = add(HealthFields.note, objectName="healthNote")

    def retranslate(self) -> None:
        self.setTitle(_("Health (seen only by health staff)"))

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
