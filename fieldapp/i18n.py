"""Translation for fieldapp: gettext catalogues compiled by babel, switchable at run time.

Every user-visible string goes through ``_`` (or ``ngettext``/``pgettext``). ``N_`` marks a
module-level constant for extraction; translate it with ``_`` where it is shown. No Qt here.
"""

from __future__ import annotations

import functools
import gettext as _gettext
import inspect
import weakref
from collections.abc import Callable

from babel import Locale

from fieldapp.resources import translations_dir

DOMAIN = "messages"
TRANSLATIONS_DIR = translations_dir()
UI_LANGUAGES = ("en", "da")

_current: _gettext.NullTranslations = _gettext.NullTranslations()
_language = "en"
_listeners: list[Callable[[], Callable[[str], None] | None]] = []


class OwnText(str):
    """Text an organisation typed itself (the label of one of its own codes): ``_`` shows it as typed, never as
    the translation of a message that happens to read the same."""

    __slots__ = ()


def _(message: str) -> str:
    return message if isinstance(message, OwnText) else _current.gettext(message)


def N_(message: str) -> str:  # noqa: N802 - gettext convention
    return message


def ngettext(singular: str, plural: str, n: int) -> str:
    return _current.ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    return _current.pgettext(context, message)


def current_language() -> str:
    return _language


def set_language(language: str) -> None:
    """Switch the UI language; listeners (open windows) re-translate themselves."""
    global _current, _language
    if language not in UI_LANGUAGES:
        raise ValueError(f"unsupported UI language: {language}")
    _current = _catalogue(language)
    _language = language
    for ref in list(_listeners):
        listener = ref()
        if listener is None:
            _listeners.remove(ref)
            continue
        try:
            listener(language)
        except RuntimeError:  # a window whose Qt object is already gone
            _listeners.remove(ref)


@functools.cache
def _catalogue(language: str) -> _gettext.NullTranslations:
    """A language's catalogue, read once per process (a switch back and forth reads and compiles nothing)."""
    if language == "en":
        return _gettext.NullTranslations()
    ensure_compiled()
    return _gettext.translation(DOMAIN, TRANSLATIONS_DIR, languages=[language], fallback=True)


def add_listener(listener: Callable[[str], None]) -> None:
    """Call ``listener(language)`` after each switch; bound methods are held weakly."""
    if inspect.ismethod(listener):
        _listeners.append(weakref.WeakMethod(listener))
    else:
        _listeners.append(lambda: listener)


def remove_listener(listener: Callable[[str], None]) -> None:
    for ref in list(_listeners):
        if ref() == listener:
            _listeners.remove(ref)


def babel_locale() -> Locale:
    return Locale.parse(_language)


def date_locale() -> Locale:
    """The locale for dates and times: the interface language's, and for English the English used in Denmark
    (day before month, a 24-hour clock), never the US order."""
    return Locale.parse("en_DK" if _language == "en" else _language)


def ensure_compiled() -> None:
    """Compile .po catalogues whose .mo is missing or older (a source checkout has only .po)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po_path in TRANSLATIONS_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as handle:
            catalog = read_po(handle)
        tmp = mo_path.with_suffix(".mo.tmp")
        with tmp.open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        tmp.replace(mo_path)
