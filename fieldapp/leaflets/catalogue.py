"""Per-language content catalogues: gettext .po files under resources/leaflets, one per BCP 47 tag.

Each message has a key (msgctxt) and the English source (msgid). The header records the content version and
date and the translation status: ``X-Translation-Status`` is ``draft`` or ``reviewed`` (a reviewed catalogue
names its reviewer in ``X-Reviewed-By`` and the date in ``X-Reviewed-On``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

from fieldapp.i18n import _
from fieldapp.leaflets.errors import CatalogueError
from fieldapp.leaflets.languages import TAGS
from fieldapp.resources import resource

CATALOGUE_DIR = resource("leaflets")
SOURCE_TAG = "en"
STATES = ("draft", "reviewed")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class TranslationStatus:
    state: str  # draft | reviewed
    translated_by: str = ""
    reviewed_by: str = ""
    reviewed_on: date | None = None

    @property
    def is_draft(self) -> bool:
        return self.state != "reviewed"


@dataclass(frozen=True)
class Catalogue:
    """A complete, checked catalogue: every key of the source has a text with the same placeholders."""

    tag: str
    version: str
    date: date
    status: TranslationStatus
    messages: dict[str, str]

    def text(self, key: str) -> str:
        return self.messages[key]


def path_for(tag: str) -> Path:
    return CATALOGUE_DIR / f"{tag}.po"


def placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))


def read_header(path: Path) -> dict[str, str]:
    """The ``Key: value`` pairs of a .po header, including the X- fields babel drops."""
    header: dict[str, str] = {}
    in_header = False
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line == 'msgstr ""':
            in_header = True
            continue
        if in_header and not line.startswith('"'):
            break
        if in_header:
            key, _sep, value = line.strip('"').replace("\\n", "").partition(":")
            header[key.strip()] = value.strip()
    return header


def _read_messages(path: Path) -> dict[str, tuple[str, str, bool]]:
    with path.open("rb") as handle:
        catalog = read_po(handle)
    return {str(m.context): (str(m.id), str(m.string), m.fuzzy) for m in catalog if m.id and m.context}


def _status(header: dict[str, str], tag: str) -> TranslationStatus:
    state = header.get("X-Translation-Status", "draft").lower()
    if state not in STATES:
        raise CatalogueError(_("The {tag} leaflet catalogue has an unknown translation status.").format(tag=tag))
    reviewed_on = header.get("X-Reviewed-On", "")
    status = TranslationStatus(state, header.get("X-Translated-By", ""), header.get("X-Reviewed-By", ""),
                               date.fromisoformat(reviewed_on) if reviewed_on else None)
    if state == "reviewed" and not (status.reviewed_by and status.reviewed_on):
        raise CatalogueError(_("The {tag} leaflet catalogue says “reviewed” but not by whom and when.").format(
            tag=tag))
    return status


def _checked_messages(tag: str, messages: dict[str, tuple[str, str, bool]],
                      source: dict[str, tuple[str, str, bool]]) -> dict[str, str]:
    texts = {}
    for key, (msgid, _unused, _fuzzy) in source.items():
        _id, string, fuzzy = messages.get(key, ("", "", False))
        text = string or (msgid if tag == SOURCE_TAG else "")
        if not text or fuzzy or placeholders(text) != placeholders(msgid):
            raise CatalogueError(_("The {tag} leaflet catalogue is incomplete or out of date ({key}).").format(
                tag=tag, key=key))
        texts[key] = text
    return texts


@cache
def source_keys() -> tuple[str, ...]:
    """The message keys, in the source catalogue's order (the order the leaflet uses them)."""
    return tuple(_read_messages(path_for(SOURCE_TAG)))


@cache
def load(tag: str) -> Catalogue:
    """The checked catalogue for ``tag``; ``CatalogueError`` if it is missing, incomplete or inconsistent."""
    path = path_for(tag)
    if tag not in TAGS or not path.is_file():
        raise CatalogueError(_("There is no leaflet catalogue for “{tag}”.").format(tag=tag))
    header = read_header(path)
    messages = _checked_messages(tag, _read_messages(path), _read_messages(path_for(SOURCE_TAG)))
    return Catalogue(tag, header.get("X-Content-Version", ""), date.fromisoformat(header["X-Content-Date"]),
                     _status(header, tag), messages)
