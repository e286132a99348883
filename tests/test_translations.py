"""The Danish interface catalogue covers every string the code marks for translation, with the same
placeholders, and switching language changes what the user reads."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from fieldapp import i18n

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}


def _extracted() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / "fieldapp", method_map=[("**.py", "python")], keywords=KEYWORDS):
        found.add(message[0] if isinstance(message, tuple) else message)
    return {m for m in found if m}


def test_danish_catalogue_translates_every_marked_string() -> None:
    with (ROOT / "translations" / "da" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    translated = {(m.id[0] if isinstance(m.id, tuple) else m.id) for m in catalog
                  if m.id and m.string and (all(m.string) if isinstance(m.string, tuple) else True)}
    missing = sorted(_extracted() - translated)
    assert missing == [], f"{len(missing)} strings lack a Danish translation (run tools/catalogues.py extract)"


def test_placeholders_match() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("catalogues", ROOT / "tools" / "catalogues.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    assert tool.check() == []


def test_switching_language_translates() -> None:
    from fieldapp.domain.codes import VENUE_KINDS

    i18n.set_language("da")
    try:
        assert i18n._(VENUE_KINDS["massage_clinic"]) == "Massageklinik"
        assert i18n.ngettext("Leaflet written: {path} ({pages} page)", "Leaflet written: {path} ({pages} pages)",
                             2) != "Leaflet written: {path} ({pages} pages)"
    finally:
        i18n.set_language("en")
