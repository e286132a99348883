"""Copying sensitive values: kept out of clipboard history and managers where the platform has a hint,
and cleared after 30 seconds or on lock (only if the clipboard still holds what we put there)."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QObject, QTimer
from PySide6.QtGui import QGuiApplication

CLEAR_AFTER_MS = 30_000


class SensitiveClipboard(QObject):
    def __init__(self, parent: QObject | None = None, clear_after_ms: int = CLEAR_AFTER_MS) -> None:
        super().__init__(parent)
        self._text: str | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(clear_after_ms)
        self._timer.timeout.connect(self.clear)

    def copy(self, text: str) -> None:
        data = QMimeData()
        data.setText(text)
        data.setData("x-kde-passwordManagerHint", b"secret")                  # KDE Klipper and others
        data.setData("ExcludeClipboardContentFromMonitorProcessing", b"1")    # Windows clipboard history
        data.setData("CanIncludeInClipboardHistory", b"\x00\x00\x00\x00")
        data.setData("application/x-nspasteboard-concealed-type", b"secret")  # macOS managers
        QGuiApplication.clipboard().setMimeData(data)
        self._text = text
        self._timer.start()

    def clear(self) -> None:
        clipboard = QGuiApplication.clipboard()
        if self._text is not None and clipboard.text() == self._text:
            clipboard.clear()
        self._text = None
        self._timer.stop()
