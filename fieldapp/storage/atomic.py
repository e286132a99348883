"""Files that leave the vault are written whole or not at all: owner-only permissions first,
then write, flush and fsync, then an atomic rename, then fsync of the folder. Files from outside are read
as hostile: regular files only, never followed, never blocking, never past a size limit."""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path


def write_atomic(path: Path, data: bytes, mode: int = 0o600) -> None:
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0), mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    fsync_dir(path.parent)


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


def read_untrusted(path: Path | str, limit: int) -> bytes:
    """The bytes of a file someone else may have prepared (a stick, a download), at most ``limit``: never
    followed as a link, never blocking on a FIFO, checked with fstat, and never read past ``limit`` + 1 bytes.
    Raises ``NotAPlainFile`` (an OSError) for anything else."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags | getattr(os, "O_BINARY", 0))
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
