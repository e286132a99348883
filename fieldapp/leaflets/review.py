"""The review workflow for leaflet translations: status, export for a native reviewer, import with a diff, stamp.

A language goes out as a gettext .po file (Weblate and Poedit open it): every key with its English source, the
current translation, where it prints and, for a rights line, the passage it restates. It comes back the same way:
the import reads it as hostile input (a regular file, not a link or FIFO, at most ``MAX_BYTES``), checks every
text (known key, same placeholders, no figure of its own) and shows the changes before anything is written.

Only a named reviewer from outside the team may mark a language reviewed: a name and an organisation, neither
of which is the catalogue's translator or the project. The review covers one content version (the texts'
hash); an edit afterwards puts the language back to draft, because ``catalogue.load`` compares the two.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from babel.messages.pofile import PoFileError, read_po

from fieldapp.errors import StorageIOError
from fieldapp.i18n import _
from fieldapp.leaflets import catalogue, facts
from fieldapp.leaflets.catalogue import SOURCE_TAG, CatalogueError, content_hash, placeholders
from fieldapp.leaflets.content import RIGHTS_KEYS
from fieldapp.leaflets.languages import VARIANTS, language
from fieldapp.storage.atomic import read_untrusted, write_atomic

MAX_BYTES = 1 << 20
_STANDARD_HEADER = ("Project-Id-Version", "Language", "MIME-Version", "Content-Type", "Content-Transfer-Encoding")
_ONLY_FOR = {"intro.women": "women", "rights.housing_women": "women", "intro.men": "men",
             "rights.housing_men": "men", "rights.union": "men", "intro.minor": "minor", "minor.protect": "minor",
             "minor.representative": "minor"}


@dataclass(frozen=True)
class Change:
    key: str
    old: str
    new: str


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _ordered(messages: dict[str, str]) -> list[str]:
    """Source order, each variant override right after its key."""
    keys = []
    for key in catalogue.source_keys():
        keys.append(key)
        keys += [f"{key}@{variant}" for variant in VARIANTS if f"{key}@{variant}" in messages]
    return keys


def _comments(path: Path) -> list[str]:
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        lines.append(line)
    return lines


def render_po(tag: str, header: dict[str, str], messages: dict[str, str], comments: Iterable[str] = (),
              notes: bool = False) -> str:
    """A catalogue as .po text; ``notes`` adds, for a reviewer, where each text prints and its source."""
    source = catalogue.load(SOURCE_TAG).messages
    out = list(comments) + ['msgid ""', 'msgstr ""']
    out += [f'"{name}: {_escape(value)}\\n"' for name, value in header.items()]
    out.append("")
    for key in _ordered(messages):
        base, _at, variant = key.partition("@")
        if notes:
            reader = variant or _ONLY_FOR.get(base, "")
            out.append(f"#. {'Only on the sheet for: ' + reader if reader else 'On every sheet.'}")
            if base in RIGHTS_KEYS and base in facts.SOURCES:
                src = facts.SOURCES[base]
                out.append(f"#. Source: {src.document}: {src.passage}")
                if src.decides:
                    out.append(f"#. Who decides: {src.decides}")
        out += [f'msgctxt "{key}"', f'msgid "{_escape(source[base])}"', f'msgstr "{_escape(messages[key])}"', ""]
    return "\n".join(out)


def _header(tag: str) -> dict[str, str]:
    header = catalogue.read_header(catalogue.path_for(tag))
    return {name: header.get(name, "") for name in dict.fromkeys((*_STANDARD_HEADER, *header))}


def export(tag: str, out: Path) -> Path:
    """Write ``tag``'s catalogue for a reviewer (with notes); returns the path written."""
    cat = catalogue.load(language(tag).tag)
    header = _header(cat.tag) | {"X-Content-Hash": cat.version}
    text = render_po(cat.tag, header, cat.messages, _comments(catalogue.path_for(cat.tag)), notes=True)
    try:
        write_atomic(Path(out), text.encode("utf-8"), mode=0o644)
    except OSError as error:
        raise StorageIOError(_("The file {path} could not be written.").format(path=out)) from error
    return Path(out)


