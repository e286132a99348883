"""The intake store for one desk: an encrypted SQLCipher file. Keyed like a vault: a random data key
(applied in ``connection.connect``), wrapped with XChaCha20-Poly1305 under an argon2id key from CMM's
passphrase, in ``<store>.keys``. The whole file is encrypted, so packet bodies are kept as they came."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from fieldapp.cmm.errors import IntakeStoreMissing
from fieldapp.crypto import keys
from fieldapp.crypto.keys import KdfParams
from fieldapp.errors import NotAVault, WrongPassphrase
from fieldapp.storage.atomic import write_atomic
from fieldapp.storage.connection import Connection, connect, transaction

FORMAT = "fieldapp-intake-keys/1"
_CONTEXT = b"fieldapp-intake-store/1"
T = TypeVar("T")


def sidecar_path(path: Path) -> Path:
    return Path(path).with_name(Path(path).name + ".keys")


def exists(path: Path) -> bool:
    return Path(path).exists() or sidecar_path(path).exists()


class FileStore:
    """An open SQLCipher intake store: the statements of ``fieldapp.cmm.store`` run on it as written."""

    dialect = "sqlite"

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._turn = threading.RLock()      # threads sharing this store take turns, one transaction at a time

    def execute(self, sql: str, params: tuple | list = ()):
        return self.conn.execute(sql, params)

    def executemany(self, sql: str, rows: list[tuple]) -> None:
        self.conn.executemany(sql, rows)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[FileStore]:
        """BEGIN IMMEDIATE ... COMMIT: one writer at a time, so there is nothing to retry."""
        with self._turn, transaction(self.conn):
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

    def seal_body(self, packet_id: str, body: str) -> str:
        return body

    def open_body(self, packet_id: str, stored: str) -> str:
        return stored

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.conn.close()


def create(path: Path, passphrase: str, params: KdfParams | None = None) -> FileStore:
    """A new, empty file (not migrated yet); the data key is wrapped with the passphrase."""
    path = Path(path)
    params = params or keys.default_params()
    data_key, salt = keys.new_data_key(), keys.new_salt()
    wrapped = keys.wrap(keys.derive(passphrase, salt, params), data_key, _CONTEXT)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = connect(path, data_key, create=True)
    path.chmod(0o600)
    side = {"format": FORMAT, "kdf": params.to_json(), "salt": keys.b64(salt), "wrapped": keys.b64(wrapped)}
    write_atomic(sidecar_path(path), json.dumps(side, indent=1, sort_keys=True).encode("utf-8"))
    return FileStore(conn)


def open_file(path: Path, passphrase: str) -> FileStore:
    path = Path(path)
    if not path.is_file() or not sidecar_path(path).is_file():
        raise IntakeStoreMissing()
    try:
        side = json.loads(sidecar_path(path).read_text(encoding="utf-8"))
        params = KdfParams(**side["kdf"])
        salt, wrapped = keys.unb64(side["salt"]), keys.unb64(side["wrapped"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise NotAVault() from exc
    if side.get("format") != FORMAT or not params.at_least_floor():
        raise NotAVault()
    data_key = keys.unwrap(keys.derive(passphrase, salt, params), wrapped, _CONTEXT)
    if data_key is None:
        raise WrongPassphrase()
    return FileStore(connect(path, data_key))
