"""Register the leaflet fonts with Qt once per process, so layout never falls back to a system font."""

from __future__ import annotations

import threading

from PySide6.QtGui import QFontDatabase, QGuiApplication

from fieldapp.errors import FieldappError
from fieldapp.i18n import _
from fieldapp.leaflets.fonts import font_faces

_registered: set[str] = set()
_registering = threading.Lock()     # Qt's font database is thread-safe; this keeps each face added once


def ensure_application() -> QGuiApplication:
    """The running Qt application, or a new QGuiApplication (works offscreen) if there is none."""
    app = QGuiApplication.instance()
    if app is None:
        # Rendering to PDF needs no screen: the command line works on a headless machine too.
        app = QGuiApplication(["fieldapp-leaflets", "-platform", "offscreen"])
    return app


def register_fonts() -> None:
    """Add every leaflet face to Qt's font database; raises if a font file is missing or unreadable. Safe from
    any thread once the application exists (the unlock does it in its own, so the first leaflet shown does not
    hold the window for the quarter second it takes)."""
    ensure_application()
    with _registering:
        _register()


def _register() -> None:
    for face in font_faces():
        key = str(face.path)
        if key in _registered:
            continue
        font_id = QFontDatabase.addApplicationFont(key) if face.path.is_file() else -1
        if font_id < 0 or face.family not in QFontDatabase.applicationFontFamilies(font_id):
            raise FieldappError(_("A font for the leaflets is missing or damaged: {name}.").format(
                name=face.path.name))
        _registered.add(key)
