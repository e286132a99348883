"""Register the leaflet fonts with Qt once per process, so layout never falls back to a system font."""

from __future__ import annotations

import sys

from PySide6.QtGui import QFontDatabase, QGuiApplication

from fieldapp.errors import FieldappError
from fieldapp.i18n import _
from fieldapp.leaflets.fonts import font_faces

_registered: set[str] = set()


def guard_none_refcount() -> None:
    """Work around a PySide6 6.12 reference-count bug on CPython 3.11.

    Its void methods (``setHtml``, ``setResolution``, painting calls ...) return ``None`` without a new
    reference, so each call lowers None's reference count by one; after enough calls (one test run, or a long
    session) the interpreter aborts with "deallocating None". CPython 3.12 made None immortal; on older
    versions give None a reference count that cannot run out. Idempotent in effect; does nothing on 3.12+.
    """
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return
    import ctypes

    refcount = ctypes.c_ssize_t.from_address(id(None))
    if refcount.value < 1 << 40:
        refcount.value += 1 << 40


guard_none_refcount()


def ensure_application() -> QGuiApplication:
    """The running Qt application, or a new QGuiApplication (works offscreen) if there is none."""
    app = QGuiApplication.instance()
    if app is None:
        app = QGuiApplication(["fieldapp-leaflets"])
    return app


def register_fonts() -> None:
    """Add every leaflet face to Qt's font database; raises if a font file is missing or unreadable."""
    ensure_application()
    for face in font_faces():
        key = str(face.path)
        if key in _registered:
            continue
        font_id = QFontDatabase.addApplicationFont(key) if face.path.is_file() else -1
        if font_id < 0 or face.family not in QFontDatabase.applicationFontFamilies(font_id):
            raise FieldappError(_("A font for the leaflets is missing or damaged: {name}.").format(
                name=face.path.name))
        _registered.add(key)
