"""The organisation's own details: what leaflets print (name, contact lines) and the card's hotline.

The app never invents a phone number: leaflets print exactly these lines, and real printing is
refused until they are filled in.
"""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fieldapp.domain.codes import REGIONS
from fieldapp.domain.organisation import ACCENTS, DEFAULT_ACCENT, OFFERED_SERVICES, ContactLine, Organisation
from fieldapp.errors import InvalidInput
from fieldapp.i18n import N_, _
from fieldapp.leaflets.qt_logo import load_logo, logo_image
from fieldapp.records import organisation
from fieldapp.security.session import Session
from fieldapp.ui import changes
from fieldapp.ui.forms import add_row
from fieldapp.ui.release_settings import ReleaseSettings

KINDS = {"phone": N_("Phone"), "address": N_("Address"), "web": N_("Web"), "email": N_("E-mail"),
         "hours": N_("Opening hours")}
SERVICE_NAMES = {"interpreter": N_("An interpreter"), "health": N_("Health advice and tests"),
                 "housing": N_("Help to find a safe place to stay"), "legal": N_("Free legal advice"),
                 "accompany": N_("Going with people to appointments")}
ACCENT_NAMES = {"blue": N_("Dark blue"), "teal": N_("Teal"), "purple": N_("Purple"), "red": N_("Dark red"),
                "green": N_("Dark green"), "black": N_("Black")}
PHONE = re.compile(r"\+?[0-9][0-9 ]{5,20}")


