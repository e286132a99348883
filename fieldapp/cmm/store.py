"""CMM's intake store: an encrypted SQLCipher file of registered organisations, received packets
and refusals. Keyed like a vault: a random data key (applied in ``connection.connect``), wrapped
with XChaCha20-Poly1305 under an argon2id key from CMM's passphrase, in ``<store>.keys``."""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from fieldapp.crypto import keys
from fieldapp.crypto.keys import KdfParams
from fieldapp.errors import NotAVault, VaultExists, VaultMissing, WrongPassphrase
from fieldapp.storage.atomic import write_atomic
from fieldapp.storage.connection import Connection, connect, transaction

FORMAT = "fieldapp-intake-keys/1"
_CONTEXT = b"fieldapp-intake-store/1"

# The store's migrations, applied in order inside one transaction each; ``PRAGMA user_version`` is the
# number applied. A store made before migrations existed has the tables of the first one already.
MIGRATIONS: tuple[str, ...] = (
    """
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
    # Revocation and rotation of an organisation's key; refusals counted per day and reason, so the
    # detailed log can be kept short without losing the figures.
    """
    ALTER TABLE orgs ADD COLUMN revoked_at TEXT;
    ALTER TABLE orgs ADD COLUMN replaced_by TEXT;
    CREATE TABLE rejection_counts (
        day TEXT NOT NULL,
        reason TEXT NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (day, reason)
    ) STRICT, WITHOUT ROWID;
    """,
)
# The detailed refusal log keeps this many of the latest rows (a few MB at most); older refusals remain
# only as counts per day and reason. Unauthenticated senders can make refusals, so nothing about them
# may grow without bound.
REJECTION_LOG_ROWS = 10_000


def migrate(conn: Connection) -> None:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        with transaction(conn):
            for statement in filter(str.strip, script.split(";")):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")


def sidecar_path(path: Path) -> Path:
    return Path(path).with_name(Path(path).name + ".keys")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def create(path: Path, passphrase: str, params: KdfParams | None = None) -> Connection:
    """A new, empty store; the data key is wrapped with the passphrase."""
    path = Path(path)
    if path.exists() or sidecar_path(path).exists():
        raise VaultExists()
    params = params or keys.default_params()
    data_key, salt = keys.new_data_key(), keys.new_salt()
    wrapped = keys.wrap(keys.derive(passphrase, salt, params), data_key, _CONTEXT)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = connect(path, data_key, create=True)
    path.chmod(0o600)
    migrate(conn)
    side = {"format": FORMAT, "kdf": params.to_json(), "salt": keys.b64(salt), "wrapped": keys.b64(wrapped)}
    write_atomic(sidecar_path(path), json.dumps(side, indent=1, sort_keys=True).encode("utf-8"))
    return conn


def open_store(path: Path, passphrase: str) -> Connection:
    path = Path(path)
    if not path.is_file() or not sidecar_path(path).is_file():
        raise VaultMissing()
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
    conn = connect(path, data_key)
    migrate(conn)
    return conn


# -- organisations ---------------------------------------------------------------------------------

def put_org(conn: Connection, org: str, name: str, public: bytes) -> bool:
    """Register (or re-name) an organisation's signing key; True if it was new."""
    existed = org_public(conn, org) is not None
    conn.execute("INSERT INTO orgs (org, name, public, registered_at) VALUES (?, ?, ?, ?)"
                 " ON CONFLICT(org) DO UPDATE SET name = excluded.name", (org, name, public, _now()))
    return not existed


def org_public(conn: Connection, org: str) -> bytes | None:
    row = conn.execute("SELECT public FROM orgs WHERE org = ?", (org,)).fetchone()
    return bytes(row[0]) if row else None


def all_org_keys(conn: Connection) -> dict[str, bytes]:
    """Every registered key, revoked ones included (for lookups that check revocation themselves)."""
    return {row[0]: bytes(row[1]) for row in conn.execute("SELECT org, public FROM orgs")}


def org_key(conn: Connection, org: str) -> tuple[bytes, bool] | None:
    """(public key, revoked) of a registered key, read fresh: a revocation by another process counts at once."""
    row = conn.execute("SELECT public, revoked_at IS NOT NULL FROM orgs WHERE org = ?", (org,)).fetchone()
    return (bytes(row[0]), bool(row[1])) if row else None


def org_name(conn: Connection, org: str) -> str | None:
    row = conn.execute("SELECT name FROM orgs WHERE org = ?", (org,)).fetchone()
    return row[0] if row else None


def revoke_org(conn: Connection, org: str, replaced_by: str | None = None) -> bool:
    """Refuse the key's packets from now on; False if it was revoked already. Received packets stay counted."""
    cur = conn.execute("UPDATE orgs SET revoked_at = ?, replaced_by = coalesce(?, replaced_by)"
                       " WHERE org = ? AND revoked_at IS NULL", (_now(), replaced_by, org))
    return cur.rowcount == 1


@dataclass(frozen=True)
class OrgRow:
    org: str
    name: str
    registered_at: str
    revoked_at: str | None
    replaced_by: str | None


def org_rows(conn: Connection) -> list[OrgRow]:
    return [OrgRow(*r) for r in conn.execute(
        "SELECT org, name, registered_at, revoked_at, replaced_by FROM orgs ORDER BY name, registered_at, org")]


def orgs(conn: Connection) -> list[tuple[str, str]]:
    return [(r[0], r[1]) for r in conn.execute("SELECT org, name FROM orgs ORDER BY name, org")]


# -- packets ---------------------------------------------------------------------------------------

def has_packet(conn: Connection, packet_id: str) -> bool:
    return conn.execute("SELECT 1 FROM packets WHERE packet_id = ?", (packet_id,)).fetchone() is not None


def insert_packet(conn: Connection, packet: dict, body: str) -> bool:
    """Store a verified packet once; False (and nothing changed) if its id is already there."""
    cur = conn.execute(
        "INSERT INTO packets (packet_id, org, received_at, period, gender, age_group, nationality, body)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(packet_id) DO NOTHING",
        (packet["packet_id"], packet["org"], _now(), packet["period"], packet["gender"], packet["age_group"],
         packet["nationality"], body))
    if cur.rowcount != 1:
        return False
    conn.executemany("INSERT INTO packet_forms (packet_id, form) VALUES (?, ?)",
                     [(packet["packet_id"], form) for form in packet["exploitation_forms"]])
    return True


def packet_count(conn: Connection) -> int:
    return conn.execute("SELECT count(*) FROM packets").fetchone()[0]


def add_rejection(conn: Connection, reason: str, digest: str) -> None:
    """Log a refusal: counted per day and reason for good, and kept in detail among the latest
    ``REJECTION_LOG_ROWS``."""
    now = _now()
    cur = conn.execute("INSERT INTO rejections (at, reason, digest) VALUES (?, ?, ?)", (now, reason, digest))
    conn.execute("INSERT INTO rejection_counts (day, reason, count) VALUES (?, ?, 1)"
                 " ON CONFLICT(day, reason) DO UPDATE SET count = count + 1", (now[:10], reason))
    conn.execute("DELETE FROM rejections WHERE id <= ?", (cur.lastrowid - REJECTION_LOG_ROWS,))


def rejection_totals(conn: Connection) -> dict[str, int]:
    """Refusals ever logged, by reason (the detailed log keeps only the latest)."""
    return dict(conn.execute("SELECT reason, sum(count) FROM rejection_counts GROUP BY reason ORDER BY reason"))


def rejection_count(conn: Connection) -> int:
    return conn.execute("SELECT count(*) FROM rejections").fetchone()[0]


@dataclass(frozen=True)
class TableRow:
    nationality: str
    gender: str
    age_group: str
    form: str
    count: int


def table(conn: Connection, period_prefix: str = "") -> list[TableRow]:
    """Received referrals by nationality x gender x age group x exploitation form (a referral with
    two forms is counted under each)."""
    rows = conn.execute(
        "SELECT p.nationality, p.gender, p.age_group, f.form, count(*) FROM packets p"
        " JOIN packet_forms f ON f.packet_id = p.packet_id WHERE p.period LIKE ? || '%'"
        " GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4", (period_prefix,))
    return [TableRow(*r) for r in rows]


def close(conn: Connection) -> None:
    with contextlib.suppress(Exception):
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
