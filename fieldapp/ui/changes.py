"""One change signal per open vault (the idea of Anki's OpChanges): after an operation changes records, the page
that ran it says which kinds changed, and every page that shows those kinds refreshes. No page is stale until the
next lock, and no page needs to know which others exist.

Kinds: ``people``, ``contacts``, ``visits``, ``venues``, ``referrals``, ``organisation``, ``online``, ``codes`` (the
organisation's own code lists).

The pages that listen refresh one per turn of the event loop, each in a turn of its own after the change: a save
that concerns four lists no longer holds the window while all four refill (and the form closes) in one go. A
refresh still waiting when the vault locks is dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from shiboken6 import isValid

from fieldapp.security.session import Session
from fieldapp.ui import tasks

KINDS = frozenset({"people", "contacts", "visits", "venues", "referrals", "organisation", "online", "codes"})
_ATTRIBUTE = "_ui_change_bus"


class ChangeBus(QObject):
    changed = Signal(object)  # a frozenset of KINDS

    def __init__(self, session: Session) -> None:
        super().__init__()
        self._session = session
        self._waiting: list[_Listener] = []

    def later(self, listener: _Listener) -> None:
        """Refresh ``listener``'s page in a turn of its own (once, however many changes concern it meanwhile)."""
        if listener not in self._waiting:
            self._waiting.append(listener)
            if len(self._waiting) == 1:
                QTimer.singleShot(0, self, self._next)

    def pending(self) -> int:
        return len(self._waiting)

    def _next(self) -> None:
        if not self._waiting:
            return
        if tasks.window_connection_in_use():               # a refresh would read beside it: after it
            QTimer.singleShot(50, self, self._next)
            return
        listener = self._waiting.pop(0)
        if self._session.is_open and isValid(listener):     # not locked, and the page not gone, meanwhile
            listener.refresh()
        if self._waiting:
            QTimer.singleShot(0, self, self._next)


class _Listener(QObject):
    """Lives as a child of the page that listens, so the connection goes when the page goes."""

    def __init__(self, receiver: QObject, kinds: frozenset, refresh: Callable[[], None], bus: ChangeBus) -> None:
        super().__init__(receiver)
        self._kinds, self.refresh, self._bus = kinds, refresh, bus

    @Slot(object)
    def changed(self, what: frozenset) -> None:
        if what & self._kinds:
            self._bus.later(self)


def bus(session: Session) -> ChangeBus:
    """The bus of this open vault; it goes with the session."""
    found = session.__dict__.get(_ATTRIBUTE)
    if found is None:
        found = ChangeBus(session)
        session.__dict__[_ATTRIBUTE] = found
    return found


def notify(session: Session, *kinds: str) -> None:
    """Tell every page that records of these kinds changed."""
    unknown = set(kinds) - KINDS
    if unknown:
        raise ValueError(f"unknown kinds of change: {sorted(unknown)}")
    bus(session).changed.emit(frozenset(kinds))


def on_change(session: Session, receiver: QObject, kinds: Iterable[str], refresh: Callable[[], None]) -> None:
    """Call ``refresh()`` when any of ``kinds`` changed, for as long as ``receiver`` lives."""
    changes = bus(session)
    listener = _Listener(receiver, frozenset(kinds), refresh, changes)
    changes.changed.connect(listener.changed)
