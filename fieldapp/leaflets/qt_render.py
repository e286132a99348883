"""Draw laid-out leaflets to PDF (QPdfWriter, fonts embedded) or to an image for the on-screen preview.

A4 and the card print one logical page per PDF page; the A5 leaflet is imposed two panels to an A4 landscape
sheet, in folding order (print both sides, flip on the short edge, fold in the middle).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import segno
from PySide6.QtCore import QBuffer, QIODevice, QMarginsF, QPointF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QImage,
    QPagedPaintDevice,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QTextDocument,
)

from fieldapp.domain.organisation import Organisation
from fieldapp.errors import StorageIOError
from fieldapp.i18n import _, ngettext
from fieldapp.leaflets.content import strip_invisible
from fieldapp.leaflets.fonts import NOTO_SANS
from fieldapp.leaflets.languages import DEFAULT_VARIANT
from fieldapp.leaflets.pack import PackItem
from fieldapp.leaflets.qt_layout import LAYOUT_DPI, LaidOut, lay_out, px
from fieldapp.storage.atomic import write_atomic

SHEET_A4_LANDSCAPE = (297.0, 210.0)


@dataclass
class RenderResult:
    """What was written: pages, whether the translation is a draft, and notes for the worker (translated)."""

    path: Path | None
    pages: int
    draft: bool
    sample: bool
    notes: list[str] = field(default_factory=list)


def sheet_size_mm(laid: LaidOut) -> tuple[float, float]:
    if laid.fmt == "a5":
        return SHEET_A4_LANDSCAPE
    return laid.spec.width_mm, laid.spec.height_mm


def output_pages(laid: LaidOut) -> list[list[tuple[int, float]]]:
    """For each output page, the logical pages drawn on it with their x offset in mm (-1 = blank panel).
    Columns fill from the reading side: left to right, or right to left for Arabic and Persian."""
    spec = laid.spec
    if laid.fmt != "a5" and laid.partner is None and spec.columns > 1:
        step = spec.column_mm + spec.gutter_mm
        offsets = [column * step for column in range(spec.columns)]
        if laid.content.language.rtl:
            offsets.reverse()
        sheets = -(-laid.pages // spec.columns)
        return [[(_page_or_blank(sheet * spec.columns + column, laid), offsets[column])
                 for column in range(spec.columns)] for sheet in range(sheets)]
    if laid.fmt != "a5":
        return [[(index, 0.0)] for index in range(laid.pages)]
    total = -(-laid.pages // 4) * 4
    sheets = []
    for sheet in range(total // 4):
        front = (total - 1 - 2 * sheet, 2 * sheet)
        back = (2 * sheet + 1, total - 2 - 2 * sheet)
        for left, right in (front, back):
            if laid.content.language.rtl:
                left, right = right, left
            sheets.append([(_page_or_blank(left, laid), 0.0), (_page_or_blank(right, laid), laid.spec.width_mm)])
    return sheets


def _page_or_blank(index: int, laid: LaidOut) -> int:
    return index if index < laid.pages else -1


def _draw_text_page(painter: QPainter, laid: LaidOut, index: int, x_mm: float) -> None:
    left = px(x_mm + laid.spec.margin_mm)
    if laid.qr_payload and laid.content.language.rtl:
        left += px(laid.spec.qr_mm + laid.spec.margin_mm / 2)
    painter.save()
    painter.translate(QPointF(left, px(laid.spec.margin_mm) - index * laid.text_height))
    top, bottom = index * laid.text_height, (index + 1) * laid.text_height
    if laid.partner is None:
        _draw_lines(painter, laid.doc, top, bottom)
    else:
        # The bilingual sheet is a table, whose rows Qt breaks across pages without moving lines: draw it
        # clipped, as Qt paginates it.
        laid.doc.drawContents(painter, QRectF(0, top, laid.text_width, laid.text_height))
    painter.restore()


def _draw_lines(painter: QPainter, doc: QTextDocument, top: float, bottom: float) -> None:
    """Draw the lines that lie on this page, one by one. Drawing whole blocks under a clip (drawContents)
    hides a block's lines on the page before or after, but the PDF's text layer still gets them: a paragraph
    that runs on into the next column would be in the text twice."""
    block = doc.begin()
    while block.isValid():
        layout = block.layout()
        origin = doc.documentLayout().blockBoundingRect(block).topLeft() - layout.boundingRect().topLeft()
        for number in range(layout.lineCount()):
            line = layout.lineAt(number)
            y = origin.y() + line.y()
            if top - 0.5 <= y < bottom - 0.5:        # each line on the page that holds its top
                line.draw(painter, origin)
        block = block.next()


def qr_rect(laid: LaidOut, x_mm: float = 0.0) -> QRectF:
    """Where the card's QR code goes: the outer edge (right, or left for right-to-left languages), centred."""
    spec = laid.spec
    size = px(spec.qr_mm)
    left = x_mm + spec.margin_mm / 2 if laid.content.language.rtl else x_mm + spec.width_mm - spec.margin_mm / 2
    left_px = px(left) - (0 if laid.content.language.rtl else size)
    return QRectF(left_px, (px(spec.height_mm) - size) / 2, size, size)


