"""CMM's intake store: registered organisations, received packets and refusals, in one of two places.

A file path is an encrypted SQLCipher file for one desk (``store_file``); a ``postgresql://`` URL is a
database that several desks share (``store_pg``, which seals each packet's body with a store key). Both
get the same numbered migrations and the same statements below, written once in the SQL both accept
(``?`` placeholders; the PostgreSQL side swaps them for psycopg's). Every function takes the open store
that ``create`` or ``open_store`` returned.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar

from fieldapp.cmm import casefile, store_file
from fieldapp.cmm.errors import IntakeStoreDamaged, IntakeStoreExists, IntakeStoreMissing, PostgresMissing
from fieldapp.cmm.staff import STORE
from fieldapp.crypto import keys
from fieldapp.crypto.keys import KdfParams

T = TypeVar("T")
Location = Path | str


class IntakeStore(Protocol):
    """What both backends offer; ``dialect`` is "sqlite" or "postgresql". ``desk`` is who unlocked it and
    ``keyring`` its key file (``cmm.staff``); ``notices`` what the unlock found to tell."""

    dialect: str
    empty_body: Any
    desk: Any
    keyring: Any
    notices: list[str]

    def execute(self, sql: str, params: tuple | list = ()) -> Any: ...
    def executemany(self, sql: str, rows: list[tuple]) -> None: ...
    def transaction(self) -> AbstractContextManager[Any]: ...
    def run_transaction(self, work: Callable[[], T]) -> T: ...
    def begin_migration(self) -> None: ...
    def schema_version(self) -> int: ...
    def set_schema_version(self, number: int) -> None: ...
    def hold_case_key(self, *, exclusive: bool) -> None: ...
    def read_keyring(self) -> Any: ...
    def write_keyring(self, side: Any) -> None: ...
    def rekey(self, new_key: bytes) -> None: ...
    def open_legacy_body(self, packet_id: str, stored: Any, legacy_key: bytes | None) -> str: ...
    def close(self) -> None: ...


@dataclass(frozen=True)
class Migration:
    """One step of the schema in each store's dialect; both stores count the steps the same way."""

    sqlite: str
    postgresql: str

    def statements(self, dialect: str) -> Iterator[str]:
        return filter(str.strip, getattr(self, dialect).split(";"))


