"""Every language in every format: a PDF with embedded fonts, the key phrases in its text, no line past the margin."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtGui import QColor, QImage

from fieldapp.domain.organisation import OFFERED_SERVICES, ContactLine
from fieldapp.leaflets import pictograms, qt_layout
from fieldapp.leaflets.catalogue import load
from fieldapp.leaflets.content import strip_invisible
from fieldapp.leaflets.errors import PrintRefused
from fieldapp.leaflets.fonts import ALL_FAMILIES
from fieldapp.leaflets.languages import FORMATS, TAGS, VARIANTS, language
from fieldapp.leaflets.qt_logo import png_bytes
from fieldapp.leaflets.qt_render import output_pages, render_leaflet, write_leaflet
from fieldapp.records.organisation import sample
from tests.leaflets.helpers import complete_org, normalise, pdf_fonts, pdf_text

EMBEDDED_NAMES = tuple(family.replace(" ", "") for family in (*ALL_FAMILIES, pictograms.FAMILY))
MAX_PAGES = {"a4": 2, "a5": 4, "card": 1}   # logical pages: the A4 sheet's columns, the A5 sheet's panels
# The longest contact lines an organisation realistically configures.
LONG_LINES = (ContactLine("Hotline", "+45 00 00 00 00 (24 hours, also SMS, WhatsApp and Signal)"),
              ContactLine("Drop-in", "Testvejens Gård, Testvej 123, 2. sal th., 0000 Testby Sydhavn", "address"),
              ContactLine("Hours", "Monday to Friday 10–16, Thursday 10–20, closed on public holidays", "hours"),
              ContactLine("Web", "https://www.example-outreach-organisation.dk/hjaelp/information", "web"),
              ContactLine("Mail", "kontakt@example-outreach-organisation.dk", "email"))


def overflowing_lines(laid: qt_layout.LaidOut) -> list[str]:
    """Lines whose natural width exceeds the width they were given, or that end past the text area."""
    doc, problems = laid.doc, []
    block = doc.begin()
    while block.isValid():
        layout, left = block.layout(), doc.documentLayout().blockBoundingRect(block).x()
        for index in range(layout.lineCount()):
            line = layout.lineAt(index)
            right = left + line.x() + line.naturalTextWidth()
            if line.naturalTextWidth() > line.width() + 0.5 or right > laid.text_width + 0.5:
                problems.append(block.text()[line.textStart():line.textStart() + line.textLength()])
        block = block.next()
    return problems


def smallest_text_pt(laid: qt_layout.LaidOut) -> float:
    """The smallest type size of any text in the laid-out document (pictograms excepted: they are not text)."""
    doc, sizes = laid.doc, []
    block = doc.begin()
    while block.isValid():
        fragments = block.begin()
        while not fragments.atEnd():
            fragment = fragments.fragment()
            if fragment.isValid() and fragment.text().strip():
                font = fragment.charFormat().font()
                if font.family() != pictograms.FAMILY:
                    sizes.append(font.pointSizeF())
            fragments += 1
        block = block.next()
    return min(sizes)


def check_pdf(path: Path, laid: qt_layout.LaidOut, org_name: str, raw_text: str) -> None:
    fonts = pdf_fonts(path)
    assert fonts
    for font in fonts:
        descriptor = font["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor or "/FontFile3" in descriptor, font["/BaseFont"]
        assert any(name in str(font["/BaseFont"]) for name in EMBEDDED_NAMES), font["/BaseFont"]
    script = laid.content.language.script
    text = normalise(raw_text, script, from_pdf=True)
    for phrase in laid.content.key_phrases():
        assert normalise(phrase, script) in text, phrase
    words = normalise(raw_text, "latin", from_pdf=True).split()
    assert all(word in words for word in org_name.split())


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("tag", TAGS)
def test_leaflet_pdf(qapp, tmp_path: Path, tag: str, fmt: str) -> None:
    out = tmp_path / f"{tag}-{fmt}.pdf"
    laid = qt_layout.lay_out(sample(), tag, fmt)
    result = write_leaflet(laid, out)
    assert out.is_file() and result.sample and result.draft
    assert 1 <= laid.pages <= MAX_PAGES[fmt]
    assert result.pages == (2 if fmt == "a5" else 1)       # one sheet; the folded A5 on its front and back
    assert overflowing_lines(laid) == []
    pages = pdf_text(out)
    assert len(pages) == result.pages
    if fmt == "a4":                                        # the text layer says each line once
        lines = [line.strip() for line in pages[0].splitlines() if len(line.strip()) >= 20]
        assert len(lines) == len(set(lines)), [line for line in lines if lines.count(line) > 1]
    raw = " ".join(pages)
    if fmt == "card":
        script = laid.content.language.script
        text = normalise(raw, script, from_pdf=True)
        assert all(normalise(p, script) in text for p in (laid.content.card_title, laid.content.card_body))
        # The value as configured; a bracket after a label in another script is its own run in the text layer.
        assert "[your hotline number]" in re.sub(r"\[\s+|\s+\]", lambda m: m.group(0).strip(),
                                                 normalise(raw, "latin", from_pdf=True))
        assert strip_invisible(laid.content.title) not in raw
    else:
        check_pdf(out, laid, "Sample Outreach Organisation", raw)
    assert "SAMPLE" in raw
    label = normalise(load(tag).text("contact.phone"), laid.content.language.script)
    assert label in normalise(raw, laid.content.language.script, from_pdf=True)   # the reader's own word
    if tag != "en":
        assert "Hotline:" not in raw and "Drop-in:" not in raw                      # not the configured English


@pytest.mark.parametrize("tag", ["th", "ar", "zh-Hans", "ru", "vi", "pl"])
@pytest.mark.parametrize("partner", ["da", "en"])
def test_bilingual_pdf(qapp, tmp_path: Path, tag: str, partner: str) -> None:
    out = tmp_path / "bilingual.pdf"
    laid = qt_layout.lay_out(complete_org(), tag, "a4", bilingual=partner)
    write_leaflet(laid, out)
    assert laid.pages <= 2 and overflowing_lines(laid) == []
    raw = " ".join(pdf_text(out))
    check_pdf(out, laid, "Test Outreach", raw)
    partner_text = normalise(raw, "latin", from_pdf=True)
    assert all(normalise(p, "latin") in partner_text for p in laid.partner.key_phrases())
    assert "SAMPLE" not in raw


@pytest.mark.parametrize("tag", TAGS)
def test_a4_is_one_page_for_every_reader_with_every_service_and_long_contact_lines(qapp, tag: str) -> None:
    logo = QImage(900, 300, QImage.Format.Format_ARGB32)
    logo.fill(QColor("#1d4e89"))
    org = replace(complete_org(), contact_lines=LONG_LINES, services=OFFERED_SERVICES, logo_png=png_bytes(logo))
    for variant in VARIANTS:
        laid = qt_layout.lay_out(org, tag, "a4", variant=variant)
        assert len(output_pages(laid)) == 1, variant
        assert smallest_text_pt(laid) >= 9 and overflowing_lines(laid) == []
        folded = qt_layout.lay_out(org, tag, "a5", variant=variant)
        assert len(output_pages(folded)) == 2, variant     # one A4 sheet, front and back
        assert smallest_text_pt(folded) >= 9


def test_columns_read_from_the_reading_side(qapp) -> None:
    org = replace(complete_org(), contact_lines=LONG_LINES, services=OFFERED_SERVICES)
    ltr, rtl = (output_pages(qt_layout.lay_out(org, tag, "a4"))[0] for tag in ("en", "fa"))
    assert [index for index, _x in ltr] == [0, 1] and ltr[0][1] < ltr[1][1]
    assert [index for index, _x in rtl] == [0, 1] and rtl[0][1] > rtl[1][1]   # the first column on the right


def test_render_leaflet_writes_the_pdf(qapp, tmp_path: Path) -> None:
    result = render_leaflet(complete_org(), "uk", "a5", tmp_path / "uk.pdf", bilingual="en")
    assert result.path.is_file() and not result.sample and result.draft
    assert len(PdfReader(result.path).pages) == result.pages == 2


def test_bilingual_a5_fits_its_panels(qapp) -> None:
    laid = qt_layout.lay_out(complete_org(), "vi", "a5", bilingual="en")
    assert laid.pages <= 4 and overflowing_lines(laid) == []


def test_real_printing_is_refused_without_contact_lines(qapp, tmp_path: Path) -> None:
    from fieldapp.domain.organisation import Organisation

    out = tmp_path / "refused.pdf"
    with pytest.raises(PrintRefused):
        render_leaflet(Organisation(name="Half configured"), "th", "a4", out)
    assert not out.exists()


def test_a5_is_imposed_as_a_folded_sheet(qapp, tmp_path: Path) -> None:
    out = tmp_path / "a5.pdf"
    render_leaflet(complete_org(), "en", "a5", out)
    pages = PdfReader(out).pages
    assert len(pages) % 2 == 0
    width, height = (float(v) for v in pages[0].mediabox.upper_right)
    assert width > height and round(width / 72 * 25.4) == 297


def test_card_is_credit_card_sized(qapp, tmp_path: Path) -> None:
    out = tmp_path / "card.pdf"
    render_leaflet(complete_org(), language("ro").tag, "card", out)
    width, height = (float(v) / 72 * 25.4 for v in PdfReader(out).pages[0].mediabox.upper_right)
    assert abs(width - 85.6) < 0.5 and abs(height - 54) < 0.5


@pytest.mark.parametrize("tag", ["en", "th", "vi"])
def test_headings_are_real_bold_not_drawn_twice(qapp, tmp_path: Path, tag: str) -> None:
    """Bold in the variable Noto fonts goes through the weight axis: each heading is in the text layer once."""
    laid = qt_layout.lay_out(complete_org(), tag, "a4")
    write_leaflet(laid, tmp_path / "bold.pdf")
    text = normalise(" ".join(pdf_text(tmp_path / "bold.pdf")), laid.content.language.script, from_pdf=True)
    heading = normalise(laid.content.sections[0].heading, laid.content.language.script)
    assert text.count(normalise(laid.content.title, laid.content.language.script)) == 1
    assert text.count(heading) >= 1 and text.count(heading + heading) == 0


@pytest.mark.parametrize("tag", TAGS)
def test_the_footer_date_ends_with_one_full_stop(tag: str) -> None:
    from fieldapp.leaflets.content import leaflet_content

    footer = leaflet_content(sample(), tag).footer
    assert ".." not in footer and "г.." not in footer and "р.." not in footer


@pytest.mark.parametrize("tag", TAGS)
def test_every_language_format_and_reader_prints_with_embedded_fonts_and_own_labels(qapp, tmp_path, tag) -> None:
    """The acceptance matrix: language × format × reader, with the organisation's own contact lines."""
    org = replace(complete_org(), contact_lines=LONG_LINES, services=OFFERED_SERVICES)
    for fmt in FORMATS:
        for variant in VARIANTS:
            out = tmp_path / f"{fmt}-{variant}.pdf"
            laid = qt_layout.lay_out(org, tag, fmt, variant=variant)
            result = write_leaflet(laid, out)
            assert result.pages == (2 if fmt == "a5" else 1), (fmt, variant)
            fonts = pdf_fonts(out)
            assert fonts and all("/FontFile2" in f["/FontDescriptor"].get_object()
                                 or "/FontFile3" in f["/FontDescriptor"].get_object() for f in fonts)
            raw = " ".join(pdf_text(out))
            assert "[" not in laid.content.all_text(), (fmt, variant)
            # Thai: Qt's text layer maps some stacked marks to stray ASCII such as "[" (docs/leaflets.md)
            assert tag == "th" or "[" not in raw, (fmt, variant)
            if tag != "en":
                assert "Hotline" not in raw and "Drop-in" not in raw and "Mail:" not in raw, (fmt, variant)


@pytest.mark.parametrize("tag", ["en", "th", "ar"])
def test_bilingual_columns_are_drawn_side_by_side_not_on_top_of_each_other(qapp, tag) -> None:
    from fieldapp.leaflets.qt_render import render_image

    laid = qt_layout.lay_out(complete_org(), tag, "a4", bilingual="da")
    image = render_image(laid, 0, 400)

    def ink(x0: int, x1: int) -> int:
        return sum(1 for x in range(x0, x1, 2) for y in range(0, image.height(), 4)
                   if image.pixelColor(x, y).lightness() < 128)
    left, right = ink(0, image.width() // 2), ink(image.width() // 2, image.width())
    assert left > 50 and right > 50, (left, right)     # both languages drawn, each in its own half
