"""Per-language content catalogues: gettext .po files under resources/leaflets, one per BCP 47 tag.

Each message has a key (msgctxt) and the English source (msgid). A key may have a variant override,
``KEY@women`` (or ``@men``, ``@minor``), where the language needs another form for that reader (Arabic's
feminine "you"); the English source has none.

The content version is computed, never typed: the first ten hex digits of SHA-256 over the catalogue's keys,
texts, the English each was translated from, and the figures of facts.py, so any edit of a text, of the English
source or of a rule gives a new version (the one consent records cite). The header keeps:

- ``X-Content-Hash``: the version when the text was last stamped, with ``X-Content-Date`` (``fieldapp leaflet
  stamp`` sets both; a test fails while a catalogue is edited but not stamped);
- ``X-Form-Of-Address``: the language's form-of-address policy (docs/leaflets.md);
- ``X-Translation-Status`` ``draft`` or ``reviewed``, with ``X-Reviewed-By``, ``X-Reviewed-On`` and
  ``X-Reviewed-Hash``: the version the reviewer read. A catalogue edited after its review is a draft again,
  whatever its status line says.
"""

from __future__ import annotations

import hashlib
import re
import string
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

from fieldapp.i18n import _
from fieldapp.leaflets import facts
from fieldapp.leaflets.errors import CatalogueError
from fieldapp.leaflets.languages import TAGS, VARIANTS
from fieldapp.resources import resource

PROJECT = "fieldapp"

CATALOGUE_DIR = resource("leaflets")
SOURCE_TAG = "en"
STATES = ("draft", "reviewed")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_FIELD = re.compile(r"[a-z_]+")


@dataclass(frozen=True)
class TranslationStatus:
    state: str  # draft | reviewed (as the header says)
    translated_by: str = ""
    reviewed_by: str = ""
    reviewed_on: date | None = None
    reviewed_hash: str = ""
    edited_since_review: bool = False
    reviewed_by_team: bool = False  # "reviewed" by one of the text's own translators, or by the project

    @property
    def is_draft(self) -> bool:
        return self.state != "reviewed" or self.edited_since_review or self.reviewed_by_team


@dataclass(frozen=True)
class Catalogue:
    """A complete, checked catalogue: every key of the source has a text with the same placeholders."""

    tag: str
    version: str        # computed from the texts (content_hash)
    date: date
    status: TranslationStatus
    messages: dict[str, str]
    form_of_address: str = ""
    stamped_hash: str = ""  # X-Content-Hash: the version when X-Content-Date was last set

    def text(self, key: str, variant: str = "") -> str:
        """The text for ``key``, or its override for ``variant`` where the language has one."""
        return self.messages.get(f"{key}@{variant}", self.messages[key]) if variant else self.messages[key]

    @property
    def stamped(self) -> bool:
        return self.stamped_hash == self.version

    @property
    def is_draft(self) -> bool:
        """Not reviewed, edited since its review, or edited without a new content date: print with a warning."""
        return self.status.is_draft or not self.stamped


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
            key, _sep, value = _unescape(line[1:-1]).replace("\n", "").partition(":")
            header[key.strip()] = value.strip()
    return header


def _read_messages(path: Path) -> dict[str, tuple[str, str, bool]]:
    with path.open("rb") as handle:
        catalog = read_po(handle)
    return {str(m.context): (str(m.id), str(m.string), m.fuzzy) for m in catalog if m.id and m.context}


def _unescape(text: str) -> str:
    """A .po string's escapes (\\n, \\", \\\\) resolved."""
    return re.sub(r'\\(.)', lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), text)


def content_hash(messages: dict[str, str], sources: dict[str, str] | None = None) -> str:
    """The content version: ten hex digits of SHA-256 over every key, its text and the English it translates
    (``sources``, by key; the source's own for ``None``), in key order, and the figures of facts.py."""
    sources = sources if sources is not None else source_texts()
    digest = hashlib.sha256(facts.signature().encode() + b"\x00")
    for key in sorted(messages):
        english = sources.get(key.partition("@")[0], "")
        digest.update(b"\x00".join((key.encode(), messages[key].encode(), english.encode(), b"")))
    return digest.hexdigest()[:10]


