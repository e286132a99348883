"""Notices of consent withdrawn after a referral was sent: sealed to CMM, delivered like packets, and
acknowledged by CMM's receipt once the referral is erased there."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from fieldapp.storage.connection import Connection


@dataclass(frozen=True)
class Notice:
    notice_id: str
    referral_id: str | None      # None once the person's records were erased here
    packet_id: str
    reference: str
    digest: str
    status: str                  # queued | sent | acknowledged
    created_at: str
    sent_at: str | None = None
    acknowledged_at: str | None = None


_COLUMNS = "notice_id, referral_id, packet_id, reference, digest, status, created_at, sent_at, acknowledged_at"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def insert(conn: Connection, notice: dict, referral_id: str, sealed: bytes, digest: str) -> None:
    """Keep a notice (its signed document ``notice``, sealed) to be sent."""
    conn.execute("INSERT INTO withdrawal_notices (notice_id, referral_id, packet_id, reference, sealed, digest,"
                 " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)", (notice["notice_id"], referral_id, notice["packet_id"],
                                                              notice["reference"], sealed, digest, _now()))


def replace_sealed(conn: Connection, notice_id: str, sealed: bytes, digest: str) -> None:
    """The notice signed again (after the organisation's key was replaced)."""
    conn.execute("UPDATE withdrawal_notices SET sealed = ?, digest = ? WHERE notice_id = ?",
                 (sealed, digest, notice_id))


def get(conn: Connection, notice_id: str) -> Notice | None:
    row = conn.execute(f"SELECT {_COLUMNS} FROM withdrawal_notices WHERE notice_id = ?", (notice_id,)).fetchone()
    return Notice(*row) if row else None


def for_referral(conn: Connection, referral_id: str) -> Notice | None:
    row = conn.execute(f"SELECT {_COLUMNS} FROM withdrawal_notices WHERE referral_id = ?",
                       (referral_id,)).fetchone()
    return Notice(*row) if row else None


def by_referral(conn: Connection) -> dict[str, Notice]:
    """Every notice whose referral is still there, by referral id."""
    return {row[1]: Notice(*row) for row in conn.execute(
        f"SELECT {_COLUMNS} FROM withdrawal_notices WHERE referral_id IS NOT NULL")}


def to_send(conn: Connection) -> list[Notice]:
    """Notices CMM has not confirmed: queued, or sent and waiting for the receipt (sent again; CMM answers a
    notice it has as a duplicate)."""
    rows = conn.execute(f"SELECT {_COLUMNS} FROM withdrawal_notices WHERE status != 'acknowledged'"
                        " ORDER BY created_at, notice_id")
    return [Notice(*row) for row in rows]


def sealed_bytes(conn: Connection, notice_id: str) -> bytes | None:
    row = conn.execute("SELECT sealed FROM withdrawal_notices WHERE notice_id = ?", (notice_id,)).fetchone()
    return bytes(row[0]) if row else None


def mark_sent(conn: Connection, notice_id: str) -> None:
    conn.execute("UPDATE withdrawal_notices SET status = 'sent', sent_at = ? WHERE notice_id = ?"
                 " AND status = 'queued'", (_now(), notice_id))


def mark_acknowledged(conn: Connection, notice_id: str) -> None:
    conn.execute("UPDATE withdrawal_notices SET status = 'acknowledged', acknowledged_at = ? WHERE notice_id = ?",
                 (_now(), notice_id))
