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
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from fieldapp.domain import codes
from fieldapp.domain.records import age_class
from fieldapp.domain.referral import (
    CONSENT_SCOPES,
    CONTACT_CHANNELS,
    CONTACT_DAYS,
    CONTACT_TIMES,
    HELP_REQUESTED,
    INTERPRETER_LANGUAGES,
    POLICE_NOTICE,
    POLICE_REPORT_WISHES,
    RESIDENCE_STATUSES,
    Assessment,
    interpreters_for,
)
from fieldapp.errors import FieldappError, ValidationError
from fieldapp.i18n import _
from fieldapp.leaflets import languages as leaflet_languages
from fieldapp.records import people
from fieldapp.referral import service
from fieldapp.security.session import Session
from fieldapp.ui.code_picker import CodeChecks, language_labels, moment_text
from fieldapp.ui.forms import add_row
from fieldapp.ui.sheets import sheet_version


def interpreter_labels() -> dict[str, str]:
    """Interpreter languages and dialects, ISO 639-3 code -> name in the interface language, by name."""
    from fieldapp.referral.summary import interpreter_words

    names = {code: interpreter_words([code]) for code in INTERPRETER_LANGUAGES}
    return dict(sorted(names.items(), key=lambda item: item[1].casefold()))


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
        self.urgent_help = QLabel(objectName="urgentHelp", wordWrap=True)
        self.urgent_help.setStyleSheet("font-weight: bold;")
        self.urgent_called = QPushButton(objectName="urgentCalled")
        self.urgent_called.clicked.connect(self.record_call)
        self.signs_form = QFormLayout(page)
        self.signs_labels = [add_row(self.signs_form, w) for w in (self.indicators, self.forms, self.help, self.region)]
        self.signs_form.addRow(self.urgent)
        self.signs_form.addRow(self.urgent_help)
        self.signs_form.addRow(self.urgent_called)
        self.urgent.toggled.connect(self._show_urgent_help)
        return page

    def _show_urgent_help(self, *_args) -> None:
        """Immediate danger: call now (CMM's hotline from the settings, or 112), then say so; the referral goes
        as well."""
        urgent = self.urgent.isChecked()
        self.urgent_help.setVisible(urgent)
        self.urgent_called.setVisible(urgent)
        phone = service.cmm_phone(self._session)
        text = (_("Call now: CMM's hotline {phone}, or 112 if a life is in danger. The referral is sent as well.")
                .format(phone=phone) if phone else
                _("Call 112 now if a life is in danger. The referral is sent as well. (CMM's hotline is not in the "
                  "settings: ask an administrator to add it under Referrals.)"))
        called = self.referral.urgent_call_at
        if called is not None:
            text += "\n" + _("Call recorded: {time}.").format(time=moment_text(called))
        self.urgent_help.setText(text)
        self.urgent_called.setText(_("I have &called"))

    def record_call(self) -> None:
        try:
            self.referral.urgent_call_at = service.record_urgent_call(self._session, self.referral.id).urgent_call_at
        except FieldappError as error:
            self.message.setText(error.message)
            return
        self._show_urgent_help()

    def _build_consent(self) -> QWidget:
        page = QWidget()
        self.scope = QComboBox(objectName="scopeCombo")
        person = people.get_person(self._session, self.referral.person_id)
        self.for_child = person is not None and age_class(person) == "child"
        for code in CONSENT_SCOPES:
            if not (self.for_child and code == "anonymous_notice"):     # a child is always referred for assessment
                self.scope.addItem(code, code)
        self.scope_note = QLabel(objectName="scopeNote", wordWrap=True)
        self.police_notice = QLabel(objectName="policeNotice", wordWrap=True)
        self.police_notice.setStyleSheet("font-weight: bold;")
        self.notice_read = QCheckBox(objectName="noticeRead")
        self.assessment_box = self._build_assessment()
        self.scope.currentIndexChanged.connect(self._scope_chosen)
        self.sheet_language = QComboBox(objectName="sheetLanguage")
        for lang in leaflet_languages.LANGUAGES:           # the sheets that exist, one registry
            self.sheet_language.addItem(lang.code, lang.code)
        self.sheet_version = QLineEdit(objectName="sheetVersion")
        self.sheet_language.currentIndexChanged.connect(
            lambda _i: self.sheet_version.setText(sheet_version(self.sheet_language.currentData())))
        self.consent_intro = QLabel()
        self.consent_intro.setWordWrap(True)
        self.consent_form = QFormLayout()
        self.consent_form.addRow(self.consent_intro)
        self.consent_form.addRow(self.police_notice)
        self.consent_form.addRow(self.notice_read)
        self.consent_labels = [add_row(self.consent_form, w)
                               for w in (self.scope, self.sheet_language, self.sheet_version)]
        self.consent_form.addRow(self.scope_note)
        self.sheet_version.setText(sheet_version(self.sheet_language.currentData()))
        inner = QWidget()
        column = QVBoxLayout(inner)
        column.addLayout(self.consent_form)
        column.addWidget(self.assessment_box)
        column.addStretch(1)
        scroll = QScrollArea(widgetResizable=True, frameShape=QFrame.Shape.NoFrame)
        scroll.setWidget(inner)
        QVBoxLayout(page).addWidget(scroll)
        self.assessment_box.setVisible(False)
        return page

    def _build_assessment(self) -> QGroupBox:
        """What a person who agrees to a referral for assessment lets CMM know (all in codes)."""
        box = QGroupBox(objectName="assessmentBox")
        self.residence = QComboBox(objectName="residenceCombo")
        self.police_wish = QComboBox(objectName="policeWishCombo")
        self.channel = QComboBox(objectName="channelCombo")
        self.days = QComboBox(objectName="daysCombo")
        for combo, table in ((self.residence, RESIDENCE_STATUSES), (self.police_wish, POLICE_REPORT_WISHES),
                             (self.channel, CONTACT_CHANNELS), (self.days, CONTACT_DAYS)):
            for code in table:
                combo.addItem(code, code)
        self.residence.setCurrentIndex(self.residence.findData("unknown"))
        self.police_wish.setCurrentIndex(self.police_wish.findData("undecided"))
        self.interpreter = CodeChecks(interpreter_labels, translate=False, rows=4, objectName="interpreterChecks")
        self.times = CodeChecks(CONTACT_TIMES, rows=4, objectName="timesChecks")
        form = QFormLayout(box)
        self.assessment_labels = [add_row(form, w) for w in (self.residence, self.police_wish, self.interpreter,
                                                              self.channel, self.days, self.times)]
        return box

    def _scope_chosen(self, _index: int = 0) -> None:
        self.assessment_box.setVisible(self.scope.currentData() == "assessment")

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
        for combo, labels in ((self.region, codes.REGIONS), (self.scope, CONSENT_SCOPES),
                              (self.residence, RESIDENCE_STATUSES), (self.police_wish, POLICE_REPORT_WISHES),
                              (self.channel, CONTACT_CHANNELS), (self.days, CONTACT_DAYS)):
            for i in range(combo.count()):
                combo.setItemText(i, _(labels[combo.itemData(i)]))
        self.police_notice.setText(_(POLICE_NOTICE))
        self.notice_read.setText(_("I have read this sentence &aloud to the person"))
        self.scope_note.setText(_(
            "An anonymous notice sends coded details only, made less exact when few people share them. A referral "
            "for assessment sends what CMM needs in order to act: the exact nationality and age group, residence "
            "status, whether the person wants to report to the police, the interpreter's language and a safe way "
            "to reach the person through you. Never a name, alias, phone number or address."))
        self.assessment_box.setTitle(_("What the person agrees to share with CMM"))
        texts = (_("Residence &status"), _("Report to the &police"), _("&Interpreter language"),
                 _("How CMM can reach the &person"), _("Safe &days"), _("Safe &times"))
        for label, text in zip(self.assessment_labels, texts, strict=True):
            label.setText(text)
        for widget in (self.interpreter, self.times):
            widget.retranslate()
        names = language_labels()
        for i in range(self.sheet_language.count()):
            code = self.sheet_language.itemData(i)
            self.sheet_language.setItemText(i, names.get(code, code))
        self._show_urgent_help()
        self.keep_exact.setText(_("Keep the exact details (needs a reason; it is recorded, never sent)"))
        self.reason.setPlaceholderText(_("Why the exact details are needed"))
        for widget in (self.indicators, self.forms, self.help):
            widget.retranslate()
        self._update_buttons()

    def _load(self) -> None:
        spoken = service.person_languages(self._session, self.referral.person_id)
        self.interpreter.set_checked(interpreters_for(spoken))
        self.times.set_checked(("afternoon",))
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
        assessment = None
        if self.scope.currentData() == "assessment":
            assessment = Assessment(residence_status=self.residence.currentData(),
                                    police_report=self.police_wish.currentData(),
                                    interpreter=self.interpreter.checked(), contact_channel=self.channel.currentData(),
                                    contact_days=self.days.currentData(), contact_times=self.times.checked())
        service.record_consent(self._session, self.referral.id, self.scope.currentData(),
                               self.sheet_language.currentData(), self.sheet_version.text().strip(),
                               notice_read=self.notice_read.isChecked(), assessment=assessment)

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