def draw_qr(painter: QPainter, payload: str, rect: QRectF) -> None:
    """The QR code (with its quiet zone) as filled squares: vector, so it prints sharp at any size."""
    matrix = segno.make(payload, error="m", micro=False).matrix
    module = rect.width() / (len(matrix) + 8)
    painter.save()
    painter.fillRect(rect, QColor("white"))
    for row, bits in enumerate(matrix):
        for col, bit in enumerate(bits):
            if bit:
                painter.fillRect(QRectF(rect.x() + (col + 4) * module, rect.y() + (row + 4) * module,
                                        module, module), QColor("black"))
    painter.restore()


def _draw_sample_mark(painter: QPainter, width_mm: float, height_mm: float) -> None:
    painter.save()
    font = QFont([NOTO_SANS])
    font.setBold(True)
    font.setPixelSize(round(px(min(width_mm, height_mm) / 6)))
    painter.setFont(font)
    painter.setPen(QColor(200, 0, 0, 110))
    painter.translate(px(width_mm) / 2, px(height_mm) / 2)
    painter.rotate(-30 if width_mm < height_mm else -15)
    box = QRectF(-px(width_mm), -px(height_mm) / 4, 2 * px(width_mm), px(height_mm) / 2)
    painter.drawText(box, Qt.AlignmentFlag.AlignCenter, _("SAMPLE"))
    painter.restore()


def paint_output_page(painter: QPainter, laid: LaidOut, panels: list[tuple[int, float]]) -> None:
    """Draw one output page in layout pixels: its panels, the card's QR code, the SAMPLE mark."""
    for index, x_mm in panels:
        if index >= 0:
            _draw_text_page(painter, laid, index, x_mm)
        if laid.qr_payload and index == 0:
            draw_qr(painter, laid.qr_payload, qr_rect(laid, x_mm))
    if laid.sample:
        _draw_sample_mark(painter, *sheet_size_mm(laid))


def _page_layout(width_mm: float, height_mm: float) -> QPageLayout:
    landscape = width_mm > height_mm
    size = QSizeF(min(width_mm, height_mm), max(width_mm, height_mm))
    page_size = QPageSize(size, QPageSize.Unit.Millimeter, "", QPageSize.SizeMatchPolicy.ExactMatch)
    orientation = QPageLayout.Orientation.Landscape if landscape else QPageLayout.Orientation.Portrait
    return QPageLayout(page_size, orientation, QMarginsF(0, 0, 0, 0))


def _pdf_writer(buffer: QBuffer, laid: LaidOut) -> QPdfWriter:
    writer = QPdfWriter(buffer)
    writer.setResolution(LAYOUT_DPI)
    writer.setPageLayout(_page_layout(*sheet_size_mm(laid)))
    writer.setCreator("fieldapp")
    writer.setTitle(strip_invisible(laid.content.title))
    return writer


def paint_document(device: QPagedPaintDevice, laids: list[LaidOut],
                   on_page: Callable[[int], bool] | None = None) -> bool:
    """Paint every leaflet in ``laids`` on a PDF writer or printer, each page sized for its own format.

    ``on_page(count)`` is called after each page; returning False stops (the pages so far stay). Returns
    whether every page was painted.
    """
    device.setPageLayout(_page_layout(*sheet_size_mm(laids[0])))
    painter = QPainter(device)
    scale = device.resolution() / LAYOUT_DPI
    count = 0
    for laid in laids:
        for panels in output_pages(laid):
            if count:
                device.setPageLayout(_page_layout(*sheet_size_mm(laid)))
                device.newPage()
            painter.resetTransform()
            painter.scale(scale, scale)
            paint_output_page(painter, laid, panels)
            count += 1
            if on_page is not None and not on_page(count):
                painter.end()
                return False
    painter.end()
    return True


