"""The intake store for one desk: an encrypted SQLCipher file, with its key file beside it
(``<store>.keys``, the vault's format: ``storage.sidecar``). The file's key is the ``store`` key that
every staff member's slot holds (``cmm.staff``); a removal re-encrypts the file under a new one.

A store made before staff accounts has a key file of the first kind (``fieldapp-intake-keys/1``: one
key wrapped by CMM's one passphrase); it is still opened, and ``cmm.store`` turns it into the new kind.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import sqlcipher3

from fieldapp.cmm import staff
from fieldapp.cmm.errors import IntakeStoreMissing, IntakeStoreTampered, KeyFileChanged
from fieldapp.cmm.staff import STORE, Desk
from fieldapp.crypto import keys
from fieldapp.crypto.keys import KdfParams
from fieldapp.errors import NotAVault, StorageIOError, WrongPassphrase
from fieldapp.storage import compartments, sidecar
from fieldapp.storage.atomic import fsync_dir, read_untrusted
from fieldapp.storage.connection import Connection, connect, transaction
from fieldapp.storage.sidecar import Sidecar

LEGACY_FORMAT = "fieldapp-intake-keys/1"
_STORAGE_FAULTS = ("full", "disk i/o", "readonly", "read-only", "unable to open", "locked")
_CONTEXT = b"fieldapp-intake-store/1"
T = TypeVar("T")


sidecar_path = sidecar.sidecar_path


def exists(path: Path) -> bool:
    return Path(path).exists() or sidecar_path(path).exists()


@contextlib.contextmanager
def _store_errors() -> Iterator[None]:
    """SQLCipher's errors as ours: pages that no longer decrypt (another process re-encrypted the file
    under a new store key: a staff member was removed), a storage fault, or a refusal by tables or
    triggers someone changed outside fieldapp. Nothing of the statement was saved."""
    try:
        yield
    except sqlcipher3.DatabaseError as exc:
        text = str(exc).lower()
        if "file is not a database" in text:
            raise KeyFileChanged() from exc
        if isinstance(exc, sqlcipher3.OperationalError) and any(w in text for w in _STORAGE_FAULTS):
            raise StorageIOError() from exc
        raise IntakeStoreTampered() from exc


class FileStore:
    """An open SQLCipher intake store: the statements of ``fieldapp.cmm.store`` run on it as written."""

    dialect = "sqlite"
    empty_body = ""

    def __init__(self, conn: Connection, path: Path, desk: Desk | None = None, side: Sidecar | None = None) -> None:
        self.conn = conn
        self.path = Path(path)
        self.desk = desk
        self.keyring = side
        self.notices: list[str] = []          # what the unlock found and the person should be told
        self._turn = threading.RLock()      # threads sharing this store take turns, one transaction at a time

    def execute(self, sql: str, params: tuple | list = ()):
        with _store_errors():
            return self.conn.execute(sql, params)

    def executemany(self, sql: str, rows: list[tuple]) -> None:
        with _store_errors():
            self.conn.executemany(sql, rows)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[FileStore]:
        """BEGIN IMMEDIATE ... COMMIT: one writer at a time, so there is nothing to retry. Inside another
        transaction, part of it."""
        with self._turn:
            if self.conn.in_transaction:
                yield self
                return
            with _store_errors(), transaction(self.conn):
                yield self

    def run_transaction(self, work: Callable[[], T]) -> T:
        with self.transaction():
            return work()

    def begin_migration(self) -> None:
        """Nothing to lock: BEGIN IMMEDIATE already keeps every other writer out."""

    def schema_version(self) -> int:
        return self.conn.execute("PRAGMA user_version").fetchone()[0]

    def set_schema_version(self, number: int) -> None:
        self.conn.execute(f"PRAGMA user_version = {int(number)}")

    def hold_case_key(self, *, exclusive: bool) -> None:
        """Nothing to take: BEGIN IMMEDIATE already keeps every other writer out."""

    def read_keyring(self) -> Sidecar:
        return sidecar.read(self.path)

    def write_keyring(self, side: Sidecar) -> None:
        """Rewrite the key file in place, only over the version it was read from (``KeyFileChanged`` if
        another process wrote it meanwhile); the store's write lock is held, so nobody writes in between."""
        with self.transaction():
            if sidecar.read(self.path).sequence != side.sequence:
                raise KeyFileChanged()
            sidecar.write(self.path, side)

    def replace_legacy_keyring(self, side: Sidecar) -> None:
        """Put a key file of the vault's kind in place of one of the first kind: written whole beside it,
        then renamed over it, so a cut leaves one or the other, never neither."""
        beside = self.path.with_name(self.path.name + ".converting")
        with contextlib.suppress(FileNotFoundError):
            sidecar_path(beside).unlink()
        sidecar.write(beside, side, create=True)
        os.replace(sidecar_path(beside), sidecar_path(self.path))
        fsync_dir(self.path.parent)

    def rekey(self, new_key: bytes) -> None:
        """Re-encrypt the whole file with a new store key (SQLCipher's rekey), its WAL folded in."""
        with self._turn:
            compartments.rekey(self.conn, "main", new_key)

    def open_legacy_body(self, packet_id: str, stored: str, legacy_key: bytes | None) -> str:
        """A body from before staff accounts: the whole file was encrypted, so it was kept as it came."""
        return stored

    def close(self) -> None:
        if self.desk is not None:
            self.desk.forget()
        with contextlib.suppress(Exception):
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.conn.close()


