"""Settings → Code lists (administrators): the organisation's own venue kinds, platforms, services, and languages or
dialects, each counted under a standard code. Pickers everywhere offer them as soon as they are added."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fieldapp.domain.custom_codes import LISTS, MAX_LABEL, CustomCode
from fieldapp.errors import FieldappError
from fieldapp.i18n import _
from fieldapp.records import custom_codes
from fieldapp.security.session import Session
from fieldapp.ui import changes
from fieldapp.ui.code_picker import SearchCombo
from fieldapp.ui.forms import add_row
from fieldapp.ui.record_form import ERROR_STYLE, record_table, selected_row
from fieldapp.ui.table_model import Column, LazyTableModel


class CustomCodesTab(QWidget):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._rows: tuple[CustomCode, ...] = ()
        self._parents: dict[str, str] = {}
        self._build()
        self._connect()
        self.retranslate()
        self.reload()

    def _build(self) -> None:
        self.intro = QLabel(objectName="customCodesIntro", wordWrap=True)
        self.list_combo = QComboBox(objectName="customCodeList")
        for name in LISTS:
            self.list_combo.addItem(name, name)
        self.model = LazyTableModel([
            Column(lambda: _("Name"), lambda c: c.label),
            Column(lambda: _("Counts as"), lambda c: self._parents.get(c.parent, c.parent)),
        ], lambda offset, limit: list(self._rows[offset:offset + limit]))
        self.table = record_table("customCodesTable", self.model)
        self.label_edit = QLineEdit(objectName="customCodeLabel", maxLength=MAX_LABEL)
        self.parent_combo = SearchCombo(lambda: self._parents, lambda: _("Choose…"), translate=False,
                                        objectName="customCodeParent")
        self.add_button, self.update_button, self.remove_button = (
            QPushButton(objectName=name) for name in ("customCodeAdd", "customCodeUpdate", "customCodeRemove"))
        self.message = QLabel(objectName="customCodeMessage", wordWrap=True)
        form = QFormLayout()
        self.labels = [add_row(form, widget) for widget in (self.list_combo, self.label_edit, self.parent_combo)]
        buttons = QHBoxLayout()
        for button in (self.add_button, self.update_button, self.remove_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)
        allowed = self._session.can("settings") and not self._session.read_only
        for widget in (self.label_edit, self.parent_combo, self.add_button, self.update_button, self.remove_button):
            widget.setEnabled(allowed)

    def _connect(self) -> None:
        self.list_combo.currentIndexChanged.connect(lambda _index: self.reload())
        self.table.selectionModel().selectionChanged.connect(lambda *_args: self._show_selected())
        # Return adds the name typed, or saves it as the new name of the code chosen in the list.
        self.label_edit.returnPressed.connect(lambda: self.save_code() if selected_row(self.table) else self.add_code())
        self.add_button.clicked.connect(self.add_code)
        self.update_button.clicked.connect(self.save_code)
        self.remove_button.clicked.connect(self.remove_code)

    def list_name(self) -> str:
        return self.list_combo.currentData() or "venue_kinds"

    def reload(self) -> None:
        """Fill the table and the parent choices for the chosen list."""
        self._fill_parents()
        self._rows = custom_codes.list_codes(self._session, self.list_name())
        self.model.reload()
        self._show_selected()

    def _fill_parents(self) -> None:
        """The standard codes of the chosen list, named in the interface language."""
        self._parents = custom_codes.parent_choices(self.list_name())
        self.parent_combo.retranslate()

    def _show_selected(self) -> None:
        row = selected_row(self.table)
        self.update_button.setEnabled(row is not None and self.add_button.isEnabled())
        self.remove_button.setEnabled(row is not None and self.add_button.isEnabled())
        if row is not None:
            self.label_edit.setText(row.label)
            self.parent_combo.set_code(row.parent)

    def retranslate(self) -> None:
        self.intro.setText(_(
            "Add the venue kinds, platforms, services and languages or dialects your organisation uses. Each "
            "counts as a standard code: reports count it there, and referrals to CMM send that code."))
        for index in range(self.list_combo.count()):
            self.list_combo.setItemText(index, _(LISTS[self.list_combo.itemData(index)]))
        for label, text in zip(self.labels, (_("Code &list"), _("&Name"), _("&Counts as")), strict=True):
            label.setText(text)
        self.add_button.setText(_("&Add"))
        self.update_button.setText(_("Save c&hanges"))
        self.remove_button.setText(_("&Remove"))
        self.model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, self.model.columnCount() - 1)
        self._fill_parents()

    def add_code(self) -> None:
        self._change(lambda: custom_codes.add_code(self._session, self.list_name(), self.label_edit.text(),
                                                   self.parent_combo.code()),
                     lambda code: _("Added “{label}”.").format(label=code.label))

    def save_code(self) -> None:
        row = selected_row(self.table)
        if row is None:
            return
        self._change(lambda: custom_codes.update_code(self._session, self.list_name(), row.code,
                                                      self.label_edit.text(), self.parent_combo.code()),
                     lambda code: _("Saved “{label}”.").format(label=code.label))

    def remove_code(self) -> None:
        row = selected_row(self.table)
        if row is None:
            return
        self._change(lambda: custom_codes.remove_code(self._session, self.list_name(), row.code),
                     lambda _none: _("Removed “{label}”.").format(label=row.label))

    def _change(self, act, done) -> None:
        try:
            result = act()
        except FieldappError as error:
            self._say(error.message, error=True)
            return
        self.label_edit.clear()
        self.parent_combo.set_code("")
        self.reload()
        self._say(done(result))
        changes.notify(self._session, "codes")

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message.setStyleSheet(ERROR_STYLE if error else "")
        self.message.setText(text)

    def clear(self) -> None:
        self.message.clear()
        self.label_edit.clear()