# The store's migrations, applied in order, each in one transaction together with the number applied
# (``PRAGMA user_version`` in a file, the table ``schema_version`` in PostgreSQL). A file made before
# migrations existed has the tables of the first one already.
MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        sqlite="""
        CREATE TABLE IF NOT EXISTS orgs (
            org TEXT PRIMARY KEY,
            name TEXT NOT NULL DEFAULT '',
            public BLOB NOT NULL,
            registered_at TEXT NOT NULL
        ) STRICT;
        CREATE TABLE IF NOT EXISTS packets (
            packet_id TEXT PRIMARY KEY,
            org TEXT NOT NULL REFERENCES orgs(org),
            received_at TEXT NOT NULL,
            period TEXT NOT NULL,
            gender TEXT NOT NULL,
            age_group TEXT NOT NULL,
            nationality TEXT NOT NULL,
            body TEXT NOT NULL
        ) STRICT;
        CREATE TABLE IF NOT EXISTS packet_forms (
            packet_id TEXT NOT NULL REFERENCES packets(packet_id),
            form TEXT NOT NULL,
            PRIMARY KEY (packet_id, form)
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS rejections (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            reason TEXT NOT NULL,
            digest TEXT NOT NULL
        ) STRICT;
        """,
        # The same tables; the body is sealed with the store key (BYTEA).
        postgresql="""
        CREATE TABLE orgs (
            org TEXT PRIMARY KEY,
            name TEXT NOT NULL DEFAULT '',
            public BYTEA NOT NULL,
            registered_at TEXT NOT NULL
        );
        CREATE TABLE packets (
            packet_id TEXT PRIMARY KEY,
            org TEXT NOT NULL REFERENCES orgs(org),
            received_at TEXT NOT NULL,
            period TEXT NOT NULL,
            gender TEXT NOT NULL,
            age_group TEXT NOT NULL,
            nationality TEXT NOT NULL,
            body BYTEA NOT NULL
        );
        CREATE TABLE packet_forms (
            packet_id TEXT NOT NULL REFERENCES packets(packet_id),
            form TEXT NOT NULL,
            PRIMARY KEY (packet_id, form)
        );
        CREATE TABLE rejections (
            id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            at TEXT NOT NULL,
            reason TEXT NOT NULL,
            digest TEXT NOT NULL
        );
        """),
    # Revocation and rotation of an organisation's key; refusals counted per day and reason, so the
    # detailed log can be kept short without losing the figures.
    Migration(
        sqlite="""
        ALTER TABLE orgs ADD COLUMN revoked_at TEXT;
        ALTER TABLE orgs ADD COLUMN replaced_by TEXT;
        CREATE TABLE rejection_counts (
            day TEXT NOT NULL,
            reason TEXT NOT NULL,
            count INTEGER NOT NULL,
            PRIMARY KEY (day, reason)
        ) STRICT, WITHOUT ROWID;
        """,
        postgresql="""
        ALTER TABLE orgs ADD COLUMN revoked_at TEXT;
        ALTER TABLE orgs ADD COLUMN replaced_by TEXT;
        CREATE TABLE rejection_counts (
            day TEXT NOT NULL,
            reason TEXT NOT NULL,
            count INTEGER NOT NULL,
            PRIMARY KEY (day, reason)
        );
        """),
    # The store key's slots: each wraps the one store key with a passphrase's argon2id key (``kdf`` is
    # its parameters as JSON). Today one slot, "cmm", for CMM's shared passphrase; a slot per staff
    # member ("staff:<id>", kind "staff") can be added beside it without touching the packets. A file
    # keeps its wrapped key in the ``.keys`` sidecar instead: nothing changes in it.
    Migration(
        sqlite="",
        postgresql="""
        CREATE TABLE key_slots (
            slot TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            kdf TEXT NOT NULL,
            salt BYTEA NOT NULL,
            wrapped BYTEA NOT NULL,
            created_at TEXT NOT NULL
        );
        """),
    # When a rotated key is registered, the old key's packets that arrived from the rotation time on are
    # put aside (whoever left with the old key may have sent them): not counted in the table, and never
    # taken as the organisation's copy (its copy under the new key is refused as ``id_taken`` and sealed
    # again under a new id).
    Migration(
        sqlite="""
        ALTER TABLE orgs ADD COLUMN revoke_from TEXT;
        ALTER TABLE packets ADD COLUMN quarantined INTEGER NOT NULL DEFAULT 0;
        """,
        postgresql="""
        ALTER TABLE orgs ADD COLUMN revoke_from TEXT;
        ALTER TABLE packets ADD COLUMN quarantined INTEGER NOT NULL DEFAULT 0;
        """),
    # Staff accounts (see ``cmm.staff``): the staff list an admin vouches for, the case key's public half
    # and epoch, each packet's body sealed to the case key (``case_body``; ``body`` stays empty), and the
    # signed, hash-chained log of who opened which referral. A database keeps its key file in ``keyring``.
    Migration(
        sqlite="""
        CREATE TABLE store_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
        CREATE TABLE staff (
            slot_id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            role TEXT NOT NULL,
            box_public TEXT NOT NULL,
            sign_public TEXT NOT NULL,
            added_at TEXT NOT NULL,
            removed_at TEXT
        ) STRICT;
        CREATE TABLE openings (
            seq INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            slot_id TEXT NOT NULL,
            packet_id TEXT NOT NULL,
            prev TEXT NOT NULL,
            hash TEXT NOT NULL,
            sig TEXT NOT NULL
        ) STRICT;
        ALTER TABLE packets ADD COLUMN case_body BLOB;
        ALTER TABLE packets ADD COLUMN case_epoch INTEGER;
        """,
        postgresql="""
        CREATE TABLE store_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE staff (
            slot_id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            role TEXT NOT NULL,
            box_public TEXT NOT NULL,
            sign_public TEXT NOT NULL,
            added_at TEXT NOT NULL,
            removed_at TEXT
        );
        CREATE TABLE openings (
            seq BIGINT PRIMARY KEY,
            at TEXT NOT NULL,
            slot_id TEXT NOT NULL,
            packet_id TEXT NOT NULL,
            prev TEXT NOT NULL,
            hash TEXT NOT NULL,
            sig TEXT NOT NULL
        );
        CREATE TABLE keyring (
            only_row BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (only_row),
            sequence BIGINT NOT NULL,
            payload BYTEA NOT NULL
        );
        ALTER TABLE packets ADD COLUMN case_body BYTEA;
        ALTER TABLE packets ADD COLUMN case_epoch INTEGER;
        """),
    # Withdrawals of consent: the referral is erased, and the packet id is kept (with the organisation and the
    # notice) so that the same packet arriving again is refused, never stored anew. And CMM's replies about a
    # referral (codes and dates; erased with it).
    Migration(
        sqlite="""
        CREATE TABLE withdrawals (
            packet_id TEXT PRIMARY KEY,
            org TEXT NOT NULL,
            notice_id TEXT NOT NULL UNIQUE,
            at TEXT NOT NULL
        ) STRICT;
        CREATE TABLE replies (
            reply_id TEXT PRIMARY KEY,
            packet_id TEXT NOT NULL,
            status TEXT NOT NULL,
            body TEXT NOT NULL,
            at TEXT NOT NULL
        ) STRICT;
        """,
        postgresql="""
        CREATE TABLE withdrawals (
            packet_id TEXT PRIMARY KEY,
            org TEXT NOT NULL,
            notice_id TEXT NOT NULL UNIQUE,
            at TEXT NOT NULL
        );
        CREATE TABLE replies (
            reply_id TEXT PRIMARY KEY,
            packet_id TEXT NOT NULL,
            status TEXT NOT NULL,
            body TEXT NOT NULL,
            at TEXT NOT NULL
        );
        """),
    # CMM's desk lists referrals with the urgent ones first, and says which consent each came with, before
    # anyone opens one: whether the person is in immediate danger and the consent scope are kept beside the
    # other coded columns. NULL for a referral received before: its reading fills them in. And each reply is
    # kept as sealed to its organisation, so that the HTTPS intake can hand it over when asked.
    Migration(
        sqlite="""
        ALTER TABLE packets ADD COLUMN urgent INTEGER;
        ALTER TABLE packets ADD COLUMN scope TEXT;
        ALTER TABLE replies ADD COLUMN sealed BLOB;
        CREATE INDEX packets_org ON packets(org);
        CREATE INDEX replies_packet ON replies(packet_id);
        """,
        postgresql="""
        ALTER TABLE packets ADD COLUMN urgent INTEGER;
        ALTER TABLE packets ADD COLUMN scope TEXT;
        ALTER TABLE replies ADD COLUMN sealed BYTEA;
        CREATE INDEX packets_org ON packets(org);
        CREATE INDEX replies_packet ON replies(packet_id);
        """),
    # cmm-referral/3 names the industry of the work and the forms of forced crime: kept as codes beside the
    # forms of exploitation (``field`` "industry" or "crime_form"), so the desk lists them and the national table
    # counts them without opening a body. A referral received before has none.
    Migration(
        sqlite="""
        CREATE TABLE packet_codes (
            packet_id TEXT NOT NULL REFERENCES packets(packet_id),
            field TEXT NOT NULL CHECK (field IN ('industry', 'crime_form')),
            code TEXT NOT NULL,
            PRIMARY KEY (packet_id, field, code)
        ) STRICT, WITHOUT ROWID;
        """,
        postgresql="""
        CREATE TABLE packet_codes (
            packet_id TEXT NOT NULL REFERENCES packets(packet_id),
            field TEXT NOT NULL CHECK (field IN ('industry', 'crime_form')),
            code TEXT NOT NULL,
            PRIMARY KEY (packet_id, field, code)
        );
        """),
)
# The coded lists of a packet kept in ``packet_codes``: its field in the packet, and the column's name for it.
CODED_FIELDS = {"industries": "industry", "crime_forms": "crime_form"}
# The detailed refusal log keeps this many of the latest rows (a few MB at most); older refusals remain
# only as counts per day and reason. Unauthenticated senders can make refusals, so nothing about them
# may grow without bound.
REJECTION_LOG_ROWS = 10_000


