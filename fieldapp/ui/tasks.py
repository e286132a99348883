"""Slow work off the GUI thread, with a progress dialog, routing success or failure back.

The session's connection is used by one thread at a time: the progress dialog is modal, so the
user cannot start anything else on the vault while the task runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from fieldapp.errors import FieldappError
from fieldapp.i18n import _


class _Worker(QObject):
    progressed = Signal(int, int, str)
    succeeded = Signal(object)
    failed = Signal(str)

    def __init__(self, work: Callable[[Callable[[int, int, str], None]], Any]) -> None:
        super().__init__()
        self._work = work

    def run(self) -> None:
        try:
            result = self._work(lambda done, total, text: self.progressed.emit(done, total, text))
        except FieldappError as error:
            self.failed.emit(error.message)
        except Exception:  # noqa: BLE001 - shown as a generic message; details never include personal data
            self.failed.emit(_("Something went wrong. Nothing was lost; please try again."))
        else:
            self.succeeded.emit(result)


class Task(QObject):
    """Run ``work(progress)`` in a thread; ``finished_ok(result)`` or ``finished_error(message)`` follow."""

    finished_ok = Signal(object)
    finished_error = Signal(str)

    def __init__(self, parent: QWidget, title: str, work: Callable[..., Any]) -> None:
        super().__init__(parent)
        self.dialog = QProgressDialog(title, "", 0, 0, parent)
        self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog.setCancelButton(None)
        self.dialog.setMinimumDuration(0)
        self._thread = QThread(self)
        self._worker = _Worker(work)
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        self._worker.progressed.connect(self._progress)
        self._worker.succeeded.connect(self._ok)
        self._worker.failed.connect(self._error)

    def start(self) -> None:
        self.dialog.show()
        self._thread.start()

    def _progress(self, done: int, total: int, text: str) -> None:
        self.dialog.setMaximum(max(total, 1))
        self.dialog.setValue(done)
        self.dialog.setLabelText(text)

    def _finish(self) -> None:
        self._thread.quit()
        self._thread.wait()
        self.dialog.reset()
        self.dialog.hide()

    def _ok(self, result: object) -> None:
        self._finish()
        self.finished_ok.emit(result)

    def _error(self, message: str) -> None:
        self._finish()
        self.finished_error.emit(message)
