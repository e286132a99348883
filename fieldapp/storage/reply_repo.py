"""CMM's replies about a referral (and outcomes the organisation learned by phone), newest last."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from fieldapp.storage.connection import Connection


@dataclass(frozen=True)
class StoredReply:
    reply_id: str
    referral_id: str
    source: str              # cmm | phone
    status: str              # a REPLY_STATUSES code
    window_from: str | None
    window_to: str | None
    assessment: str
    contact_role: str
    dated: str               # the day CMM wrote it (or the call)
    received_at: str
    sequence: int = 0        # CMM's number for it among its replies about the referral (0: by phone)


_COLUMNS = ("reply_id, referral_id, source, status, window_from, window_to, assessment, contact_role, dated,"
            " received_at, sequence")


def insert(conn: Connection, reply: StoredReply, recorded_by: int | None = None) -> bool:
    """Keep a reply once; False when one with this id is there already."""
    cur = conn.execute(
        f"INSERT INTO referral_replies ({_COLUMNS}, recorded_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT(reply_id) DO NOTHING",
        (reply.reply_id, reply.referral_id, reply.source, reply.status, reply.window_from, reply.window_to,
         reply.assessment, reply.contact_role, reply.dated, reply.received_at or _now(), reply.sequence, recorded_by))
    return cur.rowcount == 1


def for_referral(conn: Connection, referral_id: str) -> list[StoredReply]:
    rows = conn.execute(f"SELECT {_COLUMNS} FROM referral_replies WHERE referral_id = ?"
                        " ORDER BY dated, sequence, rowid", (referral_id,))
    return [StoredReply(*row) for row in rows.fetchall()]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