def migrate(store: IntakeStore) -> None:
    """Apply the missing migrations. Two desks starting together queue on a lock, and the second
    finds the work done (the version is read again once the lock is held)."""
    for number in range(store.schema_version() + 1, len(MIGRATIONS) + 1):
        with store.transaction():
            store.begin_migration()
            if store.schema_version() >= number:
                continue
            for statement in MIGRATIONS[number - 1].statements(store.dialect):
                store.execute(statement)
            store.set_schema_version(number)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# -- where the store is ----------------------------------------------------------------------------

def is_database(location: Location) -> bool:
    """A ``postgresql://`` URL (a shared database), not a file path."""
    return isinstance(location, str) and location.startswith(("postgresql://", "postgres://"))


def _pg():
    try:
        from fieldapp.cmm import store_pg
    except ImportError as exc:      # psycopg is in the optional "cmm" extra
        raise PostgresMissing() from exc
    return store_pg


def exists(location: Location) -> bool:
    """Whether an intake store is at this place (a database is asked, without a passphrase)."""
    if not is_database(location):
        return store_file.exists(Path(location))
    pg = _pg()
    store = pg.connect(location)
    try:
        return pg.has_store(store)
    finally:
        store.close()


def create(location: Location, passphrase: str, params: KdfParams | None = None,
           user: str | None = None) -> IntakeStore:
    """A new, empty store whose first admin is ``user`` (default "admin") with this passphrase.
    ``IntakeStoreExists`` if one is there. A database must exist (its administrator creates it) and
    may be empty."""
    from fieldapp.cmm import accounts, staff

    name = staff.check_name(user or staff.FIRST_ADMIN)
    if not is_database(location):
        if store_file.exists(Path(location)):
            raise IntakeStoreExists()
        store_key = keys.new_data_key()
        side, desk = accounts.first_admin(name, passphrase, store_key, params)
        store = store_file.create(Path(location), side, store_key, desk)
        return _finish(store, lambda: accounts.set_up_rows(store, name))
    pg = _pg()
    store = pg.connect(location)
    try:
        if pg.has_store(store):
            raise IntakeStoreExists()
        migrate(store)
        store.keyring, store.desk = accounts.first_admin(name, passphrase, None, params)
        with store.transaction():
            store.write_keyring(store.keyring, create=True)
            accounts.set_up_rows(store, name)
    except BaseException:
        store.close()
        raise
    return store


