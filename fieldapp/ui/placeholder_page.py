"""An area that is not built yet says what will be there."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


class PlaceholderPage(QWidget):
    def __init__(self, title: Callable[[], str], text: Callable[[], str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._title, self._text = title, text
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        self.retranslate()

    def retranslate(self) -> None:
        self.label.setText(f"<h2>{self._title()}</h2><p>{self._text()}</p>")

    def clear(self) -> None:
        """Nothing to forget."""
