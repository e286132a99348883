"""Small helpers for forms built in code."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QLabel, QVBoxLayout, QWidget


def add_row(form: QFormLayout, field: QWidget) -> QLabel:
    """Add ``field`` with a label whose mnemonic (``&``) focuses it; set the text in retranslate(). A field
    with a ``summary`` label (a tick list) gets it right below."""
    label = QLabel()
    label.setBuddy(field)
    summary = getattr(field, "summary", None)
    if isinstance(summary, QLabel):
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(field)
        column.addWidget(summary)
        form.addRow(label, box)
    else:
        form.addRow(label, field)
    return label
