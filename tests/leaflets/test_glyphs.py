"""No missing glyph: every character a leaflet prints is in the cmap of one of its language's fonts (no Qt)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from fieldapp.leaflets.content import leaflet_content, strip_invisible
from fieldapp.leaflets.fonts import NOTO_SANS, faces_of, families_for, font_faces
from fieldapp.leaflets.languages import BILINGUAL_PARTNERS, TAGS, language
from fieldapp.records.organisation import sample
from tests.leaflets.helpers import complete_org


@cache
def cmap(path: Path) -> frozenset[int]:
    with TTFont(path, lazy=True) as font:
        return frozenset(font["cmap"].getBestCmap())


def covered(family: str) -> frozenset[int]:
    return frozenset().union(*(cmap(face.path) for face in faces_of(family)))


def missing(text: str, families: list[str]) -> set[str]:
    available = frozenset().union(*(covered(family) for family in families))
    return {char for char in set(text) - {"\n"} if ord(char) not in available}


def test_every_font_file_is_there() -> None:
    assert all(face.path.is_file() for face in font_faces())
    assert {face.family for face in font_faces()} == {"Noto Sans", "Noto Sans Thai", "Almarai", "Noto Sans CJK SC",
                                                       "Phosphor"}


@pytest.mark.parametrize("tag", TAGS)
def test_no_missing_glyph(tag: str) -> None:
    families = families_for(language(tag))
    for org in (sample(), complete_org()):
        assert missing(leaflet_content(org, tag).all_text(), families) == set()


@pytest.mark.parametrize("tag", TAGS)
def test_the_language_own_font_covers_its_text(tag: str) -> None:
    """The first family alone covers the language's own texts, so a line never mixes fonts by accident."""
    content = leaflet_content(complete_org(), tag)
    own = "".join((content.title, content.intro, *(s.heading for s in content.sections), content.card_body))
    # default-ignorable format characters (ZWSP, word joiner, Persian's zero-width non-joiner): shaped away,
    # never drawn
    own = strip_invisible(own).replace("\u200c", "")
    assert missing(own, families_for(language(tag))[:1]) == set()


def test_cjk_subset_covers_the_chinese_catalogue() -> None:
    text = Path(__file__).resolve().parents[2].joinpath("resources", "leaflets", "zh-Hans.po").read_text("utf-8")
    han = {char for char in text if "\u3000" <= char <= "\u9fff" or "\uff00" <= char <= "\uffef"}
    assert han and missing("".join(han), ["Noto Sans CJK SC"]) == set()


def test_partner_languages_and_the_sample_mark_are_covered() -> None:
    for tag in BILINGUAL_PARTNERS:
        assert missing(leaflet_content(complete_org(), tag).all_text(), [NOTO_SANS]) == set()
    assert missing("SAMPLE PRØVE", [NOTO_SANS]) == set()
