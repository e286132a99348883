"""Event filters on the app's windows, not on the application.

The idle watcher must see every key and click, and the copy filter every Copy, Cut and context menu. An application
event filter sees them, but also every other event to every object: a page built at unlock, a language switch or a
new form sends thousands (LanguageChange, Polish, LayoutRequest, ChildAdded ...), and PySide wraps each receiver
for the Python filter. Two such filters held the window for 30-40 ms of a language switch's 50-60
(benchmarks/bench_desk.py).

The user's input arrives at a window (``QWindow``) first: keys and shortcut checks at the window that has the focus,
which hands them on to the focus widget or an open popup, clicks at the window under the mouse. So the filters are
installed on the windows: on each window as it takes the focus, and on every window of the app at start and ten
times a second after (a dialog the window manager shows without the focus, then right-clicked). They see the user's
input and a handful of other events. Left open: a new window clicked within that tenth of a second, before it had
the focus, gets Qt's own context menu (a plain copy).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QGuiApplication, QWindow

RESCAN_MS = 100


class WindowFilters(QObject):
    """Install ``filters`` on every window of the app while started; the filter given last sees an event first.

    Installing again is harmless: Qt keeps one entry per filter and moves it to the front, so the order holds."""

    def __init__(self, *filters: QObject, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._filters = filters
        self._timer = QTimer(self)
        self._timer.setInterval(RESCAN_MS)
        self._timer.timeout.connect(self._scan)
        self._started = False

    def start(self) -> None:
        if self._started:
            return
        self._started = True
        QGuiApplication.instance().focusWindowChanged.connect(self._install)
        self._scan()
        self._timer.start()

    def stop(self) -> None:
        if not self._started:
            return
        self._started = False
        self._timer.stop()
        QGuiApplication.instance().focusWindowChanged.disconnect(self._install)
        for window in QGuiApplication.allWindows():         # a window destroyed took its filters with it
            for event_filter in self._filters:
                window.removeEventFilter(event_filter)

    def _scan(self) -> None:
        for window in QGuiApplication.allWindows():
            self._install(window)

    def _install(self, window: QWindow | None) -> None:
        if window is not None:
            for event_filter in self._filters:
                window.installEventFilter(event_filter)