def _finish(store: IntakeStore, then: Callable[[], None]) -> IntakeStore:
    """Migrate the store and run ``then``; closed (its keys forgotten) on any error."""
    try:
        migrate(store)
        then()
    except BaseException:
        store.close()
        raise
    return store


def open_store(location: Location, passphrase: str, user: str | None = None) -> IntakeStore:
    """The store at ``location``, unlocked by a staff member's passphrase (without ``user``, each
    account is tried) and migrated; ``WrongPassphrase`` if none opens. A store of the first kind
    (one passphrase for CMM) becomes one with staff accounts, its first admin ``user`` (default "admin")."""
    from fieldapp.cmm import accounts, staff

    if not is_database(location):
        store, legacy_key = store_file.open_file(Path(location), user, passphrase)
        if legacy_key is None:
            return _finish(store, lambda: setattr(store, "notices", accounts.settle(store, user)))
        name = staff.check_name(user or staff.FIRST_ADMIN)

        def convert() -> None:
            store.keyring, store.desk = accounts.first_admin(name, passphrase, legacy_key)
            store.keyring.rotation_due = ["conversion"]      # until the file is under a key of its own
            store.replace_legacy_keyring(store.keyring)
            accounts.set_up_rows(store, name)
            store.notices = accounts.replace_keys(store)   # the old shared wrap of the file's key opens nothing new

        return _finish(store, convert)
    pg = _pg()
    store = pg.connect(location)
    try:
        if not pg.has_store(store):          # nothing is created in a database that holds no store
            raise IntakeStoreMissing()
    except BaseException:
        store.close()
        raise
    return _finish(store, lambda: _unlock_database(pg, store, user, passphrase))


def _unlock_database(pg, store: IntakeStore, user: str | None, passphrase: str) -> None:
    from fieldapp.cmm import accounts, staff

    side = store.read_keyring()
    if side is not None:
        store.keyring, store.desk = side, staff.unlock(side, user, passphrase)
        store.notices = accounts.settle(store, user)
        return
    legacy_key = pg.legacy_store_key(store, passphrase)
    if legacy_key is None:
        raise IntakeStoreMissing()
    name = staff.check_name(user or staff.FIRST_ADMIN)
    store.keyring, store.desk = accounts.first_admin(name, passphrase, None)
    with store.transaction():
        store.write_keyring(store.keyring, create=True)
        accounts.set_up_rows(store, name, legacy_key)
        pg.drop_legacy_slot(store)


# -- organisations ---------------------------------------------------------------------------------

def put_org(conn: IntakeStore, org: str, name: str, public: bytes) -> bool:
    """Register (or re-name) an organisation's signing key; True if it was new."""
    existed = org_key(conn, org) is not None
    conn.execute("INSERT INTO orgs (org, name, public, registered_at) VALUES (?, ?, ?, ?)"
                 " ON CONFLICT(org) DO UPDATE SET name = excluded.name", (org, name, public, _now()))
    return not existed


def org_key(conn: IntakeStore, org: str) -> tuple[bytes, bool] | None:
    """(public key, revoked) of a registered key, read fresh: a revocation by another process counts at once."""
    row = conn.execute("SELECT public, revoked_at IS NOT NULL FROM orgs WHERE org = ?", (org,)).fetchone()
    return (bytes(row[0]), bool(row[1])) if row else None


def org_name(conn: IntakeStore, org: str) -> str | None:
    row = conn.execute("SELECT name FROM orgs WHERE org = ?", (org,)).fetchone()
    return row[0] if row else None


def revoke_org(conn: IntakeStore, org: str, replaced_by: str | None = None) -> bool:
    """Refuse the key's packets from now on; False if it was revoked already. Received packets stay counted.
    A key revoked first (a laptop reported stolen) still gets its successor linked later."""
    cur = conn.execute("UPDATE orgs SET revoked_at = ? WHERE org = ? AND revoked_at IS NULL", (_now(), org))
    if replaced_by is not None:
        conn.execute("UPDATE orgs SET replaced_by = ? WHERE org = ? AND replaced_by IS NULL", (replaced_by, org))
    return cur.rowcount == 1


def quarantine_since(conn: IntakeStore, org: str, revoke_from: str) -> int:
    """Put aside the key's packets received after ``revoke_from`` (UTC, to the second); their number."""
    conn.execute("UPDATE orgs SET revoke_from = ? WHERE org = ?", (revoke_from, org))
    cur = conn.execute("UPDATE packets SET quarantined = 1 WHERE org = ? AND substr(received_at, 1, 19) > ?",
                       (org, revoke_from[:19]))
    return cur.rowcount


