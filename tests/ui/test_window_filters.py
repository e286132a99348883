"""The input filters sit on the app's windows (not the application): every window gets them, a window that never
took the focus within a rescan, and the lock takes them off every window."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent, QWindow
from PySide6.QtWidgets import QApplication

from fieldapp.ui.idle import IdleWatcher
from fieldapp.ui.window_filters import RESCAN_MS, WindowFilters


def _key_at(window: QWindow) -> None:
    QApplication.sendEvent(window, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_A, Qt.KeyboardModifier.NoModifier))


def _seen(watcher: IdleWatcher, window: QWindow) -> bool:
    watcher._last -= 100                                      # noqa: SLF001 - as if 100 s went by
    _key_at(window)
    return watcher.idle_seconds() < 50


def test_a_window_that_never_took_the_focus_is_reached_within_a_rescan_and_let_go_at_stop(qtbot) -> None:
    watcher = IdleWatcher(600)
    filters = WindowFilters(watcher)
    before = QWindow()                                        # there at start
    filters.start()
    try:
        assert _seen(watcher, before)
        later = QWindow()                                     # made afterwards, never shown or focused
        assert not _seen(watcher, later)                      # no rescan yet
        qtbot.wait(3 * RESCAN_MS)
        assert _seen(watcher, later)
    finally:
        filters.stop()
    assert not _seen(watcher, before) and not _seen(watcher, later)
    later.destroy()
    before.destroy()
