"""How referrals reach CMM: CMM's public key (checked by fingerprint), our signing key, the transport."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QWidget,
)

from fieldapp.errors import FieldappError, ValidationError
from fieldapp.i18n import _
from fieldapp.referral import config
from fieldapp.security.session import Session
from fieldapp.storage.atomic import write_atomic
from fieldapp.ui import folders
from fieldapp.ui.forms import add_row


class ReferralSettings(QGroupBox):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.cmm_label = QLabel(objectName="cmmFingerprint")
        self.import_button = QPushButton(objectName="importCmmKey")
        self.export_button = QPushButton(objectName="exportOrgKey")
        self.kind = QComboBox(objectName="transportKind")
        self.kind.addItem("folder", "folder")
        self.kind.addItem("https", "https")
        self.folder = QLineEdit(objectName="transportFolder")
        self.endpoint = QLineEdit(objectName="transportEndpoint")
        self.pin = QLineEdit(objectName="transportPin")
        self.cmm_phone = QLineEdit(objectName="cmmPhone")
        self.save_button = QPushButton(objectName="saveTransport")
        self.message = QLabel(objectName="referralSettingsMessage")
        self.message.setWordWrap(True)
        keys = QHBoxLayout()
        keys.addWidget(self.cmm_label, 1)
        keys.addWidget(self.import_button)
        keys.addWidget(self.export_button)
        self.form = QFormLayout(self)
        self.form.addRow(keys)
        self.labels = [add_row(self.form, w) for w in (self.kind, self.folder, self.endpoint, self.pin,
                                                        self.cmm_phone)]
        self.form.addRow(self.save_button)
        self.form.addRow(self.message)
        self.import_button.clicked.connect(self.choose_cmm_key)
        self.export_button.clicked.connect(self.export_org_key)
        self.save_button.clicked.connect(self.save_transport)
        allowed = session.can("settings") and not session.read_only
        for widget in (self.import_button, self.save_button, self.kind, self.folder, self.endpoint, self.pin,
                       self.cmm_phone):
            widget.setEnabled(allowed)
        self.load()

    def load(self) -> None:
        settings = config.transport(self._session)
        self.kind.setCurrentIndex(max(self.kind.findData(settings.kind), 0))
        self.folder.setText(settings.folder)
        self.endpoint.setText(settings.endpoint)
        self.pin.setText(settings.pin_sha256)
        self.cmm_phone.setText(settings.cmm_phone)

    def retranslate(self) -> None:
        self.setTitle(_("Delivery to CMM"))
        key = config.cmm_key(self._session)
        self.cmm_label.setText(_("CMM's key: {fingerprint}").format(fingerprint=key.fingerprint) if key
                               else _("No CMM key yet: import the key file CMM gave you."))
        self.import_button.setText(_("Import CMM's key ..."))
        self.export_button.setText(_("Export our signing key ..."))
        texts = (_("&Delivery"), _("&Folder (USB stick or shared drive)"), _("HTTPS &address"),
                 _("Server certificate SHA-256"), _("CMM's &hotline (shown for urgent cases)"))
        for label, text in zip(self.labels, texts, strict=True):
            label.setText(text)
        self.kind.setItemText(0, _("Folder"))
        self.kind.setItemText(1, _("HTTPS"))
        self.save_button.setText(_("Save delivery settings"))

    def choose_cmm_key(self) -> None:
        name, _filter = QFileDialog.getOpenFileName(self, _("CMM's public key file"))
        if name:
            self.import_cmm_key(Path(name))

    def import_cmm_key(self, path: Path) -> None:
        try:
            raw = path.read_bytes()
            key = config.read_cmm_key(raw)
        except (OSError, FieldappError) as error:
            self.message.setText(getattr(error, "message", _("The file could not be read.")))
            return
        answer = QMessageBox.question(self, _("Check CMM's key"), _(
            "Call CMM and compare this fingerprint, group by group:\n\n{fingerprint}\n\nDoes it match?").format(
            fingerprint=key.fingerprint))
        if answer != QMessageBox.StandardButton.Yes:
            self.message.setText(_("The key was not imported."))
            return
        config.import_cmm_key(self._session, raw)
        self.message.setText(_("CMM's key was imported."))
        self.retranslate()

    def export_org_key(self) -> None:
        name, _filter = QFileDialog.getSaveFileName(self, _("Save our public signing key"),
                                                    folders.in_last_folder("organisation.pub"))
        if name:
            folders.remember(name)
            write_atomic(Path(name), config.export_org_key(self._session), mode=0o644)
            self.message.setText(_("Saved. Give this file to CMM so they can check our referrals."))

    def save_transport(self) -> None:
        settings = config.transport(self._session)
        wanted = replace(settings, kind=self.kind.currentData(), folder=self.folder.text().strip(),
                         endpoint=self.endpoint.text().strip(), pin_sha256=self.pin.text().strip(),
                         cmm_phone=self.cmm_phone.text().strip())
        try:
            config.set_transport(self._session, wanted)
        except ValidationError as error:
            self.message.setText("\n".join(error.problems.values()))
            return
        self.message.setText(_("Delivery settings saved."))

    def clear(self) -> None:
        self.message.clear()
