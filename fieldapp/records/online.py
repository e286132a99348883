"""Online outreach sessions: log, change, list and delete them (counts only, reported apart from visits)."""

from __future__ import annotations

from dataclasses import replace

from fieldapp.domain.records import OnlineSession
from fieldapp.records.common import Pager, audit, missing, validate
from fieldapp.security.session import Session
from fieldapp.storage import online_repo


def create_online_session(session: Session, online: OnlineSession) -> OnlineSession:
    session.require("records")
    online = replace(online, id=None, created_by=session.user.id)
    validate(online)
    with session.write() as conn:
        stored = online_repo.insert(conn, online)
        audit(session, conn, "online.create", "online_session", stored.id)
    return stored


def update_online_session(session: Session, online: OnlineSession) -> OnlineSession:
    session.require("records")
    validate(online)
    with session.write() as conn:
        before = online_repo.get(conn, online.id) if online.id else None
        if before is None:
            raise missing()
        stored = online_repo.update(conn, replace(online, created_by=before.created_by))     # the author stays
        audit(session, conn, "online.update", "online_session", online.id)
    return stored


def delete_online_session(session: Session, online_id: str) -> None:
    session.require("records")
    with session.write() as conn:
        if not online_repo.delete(conn, online_id):
            raise missing()
        audit(session, conn, "online.delete", "online_session", online_id)


def get_online_session(session: Session, online_id: str) -> OnlineSession | None:
    session.require("records")
    return online_repo.get(session.conn, online_id)


def online_pager(session: Session) -> Pager[OnlineSession]:
    """The sessions, newest first."""
    session.require("records")
    return Pager(lambda: online_repo.count(session.conn),
                 lambda offset, limit: online_repo.page(session.conn, offset, limit))
