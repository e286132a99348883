"""The frame every record form shares: rows made from field descriptions (``add``), labelled from them at
each ``retranslate``, each with its own error line; Ctrl+S / Enter to save,
Esc to cancel (asking first when something was changed), problems shown beside their fields;
and the few helpers the record lists share (tables, shortcuts, confirmation)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from fieldapp.domain.fields import Field
from fieldapp.errors import FieldappError, ValidationError
from fieldapp.i18n import _
from fieldapp.security.session import Session
from fieldapp.ui import changes
from fieldapp.ui.field_widgets import field_widget
from fieldapp.ui.table_model import LazyTableModel
from fieldapp.ui.tasks import Task

ERROR_STYLE = "color: #b00020;"
FIT_ROWS = 60


def error_label(name: str) -> QLabel:
    label = QLabel(objectName=f"error_{name}")
    label.setStyleSheet(ERROR_STYLE)
    label.setWordWrap(True)
    label.hide()
    return label


def record_table(name: str, model: LazyTableModel) -> QTableView:
    """A read-only table of whole rows, one selected at a time."""
    table = QTableView(objectName=name)
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.horizontalHeader().setStretchLastSection(True)
    table.verticalHeader().hide()
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 8)
    table.setWordWrap(False)
    # Columns and rows are fitted to what a screen shows, not to every row loaded: a list of thousands of rows
    # would otherwise hold the window for most of a second each time it is filled.
    table.horizontalHeader().setResizeContentsPrecision(FIT_ROWS)
    table.verticalHeader().setResizeContentsPrecision(FIT_ROWS)
    # Fitted in the next turn of the event loop: filling a list and measuring it are two short waits, not one long.
    # Once a list has been fitted to rows, a refill (after a save, a filter) keeps the widths: columns that jump
    # at every keystroke are hard to read, and measuring again held the window each time.
    model.rowsInserted.connect(lambda _parent, first, _last: first == 0 and not table.property("fitted")
                               and QTimer.singleShot(0, table, lambda: _fit_once(table)))
    return table


def _fit_once(table: QTableView) -> None:
    fit_columns(table)
    table.setProperty("fitted", table.model().rowCount() > 0)


class _SearchKeys(QObject):
    """Down in a search box moves into its results; Return there picks the first result."""

    def __init__(self, search: QLineEdit, table: QTableView) -> None:
        super().__init__(search)
        self._table = table

    def eventFilter(self, _watched, event) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.KeyPress and event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Return,
                                                                     Qt.Key.Key_Enter):
            if self._table.model().rowCount() == 0:
                return False
            index = self._table.currentIndex()
            if not index.isValid() or not self._table.selectionModel().hasSelection():
                self._table.selectRow(0)
            self._table.setFocus(Qt.FocusReason.OtherFocusReason)
            return True
        return False


def lead_to_results(search: QLineEdit, table: QTableView) -> None:
    """Let the keyboard go from a search box into its result list (Down, Return)."""
    search.installEventFilter(_SearchKeys(search, table))


def fit_columns(table: QTableView) -> None:
    """Every column but the last as wide as its first rows; the last takes the rest."""
    for column in range(table.model().columnCount() - 1):
        table.resizeColumnToContents(column)
    if table.wordWrap():
        table.resizeRowsToContents()


def selected_row(table: QTableView):
    rows = table.selectionModel().selectedRows()
    return table.model().row_at(rows[0].row()) if rows else None


def on_keys(widget: QWidget, keys, slot: Callable[[], None], *, only_widget: bool = False) -> QShortcut:
    """A shortcut active while the focus is in ``widget`` (or only on it): pages and tabs side by
    side may then use the same keys."""
    shortcut = QShortcut(QKeySequence(keys), widget)
    shortcut.setContext(Qt.ShortcutContext.WidgetShortcut if only_widget
                        else Qt.ShortcutContext.WidgetWithChildrenShortcut)
    shortcut.activated.connect(slot)
    return shortcut


def close_form(form: QDialog | None) -> None:
    """Close a form without asking (on lock: what was typed must go with the data)."""
    if form is not None and isValid(form):
        if isinstance(form, RecordForm):
            form.dirty = False
        form.reject()


def delete_selected_row(tab: QWidget, title: str, question: str, delete: Callable[[object], None], done: str,
                        kind: str) -> None:
    """A list tab's Delete: ask ``question`` about the selected row, ``delete(row)``, say ``done`` (or why not) on the
    tab's message line, refill the tab and tell every page that records of ``kind`` changed."""
    row = selected_row(tab.table)
    if row is None or not confirmed(tab, title, question):
        return
    try:
        delete(row)
    except FieldappError as error:
        tab.message.setText(error.message)
        return
    tab.message.setText(done)
    tab.reload()
    changes.notify(tab._session, kind)  # noqa: SLF001 - the tab's own session


