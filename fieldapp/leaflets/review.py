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
import os
import re
import stat
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
from fieldapp.storage.atomic import write_atomic

MAX_BYTES = 1 << 20
PROJECT = "fieldapp"
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
    return {name: header.get(name, "") for name in (*_STANDARD_HEADER, *header) if name in header or
            name in _STANDARD_HEADER}


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


def read_incoming(path: Path) -> dict[str, str]:
    """The translations in a returned .po file, read as hostile input; ``CatalogueError`` names what is wrong."""
    bad = CatalogueError(_("{path} is not a translation file fieldapp can read (a .po file of at most 1 MB).")
                         .format(path=path))
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        raise bad from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_BYTES:
            raise bad
        data = b""
        while len(data) <= MAX_BYTES:
            chunk = os.read(fd, MAX_BYTES + 1 - len(data))
            if not chunk:
                break
            data += chunk
    finally:
        os.close(fd)
    if len(data) > MAX_BYTES:
        raise bad
    try:
        parsed = read_po(io.BytesIO(data))
    except (PoFileError, ValueError, UnicodeDecodeError):
        raise bad from None
    return {str(m.context): str(m.string) for m in parsed if m.id and m.context}


def _has_figure(text: str) -> bool:
    return any(unicodedata.category(ch) == "Nd" for ch in re.sub(r"\{\w+\}", "", text))


def compare(tag: str, incoming: dict[str, str]) -> list[Change]:
    """The changes ``incoming`` makes to ``tag``; ``CatalogueError`` if any text could not be printed."""
    cat = catalogue.load(language(tag).tag)
    source = catalogue.load(SOURCE_TAG).messages
    problems = []
    for key, text in incoming.items():
        base, _at, variant = key.partition("@")
        if base not in source or (_at and variant not in VARIANTS):
            problems.append(_("{key}: not a key of the leaflet").format(key=key))
        elif not text.strip():
            problems.append(_("{key}: no translation").format(key=key))
        elif placeholders(text) != placeholders(source[base]):
            problems.append(_("{key}: the placeholders in braces differ from the English").format(key=key))
        elif _has_figure(text):
            problems.append(_("{key}: a figure in the text (figures come from the app's facts)").format(key=key))
    problems += [_("{key}: missing").format(key=key) for key in source if key not in incoming]
    if problems:
        raise CatalogueError(_("The file was not imported:") + "\n  " + "\n  ".join(problems[:20]))
    keys = _ordered(cat.messages | incoming)
    return [Change(key, cat.messages.get(key, ""), incoming.get(key, ""))
            for key in keys if cat.messages.get(key, "") != incoming.get(key, "")]


def check_reviewer(tag: str, name: str, organisation: str) -> str:
    """``"Name (Organisation)"`` for a reviewer from outside the team; ``CatalogueError`` otherwise."""
    name, organisation = name.strip(), organisation.strip()
    if not name or not organisation:
        raise CatalogueError(_("A review needs the reviewer's name and organisation."))
    translators = catalogue.read_header(catalogue.path_for(tag)).get("X-Translated-By", "").lower()
    for part in (name.lower(), organisation.lower()):
        if PROJECT in part or part in translators:
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
