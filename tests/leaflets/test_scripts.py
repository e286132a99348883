"""Thai lines break only at word boundaries; Arabic runs right to left with numbers left to right."""

from __future__ import annotations

import re
from functools import cache

import pytest
from PySide6.QtCore import QSizeF
from pythainlp.corpus import thai_words
from pythainlp.tokenize import word_tokenize

from fieldapp.leaflets import qt_layout
from fieldapp.leaflets.content import EXTRA_THAI_WORDS, ZWSP, mark_thai_word_boundaries
from fieldapp.leaflets.languages import language
from tests.leaflets.helpers import complete_org

LONG_THAI = ("ผู้ที่ตกเป็นเหยื่อการค้ามนุษย์มีสิทธิ์ได้รับความช่วยเหลือโดยไม่ต้องแจ้งตำรวจและมีสิทธิ์ได้รับที่พักที่ปลอดภัย"
             "รวมถึงการรักษาพยาบาลและคำปรึกษาทางกฎหมายฟรีเป็นภาษาของคุณ "
             "ข้อมูลถูกเข้ารหัสและลบภายในไม่เกินยี่สิบสี่เดือนเราไม่แบ่งปันข้อมูลกับตำรวจหรือเจ้าหน้าที่ถ้าคุณไม่ยินยอม")
_ARABIC_LETTER = re.compile(r"[\u0621-\u064a\u0671-\u06d3]")  # Arabic and Persian letters


def _lines(doc) -> list[tuple[object, object]]:
    found = []
    block = doc.begin()
    while block.isValid():
        layout = block.layout()
        found += [(block, layout.lineAt(i)) for i in range(layout.lineCount())]
        block = block.next()
    return found


def _thai_document(text: str, width_mm: float):
    laid = qt_layout.lay_out(complete_org(), "th", "a4")
    doc = laid.doc.clone()
    doc.documentLayout().setPaintDevice(laid.device)
    doc.setPlainText(text)
    doc.setPageSize(QSizeF(qt_layout.px(width_mm), 1e6))
    return laid, doc


@cache
def _dictionary() -> frozenset[str]:
    return frozenset(thai_words()) | EXTRA_THAI_WORDS


def _whole_words(piece: str) -> bool:
    return all(token in _dictionary() for token in word_tokenize(piece, engine="newmm"))


def _bad_breaks(marked: str, starts: list[int]) -> list[str]:
    """Line starts that are not word boundaries. A start at U+200B or a space is pythainlp's boundary; where
    the system's libthai (used by Qt when present) breaks inside a pythainlp token, both halves must still be
    dictionary words (a compound such as ได้|รับ), never a broken syllable."""
    bad = []
    spans, position = [], 0
    for token in marked.split(ZWSP):
        spans.append((position, position + len(token)))
        position += len(token) + 1
    for start in starts:
        if marked[start - 1:start + 1].strip(ZWSP + " ") != marked[start - 1:start + 1]:
            continue
        left, right = next((a, b) for a, b in spans if a < start < b)
        halves = (marked[left:start].split(" ")[-1], marked[start:right].split(" ")[0])
        if not all(_whole_words(half) for half in halves):
            bad.append(marked[start - 6:start] + "|" + marked[start:start + 6])
    return bad


@pytest.mark.parametrize("width_mm", [40, 47, 55, 63, 80, 120])
def test_thai_lines_break_only_at_word_boundaries(qapp, width_mm: float) -> None:
    marked = mark_thai_word_boundaries(LONG_THAI)
    laid, doc = _thai_document(marked, width_mm)
    lines = _lines(doc)
    assert len(lines) > 2
    assert _bad_breaks(marked, [line.textStart() for _block, line in lines[1:]]) == []
    assert all(line.naturalTextWidth() <= line.width() + 0.5 for _b, line in lines)


def test_the_break_rule_catches_a_broken_syllable() -> None:
    marked = mark_thai_word_boundaries(LONG_THAI)
    inside = marked.index("ช่วยเหลือ") + 3  # ความช่ว|ยเหลือ: a syllable torn apart
    assert _bad_breaks(marked, [inside]) != []
    assert _bad_breaks(marked, [inside + 1]) == []  # ความช่วย|เหลือ: two words


def test_thai_leaflet_lines_start_at_word_boundaries(qapp) -> None:
    for fmt in ("a4", "a5", "card"):
        laid = qt_layout.lay_out(complete_org(), "th", fmt)
        for block, line in _lines(laid.doc):
            if line.textStart() > 0:
                assert _bad_breaks(block.text(), [line.textStart()]) == []


@pytest.mark.parametrize("tag", ["ar", "fa"])
def test_arabic_script_runs_right_to_left(qapp, tag: str) -> None:
    laid = qt_layout.lay_out(complete_org(), tag, "a4")
    checked = 0
    for block, line in _lines(laid.doc):
        text = block.text()[line.textStart():line.textStart() + line.textLength()]
        letters = [i for i, char in enumerate(text) if _ARABIC_LETTER.match(char)]
        if len(letters) < 2:
            continue
        first, last = (line.textStart() + letters[0], line.textStart() + letters[-1])
        x_first, _ = line.cursorToX(first)
        x_last, _ = line.cursorToX(last)
        assert x_first > x_last, text
        if _ARABIC_LETTER.match(text.lstrip("• ")[:1]):  # a line that begins in Arabic begins at the right margin
            x_line_start, _ = line.cursorToX(line.textStart())
            assert x_line_start > line.x() + line.width() - laid.text_width * 0.02, text
        checked += 1
    assert checked > 20
    assert language(tag).rtl


@pytest.mark.parametrize("tag", ["ar", "fa"])
def test_numbers_stay_left_to_right_in_arabic_script(qapp, tag: str) -> None:
    laid = qt_layout.lay_out(complete_org(), tag, "a4")
    checked = 0
    for block, line in _lines(laid.doc):
        text = block.text()
        start = line.textStart()
        for match in re.finditer(r"\d[\d,\u066c]{2,}", text[start:start + line.textLength()]):  # ٬ in Persian
            # positions inside the number (its edges touch right-to-left runs and are ambiguous)
            x_start, _ = line.cursorToX(start + match.start() + 1)
            x_end, _ = line.cursorToX(start + match.end() - 1)
            assert x_start < x_end, match.group()
            checked += 1
    assert checked >= 4
