"""Nationalities (ISO 3166-1 alpha-2) and languages (ISO 639) as babel knows them, with names
in the reader's language; and the organisation's own languages and dialects (``custom_codes``, list
"languages"), each counted as the babel language it names as parent."""

from __future__ import annotations

import functools

from babel import Locale

from fieldapp.domain import custom_codes
from fieldapp.domain.aliases import alias_key

# Codes babel lists among territories that are not countries of citizenship.
_NOT_COUNTRIES = frozenset({"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "ZZ"})
_NOT_LANGUAGES = frozenset({"und", "zxx", "mis", "mul"})
_MIN_NAME_TEXT = 3


@functools.cache
def nationality_codes() -> frozenset[str]:
    return frozenset(code for code in Locale("en").territories
                     if len(code) == 2 and code.isalpha() and code.isupper() and code not in _NOT_COUNTRIES)


@functools.cache
def standard_language_codes() -> frozenset[str]:
    """The languages babel knows (ISO 639 codes), without the organisation's own."""
    return frozenset(code for code in Locale("en").languages
                     if code.isalpha() and code.islower() and 2 <= len(code) <= 3 and code not in _NOT_LANGUAGES)


def language_codes() -> frozenset[str]:
    """The languages a record may name: babel's and the organisation's own."""
    return _with_own_languages(custom_codes.generation())


@functools.lru_cache(maxsize=2)
def _with_own_languages(_generation: int) -> frozenset[str]:
    return standard_language_codes() | {own.code for own in custom_codes.installed("languages")}


def nationality_name(code: str, language: str = "en") -> str:
    """The country's name in ``language``; the code itself when babel has no name for it."""
    return Locale.parse(language).territories.get(code, code)


def language_name(code: str, language: str = "en") -> str:
    """The language's name in ``language`` (an own language's label as typed); the code when none is known."""
    own = custom_codes.find("languages", code)
    return own.label if own is not None else Locale.parse(language).languages.get(code, code)


@functools.cache
def _nationality_words(language: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    names = Locale.parse(language).territories
    return tuple((code, tuple(alias_key(names.get(code, code)).split())) for code in sorted(nationality_codes()))


def nationalities_matching(text_key: str, languages: tuple[str, ...] = ("en",)) -> tuple[str, ...]:
    """Codes of countries whose name in any of ``languages`` has a word that starts with ``text_key``
    (an ``alias_key``: "thai" -> TH, "rum" -> RO in Danish) or that ``text_key`` starts with
    ("nigerian" -> NG). Shorter than three characters matches none: too many names would."""
    if len(text_key) < _MIN_NAME_TEXT:
        return ()
    found: set[str] = set()
    for language in languages:
        for code, words in _nationality_words(language):
            if any(word.startswith(text_key) or (len(word) > _MIN_NAME_TEXT and text_key.startswith(word))
                   for word in words):
                found.add(code)
    return tuple(sorted(found))
