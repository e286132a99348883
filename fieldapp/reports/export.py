"""Report files: a printable PDF (ReportLab: tables and charts, Noto Sans embedded) and CSV
(UTF-8 with a byte-order mark, so Excel reads Danish letters). Both are written atomically.

Files are suppressed. A coordinator may ask for exact counts; such a file says
"INTERNAL — exact counts, do not share" on every PDF page and on the first CSV line.
"""

from __future__ import annotations

import csv
import functools
import importlib
import io
from collections.abc import Callable
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, TableStyle
from reportlab.platypus import Table as PdfTable

from fieldapp.i18n import _
from fieldapp.reports import charts
from fieldapp.reports.model import Report
from fieldapp.reports.service import ShownSection, shown
from fieldapp.reports.suppression import Shown
from fieldapp.security.session import Session
from fieldapp.storage.atomic import write_atomic

FONT = "NotoSans"
Progress = Callable[[int, int, str], None]


@functools.cache
def register_font() -> str:
    """Register Noto Sans (from the fontpkg-noto-sans package) with ReportLab; embedded in every PDF."""
    folder = Path(importlib.import_module("fontpkg_noto_sans").__file__).resolve().parent / "files"
    path = next(p for p in sorted(folder.glob("NotoSans*.ttf")) if "Italic" not in p.name)
    pdfmetrics.registerFont(TTFont(FONT, str(path)))
    return FONT


def internal_mark() -> str:
    return _("INTERNAL — exact counts, do not share")


def title(report: Report) -> str:
    return _("Activity report {start} – {end}").format(start=report.start.isoformat(), end=report.end.isoformat())


def legend_text(report: Report, exact: bool) -> str:
    if exact:
        return _("Exact counts for internal use. Year before: {start} – {end}.").format(
            start=report.previous_start.isoformat(), end=report.previous_end.isoformat())
    return _("Counts from 1 to {k_minus} are shown as <{k}; x marks a count hidden so that a small one cannot be "
             "worked out from the totals; a blank table is withheld. Year before: {start} – {end}.").format(
        k_minus=report.k - 1, k=report.k, start=report.previous_start.isoformat(),
        end=report.previous_end.isoformat())


def grid(table: Shown) -> list[list[str]]:
    """Header, rows and totals of a shown table as text."""
    t = table.table
    total = [_("Total")] if t.row_totals else []
    grid = [["", *t.col_labels, *total]]
    for i, label in enumerate(t.row_labels):
        grid.append([label, *table.cells[i], *((table.row_totals[i],) if t.row_totals else ())])
    if t.col_totals:
        grid.append([_("Total"), *table.col_totals, *((table.grand,) if t.shows_grand else ())])
    return grid


# -- CSV ---------------------------------------------------------------------------------------

def csv_text(report: Report, parts: list[ShownSection], *, exact: bool) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if exact:
        writer.writerow([internal_mark()])
    writer.writerow([title(report)])
    writer.writerow([legend_text(report, exact)])
    for part in parts:
        for table in part.tables:
            writer.writerow([])
            writer.writerow([part.section.title, table.table.title])
            if table.withheld:
                writer.writerow([_("Withheld: too few cases to publish safely.")])
            writer.writerows(grid(table))
    return out.getvalue()


def write_csv(session: Session, report: Report, path: Path, *, exact: bool = False) -> None:
    session.require("reports_exact" if exact else "records")
    parts = shown(session, report, exact_counts=exact)
    write_atomic(Path(path), csv_text(report, parts, exact=exact).encode("utf-8-sig"))
    session.audit("report_export_csv" + ("_exact" if exact else ""), "report")


# -- PDF ---------------------------------------------------------------------------------------

