"""Lay a leaflet out with Qt's text engine (HarfBuzz shaping, bidi, line breaking) for one format.

Geometry is in device pixels at ``LAYOUT_DPI``; the same laid-out document drives the PDF and the preview.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QBuffer, QIODevice, QSizeF, Qt, QUrl
from PySide6.QtGui import QFont, QImage, QPdfWriter, QTextCursor, QTextDocument, QTextOption

from fieldapp.domain.organisation import Organisation
from fieldapp.i18n import _
from fieldapp.leaflets import html, policy
from fieldapp.leaflets.content import LeafletContent, leaflet_content
from fieldapp.leaflets.errors import LeafletUsageError
from fieldapp.leaflets.fonts import NOTO_SANS, NOTO_THAI, families_for
from fieldapp.leaflets.languages import DEFAULT_VARIANT, check_bilingual, check_format, check_variant, language
from fieldapp.leaflets.qt_fonts import register_fonts
from fieldapp.leaflets.qt_logo import logo_image

LAYOUT_DPI = 300
MM_PER_INCH = 25.4
_VARIABLE = ([NOTO_SANS], [NOTO_THAI])  # families whose font files have a weight axis


@dataclass(frozen=True)
class PageSpec:
    """A logical page (a panel for the folded leaflet): size and margins in mm, base type size in pt."""

    width_mm: float
    height_mm: float
    margin_mm: float
    base_pt: float
    qr_mm: float = 0.0
    columns: int = 1        # text columns side by side on one page (the text flows from one to the next)
    gutter_mm: float = 0.0
    leading: int = 100      # line height, in per cent of the font's own
    logo_mm: float = 12.0   # the organisation's logo's height above the title (not on the card)

    @property
    def column_mm(self) -> float:
        return (self.width_mm - 2 * self.margin_mm - (self.columns - 1) * self.gutter_mm) / self.columns


SPECS = {
    "a4": PageSpec(210, 297, 10, 9, columns=2, gutter_mm=6, leading=90, logo_mm=11),
    "a5": PageSpec(148, 210, 12, 9.5),
    "card": PageSpec(85.6, 54, 4, 6.5, qr_mm=22),
    "bilingual": PageSpec(210, 297, 12, 9),
}


# Noto's fonts have generous line spacing (about 1.36 em), so 90 % still clears every stacked mark; Almarai's is
# tight (about 1.1 em) and Arabic marks need more: its lines keep at least the font's own spacing.
_MIN_LEADING = {"arabic": 110}


def leading_for(script: str, spec: PageSpec) -> int:
    return max(spec.leading, _MIN_LEADING.get(script, 0)) if spec.leading != 100 else 100


def px(mm: float) -> float:
    return mm / MM_PER_INCH * LAYOUT_DPI


@dataclass
class LaidOut:
    """A leaflet laid out in pages of ``text_width`` × ``text_height`` px, ready to draw."""

    fmt: str
    spec: PageSpec
    doc: QTextDocument
    content: LeafletContent
    partner: LeafletContent | None
    sample: bool
    text_width: float
    text_height: float
    device: QPdfWriter  # the layout's paint device; must live as long as the document
    buffer: QBuffer

    @property
    def pages(self) -> int:
        """Logical pages: columns of a multi-column sheet, panels of a folded one."""
        return self.doc.pageCount()

    @property
    def qr_payload(self) -> str:
        return self.content.qr_payload if self.fmt == "card" else ""


def _layout_device() -> tuple[QPdfWriter, QBuffer]:
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    device = QPdfWriter(buffer)
    device.setResolution(LAYOUT_DPI)
    return device, buffer


def _document(markup: str, families: list[str], spec: PageSpec, device: QPdfWriter, rtl: bool,
              logo: QImage | None = None) -> QTextDocument:
    doc = QTextDocument()
    if logo is not None:
        doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(html.LOGO), logo)
    doc.documentLayout().setPaintDevice(device)
    font = QFont()
    font.setFamilies(families)
    font.setPointSizeF(spec.base_pt)
    doc.setDefaultFont(font)
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    if rtl:
        option.setTextDirection(Qt.LayoutDirection.RightToLeft)
    doc.setDefaultTextOption(option)
    doc.setDocumentMargin(0)
    doc.setHtml(markup)
    _use_weight_axis(doc)
    return doc


def _use_weight_axis(doc: QTextDocument) -> None:
    """Set bold text in the variable Noto fonts through their weight axis (real bold outlines in the PDF)
    instead of Qt's synthetic bold, which draws each glyph twice and doubles the PDF's text layer. Static
    fonts (Almarai has a Bold face; the CJK subset has none) keep Qt's own handling."""
    block = doc.begin()
    while block.isValid():
        fragments = block.begin()
        while not fragments.atEnd():
            fragment = fragments.fragment()
            char_format = fragment.charFormat()
            font = char_format.font()
            if char_format.fontWeight() >= QFont.Weight.DemiBold and font.families()[:1] in _VARIABLE:
                font.setWeight(QFont.Weight.Normal)
                font.setVariableAxis(QFont.Tag("wght"), 700)
                char_format.setFont(font)
                cursor = QTextCursor(doc)
                cursor.setPosition(fragment.position())
                cursor.setPosition(fragment.position() + fragment.length(), QTextCursor.MoveMode.KeepAnchor)
                cursor.setCharFormat(char_format)
            fragments += 1
        block = block.next()


