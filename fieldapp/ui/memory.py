"""Python's cyclic garbage collector and the window.

A full collection walks every object the process holds; with a vault's pages built that took up to
226 ms (benchmarks/bench_desk.py), at any moment, so the window stalled where nothing else was slow.
Once the pages are built, everything alive is frozen (``gc.freeze``): later collections walk only what
is new. After a lock, once the lock screen has stood untouched for a while (nobody waits on the window
then), the freeze is lifted and everything is collected, the closed session's pages included; what the
lock screen keeps is frozen again.
"""

from __future__ import annotations

import gc
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

QUIET_AFTER_LOCK_MS = 10_000


def keep_long_lived() -> None:
    """Everything alive now lives long (the window, its pages): leave it out of later collections."""
    gc.freeze()


class Collector(QObject):
    """Collects everything once the lock screen has stood untouched for ``QUIET_AFTER_LOCK_MS``; never
    while a session is open or an unlock runs (``waited_on`` says so)."""

    def __init__(self, waited_on: Callable[[], bool], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._waited_on = waited_on
        self._timer = QTimer(self, singleShot=True, interval=QUIET_AFTER_LOCK_MS)
        self._timer.timeout.connect(self._collect)

    def locked(self) -> None:
        self._timer.start(QUIET_AFTER_LOCK_MS)

    def unlocked(self) -> None:
        self._timer.stop()

    def _collect(self) -> None:
        if self._waited_on():
            return
        gc.unfreeze()
        gc.collect()
        gc.freeze()
