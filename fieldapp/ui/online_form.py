"""The online outreach form: when, the platform, and counts (ads screened, ads with signs of exploitation,
messages sent, replies, people reached) with a short note; the list of sessions, newest first."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from fieldapp.domain.codes import PLATFORMS
from fieldapp.domain.fields import OnlineFields
from fieldapp.domain.records import OnlineSession
from fieldapp.i18n import _, ngettext
from fieldapp.records import online
from fieldapp.security.session import Session
from fieldapp.ui import changes
from fieldapp.ui.code_picker import moment_text
from fieldapp.ui.record_form import (
    RecordForm,
    close_form,
    delete_selected_row,
    on_keys,
    record_table,
    selected_row,
)
from fieldapp.ui.table_model import Column, LazyTableModel

COUNTS = ("ads_screened", "ads_flagged", "messages_sent", "replies", "people_reached")


class OnlineForm(RecordForm):
    """A new online session (``online`` None: the last hour) or changes to one."""

    def __init__(self, session: Session, online_session: OnlineSession | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(session, parent)
        self.online = online_session
        self.start_edit = self.add(OnlineFields.started_at, objectName="onlineStart")
        self.platform_combo = self.add(OnlineFields.platform, objectName="onlinePlatform")
        self.counts = {name: self.add(getattr(OnlineFields, name), spin=True, objectName=f"online_{name}")
                       for name in COUNTS}
        self.note_edit = self.add(OnlineFields.note, objectName="onlineNote")
        now = datetime.now().astimezone()
        self.load(online_session or OnlineSession(started_at=now - timedelta(hours=1), platform="escort_sites"))
        self.finish()
        self.platform_combo.setFocus()

    def load(self, online_session: OnlineSession) -> None:
        self.start_edit.set_moment(online_session.started_at)
        self.platform_combo.set_code(online_session.platform)
        for name, spin in self.counts.items():
            spin.setValue(getattr(online_session, name))
        self.note_edit.setText(online_session.note)

    def retranslate(self) -> None:
        super().retranslate()
        self.heading.setText(_("<h3>Online outreach</h3><p>Counts only: never a name, number or profile.</p>"))

    def collect(self) -> OnlineSession:
        base = self.online
        return OnlineSession(started_at=self.start_edit.moment(), platform=self.platform_combo.code(),
                             note=self.note_edit.text().strip(), created_by=base.created_by if base else None,
                             id=base.id if base else None,
                             **{name: spin.value() for name, spin in self.counts.items()})

    def writer(self) -> Callable[[], OnlineSession]:
        record, session = self.collect(), self._session
        if record.id is None:
            return lambda: online.create_online_session(session, record)
        return lambda: online.update_online_session(session, record)


class OnlineTab(QWidget):
    """The online sessions, newest first: new (Ctrl+N), open (Return), delete (Delete, asked first)."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.form: OnlineForm | None = None
        self.filled = False
        self.model = LazyTableModel([
            Column(lambda: _("Started"), lambda s: moment_text(s.started_at)),
            Column(lambda: _("Platform"), lambda s: _(PLATFORMS.get(s.platform, s.platform))),
            Column(lambda: _("Ads screened"), lambda s: str(s.ads_screened)),
            Column(lambda: _("With signs"), lambda s: str(s.ads_flagged)),
            Column(lambda: _("Messages"), lambda s: str(s.messages_sent)),
            Column(lambda: _("Replies"), lambda s: str(s.replies)),
            Column(lambda: _("Reached"), lambda s: str(s.people_reached)),
        ], lambda offset, limit: [])
        self.table = record_table("onlineTable", self.model)
        self.count_label = QLabel(objectName="onlineCount")
        self.message = QLabel(objectName="onlineMessage")
        self.new_button, self.edit_button, self.delete_button = (
            QPushButton(objectName=name) for name in ("newOnlineButton", "editOnlineButton", "deleteOnlineButton"))
        buttons = QHBoxLayout()
        buttons.addWidget(self.count_label, 1)
        buttons.addWidget(self.message, 2)
        for button in (self.new_button, self.edit_button, self.delete_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.new_button.clicked.connect(self.new_session)
        self.edit_button.clicked.connect(self.edit_selected)
        self.delete_button.clicked.connect(self.delete_selected)
        self.table.activated.connect(self.edit_selected)
        on_keys(self, "Ctrl+N", self.new_session)
        on_keys(self.table, QKeySequence.StandardKey.Delete, self.delete_selected, only_widget=True)
        self.retranslate()

    def fill_once(self) -> None:
        """Filled when the tab is first shown (most evenings nobody opens it)."""
        if not self.filled:
            self.filled = True
            self.reload()

    def reload(self, *_args) -> None:
        if not self._session.is_open:
            return
        self.pager = online.online_pager(self._session)
        self.model.reload(self.pager.page)
        self._show_count()

    def _show_count(self) -> None:
        if hasattr(self, "pager"):
            count = self.pager.count()
            self.count_label.setText(ngettext("{count} online session", "{count} online sessions", count)
                                     .format(count=count))

    def retranslate(self) -> None:
        self.new_button.setText(_("&New online session"))
        self.edit_button.setText(_("&Open"))
        self.delete_button.setText(_("&Delete"))
        self.model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, self.model.columnCount() - 1)
        self._show_count()

    def new_session(self) -> None:
        self._open(None)

    def edit_selected(self, *_args) -> None:
        row: OnlineSession | None = selected_row(self.table)
        if row is not None:
            self._open(online.get_online_session(self._session, row.id))

    def _open(self, online_session: OnlineSession | None) -> None:
        self.form = OnlineForm(self._session, online_session, parent=self)
        self.form.saved.connect(self._saved)
        self.form.open()

    def _saved(self, _online_session: OnlineSession) -> None:
        self.message.setText(_("Online session saved."))
        self.filled = True
        self.reload()
        changes.notify(self._session, "online")

    def delete_selected(self) -> None:
        delete_selected_row(self, _("Delete online session"), _("Delete the selected online session?"),
                            lambda row: online.delete_online_session(self._session, row.id),
                            _("Online session deleted."), "online")

    def clear(self) -> None:
        close_form(self.form)
        self.model.clear()
