"""Pickers for coded values, labelled in the interface language: a combo for one code, a check
list for several, localised nationality and language names, and how moments are shown."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from functools import cache

from babel import Locale
from babel.dates import format_date, format_time
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QWidget,
)

from fieldapp import i18n
from fieldapp.domain import custom_codes
from fieldapp.domain.codes import LANGUAGES
from fieldapp.domain.places import nationality_codes
from fieldapp.domain.values import as_utc
from fieldapp.i18n import _

CODE = Qt.ItemDataRole.UserRole


def language_labels() -> dict[str, str]:
    """The offered languages, code -> name in the interface language, and the organisation's own languages and
    dialects by their labels (sorted by name)."""
    own = custom_codes.installed("languages")
    if not own:
        return dict(_language_labels(str(i18n.babel_locale())))
    found = [*_language_labels(str(i18n.babel_locale())), *((code.code, code.label) for code in own)]
    return dict(sorted(found, key=lambda item: item[1].casefold()))


def nationality_labels() -> dict[str, str]:
    """Countries, code -> name in the interface language (sorted by name); a list cell asks for it per row."""
    return dict(_nationality_labels(str(i18n.babel_locale())))


@cache
def _language_labels(locale: str) -> tuple[tuple[str, str], ...]:
    names = Locale.parse(locale).languages
    return tuple(sorted(((code, names.get(code, code)) for code in LANGUAGES), key=lambda item: item[1].casefold()))


@cache
def _nationality_labels(locale: str) -> tuple[tuple[str, str], ...]:
    names = Locale.parse(locale).territories
    return tuple(sorted(((code, names.get(code, code)) for code in nationality_codes()),
                        key=lambda item: item[1].casefold()))


def code_text(labels: Mapping[str, str], codes: Iterable[str]) -> str:
    """Translated labels of ``codes`` joined for a table cell."""
    return ", ".join(_(labels[code]) if code in labels else code for code in codes)


def moment_text(moment: datetime | str | None) -> str:
    """A stored moment in local time: the day as ``day_text`` writes it and the time on a 24-hour clock (one
    format for every moment the app shows). An ISO string is accepted; "" for none or an unreadable one."""
    if isinstance(moment, str):
        try:
            moment = datetime.fromisoformat(moment) if moment else None
        except ValueError:
            return ""
    if moment is None:
        return ""
    local = as_utc(moment).astimezone()
    return f"{day_text(local.date())} {format_time(local, 'HH:mm', locale=i18n.date_locale())}"


def day_text(day: date | None) -> str:
    """A day the one way the app writes days: the interface language's medium date (1. dec. 2026, 1 Dec 2026)."""
    return "" if day is None else format_date(day, "medium", locale=i18n.date_locale())


class CodeCombo(QComboBox):
    """One code out of ``labels`` (translated with ``_`` unless ``translate`` is False); an optional
    first entry ``blank()`` stands for "" (none, all or unknown)."""

    def __init__(self, labels: Mapping[str, str] | Callable[[], Mapping[str, str]],
                 blank: Callable[[], str] | None = None, *, translate: bool = True,
                 parent: QWidget | None = None, **properties) -> None:
        super().__init__(parent, **properties)
        self._labels, self._blank, self._translate = labels, blank, translate
        self.retranslate()

    def _current_labels(self) -> Mapping[str, str]:
        return self._labels() if callable(self._labels) else self._labels

    def retranslate(self) -> None:
        code = self.code()
        self.blockSignals(True)
        self.clear()
        if self._blank is not None:
            self.addItem(self._blank(), "")
        for key, label in self._current_labels().items():
            self.addItem(_(label) if self._translate else label, key)
        self.blockSignals(False)
        self.set_code(code)

    def code(self) -> str:
        return self.currentData() or ""

    def set_code(self, code: str) -> None:
        index = self.findData(code)
        self.setCurrentIndex(max(index, 0))


