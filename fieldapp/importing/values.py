"""A spreadsheet's cell as a field's value: text, numbers, yes/no, dates and codes, with a clear problem
when it cannot be one, and a suggestion for a code the mapping does not name yet.

Codes are read from the mapping's own table first ("gade" = "street"), then from the code itself, its label
in English or Danish, and for countries and languages their names in English or Danish (babel's): "Rumænien"
-> RO, "rumænsk" -> ro. A word that only starts like a name is a suggestion, never taken by itself.
"""

from __future__ import annotations

import functools
import gettext
import re
from datetime import date, datetime, time, timedelta

from babel import Locale

from fieldapp.domain import custom_codes
from fieldapp.domain.aliases import alias_key
from fieldapp.domain.fields import BOOL, CODE, CODES, DAY, INT, MOMENT, NOTE, TEXT, Field
from fieldapp.domain.places import language_codes, nationalities_matching, nationality_codes
from fieldapp.domain.values import as_utc
from fieldapp.i18n import DOMAIN, TRANSLATIONS_DIR, OwnText, _

EARLIEST = date(1980, 1, 1)              # older dates in a record of outreach are typing mistakes
LABEL_LANGUAGES = ("en", "da")
# One character, or "&", "og" or "and" between spaces; the parts are stripped after. No quantified whitespace on
# either side of an alternative: "\s*(?:...|\sog\s)\s*" backtracked quadratically over a cell of spaces.
_LIST_SEPARATORS = re.compile(r"[,;/|+\n]|(?<=\s)(?:&|og|and)(?=\s)")
_YES = frozenset({"ja", "j", "yes", "y", "x", "1", "true", "sand", "✓", "✔"})
_NO = frozenset({"nej", "n", "no", "0", "false", "falsk", "-"})
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?)?$")
_NUMERIC = re.compile(r"^(\d{1,2})[-./](\d{1,2})[-./](\d{2}|\d{4})(?:[ T,]+(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?)?$")
_INTEGER = re.compile(r"^[+]?(\d{1,6})(?:[.,]0+)?$")
DATE_ORDERS = ("dmy", "mdy")
_AHEAD = frozenset({"follow_up"})        # days that lie ahead by nature (a contact's and a legal session's)


class Bad(ValueError):
    """A cell that is not a value of its field; ``suggestion`` is a code that may be meant."""

    def __init__(self, message: str, suggestion: str = "") -> None:
        super().__init__(message)
        self.suggestion = suggestion


@functools.cache
def translator(language: str):
    if language == "en":
        return lambda message: message
    return gettext.translation(DOMAIN, TRANSLATIONS_DIR, languages=[language], fallback=True).gettext


def _babel_names(table: str, allowed) -> dict[str, str]:
    names: dict[str, str] = {}
    for language in LABEL_LANGUAGES:
        for code, name in getattr(Locale.parse(language), table).items():
            if code in allowed:
                names.setdefault(alias_key(name), code)
    return names


def _names(field: Field) -> dict[str, str]:
    """Every name a code of ``field`` is known by (alias keys), to its code; the organisation's own codes by
    their labels too."""
    return _names_now(field, custom_codes.generation())


@functools.lru_cache(maxsize=256)
def _names_now(field: Field, _generation: int) -> dict[str, str]:
    allowed = field.allowed()
    if field.codes is nationality_codes:
        names = _babel_names("territories", allowed)
    elif field.codes is language_codes:
        names = _babel_names("languages", allowed)      # an own language's label wins over babel's name
        names.update({alias_key(own.label): own.code for own in custom_codes.installed("languages")})
    else:
        names = {}
        for language in LABEL_LANGUAGES:
            translate = translator(language)
            for code, label in dict(field.codes or {}).items():
                text = label if isinstance(label, OwnText) else translate(label)
                names.setdefault(alias_key(text.replace("&", "")), code)
    for code in allowed:
        names[alias_key(code)] = code
        names.setdefault(code.casefold(), code)
    return names


