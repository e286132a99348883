"""My follow-ups (or everyone's): interviews CMM booked about the user's own referrals first, then the contacts'
open follow-ups, overdue ones and those coming up in the next two weeks, most overdue first, each with its plan and
who follows it up; mark one done, or open the person (Return)."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from fieldapp.domain.codes import CONTACT_KINDS
from fieldapp.domain.queries import FollowUp
from fieldapp.errors import FieldappError
from fieldapp.i18n import N_, _, ngettext
from fieldapp.records import contacts, team
from fieldapp.records.common import Pager
from fieldapp.referral import service
from fieldapp.security.session import Session
from fieldapp.ui.code_picker import CodeCombo, day_text
from fieldapp.ui.record_form import record_table, selected_row
from fieldapp.ui.table_model import Column, LazyTableModel

UPCOMING_DAYS = 14     # follow-ups coming up are listed this far ahead, after the overdue ones


class FollowUpsTab(QWidget):
    person_requested = Signal(str)
    follow_up_done = Signal(str)        # contact id

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._cleared = False
        self._names: dict[int, str] = {}
        self.model = LazyTableModel([
            Column(lambda: _("Due"), _due_text),
            Column(lambda: _("Alias"), lambda f: f.alias),
            Column(lambda: _("What"), lambda f: f.what or _(CONTACT_KINDS.get(f.kind, f.kind))),
            Column(lambda: _("Who"), lambda f: self._names.get(f.owner, "") if f.owner is not None else ""),
            Column(lambda: _("Contact on"), lambda f: day_text(f.occurred_on)),
        ], lambda offset, limit: [])
        self.table = record_table("followUpsTable", self.model)
        self.scope_combo = CodeCombo({"mine": N_("My follow-ups"), "all": N_("Everyone's follow-ups")},
                                     objectName="followUpsScope")
        self.scope_combo.currentIndexChanged.connect(lambda _index: self.reload())
        self.count_label = QLabel(objectName="followUpsCount")
        self.message = QLabel(objectName="followUpsMessage")
        self.done_button = QPushButton(objectName="followUpDoneButton")
        self.open_button = QPushButton(objectName="followUpOpenButton")
        row = QHBoxLayout()
        row.addWidget(self.count_label)
        row.addWidget(self.message, 1)
        row.addWidget(self.open_button)
        row.addWidget(self.done_button)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(self.scope_combo)
        top.addStretch(1)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        self.done_button.clicked.connect(self.mark_done)
        self.open_button.clicked.connect(self.open_selected)
        self.table.activated.connect(self.open_selected)
        self.retranslate()
        # Filled in the next turn of the event loop: the tab is not the one shown when its page is built.
        QTimer.singleShot(0, self, self._first_fill)

    def _first_fill(self) -> None:
        if not hasattr(self, "pager") and not self._cleared:
            self.reload()

    def retranslate(self) -> None:
        self.scope_combo.retranslate()
        self.done_button.setText(_("&Mark done"))
        self.open_button.setText(_("Open &person"))
        self.model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, self.model.columnCount() - 1)
        self._show_count()

    def reload(self) -> None:
        if self._cleared:              # locked: a refill still queued from before finds no session
            return
        mine = self.scope_combo.code() == "mine"
        self._names = {u.id: u.name for u in team.team_members(self._session)}
        until = date.today() + timedelta(days=UPCOMING_DAYS)
        due, self._overdue = contacts.count_follow_ups(self._session, until, date.today() - timedelta(days=1),
                                                       mine=mine)
        listed = contacts.follow_ups_pager(self._session, until, mine=mine)
        self.pager = _with_interviews(self._session, Pager(lambda: due, listed.page))
        self.model.reload(self.pager.page)
        self._show_count()

    def _show_count(self) -> None:
        if hasattr(self, "pager"):
            count = self.pager.count()
            self.count_label.setText(ngettext("{count} follow-up, {overdue} overdue",
                                              "{count} follow-ups, {overdue} overdue", count)
                                     .format(count=count, overdue=self._overdue))

    def mark_done(self) -> None:
        due: FollowUp | None = selected_row(self.table)
        if due is None:
            return
        try:
            if due.reply_id:
                service.complete_interview_follow_up(self._session, due.reply_id)
            else:
                contacts.complete_follow_up(self._session, due.contact_id)
        except FieldappError as error:
            self.message.setText(error.message)
            return
        self.message.setText(_("Follow-up marked done."))
        self.reload()
        self.follow_up_done.emit(due.contact_id)

    def open_selected(self, *_args) -> None:
        due: FollowUp | None = selected_row(self.table)
        if due is not None:
            self.person_requested.emit(due.person_id)

    def clear(self) -> None:
        self._cleared = True
        self.model.clear()


def _due_text(follow_up: FollowUp) -> str:
    """The day, and "overdue" when it has passed."""
    if follow_up.due < date.today():
        return _("{day} (overdue)").format(day=day_text(follow_up.due))
    return day_text(follow_up.due)


def _with_interviews(session: Session, pager: Pager[FollowUp]) -> Pager[FollowUp]:
    """The interviews CMM booked (a few) before the contacts' follow-ups, as one list."""
    interviews = service.interview_follow_ups(session)

    def page(offset: int, limit: int) -> list[FollowUp]:
        head = interviews[offset:offset + limit]
        rest = limit - len(head)
        return head if rest <= 0 else head + pager.page(max(0, offset - len(interviews)), rest)

    return Pager(lambda: len(interviews) + pager.count(), page)
