"""Folders someone else may have prepared (a USB stick, a shared drive), used through one open handle.

The folder itself is opened without following a link, and every name in it is then read, listed, created
or replaced relative to that handle: a link planted at the folder, at a sub-folder or at any name inside
never sends a read or a write elsewhere, a FIFO or device is never opened for reading, nothing is read past
its limit, and one run keeps at most ``MAX_ENTRIES`` names, so millions of files cannot fill memory. Only the
last part of a path is checked: the folders above it are the ones the user chose.

Windows (no ``dir_fd``) falls back to checks by path; links there need privileges to make.
"""

from __future__ import annotations

import contextlib
import heapq
import os
import stat
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from fieldapp.errors import InvalidInput
from fieldapp.i18n import _
from fieldapp.storage.atomic import AT_SUPPORTED, NotAPlainFile, TooLarge, read_untrusted, write_atomic, write_atomic_at

MAX_ENTRIES = 100_000
_DIR_FLAGS = (os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
              | getattr(os, "O_CLOEXEC", 0))
_REPARSE_POINT = getattr(stat, "FILE_ATTRIBUTE_REPARSE_POINT", 0x400)


class FolderRefused(InvalidInput):
    """A folder from outside that is a link, not a folder, or cannot be opened: nothing in it is used."""


def printable(text: object) -> str:
    """``text`` (a file name from outside) safe to print on a terminal or show in a window: control and
    format characters (escape sequences, newlines, bidi overrides, zero-width marks), separators other than
    a plain space, and bytes that were not UTF-8 appear as visible escapes such as ``\\x1b`` or ``\\u202e``."""
    return "".join(ch if ch == " " or unicodedata.category(ch)[0] not in "CZ" else _escape(ch) for ch in str(text))


def _escape(ch: str) -> str:
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:            # a byte of a name that was not UTF-8 (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


@dataclass(frozen=True)
class Listing:
    names: list[str]    # in name order, at most the limit
    more: bool          # the folder held more matching names than that: they were not looked at


class UntrustedFolder:
    """An open folder from outside; use it as a context manager so its handle is closed."""

    def __init__(self, path: Path, fd: int | None) -> None:
        self.path, self.fd = Path(path), fd

    @classmethod
    def open(cls, path: Path | str) -> UntrustedFolder:
        """Raises ``FolderRefused`` for a link or anything but a folder, ``FileNotFoundError`` if missing."""
        path = Path(path)
        return cls(path, _open_dir(str(path), None, path))

    def subfolder(self, name: str, *, create: bool = False) -> UntrustedFolder | None:
        """The folder ``name`` inside this one (made first with ``create``), never through a link; None when
        it is missing and not to be made."""
        if create:
            with contextlib.suppress(FileExistsError):
                os.mkdir(self._at(name), dir_fd=self.fd)
        try:
            return UntrustedFolder(self.path / name, _open_dir(self._at(name), self.fd, self.path / name))
        except FileNotFoundError:
            if create:
                raise
            return None

    def names(self, suffix: str, limit: int = MAX_ENTRIES) -> Listing:
        """The names ending in ``suffix``, the first ``limit`` in name order; only those are kept in memory."""
        count = 0

        def matching():
            nonlocal count
            with os.scandir(self.fd if self.fd is not None else self.path) as entries:
                for entry in entries:
                    if entry.name.endswith(suffix):
                        count += 1
                        yield entry.name

        chosen = heapq.nsmallest(limit, matching())
        return Listing(chosen, count > limit)

    def read(self, name: str, limit: int) -> bytes:
        """The bytes of the regular file ``name``: a link, FIFO, device or folder is refused without being
        opened for reading (``NotAPlainFile``), a larger file without being read (``TooLarge``)."""
        info = os.stat(self._at(name), dir_fd=self.fd, follow_symlinks=False)
        if not stat.S_ISREG(info.st_mode):
            raise NotAPlainFile(name)
        if info.st_size > limit:
            raise TooLarge(name)
        return read_untrusted(self._at(name), limit, dir_fd=self.fd)

    def write(self, name: str, data: bytes, mode: int = 0o644, mtime: float | None = None) -> None:
        """``name`` written whole or not at all; whatever sat at that name (a link too) is replaced, not followed.
        With ``mtime``, the file carries that time rather than the moment it was written."""
        if self.fd is None:
            write_atomic(self.path / name, data, mode, mtime)
        else:
            write_atomic_at(self.fd, name, data, mode, mtime)

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def __enter__(self) -> UntrustedFolder:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _at(self, name: str) -> str:
        if not name or name in (".", "..") or "/" in name or "\0" in name or (os.sep != "/" and os.sep in name):
            raise NotAPlainFile(name)
        return name if self.fd is not None else str(self.path / name)


def _open_dir(where: str, dir_fd: int | None, shown: Path) -> int | None:
    """An open handle of the folder at ``where`` (relative to ``dir_fd``), never through a link."""
    if not AT_SUPPORTED:
        _refuse_unless_folder(where, None, shown)
        return None
    try:
        return os.open(where, _DIR_FLAGS, dir_fd=dir_fd)
    except FileNotFoundError:
        raise
    except OSError as exc:
        _refuse_unless_folder(where, dir_fd, shown)
        raise FolderRefused(_("The folder {folder} could not be opened.").format(folder=printable(shown))) from exc


def _refuse_unless_folder(where: str, dir_fd: int | None, shown: Path) -> None:
    info = os.stat(where, dir_fd=dir_fd, follow_symlinks=False)
    if stat.S_ISLNK(info.st_mode) or getattr(info, "st_file_attributes", 0) & _REPARSE_POINT:
        raise FolderRefused(_("The folder {folder} is a link to another place. Links in a folder from outside "
                              "are not followed: choose the folder itself.").format(folder=printable(shown)))
    if not stat.S_ISDIR(info.st_mode):
        raise FolderRefused(_("{folder} is not a folder.").format(folder=printable(shown)))
