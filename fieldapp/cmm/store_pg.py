"""The intake store that several CMM desks share: a PostgreSQL database, through psycopg 3.

PostgreSQL does not encrypt at rest, so the store does: each packet's body is kept sealed to the case
key (``cmm.casefile``), and the staff's key file (``cmm.staff``, the vault's format) is the one row of
``keyring``. The coded columns the national table counts by stay in clear; docs/cmm/postgresql.md says
why. A store made before staff accounts has one key slot, "cmm", wrapping a store key that sealed the
bodies; ``cmm.store`` turns it into the new kind at its first unlock.

Between transactions the connection is in autocommit mode, so a read never leaves a transaction open
("idle in transaction" holds back VACUUM and other desks); every change runs in an explicit
transaction, and one that lost a conflict with another desk (serialization failure, deadlock) is run
again, a bounded number of times. No psycopg error leaves this module: each becomes one of ours,
whose message names neither the URL (it may hold a password) nor SQL.
"""

from __future__ import annotations

import contextlib
import json
import random
import threading
import time
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import TypeVar

import psycopg
from psycopg import errors as pg_errors

from fieldapp.cmm.errors import (
    DatabaseBusy,
    DatabaseFailed,
    DatabaseMissing,
    DatabaseRefused,
    DatabaseUnreachable,
    IntakeStoreDamaged,
    IntakeStoreExists,
    KeyFileChanged,
)
from fieldapp.cmm.staff import Desk
from fieldapp.crypto import keys
from fieldapp.crypto.keys import KdfParams
from fieldapp.errors import InvalidInput, NotAVault, WrongPassphrase
from fieldapp.i18n import _
from fieldapp.storage.sidecar import Sidecar

CONNECT_TIMEOUT_S = 10
STATEMENT_TIMEOUT_MS = 30_000            # no statement of ours takes a second; a stuck one must not hang a desk
IDLE_IN_TRANSACTION_TIMEOUT_MS = 60_000
ATTEMPTS = 8                             # tries of a transaction that keeps losing conflicts
SHARED_SLOT = "cmm"                      # the slot of CMM's one passphrase, before staff accounts
_SLOT_CONTEXT = b"fieldapp-intake-slot/1:"
_BODY_CONTEXT = b"fieldapp-intake-body/1:"
_MIGRATION_LOCK = 0x6669656C64617070    # "fieldapp": the advisory lock two starting desks queue on
_CASE_KEY_LOCK = 0x6669656C64636B79    # "fieldcky": storing a body vs. replacing the case key
_RETRY = (pg_errors.SerializationFailure, pg_errors.DeadlockDetected)
T = TypeVar("T")


@lru_cache(maxsize=256)
def _pg_sql(sql: str) -> str:
    """The store's statements use ``?`` (as SQLite does); psycopg wants ``%s`` and a literal ``%`` doubled."""
    return sql.replace("%", "%%").replace("?", "%s")


@contextlib.contextmanager
def _ours() -> Iterator[None]:
    """psycopg's errors as ours."""
    try:
        yield
    except _RETRY as exc:
        raise DatabaseBusy() from exc
    except pg_errors.InsufficientPrivilege as exc:
        raise DatabaseRefused() from exc
    except psycopg.ProgrammingError as exc:          # tables not as our migrations made them
        raise NotAVault(_("This database holds tables that are not an intake store's. Give the intake "
                          "store a database of its own.")) from exc
    except psycopg.Error as exc:
        raise DatabaseFailed() from exc


def _connect_error(exc: psycopg.OperationalError) -> Exception:
    """libpq gives no SQLSTATE for a refused connection: its (English) words are all there is to go by."""
    text = str(exc)
    if 'database "' in text and '" does not exist' in text:
        return DatabaseMissing()
    if any(word in text for word in ("authentication failed", "pg_hba.conf", "role", "permission denied")):
        return DatabaseRefused()
    return DatabaseUnreachable()


def connect(url: str) -> PgStore:
    """A connection in autocommit mode with our time limits, or a clear error."""
    try:
        conn = psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S,
                               application_name="fieldapp-intake")
    except psycopg.ProgrammingError as exc:
        raise InvalidInput(_("The database URL is not valid. It looks like postgresql://user@host/database "
                             "(the password belongs in ~/.pgpass, not in the URL).")) from exc
    except psycopg.OperationalError as exc:
        raise _connect_error(exc) from exc
    store = PgStore(conn)
    try:
        with _ours():
            for name, value in (("statement_timeout", STATEMENT_TIMEOUT_MS),
                                ("idle_in_transaction_session_timeout", IDLE_IN_TRANSACTION_TIMEOUT_MS)):
                conn.execute("SELECT set_config(%s, %s, false)", (name, str(value)))
    except Exception:
        conn.close()
        raise
    return store


def _pause(attempt: int) -> None:
    """A random wait of up to 10 ms after the first lost try, doubling each time (640 ms after the seventh),
    so two desks that keep meeting on the same rows fall out of step."""
    time.sleep(random.uniform(0, 0.005 * 2 ** attempt))


