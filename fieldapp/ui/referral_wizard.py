"""Referring a person to CMM: what was seen, the person's consent, then exactly what will be sent.

Three steps in one dialog. Nothing is sealed before the worker has seen the packet in words; if
fewer than k people share what would be sent, the details are generalised, and keeping them exact
needs a reason (stored and audited, never sent).
"""

from __future__ import annotations

import html

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from fieldapp.domain import codes
from fieldapp.domain.referral import CONSENT_SCOPES, HELP_REQUESTED
from fieldapp.errors import FieldappError, ValidationError
from fieldapp.i18n import _
from fieldapp.leaflets import languages as leaflet_languages
from fieldapp.referral import service
from fieldapp.security.session import Session
from fieldapp.ui.code_picker import CodeChecks, language_labels
from fieldapp.ui.forms import add_row


def _sheet_version(code: str) -> str:
    """The current version of the leaflet the person was given, where the app has one."""
    from fieldapp.leaflets import catalogue

    lang = leaflet_languages.for_code(code)
    try:
        return catalogue.load(lang.tag).version if lang else ""
    except (FieldappError, OSError, KeyError, ValueError):
        return ""


class ReferralWizard(QDialog):
    def __init__(self, session: Session, person_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.referral = service.create_draft(session, person_id)
        self.preview_result: service.Preview | None = None
        self.packet_id = ""
        self.stack = QStackedWidget()
        self.stack.addWidget(self._build_signs())
        self.stack.addWidget(self._build_consent())
        self.stack.addWidget(self._build_preview())
        self.message = QLabel(objectName="wizardMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020;")
        self.back_button, self.next_button = QPushButton(objectName="backButton"), QPushButton(objectName="nextButton")
        self.next_button.setDefault(True)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.next_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.back_button.clicked.connect(self.back)
        self.next_button.clicked.connect(self.next)
        self._load()
        self.retranslate()
        self.resize(640, 560)

    def _build_signs(self) -> QWidget:
        page = QWidget()
        self.indicators = CodeChecks(codes.INDICATORS)
        self.forms = CodeChecks(codes.EXPLOITATION_FORMS)
        self.help = CodeChecks(HELP_REQUESTED)
        self.region = QComboBox(objectName="regionCombo")
        for code in codes.REGIONS:
            self.region.addItem(code, code)
        self.urgent = QCheckBox(objectName="urgentCheck")
        self.signs_form = QFormLayout(page)
        self.signs_labels = [add_row(self.signs_form, w) for w in (self.indicators, self.forms, self.help, self.region)]
        self.signs_form.addRow(self.urgent)
        return page

    def _build_consent(self) -> QWidget:
        page = QWidget()
        self.scope = QComboBox(objectName="scopeCombo")
        for code in CONSENT_SCOPES:
            self.scope.addItem(code, code)
        self.sheet_language = QComboBox(objectName="sheetLanguage")
        for lang in leaflet_languages.LANGUAGES:           # the sheets that exist, one registry
            self.sheet_language.addItem(lang.code, lang.code)
        self.sheet_version = QLineEdit(objectName="sheetVersion")
        self.sheet_language.currentIndexChanged.connect(
            lambda _i: self.sheet_version.setText(_sheet_version(self.sheet_language.currentData())))
        self.consent_intro = QLabel()
        self.consent_intro.setWordWrap(True)
        self.consent_form = QFormLayout(page)
        self.consent_form.addRow(self.consent_intro)
        self.consent_labels = [add_row(self.consent_form, w)
                               for w in (self.scope, self.sheet_language, self.sheet_version)]
        self.sheet_version.setText(_sheet_version(self.sheet_language.currentData()))
        return page

    def _build_preview(self) -> QWidget:
        page = QWidget()
        self.preview_text = QTextBrowser(objectName="previewText")
        self.keep_exact = QCheckBox(objectName="keepExact")
        self.reason = QLineEdit(objectName="overrideReason")
        self.keep_exact.toggled.connect(self._refresh_preview)
        layout = QVBoxLayout(page)
        layout.addWidget(self.preview_text, 1)
        layout.addWidget(self.keep_exact)
        layout.addWidget(self.reason)
        return page

    def retranslate(self) -> None:
        self.setWindowTitle(_("Refer to CMM"))
        texts = (_("Signs of trafficking seen"), _("Suspected exploitation"), _("Help requested"), _("&Region"))
        for label, text in zip(self.signs_labels, texts, strict=True):
            label.setText(text)
        self.urgent.setText(_("The person is in &immediate danger"))
        self.consent_intro.setText(_("Refer only when the person agrees. Record what they agreed to and "
                                     "which information sheet they were given."))
        for label, text in zip(self.consent_labels, (_("The person &agreed to"), _("Information sheet &language"),
                                                     _("Information sheet &version")), strict=True):
            label.setText(text)
        for combo, labels in ((self.region, codes.REGIONS), (self.scope, CONSENT_SCOPES)):
            for i in range(combo.count()):
                combo.setItemText(i, _(labels[combo.itemData(i)]))
        names = language_labels()
        for i in range(self.sheet_language.count()):
            code = self.sheet_language.itemData(i)
            self.sheet_language.setItemText(i, names.get(code, code))
        self.keep_exact.setText(_("Keep the exact details (needs a reason; it is recorded, never sent)"))
        self.reason.setPlaceholderText(_("Why the exact details are needed"))
        for widget in (self.indicators, self.forms, self.help):
            widget.retranslate()
        self._update_buttons()

    def _load(self) -> None:
        self.indicators.set_checked(self.referral.indicators)
        self.forms.set_checked(self.referral.exploitation_forms)
        self.help.set_checked(self.referral.help_requested)
        index = self.region.findData(self.referral.region)
        self.region.setCurrentIndex(max(index, 0))
        self.urgent.setChecked(self.referral.immediate_danger)

    def _update_buttons(self) -> None:
        step = self.stack.currentIndex()
        self.back_button.setText(_("&Back"))
        self.back_button.setEnabled(step > 0)
        self.next_button.setText(_("Seal and &queue") if step == 2 else _("&Next"))

    def back(self) -> None:
        self.stack.setCurrentIndex(max(0, self.stack.currentIndex() - 1))
        self.message.clear()
        self._update_buttons()

    def next(self) -> None:
        steps = (self._save_signs, self._save_consent, self._seal)
        try:
            steps[self.stack.currentIndex()]()
        except ValidationError as error:
            self.message.setText("\n".join(error.problems.values()))
            return
        except FieldappError as error:
            self.message.setText(error.message)
            return
        self.message.clear()
        if self.stack.currentIndex() < 2:
            self.stack.setCurrentIndex(self.stack.currentIndex() + 1)
            if self.stack.currentIndex() == 2:
                self._refresh_preview()
        self._update_buttons()

    def _save_signs(self) -> None:
        self.referral.indicators = self.indicators.checked()
        self.referral.exploitation_forms = self.forms.checked()
        self.referral.help_requested = self.help.checked()
        self.referral.region = self.region.currentData()
        self.referral.immediate_danger = self.urgent.isChecked()
        self.referral = service.update_draft(self._session, self.referral)

    def _save_consent(self) -> None:
        service.record_consent(self._session, self.referral.id, self.scope.currentData(),
                               self.sheet_language.currentData(), self.sheet_version.text().strip())

    def _refresh_preview(self) -> None:
        try:
            self.preview_result = service.preview(self._session, self.referral.id, exact=self.keep_exact.isChecked())
        except FieldappError as error:
            self.message.setText(error.message)
            return
        view = self.preview_result
        lines = "".join(f"<li>{html.escape(line)}</li>" for line in view.lines)
        notes = "".join(f"<li>{html.escape(line)}</li>" for line in view.generalisation_lines)
        self.preview_text.setHtml(f"<h3>{_('This is exactly what will be sent to CMM:')}</h3><ul>{lines}</ul>"
                                  + (f"<h3>{_('Made less exact to protect the person:')}</h3><ul>{notes}</ul>"
                                     if notes else ""))
        self.reason.setVisible(view.needs_reason)

    def _seal(self) -> None:
        view = self.preview_result
        if view is None:
            return
        self.packet_id = service.seal_and_queue(self._session, self.referral.id, exact=view.exact,
                                                reason=self.reason.text(), seen=view)
        self.accept()
