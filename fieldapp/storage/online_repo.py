"""Online outreach sessions: counts per session, newest first."""

from __future__ import annotations

from collections.abc import Iterable

from fieldapp.domain.ids import new_id
from fieldapp.domain.records import OnlineSession
from fieldapp.domain.values import moment_from_text, moment_text
from fieldapp.storage.connection import Connection

_FIELDS = "started_at, platform, ads_screened, ads_flagged, messages_sent, replies, people_reached, note, created_by"
_COLUMNS = "id, " + _FIELDS
_INSERT = f"INSERT INTO online_sessions ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"


def _row(row) -> OnlineSession:
    return OnlineSession(id=row[0], started_at=moment_from_text(row[1]), platform=row[2], ads_screened=row[3],
                         ads_flagged=row[4], messages_sent=row[5], replies=row[6], people_reached=row[7],
                         note=row[8], created_by=row[9])


def _values(online: OnlineSession) -> tuple:
    return (moment_text(online.started_at), online.platform, online.ads_screened, online.ads_flagged,
            online.messages_sent, online.replies, online.people_reached, online.note.strip(), online.created_by)


def insert(conn: Connection, online: OnlineSession) -> OnlineSession:
    online_id = online.id or new_id()
    conn.execute(_INSERT, (online_id, *_values(online)))
    return get(conn, online_id)


def bulk_insert(conn: Connection, sessions: Iterable[OnlineSession]) -> None:
    conn.executemany(_INSERT, ((s.id or new_id(), *_values(s)) for s in sessions))


def update(conn: Connection, online: OnlineSession) -> OnlineSession | None:
    cur = conn.execute("UPDATE online_sessions SET started_at = ?, platform = ?, ads_screened = ?, ads_flagged = ?,"
                       " messages_sent = ?, replies = ?, people_reached = ?, note = ?, created_by = ? WHERE id = ?",
                       (*_values(online), online.id))
    return get(conn, online.id) if cur.rowcount else None


def get(conn: Connection, online_id: str) -> OnlineSession | None:
    row = conn.execute(f"SELECT {_COLUMNS} FROM online_sessions WHERE id = ?", (online_id,)).fetchone()
    return _row(row) if row else None


def delete(conn: Connection, online_id: str) -> bool:
    return conn.execute("DELETE FROM online_sessions WHERE id = ?", (online_id,)).rowcount > 0


def count(conn: Connection) -> int:
    return conn.execute("SELECT count(*) FROM online_sessions").fetchone()[0]


def page(conn: Connection, offset: int, limit: int) -> list[OnlineSession]:
    rows = conn.execute(f"SELECT {_COLUMNS} FROM online_sessions ORDER BY started_at DESC, id LIMIT ? OFFSET ?",
                        (limit, offset))
    return [_row(row) for row in rows]
