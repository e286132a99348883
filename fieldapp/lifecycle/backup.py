"""Encrypted backup to a chosen folder (a USB stick), verified after writing, and restore.

A backup is two files: ``fieldapp-backup-<time>.fieldapp`` (the database, encrypted with the vault's
data key) and its ``.keys`` sidecar (the wrapped keys), so it opens on another laptop with any
user's passphrase or the recovery key, and with nothing else.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from fieldapp.errors import IntegrityError, StorageIOError, VaultExists
from fieldapp.i18n import _
from fieldapp.security import vault as vault_keys
from fieldapp.security.session import Session
from fieldapp.storage import audit_repo, backup, settings_repo, sidecar

Progress = Callable[[int, int, str], None]
LAST_BACKUP_KEY = "last_backup_at"
REMIND_AFTER_DAYS = 7


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    counts: dict[str, int]


def _noop(_done: int, _total: int, _stage: str) -> None:
    return None


def backup_to(session: Session, folder: Path, progress: Progress = _noop) -> BackupResult:
    """Write, verify and record a backup in ``folder``; raises StorageIOError and leaves no half file.

    Needs the "backup" capability: a backup opens with any user's passphrase, so it is a full copy."""
    session.require("backup")
    folder = Path(folder)
    if not folder.is_dir():
        raise StorageIOError(_("The backup folder does not exist or is not a folder."))
    name = f"fieldapp-backup-{datetime.now(UTC):%Y%m%d-%H%M%S}.fieldapp"
    dest = folder / name
    progress(0, 3, _("Writing the encrypted copy ..."))
    backup.copy_encrypted(session.conn, dest)
    try:
        sidecar.copy_key_file(session.path, dest)
        progress(1, 3, _("Checking the copy ..."))
        counts = backup.table_counts(session.conn)
        problems = backup.verify_copy(dest, bytes(session.data_key), counts)
        if problems:
            raise StorageIOError(_("The backup could not be verified. Try another drive."))
    except (OSError, StorageIOError):
        _remove_backup(dest)
        raise
    progress(2, 3, _("Recording the backup ..."))
    with session.write() as conn:
        settings_repo.put(conn, LAST_BACKUP_KEY, datetime.now(UTC).isoformat())
        audit_repo.append(conn, session.user.id, "backup")
    progress(3, 3, _("Done"))
    return BackupResult(dest, dest.stat().st_size, counts)


def _remove_backup(dest: Path) -> None:
    for file in (dest, sidecar.sidecar_path(dest)):
        with contextlib.suppress(FileNotFoundError):
            file.unlink()


def backup_overdue(session: Session, now: datetime | None = None) -> bool:
    """Whether the reminder to back up is due (every user sees it; only some may act on it)."""
    session.require("records")
    last = settings_repo.get(session.conn, LAST_BACKUP_KEY)
    if last is None:
        return True
    now = now or datetime.now(UTC)
    return (now - datetime.fromisoformat(last)).days >= REMIND_AFTER_DAYS


def restore(backup_file: Path, vault_path: Path, secret: str, *, user_name: str | None = None,
            recovery: bool = False) -> None:
    """Check a backup with a passphrase (or the recovery key), then put it in place as the vault.

    Refuses to overwrite an existing vault; a damaged or foreign backup is refused unchanged.
    """
    backup_file, vault_path = Path(backup_file), Path(vault_path)
    if vault_path.exists() or sidecar.sidecar_path(vault_path).exists():
        raise VaultExists()
    data_key = vault_keys.open_data_key(backup_file, secret, user_name=user_name, recovery=recovery)
    if backup.verify_copy(backup_file, data_key):
        raise IntegrityError(_("The backup is damaged. It was not restored."))
    vault_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = vault_path.with_name(f".{vault_path.name}.restoring")
    try:
        shutil.copyfile(backup_file, tmp)
        tmp.chmod(0o600)
        sidecar.copy_key_file(backup_file, vault_path)
        tmp.replace(vault_path)
    except (OSError, StorageIOError) as exc:
        for leftover in (tmp, sidecar.sidecar_path(vault_path)):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
        raise StorageIOError() from exc