def fields_problem(text: str) -> str:
    """Why ``text`` could not be filled in safely ("" when it can): only bare ``{name}`` fields, no stray
    brace, no attribute, index, conversion or format spec."""
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:
        return "brace"
    for _literal, field, spec, conversion in parsed:
        if field is not None and (not _FIELD.fullmatch(field) or spec or conversion):
            return "field"
    return ""


def plain(text: str) -> str:
    """Letters and digits only, case-folded and NFKC-normalised, for comparing names."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).casefold() if ch.isalnum())


def from_team(translated_by: str, name: str, organisation: str) -> bool:
    """Whether a reviewer is one of the team that wrote the text: its translators (``X-Translated-By``, names
    separated by commas) or the project itself. Checked when a review is recorded and again whenever the
    catalogue is read, so a hand-edited header cannot make the team its own reviewer."""
    team = {plain(part) for part in re.split(r"[,;()]", translated_by) if plain(part)}
    return plain(name) in team or plain(organisation) in team or PROJECT in plain(organisation) \
        or PROJECT in plain(name)


def _status(header: dict[str, str], tag: str, version: str) -> TranslationStatus:
    state = header.get("X-Translation-Status", "draft").lower()
    if state not in STATES:
        raise CatalogueError(_("The {tag} leaflet catalogue has an unknown translation status.").format(tag=tag))
    reviewed_on = header.get("X-Reviewed-On", "")
    reviewed_hash = header.get("X-Reviewed-Hash", "")
    translated_by, reviewed_by = header.get("X-Translated-By", ""), header.get("X-Reviewed-By", "")
    reviewer = re.fullmatch(r"(.+) \((.+)\)", reviewed_by)
    status = TranslationStatus(state, translated_by, reviewed_by,
                               date.fromisoformat(reviewed_on) if reviewed_on else None, reviewed_hash,
                               edited_since_review=state == "reviewed" and reviewed_hash != version,
                               reviewed_by_team=state == "reviewed" and (
                                   reviewer is None or from_team(translated_by, *reviewer.groups())))
    if state == "reviewed" and not (status.reviewed_by and status.reviewed_on):
        raise CatalogueError(_("The {tag} leaflet catalogue says “reviewed” but not by whom and when.").format(
            tag=tag))
    return status


def _checked_messages(tag: str, messages: dict[str, tuple[str, str, bool]],
                      source: dict[str, tuple[str, str, bool]]) -> dict[str, str]:
    texts = {}
    for key, (msgid, _unused, _fuzzy) in source.items():
        translated_from, string, fuzzy = messages.get(key, ("", "", False))
        text = string or (msgid if tag == SOURCE_TAG else "")
        stale = translated_from != msgid          # the English changed since this was translated
        if not text or fuzzy or stale or fields_problem(text) or placeholders(text) != placeholders(msgid):
            raise CatalogueError(_("The {tag} leaflet catalogue is incomplete or out of date ({key}).").format(
                tag=tag, key=key))
        texts[key] = text
    for key, (translated_from, string, fuzzy) in messages.items():
        base, _at, variant = key.partition("@")
        if not _at:
            continue
        if base not in source or variant not in VARIANTS or not string or fuzzy \
                or translated_from != source[base][0] or fields_problem(string) \
                or placeholders(string) != placeholders(source[base][0]):
            raise CatalogueError(_("The {tag} leaflet catalogue is incomplete or out of date ({key}).").format(
                tag=tag, key=key))
        texts[key] = string
    return texts


@cache
def source_texts() -> dict[str, str]:
    """The English source by key."""
    return {key: msgid for key, (msgid, _text, _fuzzy) in _read_messages(path_for(SOURCE_TAG)).items()}


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
    version = content_hash(messages, source_texts())
    try:
        content_date = date.fromisoformat(header.get("X-Content-Date", ""))
    except ValueError:
        raise CatalogueError(_("The {tag} leaflet catalogue has no valid content date.").format(tag=tag)) from None
    return Catalogue(tag, version, content_date, _status(header, tag, version), messages,
                     header.get("X-Form-Of-Address", ""), header.get("X-Content-Hash", ""))
