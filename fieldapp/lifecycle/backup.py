"""Encrypted backup to a chosen folder (a USB stick), verified after writing, and restore.

A backup is two files: ``fieldapp-backup-<time>.fieldapp`` (the database, encrypted with the vault's
data key) and its ``.keys`` sidecar (the wrapped keys), so it opens on another laptop with any
user's passphrase or the recovery key, and with nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from fieldapp.errors import IntegrityError, NotAVault, StorageIOError, VaultExists
from fieldapp.i18n import _
from fieldapp.security import copies, wipe
from fieldapp.security import vault as vault_keys
from fieldapp.security.hierarchy import CORE
from fieldapp.security.session import Session
from fieldapp.storage import audit_repo, backup, compartments, settings_repo, sidecar
from fieldapp.storage.connection import connect

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

    Needs the "backup" capability: a backup opens with any user's passphrase, so it is a full copy.
    Each compartment is copied encrypted with its own key, from a connection of its own (``VACUUM
    health INTO`` on the shared connection would write it with the core file's key)."""
    session.require("backup")
    folder = Path(folder)
    if not folder.is_dir():
        raise StorageIOError(_("The backup folder does not exist or is not a folder."))
    name = f"fieldapp-backup-{datetime.now(UTC):%Y%m%d-%H%M%S}.fieldapp"
    dest = folder / name
    progress(0, 3, _("Writing the encrypted copy ..."))
    try:
        counts = _copy_all(session, dest)
        progress(1, 3, _("Checking the copy ..."))
        if _problems(dest, session.keys, counts):
            raise StorageIOError(_("The backup could not be verified. Try another drive."))
    except NotAVault as exc:
        copies.remove_files(dest)
        raise StorageIOError(_("The backup could not be verified. Try another drive.")) from exc
    except (OSError, StorageIOError):
        copies.remove_files(dest)
        raise
    progress(2, 3, _("Recording the backup ..."))
    with session.write() as conn:
        settings_repo.put(conn, LAST_BACKUP_KEY, datetime.now(UTC).isoformat())
        audit_repo.append(conn, session.user.id, "backup")
    progress(3, 3, _("Done"))
    return BackupResult(dest, sum(f.stat().st_size for f in copies.files_of(dest) if f.exists()), counts["main"])


def _copy_all(session: Session, dest: Path) -> dict[str, dict[str, int]]:
    """Copy the core file, every compartment file and the key file; returns row counts per file."""
    backup.copy_encrypted(session.conn, dest)
    counts = {"main": backup.table_counts(session.conn)}
    for name in compartments.FILE_COMPARTMENTS:
        source = compartments.compartment_path(session.path, name)
        target = compartments.compartment_path(dest, name)
        if name in session.keys:
            conn = connect(source, bytes(session.keys[name]))
            try:
                backup.copy_encrypted(conn, target)
                counts[name] = backup.table_counts(conn)
            finally:
                conn.close()
        elif source.exists():
            backup.copy_file(source, target)        # a key this user does not hold: copied as it is
    sidecar.copy_key_file(session.path, dest)
    return counts


def _problems(dest: Path, held: dict[str, bytearray], counts: dict[str, dict[str, int]] | None) -> list[str]:
    """Check each copied file that a held key opens (with the expected row counts when given)."""
    problems = backup.verify_copy(dest, bytes(held[CORE]), counts["main"] if counts else None)
    named = sidecar.read(dest).grants
    for name in compartments.FILE_COMPARTMENTS:
        path = compartments.compartment_path(dest, name)
        if name in named and not path.exists():
            problems.append(f"{name} missing")      # a backup without a file its key file names is not whole
        elif name in held and path.exists():
            expected = counts.get(name) if counts else None
            problems += backup.verify_copy(path, bytes(held[name]), expected)
    return problems


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

    Refuses to overwrite an existing vault; a damaged or foreign backup is refused unchanged. Every
    file the secret's keys open is checked; compartment files it cannot open are copied as they are.
    """
    backup_file, vault_path = Path(backup_file), Path(vault_path)
    if vault_path.exists():
        raise VaultExists()
    copies.only_regular_files(backup_file)
    opened = vault_keys.open_keys(backup_file, secret, user_name=user_name, recovery=recovery)
    try:
        if _problems(backup_file, opened.keys, None):
            raise IntegrityError(_("The backup is damaged. It was not restored."))
    except NotAVault as exc:
        raise IntegrityError(_("The backup is damaged. It was not restored.")) from exc
    finally:
        opened.forget()
    vault_path.parent.mkdir(parents=True, exist_ok=True)
    for leftover in copies.files_of(vault_path)[1:]:       # a restore cut short left these without a core file
        wipe.shred(leftover)
    pairs = [(compartments.compartment_path(backup_file, n), compartments.compartment_path(vault_path, n))
             for n in compartments.FILE_COMPARTMENTS]
    try:
        for source, target in pairs:
            if source.exists():
                backup.copy_file(source, target)
        sidecar.copy_key_file(backup_file, vault_path)
        backup.copy_file(backup_file, vault_path)          # the core file last: the vault exists once it is whole
    except (OSError, StorageIOError) as exc:
        copies.remove_files(vault_path)
        raise StorageIOError() from exc
