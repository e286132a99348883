"""What CMM said by phone about a referral: recorded like one of CMM's replies, marked "(by phone)"."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QWidget

from fieldapp.errors import FieldappError, ValidationError
from fieldapp.i18n import _
from fieldapp.protocol.reply import Answer
from fieldapp.referral import service
from fieldapp.security.session import Session
from fieldapp.ui.answer_fields import AnswerFields


class OutcomeDialog(QDialog):
    def __init__(self, session: Session, referral_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session, self._referral_id = session, referral_id
        form = QFormLayout(self)
        form.addRow(QLabel(_("What did CMM tell you by phone?"), wordWrap=True))
        self.fields = AnswerFields(form, "outcome")
        self.status, self.first, self.last = self.fields.status, self.fields.first, self.fields.last
        self.assessment, self.role = self.fields.assessment, self.fields.role
        self.message = QLabel(objectName="outcomeMessage", wordWrap=True)
        self.message.setStyleSheet("color: #b00020;")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        form.addRow(self.message)
        form.addRow(buttons)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.setWindowTitle(_("CMM's answer by phone"))
        self.fields.retranslate()

    def answer(self) -> Answer:
        return self.fields.answer()

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
