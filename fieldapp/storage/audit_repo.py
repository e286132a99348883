"""The audit trail: append-only events, each chained by hash to the one before.

Events name who, what and which record, never personal data.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from fieldapp.storage.connection import Connection

GENESIS = "0" * 64


@dataclass(frozen=True)
class AuditEvent:
    id: int
    at: str
    user_id: int | None
    action: str
    entity: str
    entity_id: int | None
    prev_hash: str
    hash: str


def _digest(prev_hash: str, at: str, user_id, action: str, entity: str, entity_id) -> str:
    text = "\x1f".join([prev_hash, at, str(user_id), action, entity, str(entity_id)])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def append(conn: Connection, user_id: int | None, action: str, entity: str = "",
           entity_id: int | None = None, at: float | None = None) -> None:
    """Add one event; call inside the transaction that made the change it records.

    ``at`` (a POSIX time) is for events that happened before they could be written (failed unlocks).
    """
    row = conn.execute("SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1").fetchone()
    prev = row[0] if row else GENESIS
    moment = datetime.fromtimestamp(at, UTC) if at is not None else datetime.now(UTC)
    stamp = moment.isoformat(timespec="microseconds")
    conn.execute(
        "INSERT INTO audit_events (at, user_id, action, entity, entity_id, prev_hash, hash)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (stamp, user_id, action, entity, entity_id, prev, _digest(prev, stamp, user_id, action, entity, entity_id)),
    )


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