def suggest(field: Field, text: str) -> str:
    """The code ``text`` most likely means ("" when none stands out): its exact name, or the one name that
    starts with it (or that it starts with)."""
    key = alias_key(text)
    if not key:
        return ""
    names = _names(field)
    if key in names:
        return names[key]
    if field.codes is nationality_codes:
        found = nationalities_matching(key, LABEL_LANGUAGES)
        return found[0] if len(found) == 1 else ""
    starts = {code for name, code in names.items()
              if len(key) >= 3 and (name.startswith(key) or (len(name) >= 4 and key.startswith(name)))}
    return starts.pop() if len(starts) == 1 else ""


class Lookup:
    """A mapping's [values] table, indexed once: its exact entries, and by case-folded text the first entry with a
    code (a table of thousands of entries was scanned for every cell)."""

    def __init__(self, table: dict[str, str]) -> None:
        self.exact = table
        self.folded: dict[str, str] = {}
        for source, given in table.items():
            if given:
                self.folded.setdefault(source.strip().casefold(), given)


def _given(table: dict[str, str] | Lookup, text: str) -> str | None:
    """What the mapping's ``table`` says ``text`` is: its exact entry, else one that differs only in case."""
    lookup = table if isinstance(table, Lookup) else Lookup(table)
    text = text.strip()
    given = lookup.exact.get(text) or lookup.folded.get(text.casefold())
    return given.strip() if given and given.strip() else None


def code(field: Field, text: str, table: dict[str, str] | Lookup) -> str:
    """The code ``text`` names, by the mapping's ``table`` (source text -> code) or exactly by name."""
    given = _given(table, text)
    if given is not None:
        return given
    found = _names(field).get(alias_key(text)) or _names(field).get(text.strip().casefold())
    if found is None:
        raise Bad(_("“{value}” is not a known code here.").format(value=text), suggest(field, text))
    return found


def codes(field: Field, text: str, table: dict[str, str] | Lookup) -> tuple[str, ...]:
    """The codes a list names ("rumænsk og engelsk"). When a part is unknown, the suggestion is for the whole
    cell, as a [values] entry takes it: every part's code ("ro th"), or none when a part suggests nothing, never
    the unknown part's code alone (which would drop the others)."""
    table = table if isinstance(table, Lookup) else Lookup(table)
    whole = _given(table, text)
    if whole is not None:
        return tuple(dict.fromkeys(c for c in re.split(r"[\s,]+", whole) if c))
    parts = [part.strip() for part in _LIST_SEPARATORS.split(text.strip()) if part.strip()]
    found, first_bad = [], None
    for part in parts:
        try:
            found.append(code(field, part, table))
        except Bad as bad:
            first_bad = first_bad or bad
            found.append(bad.suggestion)
    if first_bad is not None:
        raise Bad(str(first_bad), " ".join(dict.fromkeys(found)) if all(found) else "")
    return tuple(dict.fromkeys(found))


def integer(text: str) -> int:
    found = _INTEGER.match(text.strip())
    if found is None:
        raise Bad(_("“{value}” is not a whole number.").format(value=text))
    return int(found.group(1))


def yes_no(text: str) -> bool:
    key = text.strip().casefold()
    if key in _YES:
        return True
    if key in _NO:
        return False
    raise Bad(_("“{value}” is not yes or no (ja/nej, yes/no, x or empty).").format(value=text))


def _parts(text: str, order: str, today: date | None = None) -> tuple[int, int, int, int, int, int]:
    """Year, month, day, hour, minute and second. A two-digit year is this century's up to this year, else the
    last century's ("25" is 2025, "85" 1985)."""
    text = text.strip()
    found = _ISO.match(text)
    if found:
        year, month, day = (int(found.group(i)) for i in (1, 2, 3))
        rest = found.groups()[3:]
    else:
        found = _NUMERIC.match(text)
        if found is None:
            raise Bad(_("“{value}” is not a date (for example 15-03-2019 or 2019-03-15).").format(value=text))
        first, second, year = (int(found.group(i)) for i in (1, 2, 3))
        day, month = (first, second) if order == "dmy" else (second, first)
        if len(found.group(3)) == 2:
            year += 2000 if year <= (today or date.today()).year % 100 else 1900
        rest = found.groups()[3:]
    hour, minute, second_ = (int(v) if v else 0 for v in rest)
    return year, month, day, hour, minute, second_


