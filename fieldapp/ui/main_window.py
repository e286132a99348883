"""The main window: the lock screen, or the workspace with its areas once the vault is unlocked.

Locking closes every open dialog, destroys the pages (so no data stays in a widget), closes the
session (the key is forgotten) and shows the lock screen.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QWidget,
)

from fieldapp import i18n
from fieldapp.errors import ExitCode
from fieldapp.i18n import _
from fieldapp.security.session import Session
from fieldapp.storage.connection import close_in_background, wait_closed
from fieldapp.ui import changes, folders, memory, tasks
from fieldapp.ui.clipboard import SensitiveClipboard, SensitiveCopyFilter
from fieldapp.ui.create_vault_dialog import CreateVaultDialog
from fieldapp.ui.idle import IdleWatcher
from fieldapp.ui.pages import page_specs
from fieldapp.ui.platform_lock import PlatformLockWatcher
from fieldapp.ui.settings_page import idle_minutes
from fieldapp.ui.unlock_page import Unlocked, UnlockPage
from fieldapp.ui.window_filters import WindowFilters

STOP_SECONDS = 5.0


def _exit_now() -> None:
    """Work that does not stop would keep the vault's keys in memory behind the lock screen: quit instead."""
    print(_("A task did not stop within {seconds:.0f} seconds of locking: fieldapp quits so that the vault's keys "
            "leave memory.").format(seconds=STOP_SECONDS), file=sys.stderr)
    os._exit(ExitCode.FAILURE)