class SearchCombo(CodeCombo):
    """A ``CodeCombo`` the user can type into: a completer offers every entry containing the text."""

    def __init__(self, labels, blank=None, *, translate: bool = True, parent: QWidget | None = None,
                 **properties) -> None:
        super().__init__(labels, blank, translate=translate, parent=parent, **properties)
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        completer = self.completer()
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self._blank_as_placeholder()          # filled once already (CodeCombo's constructor): not read again

    def retranslate(self) -> None:
        """The blank entry shows as an empty field with the blank's text as placeholder, so typing
        starts afresh."""
        super().retranslate()
        self._blank_as_placeholder()

    def _blank_as_placeholder(self) -> None:
        if self._blank is not None and self.isEditable():
            self.setItemText(0, "")
            self.lineEdit().setPlaceholderText(self._blank())

    def code(self) -> str:
        """The code of the entry whose text was typed, "" for the blank entry; None-like "?" when the
        typed text names no entry (see ``typed_unknown``)."""
        index = self.findText(self.currentText().strip(), Qt.MatchFlag.MatchFixedString)
        return (self.itemData(index) or "") if index >= 0 else ""

    def typed_unknown(self) -> bool:
        text = self.currentText().strip()
        return bool(text) and self.findText(text, Qt.MatchFlag.MatchFixedString) < 0


class CodeChecks(QListWidget):
    """Several codes with check boxes; Space toggles the current row, typing jumps to a label."""

    def __init__(self, labels: Mapping[str, str] | Callable[[], Mapping[str, str]], *, translate: bool = True,
                 rows: int = 5, parent: QWidget | None = None, **properties) -> None:
        super().__init__(parent, **properties)
        self._labels, self._translate = labels, translate
        # What is ticked, in words, under the list (forms.add_row places it): the list shows a few rows only.
        self.summary = QLabel(objectName=f"{self.objectName()}Summary", wordWrap=True)
        self.itemChanged.connect(lambda _item: self._summarise())
        self.retranslate()
        row = self.sizeHintForRow(0) if self.count() else self.fontMetrics().height() + 2
        self.setFixedHeight(row * rows + 2 * self.frameWidth() + 2)

    def _summarise(self) -> None:
        ticked = [self.item(row).text() for row in range(self.count())
                  if self.item(row).checkState() == Qt.CheckState.Checked]
        self.summary.setText(_("Ticked: {items}").format(items=", ".join(ticked)) if ticked else _("Nothing ticked"))

    def retranslate(self) -> None:
        checked = set(self.checked())
        labels = self._labels() if callable(self._labels) else self._labels
        self.blockSignals(True)
        self.clear()
        for code, label in labels.items():
            item = QListWidgetItem(_(label) if self._translate else label)
            item.setData(CODE, code)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if code in checked else Qt.CheckState.Unchecked)
            self.addItem(item)
        self.blockSignals(False)
        self._summarise()

    def set_checked(self, codes: Iterable[str]) -> None:
        wanted = set(codes)
        for row in range(self.count()):
            item = self.item(row)
            item.setCheckState(Qt.CheckState.Checked if item.data(CODE) in wanted else Qt.CheckState.Unchecked)
        self._summarise()

    def checked(self) -> tuple[str, ...]:
        return tuple(self.item(row).data(CODE) for row in range(self.count())
                     if self.item(row).checkState() == Qt.CheckState.Checked)

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt override: Space toggles the current row
        item = self.currentItem()
        if event.key() == Qt.Key.Key_Space and item is not None:
            checked = item.checkState() == Qt.CheckState.Checked
            item.setCheckState(Qt.CheckState.Unchecked if checked else Qt.CheckState.Checked)
            return
        super().keyPressEvent(event)


class OptionalDate(QWidget):
    """A day that may be left out: a check box turns the date on (Space), the date follows it."""

    def __init__(self, parent: QWidget | None = None, **properties) -> None:
        super().__init__(parent, **properties)
        self.check = QCheckBox()
        self.edit = QDateEdit()
        self.edit.setCalendarPopup(True)
        self.edit.setDisplayFormat("yyyy-MM-dd")
        self.edit.setDate(QDate.currentDate().addDays(7))
        self.edit.setEnabled(False)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.check)
        row.addWidget(self.edit)
        row.addStretch(1)
        self.setFocusProxy(self.check)
        self.check.toggled.connect(self.edit.setEnabled)

    def day(self) -> date | None:
        return self.edit.date().toPython() if self.check.isChecked() else None

    def set_day(self, day: date | None) -> None:
        self.check.setChecked(day is not None)
        if day is not None:
            self.edit.setDate(QDate(day))
