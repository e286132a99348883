"""Start the GUI: Qt application, interface language, the main window on a vault."""

from __future__ import annotations

import secrets
import sys
from pathlib import Path

from PySide6.QtCore import QLibraryInfo, QLocale, QSettings, QTranslator
from PySide6.QtWidgets import QApplication

from fieldapp import i18n
from fieldapp.ui import memory


def make_app(argv: list[str] | None = None, default_language: str = "en") -> QApplication:
    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setOrganizationName("fieldapp")
    app.setApplicationName("fieldapp")
    language = str(QSettings().value("ui/language", default_language))
    if language in i18n.UI_LANGUAGES:
        i18n.set_language(language)
    _install_qt_translator(app, language)
    i18n.add_listener(lambda code: _install_qt_translator(app, code))
    return app


def choose_language(code: str) -> None:
    """Switch the interface language now and keep it for the next start (not sensitive; written off the
    window's thread, see ``folders.store_setting``)."""
    from fieldapp.ui.folders import store_setting

    store_setting("ui/language", code)
    i18n.set_language(code)


def _install_qt_translator(app: QApplication, language: str) -> None:
    """Qt's own catalogue, only for its standard buttons and dialogs."""
    old = getattr(app, "_fieldapp_qt_translator", None)
    if old is not None:
        app.removeTranslator(old)
    translator = QTranslator(app)
    if translator.load(QLocale(language), "qtbase", "_", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(translator)
    app._fieldapp_qt_translator = translator


def report_unexpected(exc_type, exc, _tb) -> str:
    """Show a generic message for an unexpected error. Neither the message nor stderr carries the
    exception's text (it could hold personal data); a short reference ties the two together."""
    from PySide6.QtWidgets import QMessageBox

    from fieldapp.errors import FieldappError
    from fieldapp.i18n import _

    if isinstance(exc, FieldappError):
        text = exc.message
    else:
        reference = secrets.token_hex(3)
        print(f"fieldapp: unexpected {exc_type.__name__} (reference {reference})", file=sys.stderr)
        text = _("Something went wrong. Nothing saved before was lost. Reference: {reference}").format(
            reference=reference)
    QMessageBox.critical(None, "fieldapp", text)
    return text


def run_gui(vault_path: Path) -> int:
    from fieldapp.ui.main_window import MainWindow

    app = make_app()
    sys.excepthook = report_unexpected
    window = MainWindow(vault_path)
    window.show()
    if not vault_path.exists():
        window.start_create()
    memory.keep_long_lived()           # the modules and the window: later collections skip them
    return app.exec()