@dataclass(frozen=True)
class Incoming:
    """A returned .po file: its language and, by key, the English each text was translated from and the text."""

    language: str
    messages: dict[str, tuple[str, str]]
    problems: tuple[str, ...] = ()


def read_incoming(path: Path) -> Incoming:
    """A returned .po file, read as hostile input; ``CatalogueError`` when it is not a readable .po file (what
    is wrong with single entries is in ``problems``, for ``compare`` to report with the rest)."""
    bad = CatalogueError(_("{path} is not a translation file fieldapp can read (a .po file of at most 1 MB).")
                         .format(path=path))
    try:
        data = read_untrusted(path, MAX_BYTES)
        parsed = read_po(io.BytesIO(data), abort_invalid=True)
    except (OSError, PoFileError, ValueError, UnicodeDecodeError, LookupError):
        raise bad from None
    found = re.search(rb'^"Language: *([^\\"]*)\\n"', data, re.M)
    messages: dict[str, tuple[str, str]] = {}
    problems = []
    for message in parsed:
        if not message.id:
            continue
        key = str(message.context or "")
        if message.pluralizable or not isinstance(message.string, str):
            problems.append(_("{key}: a plural form (the leaflet has none)").format(key=key or message.id))
        elif message.fuzzy:
            problems.append(_("{key}: marked fuzzy (not finished)").format(key=key))
        elif key:
            messages[key] = (str(message.id), message.string)
    return Incoming(found.group(1).decode("utf-8", "replace").strip() if found else "", messages, tuple(problems))


_BIDI_OVERRIDES = re.compile("[\u202a-\u202e]")   # embeddings and overrides: they can reverse a figure


def _has_figure(text: str) -> bool:
    """Any number character (digits of any script, superscripts, fractions, numerals) outside a placeholder."""
    return any(unicodedata.category(ch).startswith("N") for ch in re.sub(r"\{\w+\}", "", text))


def _text_problem(key: str, english: str, text: str, source: dict[str, str]) -> str:
    base, _at, variant = key.partition("@")
    if base not in source or (_at and variant not in VARIANTS):
        return _("{key}: not a key of the leaflet").format(key=key)
    checks = (
        (english != source[base], _("{key}: translated from another English text than the current one")),
        (not text.strip(), _("{key}: no translation")),
        (bool(catalogue.fields_problem(text)) or placeholders(text) != placeholders(source[base]),
         _("{key}: the placeholders in braces differ from the English")),
        (_has_figure(text), _("{key}: a figure in the text (figures come from the app's facts)")),
        (bool(_BIDI_OVERRIDES.search(text)), _("{key}: a hidden direction control in the text")),
    )
    return next((message.format(key=key) for failed, message in checks if failed), "")


def compare(tag: str, incoming: Incoming) -> list[Change]:
    """The changes ``incoming`` makes to ``tag``; ``CatalogueError`` naming every text that could not be
    printed, and nothing changes then."""
    tag = language(tag).tag
    if tag == SOURCE_TAG:
        raise CatalogueError(_("The English source is edited in the code repository, not imported."))
    if incoming.language.replace("_", "-").lower() != tag.lower():
        raise CatalogueError(_("The file is for the language “{found}”, not {tag}.").format(
            found=incoming.language or "?", tag=tag))
    cat = catalogue.load(tag)
    source = catalogue.source_texts()
    problems = list(incoming.problems)
    problems += [p for key, (english, text) in incoming.messages.items() if (p := _text_problem(key, english, text,
                                                                                                     source))]
    problems += [_("{key}: missing").format(key=key) for key in (*source, *cat.messages)
                 if key not in incoming.messages]
    if problems:
        raise CatalogueError(_("The file was not imported:") + "\n  " + "\n  ".join(dict.fromkeys(problems[:20])))
    texts = {key: text for key, (_english, text) in incoming.messages.items()}
    return [Change(key, cat.messages.get(key, ""), texts[key])
            for key in _ordered(texts) if cat.messages.get(key, "") != texts[key]]