@dataclass(frozen=True)
class OrgRow:
    org: str
    name: str
    registered_at: str
    revoked_at: str | None
    replaced_by: str | None


def org_rows(conn: IntakeStore) -> list[OrgRow]:
    return [OrgRow(*r) for r in conn.execute(
        "SELECT org, name, registered_at, revoked_at, replaced_by FROM orgs ORDER BY name, registered_at, org")]


def orgs(conn: IntakeStore) -> list[tuple[str, str]]:
    return [(r[0], r[1]) for r in conn.execute("SELECT org, name FROM orgs ORDER BY name, org")]


# -- packets ---------------------------------------------------------------------------------------

def has_packet(conn: IntakeStore, packet_id: str) -> bool:
    return conn.execute("SELECT 1 FROM packets WHERE packet_id = ?", (packet_id,)).fetchone() is not None


def insert_packet(conn: IntakeStore, packet: dict, body: str) -> bool:
    """Store a verified packet once, its body sealed to the current case key; False (and nothing changed)
    if its id is already there, also when another desk stores it at the same moment (the loser's insert
    waits for the winner's transaction). The case key is read under a shared lock (``hold_case_key``),
    so a rotation that seals every body again waits for this insert, and this insert for it."""
    conn.hold_case_key(exclusive=False)
    case = case_key(conn)
    if case is None:
        raise IntakeStoreDamaged()
    sealed = casefile.seal(case.public, case.store_key, case.epoch, packet["packet_id"], body)
    cur = conn.execute(
        "INSERT INTO packets (packet_id, org, received_at, period, gender, age_group, nationality, body,"
        " case_body, case_epoch, urgent, scope) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT(packet_id) DO NOTHING",
        (packet["packet_id"], packet["org"], _now(), packet["period"], packet["gender"], packet["age_group"],
         packet["nationality"], conn.empty_body, sealed, case.epoch, int(bool(packet["immediate_danger"])),
         packet["consent"]["scope"]))
    if cur.rowcount != 1:
        return False
    conn.executemany("INSERT INTO packet_forms (packet_id, form) VALUES (?, ?)",
                     [(packet["packet_id"], form) for form in packet["exploitation_forms"]])
    coded = [(packet["packet_id"], column, code) for name, column in CODED_FIELDS.items()
             for code in packet.get(name, ())]
    if coded:
        conn.executemany("INSERT INTO packet_codes (packet_id, field, code) VALUES (?, ?, ?)", coded)
    return True


def withdrawals_of(conn: IntakeStore, packet_id: str) -> list[tuple[str, str]]:
    """(organisation key id, notice id) of every withdrawal naming this packet id."""
    return [(row[0], row[1]) for row in conn.execute(
        "SELECT org, notice_id FROM withdrawals WHERE packet_id = ? ORDER BY at, org", (packet_id,)).fetchall()]


def notice(conn: IntakeStore, notice_id: str) -> tuple[str, str] | None:
    """(packet id, organisation key id) of a withdrawal notice already received, or None."""
    row = conn.execute("SELECT packet_id, org FROM withdrawals WHERE notice_id = ?", (notice_id,)).fetchone()
    return (row[0], row[1]) if row else None


def withdraw(conn: IntakeStore, packet_id: str, org: str, notice_id: str, *, erase: bool) -> None:
    """Remember that ``org`` withdrew ``packet_id``; with ``erase``, erase the referral it sent (its coded
    columns, forms, sealed body and replies)."""
    if erase:
        conn.execute("DELETE FROM packet_forms WHERE packet_id = ?", (packet_id,))
        conn.execute("DELETE FROM packet_codes WHERE packet_id = ?", (packet_id,))
        conn.execute("DELETE FROM replies WHERE packet_id = ?", (packet_id,))
        conn.execute("DELETE FROM packets WHERE packet_id = ?", (packet_id,))
    conn.execute("INSERT INTO withdrawals (packet_id, org, notice_id, at) VALUES (?, ?, ?, ?)",
                 (packet_id, org, notice_id, _now()))


def add_reply(conn: IntakeStore, reply: dict, body: str, sealed: bytes) -> None:
    conn.execute("INSERT INTO replies (reply_id, packet_id, status, body, at, sealed) VALUES (?, ?, ?, ?, ?, ?)",
                 (reply["reply_id"], reply["packet_id"], reply["status"], body, _now(), sealed))


def remove_reply(conn: IntakeStore, reply_id: str) -> None:
    """Forget a reply that could not be handed over (its file could not be written)."""
    conn.execute("DELETE FROM replies WHERE reply_id = ?", (reply_id,))


