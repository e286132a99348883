"""The Qt binding must not leak references: PySide6 6.12.0 dropped one reference to None on every
void call, which aborts the interpreter after some thousands of calls (a long session, a test run).
pyproject.toml excludes that release; this test catches the next one that does the same."""

from __future__ import annotations

import sys

from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QLabel


def test_void_calls_keep_none_alive(qtbot) -> None:
    label, document = QLabel(), QTextDocument()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for _ in range(2000):
        label.setText("x")
        document.setHtml("<b>x</b>")
        label.resize(10, 10)
    assert sys.getrefcount(None) >= before - 100
