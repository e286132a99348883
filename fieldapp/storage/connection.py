"""The one place where the data key is applied to a SQLCipher connection.

Every connection gets the same settings: raw-key mode, WAL with synchronous=FULL (a saved record
survives a power cut), temp_store=MEMORY (no plaintext temp files), cipher_memory_security,
no cipher logging, foreign keys and secure_delete.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import sqlcipher3

from fieldapp.errors import NotAVault, StorageIOError, VaultInUse
from fieldapp.i18n import _

PAGE_SIZE = 4096
PLAIN_SQLITE_HEADER = b"SQLite format 3\x00"
Connection = sqlcipher3.Connection
DatabaseError = sqlcipher3.DatabaseError


def _key_pragma(data_key: bytes) -> str:
    if len(data_key) != 32:
        raise ValueError("data key must be 32 bytes")
    return f"PRAGMA key = \"x'{data_key.hex()}'\""


def file_uri(path: Path, mode: str) -> str:
    """A SQLite URI for a file; the path is percent-encoded, so a folder named with ?, # or % works."""
    return f"file:{quote(Path(path).resolve().as_posix(), safe='/')}?mode={mode}"


def connect(path: Path, data_key: bytes, *, read_only: bool = False, create: bool = False) -> Connection:
    """A keyed connection that has read the schema, or NotAVault if the file does not decrypt."""
    mode = "ro" if read_only else ("rwc" if create else "rw")
    uri = file_uri(path, mode)
    conn = sqlcipher3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    try:
        conn.execute("PRAGMA cipher_memory_security = ON")
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(_key_pragma(data_key))
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlcipher3.DatabaseError as exc:
        conn.close()
        raise NotAVault() from exc
    try:
        _configure(conn, read_only=read_only)
    except sqlcipher3.Error as exc:     # e.g. a read-only file or folder: WAL cannot be set up
        conn.close()
        raise StorageIOError(_("The vault cannot be written here (a read-only file, folder or drive?). "
                               "Copy it to a writable place.")) from exc
    return conn


def _configure(conn: Connection, *, read_only: bool) -> None:
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA secure_delete = ON")
    conn.execute("PRAGMA busy_timeout = 5000")
    if not read_only:
        conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")


@contextlib.contextmanager
def transaction(conn: Connection) -> Iterator[Connection]:
    """One explicit write transaction: all of it is saved, or none of it."""
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlcipher3.OperationalError as exc:
        raise StorageIOError() from exc
    try:
        yield conn
    except sqlcipher3.OperationalError as exc:
        with contextlib.suppress(sqlcipher3.Error):
            conn.execute("ROLLBACK")
        if _is_storage_fault(exc):
            raise StorageIOError() from exc
        raise
    except BaseException:
        with contextlib.suppress(sqlcipher3.Error):
            conn.execute("ROLLBACK")
        raise
    try:
        conn.execute("COMMIT")
    except sqlcipher3.Error as exc:
        with contextlib.suppress(sqlcipher3.Error):
            conn.execute("ROLLBACK")
        raise StorageIOError() from exc


_STORAGE_FAULTS = ("full", "disk i/o", "readonly", "read-only", "unable to open", "locked")


def _is_storage_fault(exc: sqlcipher3.OperationalError) -> bool:
    """Errors of the disk or the file (not of our SQL): shown as "could not be written"."""
    text = str(exc).lower()
    return any(fault in text for fault in _STORAGE_FAULTS)


def close_connection(conn: Connection) -> None:
    """Fold each file's WAL back into it (the vault and every attached compartment) and close."""
    with contextlib.suppress(sqlcipher3.Error):
        for _seq, schema, _file in conn.execute("PRAGMA database_list").fetchall():
            if schema != "temp":
                conn.execute(f"PRAGMA {schema}.wal_checkpoint(TRUNCATE)")
    conn.close()


def integrity_problems(conn: Connection, *, full: bool = False, schema: str = "main") -> list[str]:
    """Rows reported by (quick|integrity)_check and cipher_integrity_check of one file; empty when healthy."""
    problems: list[str] = []
    check = "integrity_check" if full else "quick_check"
    try:
        rows = conn.execute(f"PRAGMA {schema}.{check}").fetchall()
        problems += [str(r[0]) for r in rows if r[0] != "ok"]
        problems += [str(r[0]) for r in conn.execute(f"PRAGMA {schema}.cipher_integrity_check").fetchall()]
    except sqlcipher3.DatabaseError as exc:
        problems.append(type(exc).__name__)
    return problems


def looks_like_vault_file(path: Path) -> None:
    """Reject files that cannot be a SQLCipher vault without touching them."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(len(PLAIN_SQLITE_HEADER))
    except OSError as exc:
        raise NotAVault() from exc
    if size == 0 or size % PAGE_SIZE or head == PLAIN_SQLITE_HEADER:
        raise NotAVault()


CLOSE_WAIT_SECONDS = 5.0
_closing: dict[str, threading.Thread] = {}
_closing_guard = threading.Lock()


def close_in_background(path: Path, close: Callable[[], None]) -> threading.Thread:
    """Run ``close`` (a session's: its last audit event, its anchor in the key file, the WAL folded back, each with
    its fsync) in a thread of its own, so a lock does not hold the window while the disk works. Whoever opens the
    same vault in this process meanwhile waits for it (``VaultLock.acquire``); so does a wipe (``wait_closed``)."""
    where = os.path.realpath(path)

    def run() -> None:
        try:
            with contextlib.suppress(Exception):   # a close that fails still zeroes the keys (Session.close)
                close()
        finally:
            with _closing_guard:
                if _closing.get(where) is threading.current_thread():
                    del _closing[where]

    thread = threading.Thread(target=run, name="fieldapp-close")
    with _closing_guard:
        _closing[where] = thread
    thread.start()
    return thread


def wait_closed(path: Path, seconds: float) -> bool:
    """Wait up to ``seconds`` for a close of the vault at ``path`` under way in this process; True when none is."""
    with _closing_guard:
        thread = _closing.get(os.path.realpath(path))
    if thread is None:
        return True
    thread.join(seconds)
    return not thread.is_alive()


class VaultLock:
    """One process at a time per vault: an exclusive advisory lock on the database file itself
    (no lock file is created, so a refused open leaves the disk as it was). A close of the vault under way in
    this process is waited for first (``close_in_background``)."""

    def __init__(self, path: Path) -> None:
        self._path = Path(path)
        self._fd: int | None = None
        self.ending = False          # its session is being closed: nothing new may start on it

    def acquire(self) -> None:
        wait_closed(self._path, CLOSE_WAIT_SECONDS)
        try:
            fd = os.open(self._path, os.O_RDONLY)
        except OSError as exc:
            raise StorageIOError(_("The vault file could not be opened: check that you may read it.")) from exc
        try:
            _lock_fd(fd)
        except OSError as exc:
            os.close(fd)
            raise VaultInUse() from exc
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                _unlock_fd(self._fd)
            os.close(self._fd)
            self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None


if os.name == "posix":
    import fcntl

    def _lock_fd(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock_fd(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
else:  # pragma: no cover - Windows
    import msvcrt

    def _lock_fd(fd: int) -> None:
        msvcrt.locking(fd, msvcrt.LK_NBRLCK, 1)

    def _unlock_fd(fd: int) -> None:
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