def sealed_replies(conn: IntakeStore, orgs: list[str], limit: int) -> list[bytes]:
    """At most ``limit`` sealed replies about packets signed by any of ``orgs`` (an organisation's key and the
    keys it replaced): each referral's latest reply first, then each one's reply before that, and so on, so that
    no referral's latest answer is left out for another's history. Oldest first within what is sent."""
    if not orgs:
        return []
    marks = ", ".join("?" * len(orgs))
    numbered = [(row[0], row[1], json.loads(row[2])["sequence"]) for row in conn.execute(
        "SELECT r.reply_id, r.packet_id, r.body FROM replies r JOIN packets p ON p.packet_id = r.packet_id"
        f" WHERE p.org IN ({marks}) AND r.sealed IS NOT NULL", tuple(orgs)).fetchall()]
    newest: dict[str, list[int]] = {}
    for _reply_id, packet_id, sequence in numbered:
        newest.setdefault(packet_id, []).append(sequence)
    for sequences in newest.values():
        sequences.sort(reverse=True)
    # (how many newer replies the same referral has, then CMM's numbering): the latest of each referral first.
    chosen = sorted(numbered, key=lambda item: (newest[item[1]].index(item[2]), -item[2], item[0]))[:limit]
    if not chosen:
        return []
    ids = [item[0] for item in chosen]
    sealed = dict(conn.execute(f"SELECT reply_id, sealed FROM replies WHERE reply_id IN ({', '.join('?' * len(ids))})",
                               tuple(ids)).fetchall())
    return [bytes(sealed[item[0]]) for item in sorted(chosen, key=lambda item: (item[2], item[0]))]


def replaced_keys(conn: IntakeStore, org: str) -> list[str]:
    """``org`` and every key that was replaced by it, directly or along a chain of rotations."""
    found, frontier = [org], [org]
    for _step in range(64):
        if not frontier:
            break
        marks = ", ".join("?" * len(frontier))
        frontier = [row[0] for row in conn.execute(f"SELECT org FROM orgs WHERE replaced_by IN ({marks})",
                                                   tuple(frontier)).fetchall() if row[0] not in found]
        found += frontier
    return found


def replies_for(conn: IntakeStore, packet_id: str) -> list[dict]:
    """CMM's replies about a referral, oldest first (as sent: canonical JSON)."""
    rows = conn.execute("SELECT body FROM replies WHERE packet_id = ? ORDER BY at, reply_id", (packet_id,))
    return sorted((json.loads(row[0]) for row in rows.fetchall()), key=lambda reply: reply["sequence"])


def packet_origin(conn: IntakeStore, packet_id: str) -> tuple[str, bool] | None:
    """(the key id that signed the packet on file under this id, whether it was put aside), or None."""
    row = conn.execute("SELECT org, quarantined FROM packets WHERE packet_id = ?", (packet_id,)).fetchone()
    return (row[0], bool(row[1])) if row else None


def replaced_by(conn: IntakeStore, org: str) -> str | None:
    row = conn.execute("SELECT replaced_by FROM orgs WHERE org = ?", (org,)).fetchone()
    return row[0] if row else None


@dataclass(frozen=True)
class StoredBody:
    """A packet's body as kept: sealed to the case key at ``epoch`` (``legacy`` is a body from before
    staff accounts, until it is sealed: plain JSON in a file, sealed with the old store key in a database)."""

    packet_id: str
    sealed: bytes | None
    epoch: int | None
    legacy: Any


def stored_body(conn: IntakeStore, packet_id: str) -> StoredBody | None:
    row = conn.execute("SELECT packet_id, case_body, case_epoch, body FROM packets WHERE packet_id = ?",
                       (packet_id,)).fetchone()
    return _stored(row) if row else None


def _stored(row) -> StoredBody:
    return StoredBody(row[0], bytes(row[1]) if row[1] is not None else None, row[2], row[3])


def bodies_not_at(conn: IntakeStore, epoch: int) -> list[StoredBody]:
    """Every body not sealed at this case-key epoch (the ones a rotation must seal again)."""
    return [_stored(r) for r in conn.execute(
        "SELECT packet_id, case_body, case_epoch, body FROM packets"
        " WHERE case_epoch IS NULL OR case_epoch <> ? ORDER BY packet_id", (epoch,))]


def set_case_body(conn: IntakeStore, packet_id: str, sealed: bytes, epoch: int) -> None:
    conn.execute("UPDATE packets SET case_body = ?, case_epoch = ?, body = ? WHERE packet_id = ?",
                 (sealed, epoch, conn.empty_body, packet_id))


@dataclass(frozen=True)
class DeskRow:
    """A referral as CMM's desk lists it, from the coded columns only (no body is opened)."""

    packet_id: str
    org: str
    org_name: str
    received_at: str
    period: str
    gender: str
    age_group: str
    nationality: str
    urgent: bool | None                 # None: received before the column existed, until it is read
    scope: str | None
    quarantined: bool
    forms: tuple[str, ...]
    replies: tuple[str, ...]            # the statuses of CMM's replies, oldest first
    industries: tuple[str, ...] = ()
    crime_forms: tuple[str, ...] = ()