def paint_pdf(laids: list[LaidOut], on_page: Callable[[int], bool] | None = None) -> bytes | None:
    """One PDF holding every leaflet in ``laids`` in order; None if ``on_page`` cancelled it."""
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = _pdf_writer(buffer, laids[0])
    if not paint_document(writer, laids, on_page):
        return None
    del writer
    return bytes(buffer.data())


def page_count(laids: list[LaidOut]) -> int:
    return sum(len(output_pages(laid)) for laid in laids)


def notes_for(laid: LaidOut) -> list[str]:
    """What the worker should know about this leaflet (shown in the UI, printed on stderr by the CLI)."""
    notes = []
    drafts = [c for c in (laid.content, laid.partner) if c is not None and c.draft]
    if drafts:
        names = ", ".join(_(c.language.name) for c in drafts)
        notes.append(ngettext("The {names} translation is a draft that no one has reviewed yet.",
                              "The {names} translations are drafts that no one has reviewed yet.",
                              len(drafts)).format(names=names))
    if laid.fmt == "card" and not laid.content.qr_payload:
        notes.append(_("No hotline is configured, so the card has no QR code. Set the hotline in Settings."))
    if laid.sample:
        notes.append(_("This is the sample configuration: every page carries a SAMPLE mark."))
    if laid.fmt != "card" and not laid.content.services_set:
        notes.append(_("The leaflet lists only talking with people and referral to CMM: tick what your "
                       "organisation offers in Settings › Organisation."))
    return notes


def write_pdf(data: bytes, out_path: Path) -> None:
    try:
        write_atomic(Path(out_path), data, mode=0o644)
    except OSError as error:
        raise StorageIOError(_("The PDF could not be written to {path}.").format(path=out_path)) from error


def write_leaflet(laid: LaidOut, out_path: Path | str) -> RenderResult:
    """Write an already laid-out leaflet as a PDF with embedded fonts (atomically: all or nothing)."""
    data = paint_pdf([laid])
    assert data is not None  # nothing can cancel it
    write_pdf(data, Path(out_path))
    draft = laid.content.draft or bool(laid.partner and laid.partner.draft)
    return RenderResult(Path(out_path), len(output_pages(laid)), draft, laid.sample, notes_for(laid))


def render_leaflet(org: Organisation, lang: str, fmt: str, out_path: Path | str,
                   bilingual: str | None = None, variant: str = DEFAULT_VARIANT) -> RenderResult:
    """Write the leaflet as a PDF with embedded fonts; raises our errors (usage, refused, I/O), writes nothing then."""
    return write_leaflet(lay_out(org, lang, fmt, bilingual, variant), out_path)


def render_image(laid: LaidOut, page: int = 0, width_px: int = 600) -> QImage:
    """Output page ``page`` as an image ``width_px`` wide (white background), for the preview."""
    width_mm, height_mm = sheet_size_mm(laid)
    pages = output_pages(laid)
    scale = width_px / px(width_mm)
    image = QImage(width_px, max(1, round(px(height_mm) * scale)), QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.scale(scale, scale)
    paint_output_page(painter, laid, pages[min(page, len(pages) - 1)])
    painter.end()
    return image


def lay_out_pack(org: Organisation, items: list[PackItem]) -> list[LaidOut]:
    """Every copy of a pack, in order (copies of one item share one layout)."""
    laids: list[LaidOut] = []
    for item in items:
        laids += [lay_out(org, item.tag, item.fmt, variant=item.variant)] * item.quantity
    return laids


def render_pack(org: Organisation, items: list[PackItem], out_path: Path | str,
                on_page: Callable[[int], bool] | None = None) -> RenderResult | None:
    """Write a whole pack as one PDF; None (and no file) if ``on_page`` cancelled it."""
    laids = lay_out_pack(org, items)
    data = paint_pdf(laids, on_page)
    if data is None:
        return None
    write_pdf(data, Path(out_path))
    unique = list({id(laid): laid for laid in laids}.values())
    notes = list(dict.fromkeys(note for laid in unique for note in notes_for(laid)))
    return RenderResult(Path(out_path), page_count(laids), any(laid.content.draft for laid in laids),
                        laids[0].sample, notes)
