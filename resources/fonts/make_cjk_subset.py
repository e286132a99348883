"""Rebuild the Simplified Chinese font subset shipped in this folder (a developer tool, not run by the app).

Source: Noto Sans CJK SC Regular (SIL Open Font License 1.1), face 2 of NotoSansCJK-Regular.ttc as packaged by
Debian (fonts-noto-cjk). The subset keeps every character of resources/leaflets/zh-Hans.po, printable ASCII and
Latin-1, general punctuation, CJK symbols and full-width forms, and the 3,755 level-1 hanzi of GB 2312 so that
small edits to the catalogue stay covered. tests/leaflets checks that every character the leaflets print is in it.

    python resources/fonts/make_cjk_subset.py /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

HERE = Path(__file__).resolve().parent
OUT = HERE / "NotoSansCJKsc-Regular-subset.otf"
CATALOGUE = HERE.parent / "leaflets" / "zh-Hans.po"
SC_FACE = 2


def gb2312_level1() -> str:
    chars = []
    for high in range(0xB0, 0xD8):
        for low in range(0xA1, 0xFF):
            try:
                chars.append(bytes((high, low)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return "".join(chars)


def wanted_text() -> str:
    ranges = [(0x20, 0x7E), (0xA0, 0xFF), (0x2000, 0x206F), (0x3000, 0x303F), (0xFF00, 0xFFEF)]
    blocks = "".join(chr(c) for lo, hi in ranges for c in range(lo, hi + 1))
    return blocks + gb2312_level1() + CATALOGUE.read_text(encoding="utf-8")


def main(source: str) -> None:
    font = TTFont(source, fontNumber=SC_FACE)
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=wanted_text())
    subsetter.subset(font)
    font.save(OUT)
    print(f"{OUT.name}: {OUT.stat().st_size:,} bytes")


if __name__ == "__main__":
    main(sys.argv[1])
