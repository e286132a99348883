"""Stopping long work from outside its thread: the lock screen must not wait for a hung network peer.

A ``CancelToken`` is handed to work that may block. The work checks it between steps (``check``), sleeps on it
(``sleep``) and, around a blocking call, registers how to break that call off (``hook``: shut a socket down,
interrupt an SQLite statement). ``cancel()`` sets the flag and runs those hooks, from any thread.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator

from fieldapp.errors import FieldappError
from fieldapp.i18n import _


class Cancelled(FieldappError):
    """The work was stopped before it finished; what was done so far is kept or rolled back by its own rules."""

    def default_message(self) -> str:
        return _("Stopped before it finished.")


class CancelToken:
    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._hooks: list[Callable[[], None]] = []

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def cancel(self) -> None:
        """Stop the work: set the flag and break off whatever it is blocked in."""
        with self._lock:
            self._event.set()
            hooks = list(self._hooks)
        for hook in hooks:
            with contextlib.suppress(Exception):
                hook()

    def check(self) -> None:
        if self._event.is_set():
            raise Cancelled()

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` unless cancelled first (then ``Cancelled``)."""
        self._event.wait(seconds)
        self.check()

    @contextlib.contextmanager
    def hook(self, breaker: Callable[[], None]) -> Iterator[None]:
        """Within the block, ``cancel()`` also calls ``breaker`` (run at once if already cancelled)."""
        with self._lock:
            self._hooks.append(breaker)
            already = self._event.is_set()
        if already:
            with contextlib.suppress(Exception):
                breaker()
        try:
            yield
        finally:
            with self._lock:
                self._hooks.remove(breaker)
        self.check()


NEVER = CancelToken()  # for callers that never cancel
