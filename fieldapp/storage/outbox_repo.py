"""The outbox: one sealed packet per referral, with its delivery state.

The referral's ``status`` column is the single source of the outbox status; this table holds the
sealed bytes, the packet id and the delivery bookkeeping.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from fieldapp.storage.connection import Connection


@dataclass(frozen=True)
class OutboxRow:
    packet_id: str
    referral_id: str
    status: str
    reference: str
    attempts: int
    last_error: str
    transport: str
    sealed_at: str
    sent_at: str | None
    acknowledged_at: str | None
    immediate_danger: bool
    digest: str = ""        # SHA-256 of the sealed bytes, which CMM's receipt must name
    earlier_digests: tuple[str, ...] = ()    # of copies sealed before a key rotation, under the same id


_SELECT = ("SELECT o.packet_id, o.referral_id, r.status, r.reference, o.attempts, o.last_error, o.transport,"
           " o.sealed_at, o.sent_at, o.acknowledged_at, r.immediate_danger, o.digest, o.earlier_digests FROM outbox o"
           " JOIN referrals r ON r.id = o.referral_id")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _row(row) -> OutboxRow:
    return OutboxRow(*row[:10], immediate_danger=bool(row[10]), digest=row[11], earlier_digests=tuple(row[12].split()))


def insert(conn: Connection, packet_id: str, referral_id: str, sealed: bytes, digest: str) -> None:
    conn.execute("INSERT INTO outbox (packet_id, referral_id, sealed, digest, sealed_at) VALUES (?, ?, ?, ?, ?)",
                 (packet_id, referral_id, sealed, digest, _now()))


def mark_queued(conn: Connection, referral_id: str) -> None:
    conn.execute("UPDATE outbox SET queued_at = ?, last_error = '' WHERE referral_id = ?", (_now(), referral_id))


def get(conn: Connection, packet_id: str) -> OutboxRow | None:
    row = conn.execute(f"{_SELECT} WHERE o.packet_id = ?", (packet_id,)).fetchone()
    return _row(row) if row else None


def for_referral(conn: Connection, referral_id: str) -> OutboxRow | None:
    row = conn.execute(f"{_SELECT} WHERE o.referral_id = ?", (referral_id,)).fetchone()
    return _row(row) if row else None


def list_rows(conn: Connection, statuses: tuple[str, ...] = ()) -> list[OutboxRow]:
    if not statuses:
        return [_row(r) for r in conn.execute(f"{_SELECT} ORDER BY o.sealed_at, o.packet_id")]
    marks = ", ".join("?" for _ in statuses)
    # Immediate danger first, then oldest first.
    rows = conn.execute(f"{_SELECT} WHERE r.status IN ({marks}) ORDER BY r.immediate_danger DESC, o.sealed_at,"
                        " o.packet_id", statuses)
    return [_row(r) for r in rows]


def sealed_bytes(conn: Connection, packet_id: str) -> bytes | None:
    """The sealed packet, but only while its referral may still be sent (queued, consent not withdrawn)."""
    row = conn.execute(
        "SELECT o.sealed FROM outbox o JOIN referrals r ON r.id = o.referral_id"
        " LEFT JOIN referral_consents c ON c.referral_id = r.id"
        " WHERE o.packet_id = ? AND r.status = 'queued' AND c.withdrawn_at IS NULL", (packet_id,)).fetchone()
    return bytes(row[0]) if row and row[0] is not None else None


def not_acknowledged(conn: Connection, statuses: tuple[str, ...]) -> list[tuple[str, str]]:
    """(packet id, referral id) of every packet with one of ``statuses`` that CMM has not acknowledged
    and whose consent stands, oldest first."""
    marks = ", ".join("?" for _ in statuses)
    rows = conn.execute(
        "SELECT o.packet_id, o.referral_id FROM outbox o JOIN referrals r ON r.id = o.referral_id"
        " LEFT JOIN referral_consents c ON c.referral_id = r.id"
        f" WHERE r.status IN ({marks}) AND o.acknowledged_at IS NULL AND c.withdrawn_at IS NULL"
        " ORDER BY o.sealed_at, o.packet_id", statuses)
    return [(row[0], row[1]) for row in rows]


def replace_sealed(conn: Connection, packet_id: str, sealed: bytes, digest: str) -> None:
    """Put a re-signed packet in place of the old one; its id, status and delivery history stay."""
    conn.execute("UPDATE outbox SET earlier_digests = trim(earlier_digests || ' ' || digest), sealed = ?, digest = ?"
                 " WHERE packet_id = ?", (sealed, digest, packet_id))


def record_attempt(conn: Connection, packet_id: str, transport: str, error: str) -> None:
    conn.execute("UPDATE outbox SET attempts = attempts + 1, transport = ?, last_error = ? WHERE packet_id = ?",
                 (transport, error, packet_id))


def mark_sent(conn: Connection, packet_id: str) -> None:
    conn.execute("UPDATE outbox SET sent_at = ?, last_error = '' WHERE packet_id = ?", (_now(), packet_id))


def mark_acknowledged(conn: Connection, packet_id: str) -> None:
    conn.execute("UPDATE outbox SET acknowledged_at = ? WHERE packet_id = ?", (_now(), packet_id))


def delete_for_referral(conn: Connection, referral_id: str) -> None:
    """Drop the sealed packet (secure_delete overwrites the freed pages)."""
    conn.execute("DELETE FROM outbox WHERE referral_id = ?", (referral_id,))
