"""One referral at CMM's desk: its coded columns at once, its content in words once a caseworker or admin
opens it (each opening is logged), the replies already sent, and the form that sends the next one."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from fieldapp.cmm import desk
from fieldapp.cmm import store as db
from fieldapp.domain import codes
from fieldapp.domain.referral import REPLY_STATUSES
from fieldapp.i18n import _
from fieldapp.protocol.reply import Answer
from fieldapp.protocol.words import age_words, labels_words, nationality_words, period_words
from fieldapp.ui.answer_fields import AnswerFields


class ReplyForm(QGroupBox):
    """What CMM answers (``AnswerFields``) and the folder the reply goes into (the organisation's ``replies``
    folder on its stick; empty: it waits for the organisation's HTTPS sync)."""

    send_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = QFormLayout(self)
        self.fields = AnswerFields(form, "reply")
        self.status, self.first, self.last = self.fields.status, self.fields.first, self.fields.last
        self.assessment, self.role = self.fields.assessment, self.fields.role
        self.folder = QLineEdit(objectName="replyFolder")
        self.browse = QPushButton(objectName="replyBrowse")
        self.send = QPushButton(objectName="replySend")
        self.note = QLabel(objectName="replyNote", wordWrap=True)
        folder_box = QWidget()
        folder_row = QHBoxLayout(folder_box)
        folder_row.setContentsMargins(0, 0, 0, 0)
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(self.browse)
        self.folder_label = QLabel()
        self.folder_label.setBuddy(self.folder)
        form.addRow(self.folder_label, folder_box)
        form.addRow(self.note)
        form.addRow(self.send)
        self.browse.clicked.connect(self._choose_folder)
        self.send.clicked.connect(self.send_requested)

    def retranslate(self) -> None:
        self.setTitle(_("Reply to the organisation"))
        self.fields.retranslate()
        self.folder_label.setText(_("Replies &folder"))
        self.folder.setPlaceholderText(_("the replies folder on the organisation's stick (empty: over HTTPS)"))
        self.browse.setText(_("Choose ..."))
        self.send.setText(_("&Send reply"))

    def _choose_folder(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, _("Where the organisation collects CMM's replies"),
                                                  self.folder.text())
        if chosen:
            self.folder.setText(chosen)

    def answer(self) -> Answer:
        return self.fields.answer()

    def allow(self, allowed: bool, why: str) -> None:
        for widget in (*self.fields.widgets(), self.folder, self.browse, self.send):
            widget.setEnabled(allowed)
        self.note.setText("" if allowed else why)


class ReferralPanel(QWidget):
    """The selected referral. ``read_requested`` asks the window to open it (a logged reading, run as an
    operation); ``send_requested`` to send the reply in the form."""

    read_requested = Signal()
    send_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.row: db.DeskRow | None = None
        self.referral: desk.Referral | None = None
        self.heading = QLabel(objectName="deskReferralHeading", wordWrap=True)
        self.coded = QLabel(objectName="deskCoded", wordWrap=True)
        self.read_button = QPushButton(objectName="deskRead")
        self.content = QTextBrowser(objectName="deskContent")
        self.content.setOpenLinks(False)
        self.replies_label = QLabel(objectName="deskRepliesLabel")
        self.replies = QListWidget(objectName="deskReplies")
        self.replies.setMaximumHeight(110)
        self.form = ReplyForm()
        self.message = QLabel(objectName="deskMessage", wordWrap=True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.coded)
        layout.addWidget(self.read_button)
        layout.addWidget(self.content, 1)
        layout.addWidget(self.replies_label)
        layout.addWidget(self.replies)
        layout.addWidget(self.form)
        layout.addWidget(self.message)
        self.read_button.clicked.connect(self.read_requested)
        self.form.send_requested.connect(self.send_requested)

    def retranslate(self) -> None:
        self.read_button.setText(_("&Read the referral (your reading is logged)"))
        self.replies_label.setText(_("Replies sent"))
        self.form.retranslate()
        self.show_row(self.row, self.referral)

    def show_row(self, row: db.DeskRow | None, referral: desk.Referral | None = None) -> None:
        """Show a referral from the list; ``referral`` is its content once read."""
        self.row, self.referral = row, referral if row is not None and referral is not None and \
            referral.packet_id == row.packet_id else None
        self.replies.clear()
        if row is None:
            self.heading.setText(_("<b>Choose a referral in the list.</b>"))
            self.coded.clear()
            self.content.clear()
            self.read_button.setEnabled(False)
            self.form.setEnabled(False)
            return
        self.form.setEnabled(True)
        urgent = desk.urgent_words(row)
        self.heading.setText(_("<b>Referral {id}</b> from {org}").format(
            id=row.packet_id[:8], org=escape(row.org_name or row.org[:8])) +
            (f" — <b style='color:#b00020'>{escape(urgent)}</b>" if row.urgent else "") +
            (f"<br><b>{escape(desk.status_words(row))}</b>" if row.quarantined else ""))
        coded = _("{period}; {gender}; {age}; {nationality}; {forms}").format(
            period=period_words(row.period), gender=_(codes.GENDERS.get(row.gender, row.gender)),
            age=age_words(row.age_group), nationality=nationality_words(row.nationality),
            forms=labels_words(row.forms, codes.EXPLOITATION_FORMS))
        if row.industries:
            coded += "\n" + _("Industry of the work: {value}").format(
                value=labels_words(row.industries, codes.INDUSTRIES))
        if row.crime_forms:
            coded += "\n" + _("Forms of forced crime: {value}").format(
                value=labels_words(row.crime_forms, codes.CRIME_FORMS))
        self.coded.setText(coded)
        if self.referral is None:
            self.content.setPlainText(_("The content is not shown until you read it."))
        else:
            self.content.setHtml("<table>" + "".join(
                f"<tr><td><b>{escape(label)}</b>&nbsp;&nbsp;</td><td>{escape(value)}</td></tr>"
                for label, value in self.referral.lines) + "</table>")
            self.replies.addItems(self.referral.replies)
        if not self.referral:
            self.replies.addItems([_(REPLY_STATUSES.get(status, status)) for status in row.replies])

    def allow(self, *, read: bool, reply: bool) -> None:
        self.read_button.setVisible(read)
        self.read_button.setEnabled(read and self.row is not None)
        self.form.allow(reply, _("Only an admin of the intake store sends replies: they are signed with CMM's "
                                 "key and need the organisation's reference, which only the referral holds."))

    def clear(self) -> None:
        self.row = self.referral = None
        self.content.clear()
        self.coded.clear()
        self.replies.clear()
        self.message.clear()
        self.form.folder.clear()