def check_reviewer(tag: str, name: str, organisation: str) -> str:
    """``"Name (Organisation)"`` for a reviewer from outside the team; ``CatalogueError`` otherwise. The team
    is the catalogue's translators (``X-Translated-By``, names separated by commas) and the project itself."""
    name, organisation = " ".join(name.split()), " ".join(organisation.split())
    if not catalogue.plain(name) or not catalogue.plain(organisation) \
            or any(ch in name + organisation for ch in "\\\"()"):
        raise CatalogueError(_("A review needs the reviewer's name and organisation."))
    translated_by = catalogue.read_header(catalogue.path_for(tag)).get("X-Translated-By", "")
    if catalogue.from_team(translated_by, name, organisation):
        raise CatalogueError(_("Only someone from outside the team that wrote the {tag} text can review it.")
                             .format(tag=tag))
    return f"{name} ({organisation})"


def write(tag: str, messages: dict[str, str], reviewer: str = "", today: date | None = None) -> str:
    """Write ``tag``'s catalogue with ``messages``: stamped with its new version (and today's date when the
    texts changed), reviewed by ``reviewer`` if named, else draft when the texts changed. Returns the version."""
    path = catalogue.path_for(tag)
    old = catalogue.load(tag)
    header = _header(tag)
    version = content_hash(messages)
    today = today or date.today()
    if version != header.get("X-Content-Hash"):
        header |= {"X-Content-Hash": version, "X-Content-Date": today.isoformat()}
    if reviewer:
        header |= {"X-Translation-Status": "reviewed", "X-Reviewed-By": reviewer,
                   "X-Reviewed-On": today.isoformat(), "X-Reviewed-Hash": version}
    elif version != old.status.reviewed_hash:
        header |= {"X-Translation-Status": "draft", "X-Reviewed-By": "", "X-Reviewed-On": "", "X-Reviewed-Hash": ""}
    try:
        write_atomic(path, render_po(tag, header, messages, _comments(path)).encode("utf-8"), mode=0o644)
    except OSError as error:
        raise StorageIOError(_("The catalogue {path} could not be written.").format(path=path)) from error
    catalogue.load.cache_clear()
    return version


TEMPLATE = "leaflet.pot"


def write_template() -> Path:
    """``leaflet.pot``, the template a new language starts from: every key with its English and no text."""
    source = catalogue.load(SOURCE_TAG)
    header = {name: "" for name in _STANDARD_HEADER} | {
        "Project-Id-Version": "fieldapp leaflet 2", "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8", "Content-Transfer-Encoding": "8bit",
        "X-Content-Date": "", "X-Content-Hash": "", "X-Form-Of-Address": "", "X-Translation-Status": "draft",
        "X-Translated-By": "", "X-Reviewed-By": "", "X-Reviewed-On": "", "X-Reviewed-Hash": ""}
    comments = ["# Template for fieldapp's client information sheets. Copy to <bcp47>.po and translate;",
                "# write the language's form of address in X-Form-Of-Address, then run: fieldapp leaflet-texts stamp"]
    path = catalogue.CATALOGUE_DIR / TEMPLATE
    text = render_po(SOURCE_TAG, header, {key: "" for key in source.messages}, comments)
    try:
        write_atomic(path, text.encode("utf-8"), mode=0o644)
    except OSError as error:
        raise StorageIOError(_("The catalogue {path} could not be written.").format(path=path)) from error
    return path


def stamp(tag: str, today: date | None = None) -> bool:
    """After a hand edit: record the new version and date (a review no longer covers it). True if it changed."""
    cat = catalogue.load(language(tag).tag)
    if cat.stamped and not cat.status.edited_since_review:
        return False
    write(cat.tag, cat.messages, today=today)
    return True
