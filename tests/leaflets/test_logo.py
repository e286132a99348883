"""The organisation's logo: a hostile file is refused with a reason, a good one is kept small in the vault and
printed above the title of sheets, never on the discreet wallet card."""

from __future__ import annotations

import os
import struct
import zlib
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QImage

from fieldapp.errors import InvalidInput
from fieldapp.leaflets import qt_layout, qt_logo
from fieldapp.leaflets.qt_render import output_pages
from fieldapp.records import organisation
from tests.leaflets.helpers import complete_org, error_within


def _png(path: Path, width: int = 900, height: int = 300) -> Path:
    image = QImage(width, height, QImage.Format.Format_ARGB32)
    image.fill(QColor("#1d4e89"))
    assert image.save(str(path), "PNG")
    return path


def _bomb(path: Path) -> Path:
    """A tiny PNG whose header claims 60,000 × 60,000 pixels (a decompression bomb)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", 60_000, 60_000, 8, 2, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (60_000 * 3 + 1) * 4, 9)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b""))
    return path


def test_a_good_logo_is_kept_small_and_prints_above_the_title(qapp, tmp_path, session) -> None:
    data = qt_logo.load_logo(_png(tmp_path / "logo.png", 3000, 1000))
    image = qt_logo.logo_image(data)
    assert image is not None and max(image.width(), image.height()) == qt_logo.MAX_SIDE
    organisation.save(session, replace(complete_org(), logo_png=data))
    org = organisation.load(session)
    assert org.logo_png == data
    sheet = qt_layout.lay_out(org, "en", "a4")
    assert sheet.content.logo and "fieldapp-logo" in sheet.doc.toHtml()
    assert len(output_pages(sheet)) == 1
    card = qt_layout.lay_out(org, "en", "card")
    assert "fieldapp-logo" not in card.doc.toHtml()


@pytest.mark.parametrize("make", ["link", "fifo", "huge", "text", "bomb", "folder", "missing", "bmp"])
def test_a_hostile_logo_file_is_refused_with_a_reason(qapp, tmp_path, make) -> None:
    good = _png(tmp_path / "good.png")
    path = tmp_path / f"{make}.png"
    if make == "link":
        path.symlink_to(good)
    elif make == "fifo":
        os.mkfifo(path)
    elif make == "huge":
        path.write_bytes(good.read_bytes() + b"\0" * qt_logo.MAX_FILE_BYTES)
    elif make == "text":
        path.write_text("not an image", "utf-8")
    elif make == "bomb":
        _bomb(path)
    elif make == "folder":
        path.mkdir()
    elif make == "bmp":                                   # a real image, but not PNG or JPEG
        QImage(good).save(str(tmp_path / "x.bmp"), "BMP")
        (tmp_path / "x.bmp").rename(path)
    error = error_within(10, lambda: qt_logo.load_logo(path), InvalidInput)
    assert error is not None and path.name in error.message


def test_a_damaged_stored_logo_prints_no_logo(qapp) -> None:
    assert organisation.from_dict({"name": "X", "logo_png": "not base64!"}).logo_png == b""
    assert qt_logo.logo_image(b"\x89PNG broken") is None
    laid = qt_layout.lay_out(replace(complete_org(), logo_png=b"\x89PNG broken"), "en", "a4")
    assert "fieldapp-logo" not in laid.doc.toHtml()