def day(text: str, order: str, typed: object = None, today: date | None = None, *, ahead: bool = False) -> date:
    """A date from a cell: a workbook's date, or text in ISO or the mapping's day-month order; ``ahead``: a day
    that may lie in the future (a follow-up)."""
    if isinstance(typed, datetime):
        found = typed.date()
    elif isinstance(typed, date):
        found = typed
    else:
        year, month, day_, *_rest = _parts(text, order, today)
        try:
            found = date(year, month, day_)
        except ValueError:
            raise Bad(_("“{value}” is not a date that exists.").format(value=text)) from None
    return _plausible(found, text, today, ahead=ahead)


def _midday(found: date) -> datetime:
    """Noon of a day given without a time, so that it stays on its day; today before noon, the current minute
    (noon would be "in the future" for the form's check)."""
    noon, now = datetime.combine(found, time(12)), datetime.now()
    return min(noon, now.replace(second=0, microsecond=0)) if found == now.date() else noon


def moment(text: str, order: str, typed: object = None, today: date | None = None) -> datetime:
    """A time from a cell (local time); a date alone is taken as noon, so that it stays on its day."""
    if isinstance(typed, datetime):
        _plausible(typed.date(), text, today)
        return as_utc(typed if typed.time() != time.min else _midday(typed.date()))
    if isinstance(typed, date):
        return as_utc(_midday(_plausible(typed, text, today)))
    year, month, day_, hour, minute, second = _parts(text, order, today)
    try:
        found = datetime(year, month, day_, hour, minute, second)
    except ValueError:
        raise Bad(_("“{value}” is not a date that exists.").format(value=text)) from None
    _plausible(found.date(), text, today)
    if (hour, minute, second) == (0, 0, 0):
        found = _midday(found.date())
    return as_utc(found)


def _plausible(found: date, text: str, today: date | None, *, ahead: bool = False) -> date:
    today = today or date.today()
    if not ahead and found > today + timedelta(days=1):
        raise Bad(_("“{value}” is in the future.").format(value=text))
    if found < EARLIEST:
        raise Bad(_("“{value}” is before {year}: check the year.").format(value=text, year=EARLIEST.year))
    return found


def _text(field: Field, text: str) -> str:
    value = text.strip()
    if field.max_length is not None and len(value) > field.max_length:
        raise Bad(_("The text is longer than {n} characters.").format(n=field.max_length))
    return value


_BY_KIND = {
    TEXT: lambda field, text, typed, table, order, today: _text(field, text),
    NOTE: lambda field, text, typed, table, order, today: _text(field, text),
    INT: lambda field, text, typed, table, order, today: integer(text),
    BOOL: lambda field, text, typed, table, order, today: yes_no(text),
    CODE: lambda field, text, typed, table, order, today: code(field, text, table),
    CODES: lambda field, text, typed, table, order, today: codes(field, text, table),
    DAY: lambda field, text, typed, table, order, today: day(text, order, typed, today,
                                                             ahead=field.name in _AHEAD),
    MOMENT: lambda field, text, typed, table, order, today: moment(text, order, typed, today),
}


def convert(field: Field, text: str, typed: object, table: dict[str, str] | Lookup, order: str,
            today: date | None = None) -> object:
    """The value of ``field`` in a cell (``text``, and a workbook's ``typed`` value). Raises ``Bad``."""
    convert_kind = _BY_KIND.get(field.kind)
    if convert_kind is None:
        raise Bad(_("This field cannot be imported."))
    return convert_kind(field, text, typed, table, order, today)
