"""Leaflet content as the rich-text HTML subset Qt's QTextDocument understands (no Qt needed here).

Every block carries its direction (``dir="rtl"`` for Arabic) so bidi and alignment are set per paragraph;
contact lines keep the direction of the organisation's own words.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from fieldapp.domain.organisation import ContactLine
from fieldapp.leaflets import pictograms
from fieldapp.leaflets.content import LeafletContent, Section
from fieldapp.leaflets.fonts import families_for

MIN_SHEET_PT = 9.0   # the smallest type on a sheet (A4, A5, bilingual): a tired reader, a dim room

_RTL_CHARS = re.compile(r"[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")


def _attrs(rtl: bool) -> str:
    return 'dir="rtl" align="right"' if rtl else 'dir="ltr" align="left"'


def _para(text: str, rtl: bool, style: str = "") -> str:
    """One paragraph; Qt gives <p> a 12 px bottom margin unless told otherwise, so spacing is set here."""
    return f'<p {_attrs(rtl)} style="margin-bottom:0pt; {style}">{html.escape(text)}</p>'


def _icon(glyph: str, colour: str) -> str:
    """A pictogram glyph in the accent colour, a little larger than the text, followed by a space."""
    if not glyph:
        return ""
    return (f'<span style="font-family:\'{pictograms.FAMILY}\'; font-size:115%; color:{colour};">{glyph}</span>'
            "\u00a0")


def _heading(text: str, rtl: bool, size: float, icon: str = "", colour: str = "#000000") -> str:
    style = (f"font-size:{size:.1f}pt; font-weight:bold; color:{colour}; margin-top:{size * 0.6:.1f}pt;"
             f" margin-bottom:{size * 0.15:.1f}pt;")
    return f'<p {_attrs(rtl)} style="margin-bottom:0pt; {style}">{_icon(icon, colour)}{html.escape(text)}</p>'


def _contact(line: ContactLine, rtl: bool, size: float) -> str:
    own_rtl = bool(_RTL_CHARS.search(line.label + line.value))
    align = "right" if rtl else "left"
    text = f"<b>{html.escape(line.label)}:</b> {html.escape(line.value)}"
    return (f'<p dir="{"rtl" if own_rtl else "ltr"}" align="{align}" '
            f'style="font-size:{size:.1f}pt; margin-top:2pt; margin-bottom:0pt;">{text}</p>')


def _bullets(items: Iterable[str], icons: Iterable[str], rtl: bool, colour: str) -> list[str]:
    """List items, each led by its pictogram (or a bullet)."""
    style = "margin-bottom:0pt; margin-top:1.5pt;"
    return [f'<p {_attrs(rtl)} style="{style}">{_icon(icon, colour) if icon else "•" + chr(0xA0) * 2}'
            f'{html.escape(item)}</p>' for item, icon in zip(items, icons, strict=True)]


def _section(section: Section, rtl: bool, base: float, colour: str = "#000000") -> list[str]:
    parts = [_heading(section.heading, rtl, base * 1.2, section.icon, colour)]
    parts += [_para(text, rtl, "margin-top:2pt;") for text in section.paragraphs]
    icons = section.bullet_icons or ("",) * len(section.bullets)
    parts += _bullets(section.bullets, icons, rtl, colour)
    parts += [_contact(line, rtl, base * 1.1) for line in section.contacts]
    parts += [_para(text, rtl, "margin-top:2pt;") for text in section.after]
    return parts


def _document(body: Iterable[str], base: float) -> str:
    return f'<html><body style="font-size:{base:.1f}pt;">{"".join(body)}</body></html>'


LOGO = "fieldapp-logo"  # the document resource qt_layout adds (qt_logo.RESOURCE)


def _title_block(content: LeafletContent, base: float, logo_size: tuple[int, int] = (0, 0)) -> list[str]:
    rtl = content.language.rtl
    width, height = logo_size
    logo = [f'<p {_attrs(rtl)} style="margin-bottom:{base * 0.5:.1f}pt;">'
            f'<img src="{LOGO}" width="{width}" height="{height}" /></p>']
    title = _para(content.title, rtl, f"font-size:{base * 1.6:.1f}pt; font-weight:bold; color:{content.accent};"
                                      " margin-bottom:4pt;")
    return [*(logo if content.logo and height else []), title, _para(content.intro, rtl, "margin-top:2pt;")]


def _footer(content: LeafletContent, base: float) -> str:
    size = max(base * 0.8, MIN_SHEET_PT)
    return _para(content.footer, content.language.rtl, f"font-size:{size:.1f}pt; margin-top:{base:.1f}pt;")


def leaflet_html(content: LeafletContent, base: float, leading: int = 100,
                 logo_size: tuple[int, int] = (0, 0)) -> str:
    """The A4/A5 leaflet: title, introduction, the five sections and the version footer; ``leading`` is the
    line height in per cent of the font's own (Noto's is generous: 90 % still clears every diacritic);
    ``logo_size`` the logo's width and height in CSS pixels (1/96 inch), (0, 0) for none."""
    rtl = content.language.rtl
    body = _title_block(content, base, logo_size)
    for section in content.sections:
        body += _section(section, rtl, base, content.accent)
    body.append(_footer(content, base))
    if leading != 100:
        body = [part.replace(' style="', f' style="line-height:{leading}%; ', 1) for part in body]
    return _document(body, base)


def card_html(content: LeafletContent, base: float) -> str:
    """The wallet card: a plain question, one line of reassurance, the phone lines; no title naming the topic."""
    rtl = content.language.rtl
    body = [_para(content.card_title, rtl, f"font-size:{base * 1.5:.1f}pt; font-weight:bold;"),
            _para(content.card_body, rtl, "margin-top:2pt;")]
    body += [_contact(line, rtl, base * 1.15) for line in content.card_contacts]
    if content.qr_payload:
        body.append(_para(content.card_scan + (" ←" if rtl else " →"), rtl,
                          f"font-size:{base * 0.9:.1f}pt; margin-top:3pt;"))
    return _document(body, base)


def _cell(parts: list[str], content: LeafletContent) -> str:
    families = ", ".join(f"'{family}'" for family in families_for(content.language))
    return f'<td width="50%" valign="top" style="font-family:{families};">{"".join(parts)}</td>'


def bilingual_html(first: LeafletContent, second: LeafletContent, base: float) -> str:
    """Two languages side by side, one table row per part, so each section faces its translation."""
    rows = [(_title_block(first, base), _title_block(second, base))]
    for left, right in zip(first.sections, second.sections, strict=True):
        rows.append((_section(left, first.language.rtl, base, first.accent),
                     _section(right, second.language.rtl, base, second.accent)))
    rows.append(([_footer(first, base)], [_footer(second, base)]))
    table = "".join(f"<tr>{_cell(a, first)}{_cell(b, second)}</tr>" for a, b in rows)
    return _document([f'<table width="100%" cellspacing="0" cellpadding="6" border="0">{table}</table>'], base)
