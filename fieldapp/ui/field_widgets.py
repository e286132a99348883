"""Widgets made from field descriptions (``fieldapp.domain.fields``): a line edit as long as the
field's limit, a number edit or spin box within its range, a note of several lines, pickers for its
codes, a tick box, a day or a moment. ``field_widget`` makes the one a field's kind calls for."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from PySide6.QtCore import QDateTime, Qt
from PySide6.QtGui import QIntValidator
from PySide6.QtWidgets import QCheckBox, QDateTimeEdit, QLineEdit, QPlainTextEdit, QPushButton, QSpinBox, QWidget

from fieldapp.domain.fields import BOOL, CODE, CODES, DAY, INT, MOMENT, NOTE, TEXT, Field
from fieldapp.domain.values import as_utc
from fieldapp.ui.code_picker import CodeChecks, CodeCombo, OptionalDate

MOMENT_FORMAT = "yyyy-MM-dd HH:mm"
NUMBER_WIDTH = 90


class NoteEdit(QPlainTextEdit):
    """A note of several lines: Return starts a new line, Ctrl+Return saves the form (its default button),
    Tab moves on. ``text()``/``setText()`` as a line edit has them; at most ``max_length`` characters."""

    def __init__(self, max_length: int, *, lines: int = 3, parent: QWidget | None = None, **properties) -> None:
        super().__init__(parent, **properties)
        self.max_length = max_length
        self.setTabChangesFocus(True)
        self.setFixedHeight(self.fontMetrics().lineSpacing() * lines + 2 * self.frameWidth() + 8)
        self.textChanged.connect(self._limit)

    def text(self) -> str:
        return self.toPlainText()

    def setText(self, text: str) -> None:  # noqa: N802 - the line edit's name, so forms treat both alike
        self.setPlainText(text)

    def _limit(self) -> None:
        if len(self.toPlainText()) > self.max_length:
            cursor = self.textCursor()
            self.setPlainText(self.toPlainText()[:self.max_length])
            cursor.setPosition(min(cursor.position(), self.max_length))
            self.setTextCursor(cursor)

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt override
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) \
                and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            default = next((b for b in self.window().findChildren(QPushButton) if b.isDefault() and b.isEnabled()),
                           None)
            if default is not None:
                default.click()
                return
        super().keyPressEvent(event)


class MomentEdit(QDateTimeEdit):
    """A date and time field that Tab leaves at once (arrows move between its parts)."""

    def __init__(self, parent: QWidget | None = None, **properties) -> None:
        super().__init__(parent, **properties)
        self.setDisplayFormat(MOMENT_FORMAT)
        self.setCalendarPopup(True)

    def focusNextPrevChild(self, next_: bool) -> bool:  # noqa: N802 - Qt override
        return QWidget.focusNextPrevChild(self, next_)

    def moment(self) -> datetime:
        """The shown local time as a timezone-aware moment."""
        return self.dateTime().toPython().astimezone()

    def set_moment(self, moment: datetime) -> None:
        self.setDateTime(QDateTime(as_utc(moment).astimezone().replace(tzinfo=None, second=0, microsecond=0)))


def line_edit(field: Field, **properties) -> QLineEdit:
    edit = QLineEdit(**properties)
    if field.max_length is not None:
        edit.setMaxLength(field.max_length)
    return edit


def number_edit(field: Field, *, spin: bool = False, **properties) -> QLineEdit | QSpinBox:
    """Digits only, up to the field's highest number (a number out of range can still be typed while
    it has no more digits than the highest: validation names the range); ``spin``: a spin box that
    keeps within the range."""
    if spin:
        return spin_box(field, **properties)
    edit = QLineEdit(**properties)
    edit.setValidator(QIntValidator(field.low if field.low is not None else 0, field.high, edit))
    edit.setMaximumWidth(NUMBER_WIDTH)
    return edit


def spin_box(field: Field, **properties) -> QSpinBox:
    spin = QSpinBox(**properties)
    spin.setRange(field.low, field.high)
    return spin


def note_edit(field: Field, *, lines: int = 3, **properties) -> NoteEdit:
    return NoteEdit(field.max_length, lines=lines, **properties)


def code_combo(field: Field, *, blank: Callable[[], str] | None = None, **properties) -> CodeCombo:
    """One of the field's codes; ``blank`` names the entry for "" (an optional field's)."""
    return CodeCombo(_code_table(field), blank, **properties)


def code_checks(field: Field, *, rows: int = 5, **properties) -> CodeChecks:
    return CodeChecks(_code_table(field), rows=rows, **properties)


def _code_table(field: Field) -> Mapping[str, str]:
    if not isinstance(field.codes, Mapping):
        raise TypeError(f"{field.name}: codes without labels need a picker made by the form")
    return field.codes


_BUILDERS: dict[str, Callable[..., QWidget]] = {
    TEXT: line_edit, NOTE: note_edit, INT: number_edit, CODE: code_combo, CODES: code_checks,
    BOOL: lambda _field, **properties: QCheckBox(**properties),
    DAY: lambda _field, **properties: OptionalDate(**properties),
    MOMENT: lambda _field, **properties: MomentEdit(**properties),
}


def field_widget(field: Field, **options) -> QWidget:
    """The widget ``field``'s kind calls for, limited as the field is; ``options`` are the builder's
    (``rows``, ``blank``, ``lines``) and Qt properties (``objectName``)."""
    builder = _BUILDERS.get(field.kind)
    if builder is None:
        raise TypeError(f"{field.name}: a {field.kind} field needs a widget made by the form")
    return builder(field, **options)
