"""One change signal per open vault (the idea of Anki's OpChanges): after an operation changes records, the page
that ran it says which kinds changed, and every page that shows those kinds refreshes. No page is stale until the
next lock, and no page needs to know which others exist.

Kinds: ``people``, ``contacts``, ``visits``, ``venues``, ``referrals``, ``organisation``, ``online``, ``codes`` (the
organisation's own code lists).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import QObject, Signal, Slot

from fieldapp.security.session import Session

KINDS = frozenset({"people", "contacts", "visits", "venues", "referrals", "organisation", "online", "codes"})
_ATTRIBUTE = "_ui_change_bus"


class ChangeBus(QObject):
    changed = Signal(object)  # a frozenset of KINDS


class _Listener(QObject):
    """Lives as a child of the page that listens, so the connection goes when the page goes."""

    def __init__(self, receiver: QObject, kinds: frozenset, refresh: Callable[[], None]) -> None:
        super().__init__(receiver)
        self._kinds, self._refresh = kinds, refresh

    @Slot(object)
    def changed(self, what: frozenset) -> None:
        if what & self._kinds:
            self._refresh()


def bus(session: Session) -> ChangeBus:
    """The bus of this open vault; it goes with the session."""
    found = session.__dict__.get(_ATTRIBUTE)
    if found is None:
        found = ChangeBus()
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
    listener = _Listener(receiver, frozenset(kinds), refresh)
    bus(session).changed.connect(listener.changed)