def create(path: Path, side: Sidecar, store_key: bytes, desk: Desk) -> FileStore:
    """A new, empty file (not migrated yet) keyed with ``store_key``, and its key file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sidecar.write(path, side, create=True)
    conn = connect(path, store_key, create=True)
    path.chmod(0o600)
    return FileStore(conn, path, desk, side)


def _key_file(path: Path) -> Sidecar | dict:
    """The key file beside the store, read as a file someone else may have put there (never followed as
    a link, never blocking on a FIFO, bounded): of the vault's kind, or (a dict) of the first kind."""
    try:
        raw = read_untrusted(sidecar_path(path), sidecar.FILE_BYTES)
    except OSError as exc:
        raise NotAVault() from exc
    if raw[:1] != b"{":
        return sidecar.parse(raw)
    try:
        side = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise NotAVault() from exc
    if not isinstance(side, dict) or side.get("format") != LEGACY_FORMAT:
        raise NotAVault()
    return side


def _open_legacy(path: Path, side: dict, passphrase: str) -> bytes:
    try:
        params = KdfParams(**side["kdf"])
        salt, wrapped = keys.unb64(side["salt"]), keys.unb64(side["wrapped"])
    except (ValueError, KeyError, TypeError) as exc:
        raise NotAVault() from exc
    if not params.at_least_floor():
        raise NotAVault()
    data_key = keys.unwrap(keys.derive(passphrase, salt, params), wrapped, _CONTEXT)
    if data_key is None:
        raise WrongPassphrase()
    return data_key


def open_file(path: Path, user: str | None, passphrase: str) -> tuple[FileStore, bytes | None]:
    """The store unlocked by a staff member's passphrase, and None; or, for a store of the first kind
    opened with CMM's one passphrase, the store (no desk yet) and its key, for ``cmm.store`` to convert."""
    path = Path(path)
    if not path.is_file() or not os.path.lexists(sidecar_path(path)):     # what is there is checked as it is read
        raise IntakeStoreMissing()
    side = _key_file(path)
    if isinstance(side, dict):
        data_key = _open_legacy(path, side, passphrase)
        return FileStore(connect(path, data_key), path), data_key
    desk = staff.unlock(side, user, passphrase)
    for store_key in (desk.keys.get(STORE), desk.pending.get(STORE)):
        if store_key is not None:
            with contextlib.suppress(NotAVault):
                return FileStore(connect(path, bytes(store_key)), path, desk, side), None
    desk.forget()
    raise NotAVault()