def _text_area(spec: PageSpec, qr: bool) -> tuple[float, float]:
    width = px(spec.column_mm)
    if qr:
        width -= px(spec.qr_mm + spec.margin_mm / 2)
    return width, px(spec.height_mm - 2 * spec.margin_mm)


def _logo_size(logo: QImage | None, spec: PageSpec) -> tuple[int, int]:
    """The logo's size in CSS pixels (Qt scales images by the device's resolution over 96): ``logo_mm`` high,
    or less where that would be wider than a column."""
    if logo is None or logo.height() == 0:
        return 0, 0
    css = 96 / MM_PER_INCH
    height = spec.logo_mm * css
    width = min(height * logo.width() / logo.height(), spec.column_mm * css)
    return round(width), max(1, round(width * logo.height() / logo.width()))


def _markup(fmt: str, content: LeafletContent, partner: LeafletContent | None, spec: PageSpec,
            logo: QImage | None = None) -> str:
    if partner is not None:
        return html.bilingual_html(content, partner, spec.base_pt)
    if fmt == "card":
        return html.card_html(content, spec.base_pt)
    return html.leaflet_html(content, spec.base_pt, leading_for(content.language.script, spec),
                             _logo_size(logo, spec))


def lay_out(org: Organisation, tag: str, fmt: str, bilingual: str | None = None,
            variant: str = DEFAULT_VARIANT) -> LaidOut:
    """Check the request and the organisation, then lay the leaflet out; raises our errors, never prints."""
    lang, fmt, variant = language(tag), check_format(fmt), check_variant(variant)
    partner_lang = check_bilingual(lang, bilingual)
    if partner_lang is not None and fmt == "card":
        raise LeafletUsageError(_("The wallet card comes in one language only; choose A4 or A5 for a "
                                  "bilingual leaflet."))
    sample = policy.print_mode(org) == policy.SAMPLE
    register_fonts()
    content = leaflet_content(org, lang.tag, variant)
    partner = leaflet_content(org, partner_lang.tag, variant) if partner_lang else None
    spec = SPECS["bilingual"] if partner and fmt == "a4" else SPECS[fmt]
    if partner and fmt == "a5":
        spec = PageSpec(spec.width_mm, spec.height_mm, spec.margin_mm, 8)
    device, buffer = _layout_device()
    width, height = _text_area(spec, bool(fmt == "card" and content.qr_payload))
    logo = logo_image(org.logo_png) if fmt != "card" else None     # the discreet card shows no logo
    doc = _document(_markup(fmt, content, partner, spec, logo), families_for(lang), spec, device, lang.rtl, logo)
    doc.setPageSize(QSizeF(width, height))
    doc.size()  # lay every block out now (Qt lays out lazily; drawing goes line by line)
    return LaidOut(fmt, spec, doc, content, partner, sample, width, height, device, buffer)