def confirmed(parent: QWidget, title: str, text: str) -> bool:
    answer = QMessageBox.question(parent, title, text, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                  QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes


@dataclass(frozen=True)
class DescribedRow:
    """A form row made for a described field; ``built``: the widget was made from the description."""

    field: Field
    label: QLabel
    widget: QWidget
    built: bool


class RecordForm(QDialog):
    """Subclasses add their fields with ``add()`` (a described field) or ``field()``, then call
    ``finish()``; they implement ``writer()`` (check what only the widgets know, collect them into a record, and
    return the service call that writes it) and ``retranslate()``, calling this class's for the labels.

    The write runs on a task's thread with a database connection of its own (a commit waits for the disk, which
    can take a second on a busy laptop): meanwhile the form is disabled, and a second Enter writes nothing."""

    saved = Signal(object)

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.dirty = False
        self.errors: dict[str, QLabel] = {}
        self._fields: dict[str, QWidget] = {}
        self.described: list[DescribedRow] = []
        self.saving: Task | None = None
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle("fieldapp")          # never personal data in a title
        self.heading = QLabel()
        self.body = QWidget()
        self.form = QFormLayout(self.body)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.general_error = error_label("general")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setObjectName("saveButton")
        self.save_button.setDefault(True)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.cancel)
        QShortcut(QKeySequence.StandardKey.Save, self, self.save)

    # -- construction ---------------------------------------------------------------------------
    def add(self, field: Field, widget: QWidget | None = None, *, form: QFormLayout | None = None,
            prefix: str = "", buddy: QWidget | None = None, **options) -> QWidget:
        """Add a row for ``field``: its ``widget``, or one made from the description (``options`` go to
        ``field_widget``). Its label, tick-box text and code labels are set in ``retranslate()``;
        problems for ``prefix + field.name`` show below it. ``buddy``: what the label's mnemonic
        focuses, when not ``widget`` itself."""
        built = widget is None
        if widget is None:
            widget = field_widget(field, **options)
        label = self.field(prefix + field.name, widget, form)
        if buddy is not None:
            label.setBuddy(buddy)
        self.described.append(DescribedRow(field, label, widget, built))
        return widget

    def field(self, name: str, widget: QWidget, form: QFormLayout | None = None) -> QLabel:
        """Add ``widget`` under a label (mnemonic focuses it) with an error line below it."""
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(widget)
        summary = getattr(widget, "summary", None)          # a tick list says what is ticked
        if isinstance(summary, QLabel):
            column.addWidget(summary)
        self.errors[name] = error_label(name)
        column.addWidget(self.errors[name])
        self._fields[name] = widget
        label = QLabel()
        label.setBuddy(widget)
        (form or self.form).addRow(label, box)
        return label

    def finish(self, *, scroll: bool = False) -> None:
        """Lay out heading, fields and buttons; start noticing changes (after the values are loaded)."""
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        if scroll:
            area = QScrollArea()
            area.setWidgetResizable(True)
            holder = QWidget()                    # keeps the rows together at the top
            column = QVBoxLayout(holder)
            column.setContentsMargins(0, 0, 0, 0)
            column.addWidget(self.body)
            column.addStretch(1)
            area.setWidget(holder)
            area.setFrameShape(QScrollArea.Shape.NoFrame)
            layout.addWidget(area, 1)
        else:
            layout.addWidget(self.body, 1)
        layout.addWidget(self.general_error)
        layout.addWidget(self.buttons)
        for button in self.body.findChildren(QPushButton):
            button.setAutoDefault(False)          # Enter saves the form, whatever has the focus
        self.retranslate()
        self.watch_changes(self.body)

    def watch_changes(self, root: QWidget) -> None:
        for edit in root.findChildren(QLineEdit):
            edit.textEdited.connect(self.mark_dirty)
        for combo in root.findChildren(QComboBox):
            combo.activated.connect(self.mark_dirty)
        for spin in root.findChildren(QSpinBox):
            spin.valueChanged.connect(self.mark_dirty)
        for moment in root.findChildren(QDateTimeEdit):
            moment.dateTimeChanged.connect(self.mark_dirty)
        for button in root.findChildren(QAbstractButton):
            if button.isCheckable():
                button.toggled.connect(self.mark_dirty)
        for checks in root.findChildren(QListWidget):
            checks.itemChanged.connect(self.mark_dirty)
        for note in root.findChildren(QPlainTextEdit):
            note.textChanged.connect(self.mark_dirty)

    def mark_dirty(self, *_args) -> None:
        self.dirty = True

    def retranslate(self) -> None:
        self.save_button.setText(_("&Save"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        for row in self.described:
            row.label.setText(_(row.field.label) if row.field.label else "")
            if row.field.tick:
                row.widget.setText(_(row.field.tick))
            if row.built and hasattr(row.widget, "retranslate"):
                row.widget.retranslate()

    # -- saving ---------------------------------------------------------------------------------
    def writer(self) -> Callable[[], object] | None:
        """On the window's thread: check what only the widgets know (raise ``ValidationError``) and collect the
        record; return the write (the service call, which may raise ``ValidationError`` too), which runs on a
        task's thread. None: the form showed something to answer first."""
        raise NotImplementedError

    def save(self) -> None:
        if self.saving is not None:            # Enter pressed again while the write runs
            return
        self.show_problems({})
        try:
            write = self.writer()
        except ValidationError as error:
            self.show_problems(error.problems)
            return
        except FieldappError as error:
            self.show_problems({"": error.message})
            return
        if write is None:
            return
        task = Task(self, _("Saving…"), lambda _progress: write(), session=self._session, quiet_ms=400,
                    failure=ValidationError)
        task.finished_ok.connect(self._stored)
        task.finished_error.connect(self._not_stored)
        task.failed_with.connect(self._refused)
        self.saving = task
        task.start()

    def _stored(self, stored: object) -> None:
        self.saving = None
        if not isValid(self) or not self._session.is_open:      # closed by a lock meanwhile: the pages are gone
            return
        self.dirty = False
        self.saved.emit(stored)
        self.accept()

    def _not_stored(self, message: str) -> None:
        self.saving = None
        if isValid(self):
            self.show_problems({"": message})

    def _refused(self, error: ValidationError) -> None:
        self.saving = None
        if isValid(self):
            self.show_problems(error.problems)

    def show_problems(self, problems: dict[str, str]) -> None:
        """Each message beside its field; others (and the first line of all) below the form."""
        for label in [*self.errors.values(), self.general_error]:
            label.clear()
            label.hide()
        loose = []
        for name, message in problems.items():
            label = self.errors.get(name)
            if label is None:
                loose.append(message)
                continue
            label.setText(message)
            label.show()
        if loose:
            self.general_error.setText("\n".join(loose))
            self.general_error.show()
        first = next((self._fields[name] for name in problems if name in self._fields), None)
        if first is not None:
            first.setFocus()

    # -- leaving --------------------------------------------------------------------------------
    def cancel(self) -> None:
        if self.dirty and not self._discard_ok():
            return
        self.reject()

    def _discard_ok(self) -> bool:
        answer = QMessageBox.question(self, _("Unsaved changes"), _("Discard what you typed in this form?"),
                                      QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
                                      QMessageBox.StandardButton.Cancel)
        return answer == QMessageBox.StandardButton.Discard

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt override: Esc asks before losing changes
        if event.key() == Qt.Key.Key_Escape:
            self.cancel()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt override: the window's close button
        if self.saving is not None:            # the write decides: it closes the form, or shows what it refused
            event.ignore()
            return
        if self.dirty and self.isVisible() and not self._discard_ok():
            event.ignore()
            return
        super().closeEvent(event)