class PgStore:
    """An open PostgreSQL intake store. Unlocked (``store_key`` set) before any packet is written or read."""

    dialect = "postgresql"
    empty_body = b""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn
        self.desk: Desk | None = None
        self.keyring: Sidecar | None = None
        self.notices: list[str] = []          # what the unlock found and the person should be told
        self._turn = threading.RLock()      # threads sharing this store take turns, one transaction at a time

    def execute(self, sql: str, params: tuple | list = ()):
        with _ours():
            return self.conn.execute(_pg_sql(sql), params)

    def executemany(self, sql: str, rows: list[tuple]) -> None:
        with _ours(), self.conn.cursor() as cur:
            cur.executemany(_pg_sql(sql), rows)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[PgStore]:
        """BEGIN ... COMMIT, rolled back on any error; nested, a savepoint."""
        with self._turn, _ours(), self.conn.transaction():
            yield self

    def run_transaction(self, work: Callable[[], T]) -> T:
        """``work()`` in one transaction; run again (at most ``ATTEMPTS`` times, after a short random
        pause) while it loses a conflict with another desk. Everything it did in a lost try is undone."""
        for attempt in range(1, ATTEMPTS + 1):
            try:
                with self.transaction():
                    return work()
            except DatabaseBusy:
                if attempt == ATTEMPTS:
                    raise
                _pause(attempt)
        raise AssertionError("unreachable")

    def begin_migration(self) -> None:
        """Inside the migration's transaction: wait for any other desk migrating the same database."""
        self.execute("SELECT pg_advisory_xact_lock(?)", (_MIGRATION_LOCK,))
        self.execute("CREATE TABLE IF NOT EXISTS schema_version ("
                     " only_row BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (only_row), version INTEGER NOT NULL)")

    def schema_version(self) -> int:
        if self.execute("SELECT to_regclass('schema_version')").fetchone()[0] is None:
            return 0
        row = self.execute("SELECT version FROM schema_version").fetchone()
        return row[0] if row else 0

    def set_schema_version(self, number: int) -> None:
        self.execute("INSERT INTO schema_version (only_row, version) VALUES (TRUE, ?)"
                     " ON CONFLICT (only_row) DO UPDATE SET version = excluded.version", (number,))

    def hold_case_key(self, *, exclusive: bool) -> None:
        """An advisory lock until the transaction ends: shared by desks storing bodies, exclusive for a
        rotation that seals them all again (no table right is needed to take it)."""
        self.execute("SELECT pg_advisory_xact_lock(?)" if exclusive else "SELECT pg_advisory_xact_lock_shared(?)",
                     (_CASE_KEY_LOCK,))

    def read_keyring(self) -> Sidecar | None:
        row = self.execute("SELECT sequence, payload FROM keyring").fetchone()
        if row is None:
            return None
        side = Sidecar.from_bytes(bytes(row[1]))
        side.sequence = row[0]
        return side

    def write_keyring(self, side: Sidecar, *, create: bool = False) -> None:
        """The key file as the one row of ``keyring``, in the caller's transaction. It is written only
        over the version it was read from (``KeyFileChanged`` if another desk wrote it meanwhile), and
        ``create`` refuses a database that has one (``IntakeStoreExists``)."""
        if create:
            if self.execute("INSERT INTO keyring (only_row, sequence, payload) VALUES (TRUE, 1, ?)"
                            " ON CONFLICT (only_row) DO NOTHING", (side.to_bytes(),)).rowcount != 1:
                raise IntakeStoreExists()
            side.sequence = 1
            return
        if self.execute("UPDATE keyring SET sequence = ?, payload = ? WHERE sequence = ?",
                        (side.sequence + 1, side.to_bytes(), side.sequence)).rowcount != 1:
            raise KeyFileChanged()
        side.sequence += 1

    def rekey(self, new_key: bytes) -> None:
        """Nothing to re-encrypt: a database's rows are not encrypted as a whole (the store key tags each
        referral, and a rotation tags them all again)."""

    def open_legacy_body(self, packet_id: str, stored: bytes, legacy_key: bytes | None) -> str:
        """A body from before staff accounts, sealed with the store key of the "cmm" slot."""
        plain = None if legacy_key is None else keys.unwrap_bytes(
            legacy_key, bytes(stored), _BODY_CONTEXT + packet_id.encode("utf-8"))
        if plain is None:
            raise IntakeStoreDamaged()
        return plain.decode("utf-8")

    def close(self) -> None:
        if self.desk is not None:
            self.desk.forget()
        self.conn.close()


# -- key slots ---------------------------------------------------------------------------------------

def _slot_context(slot: str) -> bytes:
    return _SLOT_CONTEXT + slot.encode("utf-8")


def has_store(store: PgStore) -> bool:
    """Whether this database holds an intake store (a key file, or the one slot of the first kind),
    without unlocking it."""
    if store.execute("SELECT to_regclass('keyring')").fetchone()[0] is not None \
            and store.execute("SELECT 1 FROM keyring").fetchone() is not None:
        return True
    if store.execute("SELECT to_regclass('key_slots')").fetchone()[0] is None:
        return False
    return store.execute("SELECT 1 FROM key_slots WHERE slot = ?", (SHARED_SLOT,)).fetchone() is not None


def legacy_store_key(store: PgStore, passphrase: str) -> bytes | None:
    """The store key of a database of the first kind, unwrapped with CMM's one passphrase
    (``WrongPassphrase`` if it does not open the slot); None if the database has no such slot."""
    row = store.execute("SELECT kdf, salt, wrapped FROM key_slots WHERE slot = ?", (SHARED_SLOT,)).fetchone()
    if row is None:
        return None
    kdf, salt, wrapped = row
    try:
        params = KdfParams(**json.loads(kdf))
    except (ValueError, TypeError) as exc:
        raise NotAVault() from exc
    if not params.at_least_floor():
        raise NotAVault()
    store_key = keys.unwrap(keys.derive(passphrase, bytes(salt), params), bytes(wrapped),
                            _slot_context(SHARED_SLOT))
    if store_key is None:
        raise WrongPassphrase()
    return store_key


def drop_legacy_slot(store: PgStore) -> None:
    store.execute("DELETE FROM key_slots WHERE slot = ?", (SHARED_SLOT,))
