"""Slow work off the GUI thread, with a progress dialog, routing success or failure back; and the registry of
running work that the lock screen stops.

Work on the vault runs on a database connection of its thread's own (``session=``); the progress dialog is
modal (or the workspace disabled), so the user does not start a second change meanwhile. Each task carries a
``CancelToken``: the dialog's Cancel button (where the work can stop safely) and the lock screen cancel it, which
stops the work between steps and breaks off a blocked network call or SQLite statement. A task belongs to no page,
so a page destroyed by the lock never takes a running thread with it (Qt aborts the process then); ``stop_all``
cancels every task and waits for its thread.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, QTimer, Signal
from PySide6.QtWidgets import QApplication, QProgressDialog, QWidget
from shiboken6 import isValid

from fieldapp.cancel import CancelToken
from fieldapp.errors import FieldappError
from fieldapp.i18n import _
from fieldapp.security.session import Session

_RUNNING: set[Task] = set()


class _Worker(QObject):
    progressed = Signal(int, int, str)
    succeeded = Signal(object)
    failed = Signal(str)
    failed_with = Signal(object)

    def __init__(self, work: Callable[[Callable[[int, int, str], None]], Any], token: CancelToken,
                 failure: type[FieldappError] | None, session: Session | None) -> None:
        super().__init__()
        self._work, self._token, self._failure, self._session = work, token, failure, session
        self.conn = None                         # the thread's own connection, while the work runs

    def _progress(self, done: int, total: int, text: str) -> None:
        self._token.check()                      # every step is a place to stop
        self.progressed.emit(done, total, text)

    def run(self) -> None:
        try:
            with self._session.own_connection() if self._session is not None else contextlib.nullcontext() as conn:
                self.conn = conn
                result = self._work(self._progress)
        except FieldappError as error:
            if self._failure is not None and isinstance(error, self._failure):
                self.failed_with.emit(error)
                return
            self.failed.emit(error.message)
        except Exception:  # noqa: BLE001 - shown as a generic message; details never include personal data
            self.failed.emit(_("Stopped before it finished.") if self._token.cancelled
                             else _("Something went wrong. Nothing was lost; please try again."))
        else:
            self.succeeded.emit(result)
        finally:
            # End the thread's event loop here: the GUI thread may be waiting for it (the lock) and cannot
            # handle the signal that would otherwise quit it.
            QThread.currentThread().quit()


class Task(QObject):
    """Run ``work(progress)`` in a thread; ``finished_ok(result)`` or ``finished_error(message)`` follow.

    ``token`` is the work's cancel token (pass the same one into the work to break off blocking calls);
    with ``session`` the work runs on a database connection of its thread's own (``Session.own_connection``),
    which cancel interrupts; ``interrupt`` is called on cancel as well; ``cancellable``
    shows a Cancel button for work that can stop at any step without harm; ``silent`` work shows nothing and blocks
    nothing (it must not use the vault). An error of the kind ``failure``
    names is not a message but an answer the caller acts on: ``failed_with(error)``."""

    finished_ok = Signal(object)
    finished_error = Signal(str)
    failed_with = Signal(object)

    def __init__(  # noqa: PLR0913 - keyword-only options of the one runner
            self, parent: QWidget, title: str, work: Callable[..., Any], *, token: CancelToken | None = None,
            interrupt: Callable[[], None] | None = None, cancellable: bool = False, quiet_ms: int = 0,
            failure: type[FieldappError] | None = None, silent: bool = False, session: Session | None = None) -> None:
        super().__init__()                       # no parent: a page deleted by the lock must not own the thread
        self.token = token or CancelToken()
        self._interrupt = interrupt
        self.dialog = QProgressDialog(title, _("Cancel") if cancellable else "", 0, 0, parent)
        self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
        if not cancellable:
            self.dialog.setCancelButton(None)
        self.dialog.setMinimumDuration(0)
        self.dialog.canceled.connect(self.cancel)
        # Quick work shows no dialog: for ``quiet_ms`` the page's window area is disabled instead (so nothing
        # else uses the vault meanwhile), and the dialog comes only if the work takes longer.
        # Silent work (it does not touch the vault: a dictionary, a cache) blocks nothing and shows no dialog;
        # the page says what it waits for.
        self._quiet_ms, self._silent = quiet_ms, silent
        # Work on the vault without a connection of its own runs on the window's: nothing else may use it meanwhile.
        self.on_window_connection = session is None and not silent
        self._blocked = _workspace_of(parent) if quiet_ms and not silent else None
        self._focus: QWidget | None = None
        self._thread = QThread()
        self._worker = _Worker(work, self.token, failure, session)
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        self._worker.progressed.connect(self._progress)
        self._worker.succeeded.connect(self._ok)
        self._worker.failed.connect(self._error)
        self._worker.failed_with.connect(self._error_with)

    def start(self) -> None:
        _RUNNING.add(self)
        if self._blocked is not None:
            # Disabling the area takes the keyboard focus from the field in it: it is given back at the end.
            self._focus = QApplication.focusWidget()
            self._blocked.setEnabled(False)
            QTimer.singleShot(self._quiet_ms, self._show_if_running)
        elif not self._silent:
            self.dialog.show()
        self._thread.start()

    def _show_if_running(self) -> None:
        if self in _RUNNING and isValid(self.dialog):
            self.dialog.show()

    def cancel(self) -> None:
        """Stop the work as soon as it can (from the Cancel button or the lock screen)."""
        if self.token.cancelled:
            return
        self.token.cancel()
        conn = self._worker.conn
        if conn is not None:
            with contextlib.suppress(Exception):   # between statements, or already closed
                conn.interrupt()
        if self._interrupt is not None:
            try:
                self._interrupt()
            except Exception:  # noqa: BLE001, S110 - the connection may be between statements or already closed
                pass

    def running(self) -> bool:
        return self._thread.isRunning()

    def wait(self, seconds: float) -> bool:
        """Wait up to ``seconds`` for the thread to end; True when it did."""
        return self._thread.wait(max(0, round(seconds * 1000)))

    def _progress(self, done: int, total: int, text: str) -> None:
        if isValid(self.dialog):
            self.dialog.setMaximum(max(total, 1))
            self.dialog.setValue(done)
            self.dialog.setLabelText(text)

    def _finish(self) -> None:
        self._thread.quit()
        self._thread.wait()
        _RUNNING.discard(self)
        if self._blocked is not None and isValid(self._blocked):
            self._blocked.setEnabled(True)
            focus = self._focus
            if focus is not None and isValid(focus) and focus.isVisible() and QApplication.focusWidget() is None:
                focus.setFocus(Qt.FocusReason.OtherFocusReason)
        if isValid(self.dialog):
            self.dialog.reset()
            self.dialog.hide()

    def _ok(self, result: object) -> None:
        self._finish()
        self.finished_ok.emit(result)

    def _error(self, message: str) -> None:
        self._finish()
        self.finished_error.emit(message)

    def _error_with(self, error: FieldappError) -> None:
        self._finish()
        self.failed_with.emit(error)


def _workspace_of(widget: QWidget) -> QWidget:
    """The area to disable while quick work runs: the main window's workspace, or the widget's own window."""
    window = widget.window()
    return window.findChild(QWidget, "workspace") or window


def pending() -> set[Task]:
    """Tasks started and not yet finished on the window's side (their thread may already have ended)."""
    return set(_RUNNING)


def window_connection_in_use() -> bool:
    """A task is working on the window's own database connection (a deactivation re-encrypting the vault)."""
    return any(task.on_window_connection for task in _RUNNING)


def running() -> list[Task]:
    return [task for task in _RUNNING if task.running()]


def stop_all(seconds: float) -> bool:
    """Cancel every running task and wait up to ``seconds`` in all for their threads; True when all ended."""
    for task in pending():               # a finished thread whose result is still on its way is cancelled too
        task.cancel()
    tasks = running()
    deadline = time.monotonic() + seconds
    return all(task.wait(deadline - time.monotonic()) for task in tasks)

