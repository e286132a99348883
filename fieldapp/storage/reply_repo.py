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
    sequence: int = 0        # CMM's number for it among its replies about the referral; by phone: the latest known


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


def by_referral(conn: Connection) -> dict[str, list[StoredReply]]:
    """Every referral's replies, oldest first (as ``for_referral`` orders them), in one query."""
    found: dict[str, list[StoredReply]] = {}
    for row in conn.execute(f"SELECT {_COLUMNS} FROM referral_replies ORDER BY referral_id, dated, sequence, rowid"):
        found.setdefault(row[1], []).append(StoredReply(*row))
    return found


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class InterviewFollowUp:
    """An interview CMM booked, still to act on for the worker who made the referral."""

    reply_id: str
    person_id: str
    alias: str
    window_from: str
    window_to: str
    received_at: str
    referred_at: str


def interview_follow_ups(conn: Connection, user_id: int) -> list[InterviewFollowUp]:
    """The interviews booked about referrals ``user_id`` made, not marked done, the person's consent not withdrawn,
    and neither replaced by a later booking nor closed by CMM since; the earliest interview first."""
    rows = conn.execute(
        "SELECT r.reply_id, f.person_id, p.alias, r.window_from, r.window_to, r.received_at, f.created_at"
        " FROM referral_replies r JOIN referrals f ON f.id = r.referral_id JOIN people p ON p.id = f.person_id"
        " WHERE r.status = 'interview_booked' AND r.follow_up_done = 0 AND f.created_by = ?"
        " AND f.status <> 'withdrawn' AND r.window_from IS NOT NULL AND r.window_to IS NOT NULL"
        " AND NOT EXISTS (SELECT 1 FROM referral_consents c WHERE c.referral_id = f.id"
        "   AND c.withdrawn_at IS NOT NULL)"
        " AND NOT EXISTS (SELECT 1 FROM referral_replies later WHERE later.referral_id = r.referral_id"
        "   AND later.reply_id <> r.reply_id AND later.status IN ('interview_booked', 'closed')"
        "   AND (later.dated, later.sequence, later.rowid) > (r.dated, r.sequence, r.rowid))"
        " ORDER BY r.window_from, r.reply_id", (user_id,))
    return [InterviewFollowUp(*row) for row in rows.fetchall()]


def set_follow_up_done(conn: Connection, reply_id: str, user_id: int) -> str | None:
    """Mark the follow-up of an interview booked about a referral ``user_id`` made done; the referral's id, or
    None when there is no such follow-up of theirs."""
    row = conn.execute("UPDATE referral_replies SET follow_up_done = 1 WHERE reply_id = ? AND status ="
                       " 'interview_booked' AND referral_id IN (SELECT id FROM referrals WHERE created_by = ?)"
                       " RETURNING referral_id", (reply_id, user_id)).fetchone()
    return row[0] if row else None
