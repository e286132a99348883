"""Materials handed out on a visit: kind, language and quantity, entered as a row and added to a
small table (Delete removes the selected row)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from fieldapp.domain.fields import MaterialFields
from fieldapp.domain.records import Material
from fieldapp.i18n import _
from fieldapp.ui.code_picker import CodeCombo, language_labels
from fieldapp.ui.field_widgets import code_combo, spin_box
from fieldapp.ui.record_form import on_keys


class MaterialsEditor(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None, **properties) -> None:
        super().__init__(parent, **properties)
        self._rows: list[Material] = []
        self.kind_combo = code_combo(MaterialFields.kind, objectName="materialKind")
        self.language_combo = CodeCombo(language_labels, translate=False, objectName="materialLanguage")
        self.language_combo.set_code("en")
        self.quantity_spin = spin_box(MaterialFields.quantity, objectName="materialQuantity")
        self.add_button = QPushButton(objectName="materialAdd")
        self.remove_button = QPushButton(objectName="materialRemove")
        self.table = QTableWidget(0, 3, objectName="materialsTable")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setFixedHeight(96)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.kind_combo, 0, 0)
        grid.addWidget(self.language_combo, 0, 1)
        grid.addWidget(self.quantity_spin, 0, 2)
        grid.addWidget(self.add_button, 0, 3)
        grid.addWidget(self.table, 1, 0, 1, 3)
        grid.addWidget(self.remove_button, 1, 3, Qt.AlignmentFlag.AlignTop)
        self.add_button.clicked.connect(self.add_current)
        self.remove_button.clicked.connect(self.remove_selected)
        on_keys(self.table, QKeySequence.StandardKey.Delete, self.remove_selected, only_widget=True)
        self.retranslate()

    def retranslate(self) -> None:
        self.add_button.setText(_("A&dd"))
        self.remove_button.setText(_("Remove"))
        self.table.setHorizontalHeaderLabels([_(field.label) for field in MaterialFields.fields])
        self.kind_combo.retranslate()
        self.language_combo.retranslate()
        self._show()

    def add_current(self) -> None:
        """Add the entry row; the same kind and language again adds to its quantity."""
        kind, language, quantity = self.kind_combo.code(), self.language_combo.code(), self.quantity_spin.value()
        for row in self._rows:
            if (row.kind, row.language) == (kind, language):
                row.quantity += quantity
                break
        else:
            self._rows.append(Material(kind, language, quantity))
        self.quantity_spin.setValue(self.quantity_spin.minimum())
        self._show()
        self.changed.emit()

    def remove_selected(self) -> None:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()}, reverse=True)
        for row in rows:
            del self._rows[row]
        if rows:
            self._show()
            self.changed.emit()

    def materials(self) -> tuple[Material, ...]:
        return tuple(Material(m.kind, m.language, m.quantity) for m in self._rows)

    def set_materials(self, materials: tuple[Material, ...]) -> None:
        self._rows = [Material(m.kind, m.language, m.quantity) for m in materials]
        self._show()

    def _show(self) -> None:
        languages = language_labels()
        self.table.setRowCount(len(self._rows))
        for number, material in enumerate(self._rows):
            cells = (_(MaterialFields.kind.codes.get(material.kind, material.kind)),
                     languages.get(material.language, material.language), str(material.quantity))
            for column, text in enumerate(cells):
                self.table.setItem(number, column, QTableWidgetItem(text))
