"""Panic wipe: destroy the key material first (that alone makes the data unreadable), then the
database files. Afterwards neither a passphrase nor the recovery key opens anything."""

from __future__ import annotations

import contextlib
import hmac
import os
from pathlib import Path

from fieldapp.security import keys
from fieldapp.storage import sidecar
from fieldapp.storage.atomic import fsync_dir
from fieldapp.storage.sidecar import Sidecar, Slot

_HEAD_BYTES = 1 << 20   # overwrite the first MiB of each file (salt, schema, first pages)


def vault_files(path: Path) -> list[Path]:
    path = Path(path)
    return [sidecar.sidecar_path(path), path, path.with_name(path.name + "-wal"),
            path.with_name(path.name + "-shm")]


def _shred(file: Path) -> None:
    with contextlib.suppress(FileNotFoundError, PermissionError):
        size = file.stat().st_size
        with file.open("r+b") as handle:
            handle.write(os.urandom(min(size, _HEAD_BYTES)))
            handle.flush()
            os.fsync(handle.fileno())
        file.unlink()


def wipe_files(path: Path) -> None:
    """Overwrite and remove the sidecar (all wrapped keys) first, then the database files."""
    for file in vault_files(path):
        _shred(file)
    with contextlib.suppress(OSError):
        fsync_dir(Path(path).parent)


def set_wipe_passphrase(path: Path, passphrase: str | None, wipe_after: int | None = None) -> None:
    """Configure the wipe passphrase (None removes it) and the failure limit (0 = off)."""
    side = sidecar.read(path)
    if passphrase is not None:
        salt = keys.new_salt()
        params = keys.default_params()
        side.wipe_check = Slot(salt, params, keys.derive(passphrase, salt, params)) if passphrase else None
    if wipe_after is not None:
        side.wipe_after = max(0, int(wipe_after))
    sidecar.write(path, side)


def is_wipe_passphrase(side: Sidecar, passphrase: str) -> bool:
    check = side.wipe_check
    if check is None or not check.kdf.at_least_floor():
        return False
    return hmac.compare_digest(keys.derive(passphrase, check.salt, check.kdf), check.wrapped)