def _styles(font: str) -> dict[str, ParagraphStyle]:
    return {
        "title": ParagraphStyle("title", fontName=font, fontSize=16, leading=20, spaceAfter=4),
        "section": ParagraphStyle("section", fontName=font, fontSize=13, leading=16, spaceBefore=10, spaceAfter=4,
                                  textColor=colors.HexColor("#1f5f8b")),
        "table": ParagraphStyle("table", fontName=font, fontSize=10, leading=13, spaceBefore=6, spaceAfter=3),
        "small": ParagraphStyle("small", fontName=font, fontSize=7.5, leading=9.5),
        "cell": ParagraphStyle("cell", fontName=font, fontSize=7, leading=8.5),
    }


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _pdf_table(table: Shown, styles: dict) -> PdfTable:
    rows = grid(table)
    body = [[Paragraph(_escape(text), styles["cell"]) if (r == 0 or c == 0) else text for c, text in enumerate(row)]
            for r, row in enumerate(rows)]
    first = 150 if len(rows[0]) > 3 else 220
    rest = (180 * mm - first) / max(1, len(rows[0]) - 1)
    pdf = PdfTable(body, colWidths=[first] + [min(rest, 70)] * (len(rows[0]) - 1), repeatRows=1, hAlign="LEFT")
    style = [("FONTNAME", (0, 0), (-1, -1), styles["cell"].fontName), ("FONTSIZE", (0, 0), (-1, -1), 7),
             ("ALIGN", (1, 1), (-1, -1), "RIGHT"), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
             ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.black), ("GRID", (0, 0), (-1, -1), 0.2, colors.grey),
             ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef3f7")),
             ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5)]
    if table.table.col_totals:
        style.append(("LINEABOVE", (0, -1), (-1, -1), 0.6, colors.black))
    pdf.setStyle(TableStyle(style))
    return pdf


def _table_flowables(table: Shown, styles: dict) -> list:
    items: list = [Paragraph(_escape(table.table.title), styles["table"])]
    if table.withheld:
        items.append(Paragraph(_escape(_("Withheld: too few cases to publish safely.")), styles["small"]))
    data = charts.chart_data(table)
    if data is not None and data.has_values:
        items.append(charts.drawing(data, styles["cell"].fontName))
    elif data is not None:
        items.append(Paragraph(_escape(_("No chart: every figure is zero or hidden.")), styles["small"]))
    items.append(_pdf_table(table, styles))
    if table.table.note:
        items.append(Paragraph(_escape(table.table.note), styles["small"]))
    return [KeepTogether(items), Spacer(1, 6)]


def pdf_bytes(report: Report, parts: list[ShownSection], *, exact: bool, progress: Progress | None = None) -> bytes:
    font = register_font()
    styles = _styles(font)
    story: list = [Paragraph(_escape(title(report)), styles["title"]),
                   Paragraph(_escape(legend_text(report, exact)), styles["small"])]
    for index, part in enumerate(parts):
        if progress:
            progress(index, len(parts), part.section.title)
        story.append(Paragraph(_escape(part.section.title), styles["section"]))
        for table in part.tables:
            story += _table_flowables(table, styles)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=18 * mm,
                            bottomMargin=15 * mm, title=title(report), author="fieldapp", creator="fieldapp")
    decorate = functools.partial(_page, font=font, exact=exact, heading=title(report))
    doc.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return buffer.getvalue()


def _page(canvas, doc, *, font: str, exact: bool, heading: str) -> None:
    canvas.saveState()
    canvas.setFont(font, 7)
    canvas.drawString(15 * mm, 8 * mm, heading)
    canvas.drawRightString(A4[0] - 15 * mm, 8 * mm, _("Page {number}").format(number=doc.page))
    if exact:
        canvas.setFont(font, 10)
        canvas.setFillColor(colors.HexColor("#b00020"))
        canvas.drawCentredString(A4[0] / 2, A4[1] - 10 * mm, internal_mark())
    canvas.restoreState()


def write_pdf(session: Session, report: Report, path: Path, *, exact: bool = False,
              progress: Progress | None = None) -> None:
    session.require("reports_exact" if exact else "records")
    parts = shown(session, report, exact_counts=exact)
    write_atomic(Path(path), pdf_bytes(report, parts, exact=exact, progress=progress))
    session.audit("report_export_pdf" + ("_exact" if exact else ""), "report")
