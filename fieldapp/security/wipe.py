"""Panic wipe: destroy the key material first (that alone makes the data unreadable), then the
database files.

Every file is overwritten over its whole length, in place, and flushed to disk before it is
unlinked: the key file (both header copies), the WAL, the shared-memory file, the database, and
any half-written copy the app left beside them. On a file system that writes in place (ext4,
NTFS, FAT on a stick) no block of these files keeps its old content. The limits (SSD wear
levelling, copy-on-write file systems, copies elsewhere) are in docs/security.md.
Afterwards neither a passphrase nor the recovery key opens anything.
"""

from __future__ import annotations

import contextlib
import hmac
import os
import stat
from pathlib import Path

from fieldapp.crypto import keys
from fieldapp.storage import compartments, sidecar
from fieldapp.storage.atomic import fsync_dir
from fieldapp.storage.sidecar import Sidecar, Slot

_CHUNK = 1 << 20
_BINARY = getattr(os, "O_BINARY", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


PRE_UPGRADE_SUFFIX = ".pre-upgrade"
PRE_MIGRATION_SUFFIX = ".pre-migration"


def _with_journals(file: Path) -> list[Path]:
    return [file.with_name(file.name + "-wal"), file.with_name(file.name + "-shm"), file]


def vault_files(path: Path) -> list[Path]:
    """Every file of the vault, key file first: the core file and each compartment file with their
    WAL and shared memory, the verified copies the app wrote before an upgrade or a migration (with
    their key files), and half-written copies the app may have left beside them."""
    path = Path(path)
    parts = [compartments.compartment_path(path, name) for name in compartments.FILE_COMPARTMENTS]
    files = [sidecar.sidecar_path(path), *_with_journals(path)]
    for part in parts:
        files += _with_journals(part)
    pre = path.with_name(path.name + PRE_UPGRADE_SUFFIX)
    files += [sidecar.sidecar_path(pre), pre, path.with_name(f".{path.name}.partial")]
    files += _copy_files(path.with_name(path.name + PRE_MIGRATION_SUFFIX))
    files += [file.with_name(f".{file.name}.restoring") for file in (path, *parts)]
    return files


def _overwrite(fd: int, size: int) -> None:
    os.lseek(fd, 0, os.SEEK_SET)
    zeros = bytes(_CHUNK)
    left = size
    while left > 0:
        left -= os.write(fd, zeros[:min(left, _CHUNK)])
    os.fsync(fd)


def _shred(file: Path) -> None:
    """Overwrite a regular file in place and unlink it; a link is only unlinked, never followed."""
    try:
        fd = os.open(file, os.O_RDWR | _BINARY | _NOFOLLOW)
    except FileNotFoundError:
        return
    except OSError:
        with contextlib.suppress(OSError):
            file.unlink()              # a symbolic link, or a file we may not write: remove the name
        return
    try:
        info = os.fstat(fd)
        if stat.S_ISREG(info.st_mode):
            with contextlib.suppress(OSError):
                _overwrite(fd, info.st_size)
    finally:
        os.close(fd)
    with contextlib.suppress(OSError):
        file.unlink()


def shred(file: Path) -> None:
    """Overwrite one file in place over its whole length and remove it (a link is only removed)."""
    _shred(Path(file))


def _copy_files(copy: Path) -> list[Path]:
    """A copy the app made beside the vault: key file first, then its core and compartment files and
    what a copy cut short leaves."""
    parts = [copy, *(compartments.compartment_path(copy, name) for name in compartments.FILE_COMPARTMENTS)]
    return [sidecar.sidecar_path(copy), *parts, copy.with_name(f".{copy.name}.partial"),
            *(part.with_name(f".{part.name}.restoring") for part in parts)]


def destroy_copy(copy: Path) -> None:
    """Overwrite in place and remove a copy the app made (its key file, core and compartment files)."""
    for file in _copy_files(copy):
        _shred(file)


def wipe_files(path: Path) -> None:
    """Overwrite and remove the key file (all wrapped keys) first, then the database files."""
    for file in vault_files(path):
        _shred(file)
    with contextlib.suppress(OSError):
        fsync_dir(Path(path).parent)


def wipe_check_for(passphrase: str) -> Slot:
    """The stored form of a wipe passphrase: a salted argon2id tag, never the passphrase."""
    salt, params = keys.new_salt(), keys.default_params()
    return Slot(salt, params, keys.derive(passphrase, salt, params))


def is_wipe_passphrase(side: Sidecar, passphrase: str) -> bool:
    check = side.wipe_check
    if check is None or not check.kdf.at_least_floor():
        return False
    return hmac.compare_digest(keys.derive(passphrase, check.salt, check.kdf), check.wrapped)
