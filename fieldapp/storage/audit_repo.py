"""The audit trail: append-only events, each chained by hash to the one before.

Events name who, what and which record, never personal data. When a signer is bound to the
connection (``bind_signer``, done where a session starts), every new event also names that member,
links to the member's own previous event and carries their signature over both; the checks are in
``fieldapp.security.audit``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from fieldapp.storage.connection import Connection

GENESIS = "0" * 64
SIGNED_PREFIX = b"fieldapp-audit/1|"

# The member signing each open connection's events: id(conn) -> (conn, slot id, sign). The connection
# itself is kept in the entry so its id cannot be reused while the entry exists (sqlcipher3
# connections take no weak references); ``unbind_signer`` removes it when the session closes.
_signers: dict[int, tuple[Connection, str, Callable[[bytes], bytes]]] = {}


@dataclass(frozen=True)
class AuditEvent:
    id: int
    at: str
    user_id: int | None
    action: str
    entity: str
    entity_id: int | str | None
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class SignedRow:
    """An event as the verifier reads it: its stored hash, and its signature fields (None if unsigned)."""

    event: AuditEvent
    signer: str | None
    signer_prev: str | None
    signature: bytes | None


def bind_signer(conn: Connection, slot_id: str, sign: Callable[[bytes], bytes]) -> None:
    """Sign every event appended through ``conn`` from now on with ``sign``, as member ``slot_id``."""
    _signers[id(conn)] = (conn, slot_id, sign)


def unbind_signer(conn: Connection) -> None:
    entry = _signers.get(id(conn))
    if entry is not None and entry[0] is conn:
        del _signers[id(conn)]


def _bound(conn: Connection) -> tuple[str, Callable[[bytes], bytes]] | None:
    entry = _signers.get(id(conn))
    return (entry[1], entry[2]) if entry is not None and entry[0] is conn else None


def signed_message(digest: str, signer: str, signer_prev: str) -> bytes:
    """What a signer signs: the event's hash (which covers the global link, time, user, action and
    entity), the signer's slot id and the hash of their previous event."""
    return SIGNED_PREFIX + "|".join([digest, signer, signer_prev]).encode("utf-8")


def event_digest(event: AuditEvent) -> str:
    """The hash an event's stored fields give (compare with ``event.hash``)."""
    return _digest(event.prev_hash, event.at, event.user_id, event.action, event.entity, event.entity_id)


def _digest(prev_hash: str, at: str, user_id, action: str, entity: str, entity_id) -> str:
    text = "\x1f".join([prev_hash, at, str(user_id), action, entity, str(entity_id)])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def append(conn: Connection, user_id: int | None, action: str, entity: str = "",
           entity_id: int | str | None = None, at: float | None = None) -> None:
    """Add one event; call inside the transaction that made the change it records.

    ``at`` (a POSIX time) is for events that happened before they could be written (failed unlocks).
    """
    row = conn.execute("SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1").fetchone()
    prev = row[0] if row else GENESIS
    moment = datetime.fromtimestamp(at, UTC) if at is not None else datetime.now(UTC)
    stamp = moment.isoformat(timespec="microseconds")
    digest = _digest(prev, stamp, user_id, action, entity, entity_id)
    signer = signer_prev = signature = None
    bound = _bound(conn)
    if bound is not None:
        signer, sign = bound
        signer_prev = last_of_signer(conn, signer)
        signature = sign(signed_message(digest, signer, signer_prev))
    conn.execute(
        "INSERT INTO audit_events (at, user_id, action, entity, entity_id, prev_hash, hash,"
        " signer, signer_prev, signature) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (stamp, user_id, action, entity, entity_id, prev, digest, signer, signer_prev, signature),
    )


def last_of_signer(conn: Connection, signer: str) -> str:
    """The hash of the signer's newest event, or GENESIS before their first."""
    row = conn.execute("SELECT hash FROM audit_events WHERE signer = ? ORDER BY id DESC LIMIT 1",
                       (signer,)).fetchone()
    return row[0] if row else GENESIS


def signed_with(conn: Connection, signer: str, action: str, entity: str) -> bool:
    """Whether ``signer`` signed an event with this action and entity."""
    return conn.execute("SELECT 1 FROM audit_events WHERE signer = ? AND action = ? AND entity = ? LIMIT 1",
                        (signer, action, entity)).fetchone() is not None


def signed_by_others(conn: Connection, slot_id: str) -> bool:
    """Whether any event is signed by a member other than ``slot_id``."""
    return conn.execute("SELECT 1 FROM audit_events WHERE signer IS NOT NULL AND signer != ? LIMIT 1",
                        (slot_id,)).fetchone() is not None


def signer_heads(conn: Connection) -> dict[str, str]:
    """Each signer's newest event hash."""
    rows = conn.execute("SELECT signer, hash FROM audit_events WHERE id IN"
                        " (SELECT max(id) FROM audit_events WHERE signer IS NOT NULL GROUP BY signer)")
    return {signer: digest for signer, digest in rows}


def signed_rows(conn: Connection) -> Iterator[SignedRow]:
    """Every event, oldest first, with its signature fields."""
    for row in conn.execute(
            "SELECT id, at, user_id, action, entity, entity_id, prev_hash, hash, signer, signer_prev, signature"
            " FROM audit_events ORDER BY id"):
        signature = bytes(row[10]) if row[10] is not None else None
        yield SignedRow(AuditEvent(*row[:8]), row[8], row[9], signature)


def events(conn: Connection, limit: int = 1000, offset: int = 0, action: str = "") -> list[AuditEvent]:
    """Newest first; ``action`` keeps events whose action starts with it (e.g. "user." or "unlock")."""
    rows = conn.execute(
        "SELECT id, at, user_id, action, entity, entity_id, prev_hash, hash FROM audit_events"
        " WHERE action LIKE ? ESCAPE '\\' ORDER BY id DESC LIMIT ? OFFSET ?",
        (_like_prefix(action), limit, offset))
    return [AuditEvent(*r) for r in rows]


def _like_prefix(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def head(conn: Connection) -> dict:
    """The chain's length and last hash, to anchor outside the table (a removed tail shows)."""
    count, = conn.execute("SELECT count(*) FROM audit_events").fetchone()
    row = conn.execute("SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1").fetchone()
    return {"count": int(count), "hash": row[0] if row else GENESIS}


def contains_hash(conn: Connection, digest: str) -> bool:
    return digest == GENESIS or conn.execute(
        "SELECT 1 FROM audit_events WHERE hash = ?", (digest,)).fetchone() is not None


def verify(conn: Connection) -> list[int]:
    """Ids of events whose hash or link does not match; empty when the chain is whole."""
    bad: list[int] = []
    prev = GENESIS
    for row in conn.execute(
            "SELECT id, at, user_id, action, entity, entity_id, prev_hash, hash FROM audit_events ORDER BY id"):
        event = AuditEvent(*row)
        expected = _digest(event.prev_hash, event.at, event.user_id, event.action, event.entity, event.entity_id)
        if event.prev_hash != prev or event.hash != expected:
            bad.append(event.id)
        prev = event.hash
    return bad
