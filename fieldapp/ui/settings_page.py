"""Settings: interface language (takes effect at once) and the idle auto-lock."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QSpinBox, QTabWidget, QVBoxLayout, QWidget

from fieldapp import i18n
from fieldapp.i18n import _
from fieldapp.security.session import Session
from fieldapp.storage import settings_repo
from fieldapp.ui.app import choose_language
from fieldapp.ui.forms import add_row

IDLE_KEY = "idle_lock_minutes"
DEFAULT_IDLE_MINUTES = 5
LANGUAGE_NAMES = {"en": "English", "da": "Dansk"}


def idle_minutes(session: Session) -> int:
    return int(settings_repo.get(session.conn, IDLE_KEY, DEFAULT_IDLE_MINUTES))


class SettingsPage(QWidget):
    """General settings, and for administrators: users, the audit trail, backup and emergency."""

    idle_changed = Signal(int)   # minutes
    wipe_requested = Signal()

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._build()
        self.load()
        self._connect()
        self.retranslate()

    def _build(self) -> None:
        self.heading = QLabel()
        self.language_combo = QComboBox(objectName="languageCombo")
        for code in i18n.UI_LANGUAGES:
            self.language_combo.addItem(LANGUAGE_NAMES[code], code)
        self.idle_spin = QSpinBox(objectName="idleSpin")
        self.idle_spin.setRange(1, 60)
        self.general = QWidget()
        self.form = QFormLayout(self.general)
        self.language_label = add_row(self.form, self.language_combo)
        self.idle_label = add_row(self.form, self.idle_spin)
        self.tabs = QTabWidget(objectName="settingsTabs")
        self.tabs.addTab(self.general, "")
        self.extra_tabs = self._build_extra_tabs()
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.tabs, 1)

    def _build_extra_tabs(self) -> dict[str, QWidget]:
        from fieldapp.ui.audit_tab import AuditTab
        from fieldapp.ui.data_tab import DataTab
        from fieldapp.ui.users_tab import UsersTab

        tabs: dict[str, QWidget] = {}
        if self._session.can("settings"):
            from fieldapp.ui.custom_codes_tab import CustomCodesTab
            from fieldapp.ui.organisation_tab import OrganisationTab

            tabs["organisation"] = OrganisationTab(self._session)
            tabs["codes"] = CustomCodesTab(self._session)
        if self._session.can("users"):
            tabs["users"] = UsersTab(self._session)
        if self._session.can("audit"):
            tabs["audit"] = AuditTab(self._session)
        if self._session.can("import"):
            from fieldapp.ui.import_tab import ImportTab

            tabs["import"] = ImportTab(self._session)
        tabs["data"] = DataTab(self._session)
        tabs["data"].wipe_requested.connect(self.wipe_requested)
        for tab in tabs.values():
            self.tabs.addTab(tab, "")
        return tabs

    def _connect(self) -> None:
        self.language_combo.currentIndexChanged.connect(self._language_chosen)
        self.idle_spin.valueChanged.connect(self.save_idle)

    def load(self) -> None:
        self.language_combo.setCurrentIndex(self.language_combo.findData(i18n.current_language()))
        self.idle_spin.setValue(idle_minutes(self._session))
        self.idle_spin.setEnabled(not self._session.read_only)

    def retranslate(self) -> None:
        self.heading.setText(_("<h2>Settings</h2>"))
        self.language_label.setText(_("Interface &language"))
        self.idle_label.setText(_("&Lock after idle (minutes)"))
        titles = {"organisation": _("Organisation"), "codes": _("Code lists"), "users": _("Users"),
                  "audit": _("Audit trail"),
                  "import": _("Import"), "data": _("Backup and safety")}
        self.tabs.setTabText(0, _("General"))
        for key, tab in self.extra_tabs.items():
            self.tabs.setTabText(self.tabs.indexOf(tab), titles[key])
            tab.retranslate()

    def _language_chosen(self, index: int) -> None:
        code = self.language_combo.itemData(index)
        if code and code != i18n.current_language():
            choose_language(code)

    def save_idle(self, minutes: int) -> None:
        with self._session.write() as conn:
            settings_repo.put(conn, IDLE_KEY, int(minutes))
        self.idle_changed.emit(int(minutes))

    def clear(self) -> None:
        for tab in self.extra_tabs.values():
            tab.clear()
