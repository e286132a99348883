"""Application-wide change notifications (past tense)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class AppSignals(QObject):
    language_changed = Signal(str)
    vault_unlocked = Signal()
    vault_locked = Signal()
