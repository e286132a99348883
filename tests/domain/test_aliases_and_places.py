"""Alias keys, similar aliases, and the ISO code lists taken from babel."""

from __future__ import annotations

from datetime import UTC, date, datetime

from fieldapp.domain.aliases import alias_key, edit_distance, keys_similar
from fieldapp.domain.places import (
    language_codes,
    language_name,
    nationalities_matching,
    nationality_codes,
    nationality_name,
)
from fieldapp.domain.values import date_from_text, join_codes, moment_from_text, moment_text, split_codes


def test_alias_key_folds_case_accents_and_punctuation() -> None:
    assert alias_key("  Ána-María  ") == "ana maria"
    assert alias_key("MALI") == alias_key("mali")
    assert alias_key("Lín, T.") == "lin t"


def test_similar_aliases() -> None:
    assert keys_similar("mali", "mali")
    assert keys_similar("mali", "mali k")          # an initial added
    assert keys_similar("mali", "malli")           # a typo
    assert keys_similar("anamaria", "ana maria")
    assert not keys_similar("mali", "nok")
    assert not keys_similar("", "mali")
    assert not keys_similar("li", "lu")            # too short to call a typo


def test_edit_distance_stops_early() -> None:
    assert edit_distance("kitten", "sitting", 5) == 3
    assert edit_distance("abc", "abcdefgh", 2) == 3


def test_nationality_codes_are_countries_only() -> None:
    codes = nationality_codes()
    assert {"TH", "RO", "BG", "NG", "DK", "XK"} <= codes
    assert not {"EU", "UN", "ZZ", "001", "150", "QO"} & codes


def test_language_codes_are_iso_639() -> None:
    codes = language_codes()
    assert {"th", "ro", "bg", "en", "yo", "tl", "fil"} <= codes
    assert not {"en_US", "und", "zxx", "ar_001"} & codes


def test_names_are_localised() -> None:
    assert nationality_name("TH") == "Thailand"
    assert nationality_name("RO", "da") == "Rumænien"
    assert language_name("th", "da") == "thai"


def test_typed_text_finds_countries_by_name() -> None:
    assert nationalities_matching(alias_key("thai")) == ("TH",)
    assert "RO" in nationalities_matching(alias_key("rumæn"), ("da", "en"))
    assert "NG" in nationalities_matching("nigerian")
    assert "GB" in nationalities_matching("kingdom")          # any word of the name
    assert nationalities_matching("ma") == ()                 # too short: would match half the world
    assert nationalities_matching("mania") == ()              # words start with the text, not contain it


def test_values_round_trip() -> None:
    assert split_codes(join_codes(("a", "b_c"))) == ("a", "b_c")
    assert split_codes("a, b;c  d") == ("a", "b", "c", "d")
    assert split_codes("") == () and split_codes(None) == ()
    moment = datetime(2026, 3, 1, 22, 15, 5, tzinfo=UTC)
    assert moment_from_text(moment_text(moment)) == moment
    assert moment_text(moment) == "2026-03-01T22:15:05+00:00"
    assert date_from_text("2026-03-01") == date(2026, 3, 1)
