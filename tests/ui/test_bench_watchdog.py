"""The desk benchmark's watchdog samples where the window's thread is; it must keep none of that thread's frames.

A frame kept alive keeps its locals alive after its function returned. One of them may be the wrapper PySide made
for the ``watched`` of an application event filter (the idle watcher, the copy filter) while that widget was still
being constructed, typed as far as it was built: a QHeaderView in QAbstractScrollArea's constructor is a
QAbstractScrollArea. While that wrapper lives PySide hands it out for the finished widget too, and a visit form
failed on ``horizontalHeader().setStretchLastSection`` (AttributeError) in a benchmark run."""

from __future__ import annotations

import time
import weakref

from PySide6.QtWidgets import QApplication, QHeaderView, QTableWidget

from benchmarks.bench_desk import Watchdog
from fieldapp.ui.clipboard import SensitiveClipboard, SensitiveCopyFilter
from fieldapp.ui.idle import IdleWatcher


class _Local:
    pass


def _busy_until_sampled(watchdog: Watchdog) -> weakref.ref:
    """Hold the thread (no beat: every look finds it late) until the watchdog sampled this very frame."""
    local = _Local()
    deadline = time.monotonic() + 5
    while not watchdog._samples and time.monotonic() < deadline:  # noqa: SLF001 - what the watchdog sampled
        pass
    assert watchdog._samples, "the watchdog took no sample"  # noqa: SLF001
    return weakref.ref(local)


def test_the_watchdog_keeps_no_frame_of_the_window_thread(qtbot) -> None:
    with Watchdog() as watchdog:
        gone = _busy_until_sampled(watchdog)
        assert gone() is None           # the sampled frame's locals went with the frame


def test_headers_keep_their_type_while_the_watchdog_samples(qtbot) -> None:
    app = QApplication.instance()
    clipboard = SensitiveClipboard()
    filters = (SensitiveCopyFilter(clipboard), IdleWatcher(300))      # installed as the unlocked window does
    for event_filter in filters:
        app.installEventFilter(event_filter)
    wrong = []
    try:
        with Watchdog():
            end = time.perf_counter() + 1.5
            while time.perf_counter() < end:                          # busy: the watchdog samples all along
                table = QTableWidget(0, 3)
                wrong += [type(header).__name__ for header in (table.horizontalHeader(), table.verticalHeader())
                          if not isinstance(header, QHeaderView)]
                table.deleteLater()
            app.processEvents()
    finally:
        for event_filter in filters:
            app.removeEventFilter(event_filter)
    assert wrong == []
