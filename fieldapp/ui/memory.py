"""Python's cyclic garbage collector and the window.

A full collection walks every object the process holds; with a vault's pages built that took up to
226 ms (benchmarks/bench_desk.py), at any moment, so the window stalled where nothing else was slow.
Once the pages are built, everything alive is frozen (``gc.freeze``): later collections walk only what
is new. After a lock, once the lock screen has stood untouched for a while (nobody waits on the window
then), the freeze is lifted and everything is collected, the closed session's pages included; what the
lock screen keeps is frozen again.

Even so a full collection came at any moment while a vault was open (71-191 ms each, freeing nothing, in
the window's thread or in a task's, which holds the interpreter meanwhile): so while a window lives, the young
generations are collected as Python does it (a few ms each) and the oldest only at quiet moments, when
nobody has touched the window for ``QUIET_MS`` and no work runs, at least every ``AT_LEAST_EVERY_S`` between
two pieces of work however busy the window is, and after a lock. Closing the window gives it back to Python.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

QUIET_AFTER_LOCK_MS = 10_000
QUIET_MS = 15_000          # no input for this long while a vault is open: a full collection costs nobody
AT_LEAST_EVERY_S = 600     # and however busy the evening, one full collection this often (memory stays bounded)
_NEVER = 1 << 30           # a threshold the oldest generation's count never reaches


def keep_long_lived() -> None:
    """Everything alive now lives long (the window, its pages): leave it out of later collections."""
    gc.freeze()


def oldest_generation_at_quiet_moments() -> None:
    """Stop Python from collecting the oldest generation by itself: ``Collector`` (one per window, which
    calls this) does it when nobody waits."""
    young, middle, _oldest = gc.get_threshold()
    gc.set_threshold(young, middle, _NEVER)


class Collector(QObject):
    """Collects everything once the lock screen has stood untouched for ``QUIET_AFTER_LOCK_MS``; never
    while a session is open or an unlock runs (``waited_on`` says so). While a vault is open, the oldest
    generation is collected when the window has had no input for ``QUIET_MS`` (``idle_seconds``) and nothing
    runs (``busy``)."""

    def __init__(self, waited_on: Callable[[], bool], idle_seconds: Callable[[], float],
                 busy: Callable[[], bool], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._waited_on, self._idle_seconds, self._busy = waited_on, idle_seconds, busy
        self._timer = QTimer(self, singleShot=True, interval=QUIET_AFTER_LOCK_MS)
        self._timer.timeout.connect(self._collect)
        self._quiet = QTimer(self, interval=QUIET_MS // 3)
        self._quiet.timeout.connect(self._collect_if_quiet)
        self._collected_since_input = False
        self._last_full = time.monotonic()
        self._thresholds = gc.get_threshold()
        oldest_generation_at_quiet_moments()

    def locked(self) -> None:
        self._quiet.stop()
        self._timer.start(QUIET_AFTER_LOCK_MS)

    def unlocked(self) -> None:
        self._timer.stop()
        self._collected_since_input = False
        self._quiet.start()

    def _collect_if_quiet(self) -> None:
        """One full collection per quiet spell (the oldest generation, what is frozen left out), and one at least
        every ``AT_LEAST_EVERY_S`` even while someone keeps working, between two pieces of work."""
        overdue = time.monotonic() - self._last_full >= AT_LEAST_EVERY_S
        if self._idle_seconds() * 1000 < QUIET_MS and not overdue:
            self._collected_since_input = False
            return
        if (self._collected_since_input and not overdue) or self._busy():
            return
        gc.collect()
        self._last_full = time.monotonic()
        self._collected_since_input = self._idle_seconds() * 1000 >= QUIET_MS

    def release(self) -> None:
        """The window is closing: Python collects every generation by itself again."""
        self._quiet.stop()
        self._timer.stop()
        gc.set_threshold(*self._thresholds)

    def _collect(self) -> None:
        if self._waited_on():
            return
        gc.unfreeze()
        gc.collect()
        gc.freeze()
