"""The intake store that several CMM desks share: a PostgreSQL database, through psycopg 3.

PostgreSQL does not encrypt at rest, so the store does: a random store key (32 bytes) is wrapped with
an argon2id key from CMM's passphrase in a row of ``key_slots``, and each packet's body is kept sealed
with it (XChaCha20-Poly1305, the packet id in the associated data). The coded columns the national
table counts by stay in clear; docs/cmm/postgresql.md says why.

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
from datetime import UTC, datetime
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
    IntakeStoreMissing,
)
from fieldapp.crypto import keys
from fieldapp.crypto.keys import KdfParams
from fieldapp.errors import InvalidInput, NotAVault, WrongPassphrase
from fieldapp.i18n import _

CONNECT_TIMEOUT_S = 10
STATEMENT_TIMEOUT_MS = 30_000            # no statement of ours takes a second; a stuck one must not hang a desk
IDLE_IN_TRANSACTION_TIMEOUT_MS = 60_000
ATTEMPTS = 8                             # tries of a transaction that keeps losing conflicts
SHARED_SLOT = "cmm"                      # the slot of CMM's one passphrase; staff slots come later
_SLOT_CONTEXT = b"fieldapp-intake-slot/1:"
_BODY_CONTEXT = b"fieldapp-intake-body/1:"
_MIGRATION_LOCK = 0x6669656C64617070    # "fieldapp": the advisory lock two starting desks queue on
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

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn
        self.store_key: bytes | None = None
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

    def seal_body(self, packet_id: str, body: str) -> bytes:
        return keys.wrap(self._key(), body.encode("utf-8"), _BODY_CONTEXT + packet_id.encode("utf-8"))

    def open_body(self, packet_id: str, stored: bytes) -> str:
        plain = keys.unwrap_bytes(self._key(), bytes(stored), _BODY_CONTEXT + packet_id.encode("utf-8"))
        if plain is None:
            raise IntakeStoreDamaged()
        return plain.decode("utf-8")

    def _key(self) -> bytes:
        if self.store_key is None:
            raise RuntimeError("the store is not unlocked")
        return self.store_key

    def close(self) -> None:
        self.store_key = None
        self.conn.close()


# -- key slots ---------------------------------------------------------------------------------------

def _slot_context(slot: str) -> bytes:
    return _SLOT_CONTEXT + slot.encode("utf-8")


def has_store(store: PgStore) -> bool:
    """Whether this database holds an intake store (a key slot), without unlocking it."""
    if store.execute("SELECT to_regclass('key_slots')").fetchone()[0] is None:
        return False
    return store.execute("SELECT 1 FROM key_slots WHERE slot = ?", (SHARED_SLOT,)).fetchone() is not None


def add_shared_slot(store: PgStore, passphrase: str, params: KdfParams | None = None) -> None:
    """Make a new store key and wrap it with CMM's passphrase; ``IntakeStoreExists`` if there is one."""
    params = params or keys.default_params()
    store_key, salt = keys.new_data_key(), keys.new_salt()
    wrapped = keys.wrap(keys.derive(passphrase, salt, params), store_key, _slot_context(SHARED_SLOT))
    with store.transaction():
        added = store.execute(
            "INSERT INTO key_slots (slot, kind, kdf, salt, wrapped, created_at) VALUES (?, 'passphrase', ?, ?, ?, ?)"
            " ON CONFLICT (slot) DO NOTHING",
            (SHARED_SLOT, json.dumps(params.to_json()), salt, wrapped,
             datetime.now(UTC).isoformat(timespec="seconds"))).rowcount
    if added != 1:
        raise IntakeStoreExists()
    store.store_key = store_key


def unlock(store: PgStore, passphrase: str) -> None:
    """Unwrap the store key with CMM's passphrase: ``WrongPassphrase`` if it does not open the slot."""
    if not has_store(store):
        raise IntakeStoreMissing()
    kdf, salt, wrapped = store.execute("SELECT kdf, salt, wrapped FROM key_slots WHERE slot = ?",
                                       (SHARED_SLOT,)).fetchone()
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
    store.store_key = store_key
