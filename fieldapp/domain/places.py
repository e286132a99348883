"""Nationalities (ISO 3166-1 alpha-2) and languages (ISO 639) as babel knows them, with names
in the reader's language."""

from __future__ import annotations

import functools

from babel import Locale

from fieldapp.domain.aliases import alias_key

# Codes babel lists among territories that are not countries of citizenship.
_NOT_COUNTRIES = frozenset({"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "ZZ"})
_NOT_LANGUAGES = frozenset({"und", "zxx", "mis", "mul"})


@functools.cache
def nationality_codes() -> frozenset[str]:
    return frozenset(code for code in Locale("en").territories
                     if len(code) == 2 and code.isalpha() and code.isupper() and code not in _NOT_COUNTRIES)


@functools.cache
def language_codes() -> frozenset[str]:
    return frozenset(code for code in Locale("en").languages
                     if code.isalpha() and code.islower() and 2 <= len(code) <= 3 and code not in _NOT_LANGUAGES)


def nationality_name(code: str, language: str = "en") -> str:
    """The country's name in ``language``; the code itself when babel has no name for it."""
    return Locale.parse(language).territories.get(code, code)


def language_name(code: str, language: str = "en") -> str:
    return Locale.parse(language).languages.get(code, code)


@functools.cache
def _nationality_keys(language: str) -> tuple[tuple[str, str], ...]:
    names = Locale.parse(language).territories
    return tuple((code, alias_key(names.get(code, code))) for code in sorted(nationality_codes()))


def nationalities_matching(text_key: str, languages: tuple[str, ...] = ("en",)) -> tuple[str, ...]:
    """Codes whose name in any of ``languages`` contains ``text_key`` (an ``alias_key``) or whose code
    equals it; () for text shorter than two characters (too many countries would match)."""
    if len(text_key) < 2:
        return ()
    found: set[str] = set()
    for language in languages:
        for code, name_key in _nationality_keys(language):
            if text_key in name_key or text_key == code.lower():
                found.add(code)
    return tuple(sorted(found))
