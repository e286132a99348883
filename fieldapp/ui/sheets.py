"""The information sheets a person can be given (the leaflets, one language registry), by name in the interface
language, and each sheet's current content version, as consent records cite it."""

from __future__ import annotations

from fieldapp.errors import FieldappError
from fieldapp.leaflets import languages as leaflet_languages
from fieldapp.ui.code_picker import language_labels


def sheet_labels() -> dict[str, str]:
    """Every sheet that exists, code to the language's name in the interface language, in registry order."""
    names = language_labels()
    return {lang.code: names.get(lang.code, lang.code) for lang in leaflet_languages.LANGUAGES}


def sheet_version(code: str) -> str:
    """The current version of the sheet in ``code``'s language, or "" where the app has none (or it is broken)."""
    from fieldapp.leaflets import catalogue

    lang = leaflet_languages.for_code(code)
    try:
        return catalogue.load(lang.tag).version if lang else ""
    except (FieldappError, OSError, KeyError, ValueError):
        return ""