class MainWindow(QMainWindow):
    locked = Signal()
    unlocked = Signal()

    def __init__(self, vault_path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vault_path = Path(vault_path)
        self.session: Session | None = None
        self.pages: dict[str, QWidget] = {}
        self._holders: dict[str, QWidget] = {}          # stand-ins of the pages not built yet
        self._untranslated: list[str] = []              # built pages not yet said in the language chosen last
        self._last_page = ""   # the page shown when the vault locked (its name only): shown again after unlock
        self._retention_done: tuple[int, int] | None = None
        self.idle = IdleWatcher(300, self)
        self.collector = memory.Collector(lambda: self.session is not None or self.unlock_page.busy(),
                                          self.idle.idle_seconds, lambda: bool(tasks.pending()), self)
        self.platform_lock = PlatformLockWatcher(self)
        self.clipboard = SensitiveClipboard(self)          # the one every copy of vault data goes through
        self.copy_filter = SensitiveCopyFilter(self.clipboard, self)
        # On the windows, not the application (see window_filters); the filter given last runs first: the idle
        # watcher must see the Ctrl+C the copy filter takes.
        self.input_filters = WindowFilters(self.copy_filter, self.idle, parent=self)
        self._build()
        self._connect()
        self.retranslate()
        self.unlock_page.reset()          # focus where the user types first
        i18n.add_listener(self._language_changed)

    # -- construction -------------------------------------------------------------------------
    def _build(self) -> None:
        self.stack = QStackedWidget()
        self.unlock_page = UnlockPage(self.vault_path)
        self.workspace = QWidget(objectName="workspace")
        self.nav = QListWidget(objectName="navigation")
        self.nav.setFixedWidth(180)
        self.page_stack = QStackedWidget(objectName="pageStack")
        row = QHBoxLayout(self.workspace)
        row.addWidget(self.nav)
        row.addWidget(self.page_stack, 1)
        self.stack.addWidget(self.unlock_page)
        self.stack.addWidget(self.workspace)
        self.setCentralWidget(self.stack)
        self.user_label = QLabel(objectName="statusUser")
        self.vault_label = QLabel(objectName="statusVault")
        # Permanent widgets stay visible while a message (reminder, warning) shows on the left.
        self.statusBar().addPermanentWidget(self.user_label)
        self.statusBar().addPermanentWidget(self.vault_label)
        self.lock_action = QAction(self)
        self.lock_action.setShortcut(QKeySequence("Ctrl+L"))
        self.lock_action.setEnabled(False)
        self.vault_menu = self.menuBar().addMenu("")
        self.vault_menu.addAction(self.lock_action)
        self.quit_action = QAction(self)
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        self.vault_menu.addAction(self.quit_action)
        self.resize(1100, 720)

    def _connect(self) -> None:
        self.unlock_page.unlocked.connect(self._unlocked)
        self.unlock_page.create_requested.connect(self.start_create)
        self.nav.currentRowChanged.connect(self._page_chosen)
        self.nav.itemClicked.connect(lambda _item: self._focus_page())
        self.nav.itemActivated.connect(lambda _item: self._focus_page())
        # Ctrl+N and Ctrl+F while the side list has the focus act in the page it shows (in the page, the page's
        # own shortcuts act): right after unlock and after choosing a page, the keys work as the page says.
        for keys, action in (("Ctrl+N", "new"), ("Ctrl+F", "find")):
            shortcut = QShortcut(QKeySequence(keys), self.nav)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(lambda action=action: self._act(action))
        self.lock_action.triggered.connect(self.lock)
        self.quit_action.triggered.connect(self.close)
        self.idle.idle_expired.connect(self.lock)
        self.platform_lock.lock_requested.connect(self._lock_if_open)
        QApplication.instance().aboutToQuit.connect(self._quitting)

    def retranslate(self) -> None:
        self.setWindowTitle("fieldapp")   # never personal data in a title
        self.vault_menu.setTitle(_("&Vault"))
        self.lock_action.setText(_("&Lock"))
        self.quit_action.setText(_("&Quit"))
        self.unlock_page.retranslate()
        for row, spec in enumerate(page_specs()):
            if row < self.nav.count():
                self.nav.item(row).setText(spec.title())
        # The page shown is said again now; the others one per turn of the event loop (or at once when chosen),
        # so a language switch never holds the window while every widget of every page is laid out again.
        shown = self._current_page()
        if shown is not None:
            shown.retranslate()
        self._untranslated = [key for key, page in self.pages.items() if page is not shown]
        if self._untranslated:
            QTimer.singleShot(0, self._retranslate_next)
        self._update_status()

    def _retranslate_next(self) -> None:
        if not self._untranslated:
            return
        self._retranslate_page(self._untranslated[0])
        if self._untranslated:
            QTimer.singleShot(0, self._retranslate_next)

    def _retranslate_page(self, key: str) -> None:
        if key in self._untranslated:
            self._untranslated.remove(key)
            page = dict.get(self.pages, key)          # a page locked away meanwhile is not built again
            if page is not None:
                page.retranslate()

    def _language_changed(self, _language: str) -> None:
        self.retranslate()
        # A message shown in the old language ("Visit saved.") is cleared rather than left behind; the
        # reminders in the status bar are said again in the new one.
        for label in self.workspace.findChildren(QLabel):
            if label.objectName().endswith("Message"):
                label.clear()
        if self.session is not None:
            self._show_reminders(self.session)

    # -- unlock and lock ----------------------------------------------------------------------
    def _unlocked(self, result: Unlocked) -> None:
        self.open_session(result.session, retention=result.retention)

    def open_session(self, session: Session, *, retention: tuple[int, int] | None = None) -> None:
        """Show the workspace for ``session``; ``retention`` is what the retention run at this unlock deleted
        (it ran in the unlock's thread, with the key derivation and the checks)."""
        self.session = session
        self.collector.unlocked()
        self._retention_done = retention
        wanted = self._last_page
        # A stand-in for each page; the page shown first is built now, the others one per turn of the event loop
        # (or at once when asked for), so the window never waits for all of them together.
        self.pages = _Pages(self._build_page)
        for spec in page_specs():
            holder = QWidget()
            self._holders[spec.key] = holder
            self.page_stack.addWidget(holder)
            self.nav.addItem(spec.title())
        keys = [spec.key for spec in page_specs()]
        self.nav.setCurrentRow(keys.index(wanted) if wanted in keys else 0)
        QTimer.singleShot(0, lambda: self._build_next(session))
        self.stack.setCurrentWidget(self.workspace)
        QTimer.singleShot(0, self._focus_page)
        self.lock_action.setEnabled(True)
        self.idle.set_timeout(idle_minutes(session) * 60)
        self.input_filters.start()
        self.idle.start()
        self._update_status()
        self.unlocked.emit()
        self._show_reminders(session)

    def _show_reminders(self, session: Session) -> None:
        """The warnings of this unlock and the reminders, in the interface language of the moment."""
        from fieldapp.lifecycle import backup

        messages = list(session.warnings)
        if self._retention_done is not None:
            messages.append(_("Retention: {people} people and {visits} visits past their time were deleted.")
                            .format(people=self._retention_done[0], visits=self._retention_done[1]))
        if not session.read_only and session.can("backup") and backup.backup_overdue(session):
            messages.append(_("No recent backup: make one in Settings, Backup and safety."))
        if messages:
            self.statusBar().showMessage("  ".join(messages))
        else:
            self.statusBar().clearMessage()

    def _build_page(self, key: str) -> QWidget:
        """Build page ``key`` in place of its stand-in."""
        if self.session is None or key not in self._holders:
            raise KeyError(key)
        page = next(spec for spec in page_specs() if spec.key == key).build(self.session)
        holder = self._holders.pop(key)
        shown = self.page_stack.currentWidget() is holder
        self.page_stack.insertWidget(self.page_stack.indexOf(holder), page)
        self.page_stack.removeWidget(holder)
        holder.deleteLater()
        if shown:
            self.page_stack.setCurrentWidget(page)
        dict.__setitem__(self.pages, key, page)
        if key == "settings":
            page.idle_changed.connect(lambda minutes: self.idle.set_timeout(minutes * 60))
            page.wipe_requested.connect(self.panic_wipe)
        elif key == "leaflets":
            page.materials_handed_out.connect(self._materials_handed_out)
        elif key == "people":
            page.leaflet_requested.connect(self._show_leaflet)
        return page

    def _show_leaflet(self, tag: str, variant: str) -> None:
        """The Leaflets page with the sheet chosen for a person (for a child, the children's sheet)."""
        row = [spec.key for spec in page_specs()].index("leaflets")
        self.nav.setCurrentRow(row)
        self.pages["leaflets"].choose(tag, variant)
        self._focus_page()

    def _build_next(self, session: Session) -> None:
        """Build one more page while the vault stays open, then come back for the next."""
        if self.session is not session:
            return
        if not self._holders:                         # every page is built: later collections skip them
            memory.keep_long_lived()
            return
        if tasks.pending():                           # work on the vault first (it may hold the window's connection)
            QTimer.singleShot(100, lambda: self._build_next(session))
            return
        try:
            self._build_page(next(iter(self._holders)))
        finally:                                      # a page that fails to build does not stop the others
            QTimer.singleShot(0, lambda: self._build_next(session))

    def _page_chosen(self, row: int) -> None:
        if 0 <= row < len(page_specs()) and self.session is not None:
            key = page_specs()[row].key
            if key in self._holders:                           # not built yet: now
                self._build_page(key)
            self._retranslate_page(key)                        # in the language chosen since it was built
            self._last_page = key
        self.page_stack.setCurrentIndex(row)

    def _current_page(self) -> QWidget | None:
        page = self.page_stack.currentWidget()
        return page if page in self.pages.values() else None

    def _focus_page(self) -> None:
        """Put the keyboard in the page shown: where the page says it starts, or its first field."""
        page = self._current_page()
        if page is None:
            return
        if hasattr(page, "focus_start"):
            page.focus_start()
            return
        for child in page.findChildren(QWidget):
            if child.isVisible() and child.isEnabled() and child.focusPolicy() & Qt.FocusPolicy.TabFocus:
                child.setFocus(Qt.FocusReason.OtherFocusReason)
                return

    def _act(self, action: str) -> None:
        page = self._current_page()
        if page is not None and hasattr(page, "act"):
            page.act(action)
        else:
            self._focus_page()

    def _materials_handed_out(self, handed_out: list) -> None:
        from fieldapp.records.current_visit import add_materials

        if self.session is None or self.session.read_only:
            return
        visit = add_materials(self.session, handed_out)
        if visit is not None:
            changes.notify(self.session, "visits")
        self.statusBar().showMessage(
            _("Added to your current visit's materials.") if visit is not None
            else _("No visit of yours started in the last 12 hours: log the visit to record what was handed out."))

    def _lock_if_open(self) -> None:
        if self.session is not None:
            self.lock()
        else:
            self.unlock_page.cancel()          # an unlock under way ends locked

    def lock(self) -> None:
        """Hide all data at once, stop running work (or quit if it will not stop), and forget the key."""
        self.stack.setCurrentWidget(self.unlock_page)
        self._close_dialogs()
        if not tasks.stop_all(STOP_SECONDS):
            _exit_now()
        self.input_filters.stop()
        self.clipboard.clear()
        self.idle.stop()
        for page in self.pages.values():
            page.clear()
            self.page_stack.removeWidget(page)
            page.deleteLater()
        for holder in self._holders.values():
            self.page_stack.removeWidget(holder)
            holder.deleteLater()
        self._holders.clear()
        self.pages = {}
        self._untranslated = []
        self.nav.clear()
        if self.session is not None:
            # The keys are zeroed and the vault closed in a thread of its own (the audit event, the anchor and the
            # folded WAL wait for the disk); an unlock meanwhile waits for it, and if it has not ended within
            # STOP_SECONDS the process quits, as for a task that does not stop.
            session, self.session = self.session, None
            session.begin_close()
            closing = close_in_background(session.path, session.close)
            # This close's thread, not the vault's: a later lock's close may be under way when the time is up.
            QTimer.singleShot(round(STOP_SECONDS * 1000), self, lambda: closing.is_alive() and _exit_now())
        self.lock_action.setEnabled(False)
        self.stack.setCurrentWidget(self.unlock_page)
        self.unlock_page.reset()
        self._update_status()
        self.collector.locked()
        self.locked.emit()

    def panic_wipe(self) -> None:
        """Destroy the key material and the vault now (the confirmation came before)."""
        from fieldapp.security.wipe import wipe_files

        self.lock()
        if not wait_closed(self.vault_path, STOP_SECONDS):
            _exit_now()
        wipe_files(self.vault_path)
        folders.forget()                        # where exports went says something too
        self.unlock_page.refresh_state()
        self.unlock_page.error_label.setText(_("The vault was destroyed."))

    def _close_dialogs(self) -> None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QDialog | QMessageBox) and widget.isVisible():
                widget.reject()

    def _update_status(self) -> None:
        if self.session is None:
            self.user_label.setText(_("Locked"))
        else:
            self.user_label.setText(_("User: {name} ({role})").format(
                name=self.session.user.name, role=_role_label(self.session.user.role)))
        self.vault_label.setText(_("Vault: {name}").format(name=self.vault_path.name))

    def start_create(self) -> None:
        dialog = CreateVaultDialog(self.vault_path, self)
        dialog.finished.connect(lambda _code: self._created(dialog))
        dialog.open()
        self.create_dialog = dialog

    def _created(self, dialog: CreateVaultDialog) -> None:
        self.unlock_page.refresh_state()
        if dialog.session is not None:
            self.unlock_page.user_edit.setText(dialog.session.user.name)
            self.open_session(dialog.session)

    def _quitting(self) -> None:
        """Quitting without closing the window (the desktop session ends) locks too, and waits for an unlock
        under way (a running thread must not be torn down)."""
        self._lock_if_open()
        if not tasks.stop_all(STOP_SECONDS) or not wait_closed(self.vault_path, STOP_SECONDS):
            _exit_now()
        self.clipboard.clear()

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt override
        if self.session is not None:
            self.lock()
        else:
            self.unlock_page.cancel()
            if not tasks.stop_all(STOP_SECONDS):          # an unlock still deriving its key
                _exit_now()
        self.clipboard.clear()
        self.collector.release()
        i18n.remove_listener(self._language_changed)
        super().closeEvent(event)


class _Pages(dict):
    """The pages built so far; asking for one not built yet builds it there and then."""

    def __init__(self, build) -> None:
        super().__init__()
        self._build = build

    def __missing__(self, key: str) -> QWidget:
        return self._build(key)


def _role_label(role: str) -> str:
    from fieldapp.domain.codes import ROLES

    return _(ROLES.get(role, role))