def desk_rows(conn: IntakeStore) -> list[DeskRow]:
    """Every referral on file with its forms and the statuses of the replies sent, newest first (a few
    queries in all, whatever the number of referrals)."""
    forms: dict[str, list[str]] = {}
    for packet_id, form in conn.execute("SELECT packet_id, form FROM packet_forms ORDER BY packet_id, form"):
        forms.setdefault(packet_id, []).append(form)
    coded: dict[tuple[str, str], list[str]] = {}
    for packet_id, field, code in conn.execute(
            "SELECT packet_id, field, code FROM packet_codes ORDER BY packet_id, field, code"):
        coded.setdefault((packet_id, field), []).append(code)
    numbered: dict[str, list[tuple[int, str]]] = {}
    for packet_id, status, body in conn.execute("SELECT packet_id, status, body FROM replies"):
        numbered.setdefault(packet_id, []).append((json.loads(body)["sequence"], status))
    answered = {packet_id: [status for _number, status in sorted(found)] for packet_id, found in numbered.items()}
    rows = conn.execute(
        "SELECT p.packet_id, p.org, coalesce(o.name, ''), p.received_at, p.period, p.gender, p.age_group,"
        " p.nationality, p.urgent, p.scope, p.quarantined FROM packets p LEFT JOIN orgs o ON o.org = p.org"
        " ORDER BY p.received_at DESC, p.packet_id")
    return [DeskRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], None if r[8] is None else bool(r[8]), r[9],
                    bool(r[10]), tuple(forms.get(r[0], ())), tuple(answered.get(r[0], ())),
                    tuple(coded.get((r[0], "industry"), ())), tuple(coded.get((r[0], "crime_form"), ())))
            for r in rows]


def fill_coded(conn: IntakeStore, packet_id: str, urgent: bool, scope: str) -> None:
    """Urgency and scope of a referral received before they were kept as columns (read from its body)."""
    conn.execute("UPDATE packets SET urgent = ?, scope = ? WHERE packet_id = ? AND urgent IS NULL",
                 (int(urgent), scope, packet_id))


def packet_count(conn: IntakeStore) -> int:
    return conn.execute("SELECT count(*) FROM packets").fetchone()[0]


def add_rejection(conn: IntakeStore, reason: str, digest: str) -> None:
    """Log a refusal: counted per day and reason for good, and kept in detail among the latest
    ``REJECTION_LOG_ROWS``. With several desks writing at once a refusal not yet committed escapes
    another's trimming, so the log may hold a few rows more until the next refusal trims it."""
    now = _now()
    new_id = conn.execute("INSERT INTO rejections (at, reason, digest) VALUES (?, ?, ?) RETURNING id",
                          (now, reason, digest)).fetchone()[0]
    conn.execute("INSERT INTO rejection_counts (day, reason, count) VALUES (?, ?, 1)"
                 " ON CONFLICT(day, reason) DO UPDATE SET count = rejection_counts.count + 1", (now[:10], reason))
    conn.execute("DELETE FROM rejections WHERE id <= ?", (new_id - REJECTION_LOG_ROWS,))


def rejection_totals(conn: IntakeStore) -> dict[str, int]:
    """Refusals ever logged, by reason (the detailed log keeps only the latest)."""
    return dict(conn.execute("SELECT reason, sum(count) FROM rejection_counts GROUP BY reason ORDER BY reason"))


def rejection_count(conn: IntakeStore) -> int:
    return conn.execute("SELECT count(*) FROM rejections").fetchone()[0]


@dataclass(frozen=True)
class TableRow:
    nationality: str
    gender: str
    age_group: str
    form: str
    count: int


@dataclass(frozen=True)
class CodeRow:
    code: str
    gender: str
    age_group: str
    count: int


def code_table(conn: IntakeStore, field: str, period_prefix: str = "") -> list[CodeRow]:
    """Received referrals by industry (``field`` "industry") or form of forced crime ("crime_form") x gender x
    age group (a referral naming two is counted under each; one naming none is not in it)."""
    if field not in CODED_FIELDS.values():
        raise ValueError(field)
    rows = conn.execute(
        "SELECT c.code, p.gender, p.age_group, count(*) FROM packets p"
        " JOIN packet_codes c ON c.packet_id = p.packet_id WHERE c.field = ? AND p.period LIKE ?"
        " AND p.quarantined = 0 GROUP BY 1, 2, 3 ORDER BY 1, 2, 3", (field, period_prefix + "%"))
    return [CodeRow(*r) for r in rows]


