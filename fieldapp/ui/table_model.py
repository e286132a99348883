"""A lazy table model fed with dataclasses: rows are fetched a page at a time as the view scrolls,
never one widget per row and never every row at once."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column:
    title: Callable[[], str]            # translated at display time
    value: Callable[[Any], object]      # row -> display value


class LazyTableModel(QAbstractTableModel):
    """``fetch(offset, limit)`` returns the next rows; ``count()`` (optional) the total for the status."""

    PAGE = 100                        # a tall screen shows fewer; the view asks for more as it scrolls

    def __init__(self, columns: Sequence[Column], fetch: Callable[[int, int], list], parent=None) -> None:
        super().__init__(parent)
        self._columns = list(columns)
        self._fetch = fetch
        self._rows: list = []
        self._exhausted = False

    def reload(self, fetch: Callable[[int, int], list] | None = None) -> None:
        self.beginResetModel()
        if fetch is not None:
            self._fetch = fetch
        self._rows, self._exhausted = [], False
        self.endResetModel()
        if self.canFetchMore(QModelIndex()):
            self.fetchMore(QModelIndex())

    def clear(self) -> None:
        """Forget every row (on lock)."""
        self.beginResetModel()
        self._rows, self._exhausted = [], True
        self._fetch = lambda offset, limit: []
        self.endResetModel()

    def row_at(self, row: int):
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt override
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt override
        return 0 if parent.isValid() else len(self._columns)

    def canFetchMore(self, parent: Index) -> bool:  # noqa: N802 - Qt override
        return not parent.isValid() and not self._exhausted

    def fetchMore(self, parent: Index) -> None:  # noqa: N802 - Qt override
        batch = self._fetch(len(self._rows), self.PAGE)
        if len(batch) < self.PAGE:
            self._exhausted = True
        if batch:
            start = len(self._rows)
            self.beginInsertRows(QModelIndex(), start, start + len(batch) - 1)
            self._rows.extend(batch)
            self.endInsertRows()

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        value = self._columns[index.column()].value(self._rows[index.row()])
        return "" if value is None else str(value)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802 - Qt override
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self._columns[section].title()
        return None
