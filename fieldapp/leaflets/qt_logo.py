"""The organisation's logo for leaflets: read from a file the user picks, as hostile input, and kept in the
vault as a small PNG.

The file must be a regular file (not a link, FIFO or device), at most ``MAX_FILE_BYTES``; Qt's image reader
decodes it under an allocation limit and a size check before any pixel is read, so a decompression bomb or a
huge image is refused instead of exhausting memory. What is kept is re-encoded: at most ``MAX_SIDE`` pixels on
its longer side, PNG, no metadata from the original file.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QImage, QImageReader

from fieldapp.errors import InvalidInput
from fieldapp.i18n import _
from fieldapp.storage.atomic import read_untrusted

MAX_FILE_BYTES = 5 << 20
MAX_PIXELS = 40_000_000
MAX_SIDE = 800


def _bad(path: Path) -> InvalidInput:
    return InvalidInput(_("{name} is not an image fieldapp can use as a logo (PNG or JPEG, at most 5 MB).").format(
        name=Path(path).name))


def _read(path: Path) -> bytes:
    try:
        return read_untrusted(path, MAX_FILE_BYTES)
    except OSError:
        raise _bad(path) from None


def load_logo(path: Path | str) -> bytes:
    """The logo in ``path`` as PNG bytes for the vault; ``InvalidInput`` for anything else."""
    data = _read(Path(path))
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buffer)
    reader.setAllocationLimit(MAX_PIXELS * 4 // (1 << 20) + 1)
    size = reader.size()
    if reader.format().data().lower() not in (b"png", b"jpeg", b"jpg") or not size.isValid() \
            or size.width() * size.height() > MAX_PIXELS:
        raise _bad(path)
    image = reader.read()
    if image.isNull():
        raise _bad(path)
    return png_bytes(image)


def png_bytes(image: QImage) -> bytes:
    if max(image.width(), image.height()) > MAX_SIDE:
        image = image.scaled(MAX_SIDE, MAX_SIDE, Qt.AspectRatioMode.KeepAspectRatio,
                             Qt.TransformationMode.SmoothTransformation)
    out = QBuffer()
    out.open(QIODevice.OpenModeFlag.WriteOnly)
    image.convertToFormat(QImage.Format.Format_ARGB32).save(out, "PNG")
    return bytes(out.data())


def logo_image(data: bytes) -> QImage | None:
    """The stored logo as an image, or None when there is none (or it no longer decodes)."""
    if not data:
        return None
    image = QImage.fromData(data, "PNG")
    return None if image.isNull() else image
