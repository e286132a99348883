"""CMM's desk: the app opened on an intake store (the embedded file, or PostgreSQL when several desks share it)
instead of a vault. A staff member unlocks it with their own name and passphrase; the desk lists the referrals
with the urgent ones first, says a referral in words once a caseworker or admin reads it (logged), shows the
replies sent, and sends the next reply. Operators receive packets from a folder here too.

Every call on the store runs as an operation off the window's thread (``tasks.Task``); the lock (Ctrl+L, the idle
timer, closing the window) stops it, closes the store and forgets its keys.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from fieldapp import i18n
from fieldapp.cmm import desk
from fieldapp.cmm import store as db
from fieldapp.cmm.staff import CASE, INTAKE, role_label
from fieldapp.domain import codes
from fieldapp.errors import ExitCode, InvalidInput
from fieldapp.i18n import _, ngettext
from fieldapp.protocol.words import age_words, labels_words, nationality_words, period_words
from fieldapp.storage.untrusted_dir import printable
from fieldapp.ui import folders, tasks
from fieldapp.ui.app import choose_language
from fieldapp.ui.code_picker import moment_text
from fieldapp.ui.idle import IdleWatcher
from fieldapp.ui.settings_page import LANGUAGE_NAMES
from fieldapp.ui.table_model import Column, LazyTableModel
from fieldapp.ui.tasks import Task
from fieldapp.ui.window_filters import WindowFilters

STOP_SECONDS = 5.0
IDLE_MINUTES = 10
REPLIES_FOLDER_KEY = "desk/replies_folder"      # a folder only (the stick's), never a file or a referral
STORE_KEY = "desk/store_file"                   # a store file's path; never a database URL (it may hold a password)


class DeskUnlock(QWidget):
    """Where the store is, who you are, your passphrase."""

    unlock_requested = Signal()

    def __init__(self, location: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.heading = QLabel(objectName="deskUnlockHeading", wordWrap=True)
        # A database URL may hold a password: the field shows it masked, and the URL given is used while the
        # field still shows that mask (the lock screen never shows the password).
        self._given, shown = location, _masked(location)
        self.location = QLineEdit(shown, objectName="deskLocation")
        self.browse = QPushButton(objectName="deskBrowse")
        self.user = QLineEdit(objectName="deskUser")
        self.passphrase = QLineEdit(objectName="deskPassphrase", echoMode=QLineEdit.EchoMode.Password)
        self.unlock = QPushButton(objectName="deskUnlock")
        self.unlock.setDefault(True)
        self.error = QLabel(objectName="deskUnlockError", wordWrap=True)
        self.error.setStyleSheet("color: #b00020;")
        where = QHBoxLayout()
        where.addWidget(self.location, 1)
        where.addWidget(self.browse)
        form = QFormLayout()
        self.labels = [QLabel(), QLabel(), QLabel()]
        for label, field in zip(self.labels, (self.location, self.user, self.passphrase), strict=True):
            label.setBuddy(field)
        form.addRow(self.labels[0], where)
        form.addRow(self.labels[1], self.user)
        form.addRow(self.labels[2], self.passphrase)
        box = QWidget()
        column = QVBoxLayout(box)
        column.addWidget(self.heading)
        column.addLayout(form)
        column.addWidget(self.unlock)
        column.addWidget(self.error)
        box.setMaximumWidth(560)
        outer = QHBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(box, 3)
        outer.addStretch(1)
        self.browse.clicked.connect(self._choose)
        self.unlock.clicked.connect(self.unlock_requested)
        self.passphrase.returnPressed.connect(self.unlock_requested)
        self.user.returnPressed.connect(self.passphrase.setFocus)

    def retranslate(self) -> None:
        self.heading.setText(_("<h2>CMM's desk</h2><p>Open the intake store with your own staff name and "
                               "passphrase.</p>"))
        for label, text in zip(self.labels, (_("Intake &store"), _("Your &name"), _("&Passphrase")), strict=True):
            label.setText(text)
        self.location.setPlaceholderText(_("the store file, or postgresql://... for a shared database"))
        self.user.setPlaceholderText(_("leave empty to try every account"))
        self.browse.setText(_("Choose ..."))
        self.unlock.setText(_("&Unlock"))

    def _choose(self) -> None:
        chosen, _filter = QFileDialog.getOpenFileName(self, _("Intake store"), self.location.text())
        if chosen:
            self.location.setText(chosen)

    def place(self) -> str:
        """The store to open: the location typed, or the URL given if the field shows its masked form."""
        typed = self.location.text().strip()
        return self._given if self._given and typed == _masked(self._given) else typed

    def reset(self) -> None:
        self.passphrase.clear()
        self.unlock.setEnabled(True)
        (self.passphrase if self.location.text() else self.location).setFocus()


class DeskWindow(QMainWindow):
    locked = Signal()
    unlocked = Signal()

    def __init__(self, location: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        location = location or _remembered(STORE_KEY)
        self.store = None
        self.task: Task | None = None
        self._unlocking: Task | None = None
        self._name = ""                # the staff member who unlocked
        self._generation = 0          # one more at each lock: what an operation of an earlier one read is dropped
        self.read: desk.Referral | None = None
        self.idle = IdleWatcher(IDLE_MINUTES * 60, self)
        self.input_filters = WindowFilters(self.idle, parent=self)      # on the windows: see window_filters
        self._build(location)
        self._connect()
        self.retranslate()
        self.unlock_page.reset()

    # -- construction -------------------------------------------------------------------------
    def _build(self, location: str) -> None:
        from fieldapp.ui.desk.panel import ReferralPanel

        self.stack = QStackedWidget()
        self.unlock_page = DeskUnlock(location)
        self.workspace = QWidget(objectName="workspace")
        self.model = _model()
        self.table = QTableView(objectName="deskTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.panel = ReferralPanel()
        self.who = QLabel(objectName="deskWho")
        self.counts = QLabel(objectName="deskCounts")
        self.receive_button = QPushButton(objectName="deskReceive")
        self.refresh_button = QPushButton(objectName="deskRefresh")
        self.refresh_button.setShortcut(QKeySequence(QKeySequence.StandardKey.Refresh))
        self.status = QLabel(objectName="deskStatus", wordWrap=True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)        # it may name files from a stick
        top = QHBoxLayout()
        top.addWidget(self.who)
        top.addWidget(self.counts, 1)
        top.addWidget(self.receive_button)
        top.addWidget(self.refresh_button)
        splitter = QSplitter()
        splitter.addWidget(self.table)
        splitter.addWidget(self.panel)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        column = QVBoxLayout(self.workspace)
        column.addLayout(top)
        column.addWidget(splitter, 1)
        column.addWidget(self.status)
        self.stack.addWidget(self.unlock_page)
        self.stack.addWidget(self.workspace)
        self.setCentralWidget(self.stack)
        self._build_menu()
        self.resize(1200, 760)

    def _build_menu(self) -> None:
        self.lock_action = QAction(self)
        self.lock_action.setShortcut(QKeySequence("Ctrl+L"))
        self.lock_action.setEnabled(False)
        self.quit_action = QAction(self)
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        self.menu = self.menuBar().addMenu("")
        self.menu.addAction(self.lock_action)
        self.menu.addAction(self.quit_action)
        self.language_menu = self.menuBar().addMenu("")
        self.language_actions = {}
        for code in i18n.UI_LANGUAGES:
            action = QAction(LANGUAGE_NAMES[code], self, checkable=True)
            action.triggered.connect(lambda _checked=False, code=code: choose_language(code))
            self.language_menu.addAction(action)
            self.language_actions[code] = action

    def _connect(self) -> None:
        self.unlock_page.unlock_requested.connect(self.start_unlock)
        self.table.selectionModel().currentRowChanged.connect(lambda current, _old: self._row_chosen(current.row()))
        self.table.activated.connect(lambda _index: self.start_read())
        self.panel.read_requested.connect(self.start_read)
        self.panel.send_requested.connect(self.start_reply)
        self.receive_button.clicked.connect(self.start_receive)
        self.refresh_button.clicked.connect(self.reload)
        self.lock_action.triggered.connect(self.lock)
        self.quit_action.triggered.connect(self.close)
        self.idle.idle_expired.connect(self.lock)
        i18n.add_listener(self._language_changed)

    def _language_changed(self, _language: str) -> None:
        self.retranslate()
        self.panel.message.clear()                   # said in the old language
        self._reload_when_idle()                     # the list's words in the new one

    def _reload_when_idle(self) -> None:
        """Read the list again once no operation uses the store (the menu stays usable while one runs)."""
        if self.store is None:
            return
        if tasks.pending():
            QTimer.singleShot(100, self, self._reload_when_idle)
            return
        self.reload()

    def retranslate(self, *_language) -> None:
        self.setWindowTitle(_("fieldapp: CMM's desk"))
        self.menu.setTitle(_("&Store"))
        self.language_menu.setTitle(_("&Language"))
        for code, action in self.language_actions.items():
            action.setChecked(code == i18n.current_language())
        self.lock_action.setText(_("&Lock"))
        self.quit_action.setText(_("&Quit"))
        self.receive_button.setText(_("&Receive from a folder ..."))
        self.refresh_button.setText(_("Re&fresh"))
        self.unlock_page.retranslate()
        self.panel.retranslate()
        self.model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, self.model.columnCount() - 1)
        self._show_who()

    # -- unlock and lock ----------------------------------------------------------------------
    def start_unlock(self) -> Task | None:
        location = self.unlock_page.place()
        user = " ".join(self.unlock_page.user.text().split()) or None
        passphrase = self.unlock_page.passphrase.text()
        self.unlock_page.error.clear()
        if not location or not passphrase:
            self.unlock_page.error.setText(_("Name the intake store and type your passphrase."))
            return None
        if not db.is_database(location) and not Path(location).is_file():
            self.unlock_page.error.setText(_("No intake store was found at this place. Register an "
                                             "organisation's key first to create it."))
            return None
        self.unlock_page.unlock.setEnabled(False)
        self.unlock_page.passphrase.clear()
        if not db.is_database(location):
            _remember(STORE_KEY, str(Path(location).resolve()))
        self.task = self._unlocking = Task(self, _("Unlocking ..."),
                                           lambda _progress: db.open_store(location, passphrase, user))
        self.task.finished_ok.connect(self._opened)
        self.task.finished_error.connect(self._unlock_failed)
        self.task.start()
        return self.task

    def _unlock_failed(self, message: str) -> None:
        self.unlock_page.error.setText(message)
        self.unlock_page.reset()

    def _opened(self, store) -> None:
        if self._unlocking is not None and self._unlocking.token.cancelled:    # the window closed meanwhile
            store.close()
            self.unlock_page.reset()
            return
        self.store = store
        # Read once here: later the store's connection may be busy with an operation in its thread.
        self._name = db.roster(store).get(store.desk.slot_id, {}).get("name", "")
        self.stack.setCurrentWidget(self.workspace)
        self.lock_action.setEnabled(True)
        self.input_filters.start()
        self.idle.start()
        self.receive_button.setVisible(INTAKE in store.desk.keys)
        self.panel.allow(read=CASE in store.desk.keys, reply=desk.can_reply(store))
        self.panel.form.folder.setText(_remembered(REPLIES_FOLDER_KEY))
        self._show_who()
        self.status.setText(" ".join(store.notices))
        self.activateWindow()            # back from the unlock's progress dialog
        self.table.setFocus()
        self.reload()
        self.unlocked.emit()

    def _show_who(self) -> None:
        if self.store is None:
            self.who.clear()
            return
        self.who.setText(_("<b>{name}</b> ({role})").format(name=_html(self._name),
                                                            role=role_label(self.store.desk.role)))

    def lock(self) -> None:
        """Hide every referral at once, stop running work (or quit if it will not stop), close the store."""
        self._generation += 1
        self.stack.setCurrentWidget(self.unlock_page)
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QDialog | QMessageBox) and widget.isVisible():
                widget.reject()
        if not tasks.stop_all(STOP_SECONDS):
            print(_("A task did not stop within {seconds:.0f} seconds of locking: fieldapp quits so that the "
                    "store's keys leave memory.").format(seconds=STOP_SECONDS), file=sys.stderr)
            os._exit(ExitCode.FAILURE)
        self.idle.stop()
        self.input_filters.stop()
        self.model.clear()
        self.counts.clear()
        self.read = None
        self.panel.clear()
        self.panel.show_row(None)
        self.status.clear()
        if self.store is not None:
            self.store.close()
            self.store = None
        self.lock_action.setEnabled(False)
        self._show_who()
        self.unlock_page.reset()
        self.locked.emit()

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt override
        if self._unlocking is not None:
            self._unlocking.cancel()
        if self.store is not None or tasks.pending():
            self.lock()
        i18n.remove_listener(self._language_changed)
        super().closeEvent(event)

    # -- the list -------------------------------------------------------------------------------
    def reload(self) -> Task | None:
        if self.store is None:
            return None
        store = self.store
        return self._run(_("Reading the intake store ..."), lambda _progress: desk.incoming(store), self._listed)

    def _listed(self, rows: list) -> None:
        chosen = self.panel.row.packet_id if self.panel.row is not None else None
        self.model.reload(lambda offset, limit: rows[offset:offset + limit])
        live = [row for row in rows if not row.quarantined and not desk.closed(row)]
        urgent = sum(1 for row in live if row.urgent)
        unknown = sum(1 for row in live if row.urgent is None)
        text = ngettext("{count} referral on file; {urgent} urgent and not closed.",
                        "{count} referrals on file; {urgent} urgent and not closed.",
                        len(rows)).format(count=len(rows), urgent=urgent)
        if unknown:
            text += " " + ngettext("{count} received before urgency was kept: read it to know.",
                                   "{count} received before urgency was kept: read them to know.",
                                   unknown).format(count=unknown)
        self.counts.setText(text)
        again = next((i for i, row in enumerate(rows) if row.packet_id == chosen), 0 if rows else -1)
        if again >= 0:
            self.table.selectRow(again)
        else:
            self.panel.show_row(None)

    def _row_chosen(self, row: int) -> None:
        chosen = self.model.row_at(row)
        if chosen is None or self.read is None or self.read.packet_id != chosen.packet_id:
            self.read = None
        self.panel.show_row(chosen, self.read)
        self.panel.allow(read=self.store is not None and CASE in self.store.desk.keys,
                         reply=self.store is not None and desk.can_reply(self.store))

    def selected(self) -> db.DeskRow | None:
        index = self.table.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    # -- operations -----------------------------------------------------------------------------
    def _run(self, title: str, work, done) -> Task:
        generation = self._generation

        def current(then):
            """``then`` only while the store this operation began on is still open."""
            return lambda result: then(result) if generation == self._generation and self.store is not None else None

        self.task = Task(self, title, work, quiet_ms=150)
        self.task.finished_ok.connect(current(done))
        self.task.finished_error.connect(current(self._failed))
        self.task.start()
        return self.task

    def _failed(self, message: str) -> None:
        self.panel.message.setText(message)

    def start_read(self) -> Task | None:
        row = self.selected()
        if self.store is None or row is None or CASE not in self.store.desk.keys:
            return None
        store, packet_id = self.store, row.packet_id
        return self._run(_("Opening the referral ..."), lambda _progress: desk.read(store, packet_id), self._shown)

    def _shown(self, referral: desk.Referral) -> None:
        self.read = referral
        self.panel.message.clear()
        self.panel.show_row(self.selected(), referral)
        self.reload()                     # the urgency of an older referral is known now

    def start_reply(self) -> Task | None:
        row = self.selected()
        if self.store is None or row is None:
            return None
        folder = self.panel.form.folder.text().strip()
        answer = self.panel.form.answer()
        store, packet_id = self.store, row.packet_id

        def work(_progress):
            path = desk.send_reply(store, packet_id, answer, Path(folder) if folder else None)
            return path, desk.sent_replies(store, packet_id)

        if folder:
            _remember(REPLIES_FOLDER_KEY, folder)
        return self._run(_("Sealing the reply ..."), work, self._replied)

    def _replied(self, result) -> None:
        path, sent = result
        if self.read is not None:
            self.read = desk.Referral(self.read.packet_id, self.read.lines, sent, self.read.urgent)
        self.panel.message.setText(
            _("Reply sealed to the organisation and written: {path}").format(path=path.name) if path is not None else
            _("Reply sealed to the organisation and kept: its sync collects it from CMM's server. For a stick, "
              "choose its replies folder before sending."))
        self.reload()

    def start_receive(self) -> Task | None:
        if self.store is None:
            return None
        chosen = QFileDialog.getExistingDirectory(self, _("Folder of packets to receive"), "")
        return self.receive_from(Path(chosen)) if chosen else None

    def receive_from(self, folder: Path) -> Task | None:
        from fieldapp.cmm.folder import receive_folder
        from fieldapp.cmm.intake import Intake
        from fieldapp.protocol.crypto import CmmSecret

        store = self.store
        if store is None:
            return None
        if INTAKE not in store.desk.keys:
            self.panel.message.setText(InvalidInput(_("CMM's secret key is not in the intake store yet: receive "
                                                      "packets once as an admin, then reply.")).message)
            return None

        def work(_progress):
            return receive_folder(Intake(store, CmmSecret(bytes(store.desk.keys[INTAKE]))), folder)

        return self._run(_("Receiving packets ..."), work, self._received)

    def _received(self, results) -> None:
        accepted = sum(r.accepted for r in results)
        again = sum(1 for r in results if not r.accepted and r.reason_code == "duplicate")
        refused = [r for r in results if not r.accepted and r.reason_code != "duplicate"]
        text = _("{accepted} accepted, {again} received before, {refused} refused.").format(
            accepted=accepted, again=again, refused=len(refused))
        if refused:                  # why, for the first few (file names escaped by the folder reader)
            text += " " + "; ".join(f"{printable(r.source)}: {r.reason}" for r in refused[:3])
        self.status.setText(text)
        self.reload()


def _model() -> LazyTableModel:
    """The referrals on file, one row each, from the coded columns only."""
    return LazyTableModel([
        Column(lambda: _("Urgent"), desk.urgent_words),
        Column(lambda: _("Received"), lambda r: moment_text(r.received_at)),
        Column(lambda: _("Organisation"), lambda r: r.org_name or r.org[:8]),
        Column(lambda: _("Period"), lambda r: period_words(r.period)),
        Column(lambda: _("Gender"), lambda r: _(codes.GENDERS.get(r.gender, r.gender))),
        Column(lambda: _("Age group"), lambda r: age_words(r.age_group)),
        Column(lambda: _("Nationality"), lambda r: nationality_words(r.nationality)),
        Column(lambda: _("Exploitation"), lambda r: labels_words(r.forms, codes.EXPLOITATION_FORMS)),
        Column(lambda: _("Industry"), lambda r: labels_words(r.industries, codes.INDUSTRIES) if r.industries else ""),
        Column(lambda: _("Forced crime"),
               lambda r: labels_words(r.crime_forms, codes.CRIME_FORMS) if r.crime_forms else ""),
        Column(lambda: _("CMM's answer"), desk.status_words),
    ], lambda offset, limit: [])


def _masked(location: str) -> str:
    """A database URL with its password replaced by asterisks; anything else as it is."""
    if not db.is_database(location):
        return location
    parts = urlsplit(location)
    if parts.password is None:
        return location
    user = parts.username or ""
    host = parts.hostname or ""
    netloc = f"{user}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def _html(text: str) -> str:
    from html import escape

    return escape(text)


def _remembered(key: str) -> str:
    """A path kept in the settings, if it is still there (a stick may be gone)."""
    path = str(QSettings().value(key, "") or "")
    return path if path and Path(path).exists() else ""


def _remember(key: str, path: str) -> None:
    if _remembered(key) != path:
        folders.store_setting(key, path)


def run_desk(location: str = "") -> int:
    from fieldapp.ui.app import make_app, report_unexpected

    app = make_app(default_language="da")            # CMM's staff work in Danish first
    sys.excepthook = report_unexpected
    window = DeskWindow(location)
    window.show()
    return app.exec()
