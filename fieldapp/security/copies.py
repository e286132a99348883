"""The copies the app keeps beside a vault on its own: the verified copy written before a one-key vault
is upgraded (``<vault>.pre-upgrade``) and the one written before a new version migrates it
(``<vault>.pre-migration``). Both are file work under the vault's own keys, done while it is opened,
so they sit here beneath the backups a user asks for (``fieldapp.lifecycle.backup``)."""

from __future__ import annotations

import contextlib
import hashlib
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fieldapp.errors import NotAVault, StorageIOError
from fieldapp.i18n import _
from fieldapp.security import wipe
from fieldapp.storage import backup, compartments, sidecar


def only_regular_files(backup_file: Path) -> None:
    """A backup on a stick someone else prepared: no link, FIFO or device among its files (any of them
    could hang the restore or make it read what is not the backup)."""
    for file in files_of(backup_file):
        try:
            mode = file.lstat().st_mode
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise NotAVault() from exc
        if not stat.S_ISREG(mode):
            raise NotAVault()


def files_of(dest: Path) -> list[Path]:
    """The core file of a copy (or a vault), its key file and its compartment files."""
    return [dest, sidecar.sidecar_path(dest),
            *(compartments.compartment_path(dest, name) for name in compartments.FILE_COMPARTMENTS)]


def remove_files(dest: Path) -> None:
    """Unlink whichever of ``files_of(dest)`` exist (a half-written copy)."""
    for file in files_of(dest):
        with contextlib.suppress(FileNotFoundError):
            file.unlink()


def pre_upgrade_backup(conn, vault: Path, core_key: bytes) -> dict[str, int]:
    """The verified copy written beside a one-key vault before it is upgraded; returns the row counts
    it was verified against (the upgrade destroys the copy once its rows are all in place)."""
    dest = vault.with_name(vault.name + wipe.PRE_UPGRADE_SUFFIX)
    counts = backup.table_counts(conn)
    if dest.exists():
        return counts                                # an upgrade cut short: the first copy is the one to keep
    backup.copy_encrypted(conn, dest)
    try:
        sidecar.copy_key_file(vault, dest)
        if backup.verify_copy(dest, core_key, counts):
            raise StorageIOError(_("The backup could not be verified. Try another drive."))
    except (OSError, StorageIOError):
        remove_files(dest)
        raise
    return counts


PRE_MIGRATION_KEPT = timedelta(days=14)


def pre_migration_backup(conn, vault: Path, core_key: bytes) -> Path:
    """A verified copy of the vault as it is, written beside it before a new version migrates it
    (``<vault>.pre-migration``, with its key file and compartment files): an older version of the app
    can restore it if the new one misbehaves. The core file is copied with its key and checked row by
    row; compartment files, which this user may not hold the keys of, are copied whole and compared.
    A copy from an earlier migration is destroyed first. It is destroyed in place after
    ``PRE_MIGRATION_KEPT``, by an erasure or retention run, and by a panic wipe."""
    dest = vault.with_name(vault.name + wipe.PRE_MIGRATION_SUFFIX)
    wipe.destroy_copy(dest)
    counts = backup.table_counts(conn)
    try:
        only_regular_files(vault)                  # a planted link or FIFO would be copied for ever
        backup.copy_encrypted(conn, dest)
        sidecar.copy_key_file(vault, dest)
        for name in compartments.FILE_COMPARTMENTS:
            source = compartments.compartment_path(vault, name)
            if source.exists():
                target = compartments.compartment_path(dest, name)
                backup.copy_file(source, target)
                if _digest(target) != _digest(source):
                    raise StorageIOError()
        if backup.verify_copy(dest, core_key, counts):
            raise StorageIOError()
    except (OSError, StorageIOError, NotAVault) as exc:
        wipe.destroy_copy(dest)
        raise StorageIOError(_("A copy of the vault could not be written and checked before it is upgraded to "
                               "this version, so it was not upgraded. Free some disk space and try again.")) from exc
    return dest


def _digest(path: Path) -> bytes:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").digest()


def forget_pre_migration(vault: Path, *, older_than: timedelta | None = None) -> bool:
    """Destroy the pre-migration copy in place (only if older than ``older_than`` when given)."""
    copy = Path(vault).with_name(Path(vault).name + wipe.PRE_MIGRATION_SUFFIX)
    try:
        made = datetime.fromtimestamp(copy.stat().st_mtime, UTC)
    except FileNotFoundError:
        return False
    if older_than is not None and datetime.now(UTC) - made < older_than:
        return False
    wipe.destroy_copy(copy)
    return True
