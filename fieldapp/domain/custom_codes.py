"""The organisation's own codes: venue kinds, platforms, services, and languages or dialects (Edo, Nigerian Pidgin,
Darija) that an administrator adds without a new release of the app.

Each own code is ``x-<slug>`` (never a standard code) with the organisation's own label, shown as typed, and a
standard *parent* code of the same list: reports count it under its parent and referral packets send the parent,
so figures and packets stay comparable between organisations.

The codes of the open vault are *installed* here at unlock and removed at lock: one process-wide set, because the
field descriptions, validation and pickers that read them are module-level (the app opens one vault per process;
worker threads only read, and each change swaps the whole set at once). ``owner`` is whatever stands for the
open vault: the vault opened last is current, and closing one gives the codes back to the one still open.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from fieldapp.domain.aliases import alias_key
from fieldapp.i18n import N_, OwnText, _

PREFIX = "x-"
MAX_LABEL = 60
MAX_PER_LIST = 100
# The lists an organisation may extend, with their names in the settings.
LISTS = {
    "venue_kinds": N_("Venue kinds"),
    "platforms": N_("Online platforms"),
    "services": N_("Services given at contacts"),
    "languages": N_("Languages and dialects"),
}


@dataclass(frozen=True)
class CustomCode:
    list_name: str      # one of LISTS
    code: str           # "x-thai-spa"
    label: str          # the organisation's own text, never translated
    parent: str         # a standard code of the list: "massage_clinic"; a language babel knows: "ar"


_installed: dict[str, dict[str, CustomCode]] = {}
_opened: list[tuple[object, dict[str, dict[str, CustomCode]]]] = []     # each open vault's codes, latest last
_generation = 0
_changing = threading.Lock()          # unlock may run on a worker thread while the window's thread locks


def install(found: Iterable[CustomCode], owner: object) -> None:
    """Make ``found`` the own codes of every list, for the vault ``owner`` stands for (again after a change)."""
    lists: dict[str, dict[str, CustomCode]] = {}
    for code in found:
        lists.setdefault(code.list_name, {})[code.code] = CustomCode(code.list_name, code.code, OwnText(code.label),
                                                                     code.parent)
    with _changing:
        _opened[:] = [(other, codes) for other, codes in _opened if other is not owner] + [(owner, lists)]
        _refresh()


def uninstall(owner: object) -> None:
    """Forget ``owner``'s codes (at lock: nothing passes to the next vault). Were they current, the codes of the
    vault opened before it, if one is still open, are current again."""
    with _changing:
        _opened[:] = [(other, codes) for other, codes in _opened if other is not owner]
        _refresh()


def _refresh() -> None:
    global _installed, _generation
    _installed, _generation = (_opened[-1][1] if _opened else {}), _generation + 1


def generation() -> int:
    """A number that changes whenever the installed codes do (for caches of names)."""
    return _generation


def installed(list_name: str) -> tuple[CustomCode, ...]:
    return tuple(_installed.get(list_name, {}).values())


def find(list_name: str, code: str) -> CustomCode | None:
    return _installed.get(list_name, {}).get(code)


def parent(list_name: str, code: str) -> str:
    """The standard code ``code`` counts under: an own code's parent, any other code itself."""
    own = find(list_name, code)
    return own.parent if own is not None else code


class ExtensibleCodes(Mapping[str, str]):
    """A standard code table (code -> label marked with ``N_``) followed by the organisation's own codes of
    ``list_name`` as installed now (code -> ``OwnText`` label). Iteration gives the standard codes first."""

    def __init__(self, list_name: str, standard: Mapping[str, str]) -> None:
        self.list_name, self.standard = list_name, dict(standard)

    def _own(self) -> dict[str, CustomCode]:
        return _installed.get(self.list_name, {})

    def __getitem__(self, code: str) -> str:
        if code in self.standard:
            return self.standard[code]
        return self._own()[code].label

    def __contains__(self, code: object) -> bool:
        return code in self.standard or code in self._own()

    def __iter__(self) -> Iterator[str]:
        yield from self.standard
        yield from tuple(self._own())

    def __len__(self) -> int:
        return len(self.standard) + len(self._own())

    def parent(self, code: str) -> str:
        return parent(self.list_name, code)

    def own(self) -> tuple[CustomCode, ...]:
        return installed(self.list_name)

    def __repr__(self) -> str:
        return f"ExtensibleCodes({self.list_name!r}, {len(self.standard)} standard, {len(self._own())} own)"


def fold(counts: Mapping[str, int], list_name: str) -> dict[str, int]:
    """Counts keyed by code, with each own code's count added to its parent's."""
    folded: dict[str, int] = {}
    for code, count in counts.items():
        key = parent(list_name, code)
        folded[key] = folded.get(key, 0) + count
    return folded


def new_code(label: str, taken: Iterable[str]) -> str:
    """A code for a new own code, made from its label ("Thai spa" -> "x-thai-spa"), unlike every code ``taken``.
    The code stays when the label is changed later: records keep it."""
    slug = re.sub(r"[^a-z0-9]+", "-", alias_key(label).encode("ascii", "ignore").decode()).strip("-")[:30]
    stem = PREFIX + (slug.strip("-") or "code")
    taken = set(taken)
    code, number = stem, 2
    while code in taken:
        code, number = f"{stem}-{number}", number + 1
    return code


def label_problem(label: str, names_in_use: Iterable[str]) -> str:
    """Why ``label`` cannot name an own code ("" when it can): empty, too long, or a name the list already has
    (``names_in_use``: the list's standard and own labels, in every language they are shown in)."""
    if not label.strip():
        return _("Type a name for the code.")
    if len(label.strip()) > MAX_LABEL:
        return _("Keep the name to {limit} characters.").format(limit=MAX_LABEL)
    if any(not char.isprintable() for char in label):
        return _("The name cannot hold line breaks or control characters.")
    key = alias_key(label)
    if any(alias_key(name) == key for name in names_in_use):
        return _("“{label}” is already in this list: choose another name.").format(label=label.strip())
    return ""