def table(conn: IntakeStore, period_prefix: str = "") -> list[TableRow]:
    """Received referrals by nationality x gender x age group x exploitation form (a referral with
    two forms is counted under each)."""
    rows = conn.execute(
        "SELECT p.nationality, p.gender, p.age_group, f.form, count(*) FROM packets p"
        " JOIN packet_forms f ON f.packet_id = p.packet_id WHERE p.period LIKE ? AND p.quarantined = 0"
        " GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4", (period_prefix + "%",))
    return [TableRow(*r) for r in rows]


# -- the case key, the staff list and the openings log -------------------------------------------------

def meta(conn: IntakeStore, name: str) -> str | None:
    row = conn.execute("SELECT value FROM store_meta WHERE name = ?", (name,)).fetchone()
    return row[0] if row else None


def set_meta(conn: IntakeStore, name: str, value: str) -> None:
    conn.execute("INSERT INTO store_meta (name, value) VALUES (?, ?)"
                 " ON CONFLICT(name) DO UPDATE SET value = excluded.value", (name, value))


@dataclass(frozen=True)
class CaseKey:
    public: bytes
    epoch: int
    store_key: bytes        # the desk's store key that vouched for them (the one new bodies are tagged with)


def store_keys(conn: IntakeStore) -> list[bytes]:
    """The store keys of whoever unlocked this store: the current one, and a pending one."""
    desk = conn.desk
    return [bytes(k) for k in (desk.keys.get(STORE), desk.pending.get(STORE)) if k is not None]


def case_key(conn: IntakeStore) -> CaseKey | None:
    """The case key's public half and epoch, once their tag checks out with one of the desk's store keys
    (``IntakeStoreDamaged`` if not: someone without the key changed them); None if not set yet."""
    found = dict(conn.execute("SELECT name, value FROM store_meta WHERE name IN ('case_public', 'case_epoch',"
                              " 'case_tag')").fetchall())        # one query: this runs for every packet stored
    public, epoch, tag = found.get("case_public"), found.get("case_epoch"), found.get("case_tag")
    if public is None or epoch is None:
        return None
    try:
        public_bytes, number = keys.unb64(public), int(epoch)
    except ValueError as exc:
        raise IntakeStoreDamaged() from exc
    for store_key in store_keys(conn):
        if casefile.case_tag_ok([store_key], public_bytes, number, tag or ""):
            return CaseKey(public_bytes, number, store_key)
    raise IntakeStoreDamaged()


def set_case_key(conn: IntakeStore, public: bytes, epoch: int, store_key: bytes) -> None:
    set_meta(conn, "case_public", keys.b64(public))
    set_meta(conn, "case_epoch", str(epoch))
    set_meta(conn, "case_tag", casefile.case_tag(store_key, public, epoch))


_STAFF_FIELDS = ("name", "role", "box_public", "sign_public", "added_at", "removed_at")


def roster(conn: IntakeStore) -> dict[str, dict]:
    """Every staff entry ever added, by slot id (removed ones keep their public keys: the openings log
    they signed stays verifiable)."""
    rows = conn.execute("SELECT slot_id, " + ", ".join(_STAFF_FIELDS) + " FROM staff ORDER BY slot_id")
    return {r[0]: dict(zip(_STAFF_FIELDS, r[1:], strict=True)) for r in rows}


def put_staff(conn: IntakeStore, slot_id: str, entry: dict) -> None:
    conn.execute("INSERT INTO staff (slot_id, " + ", ".join(_STAFF_FIELDS) + ") VALUES (?, ?, ?, ?, ?, ?, ?)"
                 " ON CONFLICT(slot_id) DO UPDATE SET name = excluded.name, role = excluded.role,"
                 " box_public = excluded.box_public, sign_public = excluded.sign_public,"
                 " added_at = excluded.added_at, removed_at = excluded.removed_at",
                 (slot_id, *(entry[f] for f in _STAFF_FIELDS)))


def last_opening(conn: IntakeStore) -> casefile.Opening | None:
    row = conn.execute("SELECT seq, at, slot_id, packet_id, prev, hash, sig FROM openings"
                       " ORDER BY seq DESC LIMIT 1").fetchone()
    return casefile.Opening(*row) if row else None


def add_opening(conn: IntakeStore, entry: casefile.Opening) -> None:
    """Append to the log; two desks writing at once collide on ``seq`` and one transaction runs again."""
    conn.execute("INSERT INTO openings (seq, at, slot_id, packet_id, prev, hash, sig) VALUES (?, ?, ?, ?, ?, ?, ?)",
                 (entry.seq, entry.at, entry.slot_id, entry.packet_id, entry.prev, entry.hash, entry.sig))


def openings(conn: IntakeStore) -> list[casefile.Opening]:
    return [casefile.Opening(*r) for r in conn.execute(
        "SELECT seq, at, slot_id, packet_id, prev, hash, sig FROM openings ORDER BY seq")]


def close(conn: IntakeStore) -> None:
    conn.close()