class OrganisationTab(QWidget):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._logo_png = b""
        self.lines = QTableWidget(0, 3, objectName="contactLines")
        self.add_line_button = QPushButton(objectName="addLine")
        self.remove_line_button = QPushButton(objectName="removeLine")
        self.save_button = QPushButton(objectName="saveOrganisation")
        self.message = QLabel(objectName="organisationMessage")
        self.message.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(self._build_form())
        layout.addWidget(self.lines, 1)
        layout.addLayout(_row(self.add_line_button, self.remove_line_button))
        layout.addLayout(self._build_logo_row())
        layout.addWidget(self._build_services())
        layout.addWidget(self.save_button)
        layout.addWidget(self.message)
        self.release = ReleaseSettings(session)
        layout.addWidget(self.release)
        self.add_line_button.clicked.connect(lambda: self._add_line(ContactLine("", "", "phone")))
        self.remove_line_button.clicked.connect(lambda: self.lines.removeRow(self.lines.currentRow()))
        self.save_button.clicked.connect(self.save)
        self.load()
        self.retranslate()

    def _build_form(self) -> QFormLayout:
        self.name_edit = QLineEdit(objectName="orgName")
        self.region_combo = QComboBox(objectName="orgRegion")
        for code in REGIONS:
            self.region_combo.addItem(code, code)
        self.hotline_edit = QLineEdit(objectName="orgHotline")
        self.accent_combo = QComboBox(objectName="orgAccent")
        for code, colour in ACCENTS.items():
            swatch = QPixmap(16, 16)
            swatch.fill(QColor(colour))
            self.accent_combo.addItem(QIcon(swatch), code, code)
        form = QFormLayout()
        self.labels = [add_row(form, w) for w in (self.name_edit, self.region_combo, self.hotline_edit,
                                                   self.accent_combo)]
        return form

    def _build_logo_row(self) -> QHBoxLayout:
        self.logo_preview = QLabel(objectName="orgLogoPreview")
        self.logo_button = QPushButton(objectName="orgLogoChoose")
        self.logo_remove_button = QPushButton(objectName="orgLogoRemove")
        self.logo_button.clicked.connect(self.choose_logo)
        self.logo_remove_button.clicked.connect(lambda: self._show_logo(b""))
        return _row(self.logo_preview, self.logo_button, self.logo_remove_button)

    def _build_services(self) -> QGroupBox:
        self.services_box = QGroupBox(objectName="orgServices")
        self.service_checks = {code: QCheckBox(objectName=f"service_{code}") for code in OFFERED_SERVICES}
        services_layout = QVBoxLayout(self.services_box)
        self.services_note = QLabel(wordWrap=True)
        services_layout.addWidget(self.services_note)
        for check in self.service_checks.values():
            services_layout.addWidget(check)
        return self.services_box

    def _add_line(self, line: ContactLine) -> None:
        row = self.lines.rowCount()
        self.lines.insertRow(row)
        self.lines.setItem(row, 0, QTableWidgetItem(line.label))
        self.lines.setItem(row, 1, QTableWidgetItem(line.value))
        kind = QComboBox()
        for code, label in KINDS.items():
            kind.addItem(_(label), code)
        kind.setCurrentIndex(max(kind.findData(line.kind), 0))
        self.lines.setCellWidget(row, 2, kind)

    def load(self) -> None:
        org = organisation.load(self._session)
        self.name_edit.setText(org.name)
        self.region_combo.setCurrentIndex(max(self.region_combo.findData(org.region), 0))
        self.hotline_edit.setText(org.hotline)
        self.accent_combo.setCurrentIndex(max(self.accent_combo.findData(org.accent), 0))
        self.lines.setRowCount(0)
        for line in org.contact_lines:
            self._add_line(line)
        for code, check in self.service_checks.items():
            check.setChecked(code in org.services)
        self._show_logo(org.logo_png)
        self._org = org

    def retranslate(self) -> None:
        self.release.retranslate()
        texts = (_("Organisation &name"), _("&Region"), _("&Hotline for the card's QR code"),
                 _("Leaflet &colour"))
        for label, text in zip(self.labels, texts, strict=True):
            label.setText(text)
        for i in range(self.region_combo.count()):
            self.region_combo.setItemText(i, _(REGIONS[self.region_combo.itemData(i)]))
        for i in range(self.accent_combo.count()):
            self.accent_combo.setItemText(i, _(ACCENT_NAMES[self.accent_combo.itemData(i)]))
        for row in range(self.lines.rowCount()):
            combo = self.lines.cellWidget(row, 2)
            for i in range(combo.count()):
                combo.setItemText(i, _(KINDS[combo.itemData(i)]))
        self.lines.setHorizontalHeaderLabels([_("Your label (leaflets print the kind)"),
                                              _("Number, address or hours"), _("Kind")])
        self.logo_button.setText(_("Choose a &logo…"))
        self.logo_remove_button.setText(_("Remove the logo"))
        if not self._logo_png:
            self.logo_preview.setText(_("No logo: leaflets start with their title."))
        self.services_box.setTitle(_("What you offer"))
        self.services_note.setText(_("Leaflets list only what is ticked here, beside talking with people and "
                                     "referring them to CMM."))
        for code, check in self.service_checks.items():
            check.setText(_(SERVICE_NAMES[code]))
        self.add_line_button.setText(_("Add a contact line"))
        self.remove_line_button.setText(_("Remove the selected line"))
        self.save_button.setText(_("&Save organisation details"))

    def _contact_lines(self) -> tuple[ContactLine, ...]:
        found = []
        for row in range(self.lines.rowCount()):
            label, value = (self.lines.item(row, c).text().strip() if self.lines.item(row, c) else "" for c in (0, 1))
            if label or value:
                found.append(ContactLine(label, value, self.lines.cellWidget(row, 2).currentData()))
        return tuple(found)

    def problem(self, org: Organisation) -> str:
        if not org.name:
            return _("Type the organisation's name.")
        if any(not line.label or not line.value for line in org.contact_lines):
            return _("Each contact line needs a label and a value.")
        if org.hotline and not PHONE.fullmatch(org.hotline):
            return _("The hotline must be a phone number (digits, spaces and a leading +).")
        return ""

    def save(self) -> None:
        org = Organisation(name=self.name_edit.text().strip(), region=self.region_combo.currentData(),
                           description=self._org.description, contact_lines=self._contact_lines(),
                           hotline=self.hotline_edit.text().strip(), retention_months=self._org.retention_months,
                           services=tuple(code for code, check in self.service_checks.items() if check.isChecked()),
                           accent=self.accent_combo.currentData() or DEFAULT_ACCENT, logo_png=self._logo_png,
                           is_sample=False)
        problem = self.problem(org)
        if problem:
            self.message.setText(problem)
            return
        organisation.save(self._session, org)
        self._org = org
        changes.notify(self._session, "organisation")
        self.message.setText(_("Saved. Leaflets now print these details."))

    def choose_logo(self) -> None:
        """Pick an image file for the logo; a file that is not a usable image is refused with a reason."""
        path, _filter = QFileDialog.getOpenFileName(self, _("Choose the organisation's logo"), "",
                                                    _("Images (*.png *.jpg *.jpeg)"))
        if not path:
            return
        try:
            self._show_logo(load_logo(path))
        except InvalidInput as error:
            self.message.setText(error.message)
            return
        self.message.setText(_("Logo chosen: save to use it on leaflets."))

    def _show_logo(self, data: bytes) -> None:
        self._logo_png = data
        image = logo_image(data)
        self.logo_remove_button.setEnabled(image is not None)
        if image is None:
            self.logo_preview.setPixmap(QPixmap())
            self.logo_preview.setText(_("No logo: leaflets start with their title."))
            return
        pixmap = QPixmap.fromImage(image)
        self.logo_preview.setPixmap(pixmap.scaledToHeight(48, Qt.TransformationMode.SmoothTransformation))

    def clear(self) -> None:
        self.message.clear()
        self.release.clear()


def _row(*widgets: QWidget) -> QHBoxLayout:
    row = QHBoxLayout()
    for widget in widgets:
        row.addWidget(widget)
    row.addStretch(1)
    return row
