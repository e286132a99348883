"""Idle lock by wall-clock time: a laptop that slept past the limit is locked when it wakes."""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QObject, QTimer, Signal

_ACTIVITY = {
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove, QEvent.Type.Wheel,
    QEvent.Type.TouchBegin, QEvent.Type.Shortcut, QEvent.Type.ShortcutOverride,
}


class IdleWatcher(QObject):
    """Emits ``idle_expired`` once when no input arrived for ``timeout_s`` seconds of wall time."""

    idle_expired = Signal()

    def __init__(self, timeout_s: float, parent: QObject | None = None, clock=time.time) -> None:
        super().__init__(parent)
        self._clock = clock
        self._timeout = float(timeout_s)
        self._last = clock()
        self._armed = False
        self._timer = QTimer(self)
        self._timer.setInterval(500)
        self._timer.timeout.connect(self.check)

    def set_timeout(self, timeout_s: float) -> None:
        self._timeout = float(timeout_s)

    def start(self) -> None:
        self._last = self._clock()
        self._armed = True
        self._timer.start()

    def stop(self) -> None:
        self._armed = False
        self._timer.stop()

    def poke(self) -> None:
        self._last = self._clock()

    def idle_seconds(self) -> float:
        """Seconds of wall time since the last input."""
        return self._clock() - self._last

    def check(self) -> None:
        if self._armed and self._clock() - self._last >= self._timeout:
            self.stop()
            self.idle_expired.emit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() in _ACTIVITY:
            self._last = self._clock()
        return False
