"""A list of codes with check boxes, labelled in the interface language."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from fieldapp.i18n import _


class CheckList(QListWidget):
    def __init__(self, labels: Mapping[str, str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._labels = dict(labels)
        for code in self._labels:
            item = QListWidgetItem()
            item.setData(Qt.ItemDataRole.UserRole, code)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.addItem(item)
        self.retranslate()

    def retranslate(self) -> None:
        for row in range(self.count()):
            item = self.item(row)
            item.setText(_(self._labels[item.data(Qt.ItemDataRole.UserRole)]))

    def set_checked(self, codes: Iterable[str]) -> None:
        wanted = set(codes)
        for row in range(self.count()):
            item = self.item(row)
            state = Qt.CheckState.Checked if item.data(Qt.ItemDataRole.UserRole) in wanted else Qt.CheckState.Unchecked
            item.setCheckState(state)

    def checked(self) -> tuple[str, ...]:
        return tuple(self.item(r).data(Qt.ItemDataRole.UserRole) for r in range(self.count())
                     if self.item(r).checkState() == Qt.CheckState.Checked)

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt override: Space toggles the current row
        item = self.currentItem()
        if event.key() == Qt.Key.Key_Space and item is not None:
            checked = item.checkState() == Qt.CheckState.Checked
            item.setCheckState(Qt.CheckState.Unchecked if checked else Qt.CheckState.Checked)
            return
        super().keyPressEvent(event)
