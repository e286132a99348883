"""Shared helpers for the leaflet tests: organisations, PDF inspection and text normalisation."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from pathlib import Path

from pypdf import PdfReader

from fieldapp.domain.organisation import ContactLine, Organisation
from fieldapp.records.organisation import sample

# Not a real number: Danish subscriber numbers never start with 0. Used only to exercise the QR code.
TEST_HOTLINE = "+45 00 00 00 00"
_ARABIC = re.compile(r"[\u0600-\u06ff]")
_THAI_LETTER = re.compile(r"[\u0e01-\u0e5b]")


def complete_org() -> Organisation:
    """A complete, non-sample configuration, as an organisation would enter it in Settings."""
    return Organisation(name="Test Outreach", region="hovedstaden", hotline=TEST_HOTLINE,
                        contact_lines=(ContactLine("Hotline", TEST_HOTLINE),
                                       ContactLine("Drop-in", "Testvej 1, 0000 Testby", "address")))


def sample_with_hotline() -> Organisation:
    return replace(sample(), hotline=TEST_HOTLINE)


def pdf_fonts(path: Path) -> list[dict]:
    """Every font dictionary used on any page (descendant CIDFonts resolved)."""
    fonts = []
    for page in PdfReader(path).pages:
        for ref in page["/Resources"].get("/Font", {}).values():
            font = ref.get_object()
            if "/DescendantFonts" in font:
                font = font["/DescendantFonts"][0].get_object()
            fonts.append(font)
    return fonts


def pdf_text(path: Path) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(path).pages]


def _arabic_logical(text: str) -> str:
    """pypdf gives Arabic in visual order: reverse each Arabic word and the word order of each line."""
    lines = []
    for line in unicodedata.normalize("NFKC", text).splitlines():
        words = [w[::-1] if _ARABIC.search(w) else w for w in line.split()]
        lines.append(" ".join(reversed(words) if _ARABIC.search(line) else words))
    return " ".join(lines)


def normalise(text: str, script: str, *, from_pdf: bool = False) -> str:
    """Text for comparison. Thai keeps base letters only (DESIGN §7: Qt's text layer drops some marks),
    CJK and Thai drop all spaces (lines break anywhere); other scripts only collapse white space.
    Everything is NFKC-normalised first (PDF text layers give ligatures and presentation forms)."""
    text = unicodedata.normalize("NFKC", text.replace("\u200b", "").replace("\u2060", ""))
    if script == "arabic":
        text = text.replace("\u200c", " ")    # Persian's zero-width non-joiner comes back as a space
        # the text layer maps Persian yeh and keheh forms to their Arabic look-alikes: compare them as one
        text = text.translate(str.maketrans({"\u06cc": "\u064a", "\u0649": "\u064a", "\u06a9": "\u0643"}))
    if script == "arabic" and from_pdf:
        text = _arabic_logical(text)
    elif script == "thai":
        # base letters only: Qt's text layer drops stacked marks or maps them to stray ASCII
        text = "".join(c for c in text if _THAI_LETTER.match(c) and unicodedata.category(c) != "Mn")
    if script in ("thai", "cjk"):
        return re.sub(r"\s+", "", text)
    return re.sub(r"\s+", " ", text).strip()


def error_within(seconds: float, call, kind: type[Exception]) -> Exception | None:
    """Run ``call`` in a thread; fail if it has not finished after ``seconds`` (a FIFO or a bomb must not hang
    it) and return the ``kind`` error it raised, or None."""
    import threading

    done, errors = threading.Event(), []

    def attempt() -> None:
        try:
            call()
        except kind as error:
            errors.append(error)
        done.set()
    threading.Thread(target=attempt, daemon=True).start()
    assert done.wait(seconds), f"{call} did not finish within {seconds} s"
    return errors[0] if errors else None
