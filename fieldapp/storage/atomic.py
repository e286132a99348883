"""Files that leave the vault are written whole or not at all: owner-only permissions first,
then write, flush and fsync, then an atomic rename, then fsync of the folder. Files from outside are read
as hostile: regular files only, never followed, never blocking, never past a size limit.

The temporary file has an unpredictable name and is created exclusively, never through a link, in the
destination's folder (held open, so the folder cannot be swapped in between); the rename replaces whatever
sits at the destination, a planted link included, and never writes through it.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path

# Every step relative to an open folder; otherwise (Windows) by path, where links need privileges anyway.
AT_SUPPORTED = ({os.open, os.rename, os.unlink, os.mkdir, os.stat} <= os.supports_dir_fd
                and os.scandir in os.supports_fd)
_TEMP_ATTEMPTS = 100
_WRITE_FLAGS = (os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
                | getattr(os, "O_BINARY", 0))


def write_atomic(path: Path, data: bytes, mode: int = 0o600, mtime: float | None = None) -> None:
    """``data`` at ``path``, whole or not at all. The folder is the caller's to choose (it may be a link);
    nothing at the file's own name, or at a temporary name, is ever followed. With ``mtime``, the file's
    access and modification times are set to it before it takes its name."""
    path = Path(path)
    if not AT_SUPPORTED:
        _write(None, path.parent, path.name, data, mode, mtime)
        fsync_dir(path.parent)
        return
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)
    folder = os.open(path.parent, flags)
    try:
        write_atomic_at(folder, path.name, data, mode, mtime)
    finally:
        os.close(folder)


def write_atomic_at(dir_fd: int, name: str, data: bytes, mode: int = 0o600, mtime: float | None = None) -> None:
    """``write_atomic`` of the plain file name ``name`` in the open folder ``dir_fd``."""
    _write(dir_fd, None, name, data, mode, mtime)
    os.fsync(dir_fd)


def _write(dir_fd: int | None, folder: Path | None, name: str, data: bytes, mode: int,
           mtime: float | None = None) -> None:
    if not name or name in (".", "..") or "/" in name or "\0" in name or (os.sep != "/" and os.sep in name):
        raise ValueError("not a plain file name")

    def at(entry: str) -> str:
        return entry if folder is None else os.path.join(folder, entry)

    fd, tmp = _create_temp(dir_fd, at, name, mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if mtime is not None:
                _set_times(handle.fileno(), at(tmp), dir_fd, mtime)
            os.fsync(handle.fileno())
        os.replace(at(tmp), at(name), src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(at(tmp), dir_fd=dir_fd)
        raise


def _set_times(fd: int, path: str, dir_fd: int | None, moment: float) -> None:
    """The open file's times set to ``moment``: through its handle where the system allows, else by its
    (temporary, freshly created) name."""
    if os.utime in os.supports_fd:
        os.utime(fd, (moment, moment))
    else:
        os.utime(path, (moment, moment), dir_fd=dir_fd if os.utime in os.supports_dir_fd else None)


def _create_temp(dir_fd, at, name: str, mode: int) -> tuple[int, str]:
    """A new file no one could have prepared: a random name, created exclusively, never through a link."""
    for _attempt in range(_TEMP_ATTEMPTS):
        tmp = f".{name[:40]}.{secrets.token_hex(8)}.tmp"
        try:
            return os.open(at(tmp), _WRITE_FLAGS, mode, dir_fd=dir_fd), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name for {name!r}")


def fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class NotAPlainFile(OSError):
    """The path is a link, FIFO, device or folder, or larger than allowed."""


class TooLarge(NotAPlainFile):
    """A regular file, larger than allowed."""


def read_untrusted(path: Path | str, limit: int, *, dir_fd: int | None = None) -> bytes:
    """The bytes of a file someone else may have prepared (a stick, a download), at most ``limit``: never
    followed as a link, never blocking on a FIFO, checked with fstat, and never read past ``limit`` + 1 bytes.
    With ``dir_fd``, ``path`` is a name in that open folder. Raises ``NotAPlainFile`` (an OSError) for
    anything else, and the OSError of the open for a link (POSIX refuses to open it)."""
    flags = (os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
             | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0))
    fd = os.open(path, flags, dir_fd=dir_fd)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotAPlainFile(str(path))
        if info.st_size > limit:
            raise TooLarge(str(path))
        chunks, total = [], 0
        while total <= limit:
            chunk = os.read(fd, limit + 1 - total)
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    finally:
        os.close(fd)
    if total > limit:
        raise TooLarge(str(path))
    return b"".join(chunks)
