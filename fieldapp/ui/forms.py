"""Small helpers for forms built in code."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QLabel, QWidget


def add_row(form: QFormLayout, field: QWidget) -> QLabel:
    """Add ``field`` with a label whose mnemonic (``&``) focuses it; set the text in retranslate()."""
    label = QLabel()
    label.setBuddy(field)
    form.addRow(label, field)
    return label
