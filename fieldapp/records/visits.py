"""Outreach visits: log, change, list (by date range, venue, worker) and delete."""

from __future__ import annotations

from dataclasses import replace

from fieldapp.domain.ids import is_record_id
from fieldapp.domain.queries import VisitFilter, VisitRow
from fieldapp.domain.records import Visit
from fieldapp.i18n import _
from fieldapp.records.common import DEFAULT_PAGE, Pager, audit, missing, validate
from fieldapp.security.session import Session
from fieldapp.storage import users_repo, venues_repo, visits_repo
from fieldapp.storage.connection import Connection

_ALL = VisitFilter()


def _checked(session: Session, conn: Connection, visit: Visit) -> Visit:
    """The visit with defaults filled in (team: the signed-in user), validated against the vault."""
    if visit.created_by is None:
        visit = replace(visit, created_by=session.user.id)
    if not visit.team:
        visit = replace(visit, team=(session.user.id,))
    extra = {}
    if is_record_id(visit.venue_id) and venues_repo.get_venue(conn, visit.venue_id) is None:
        extra["venue_id"] = _("Choose a venue.")
    known = {user.id for user in users_repo.list_users(conn)}
    if any(user_id not in known for user_id in visit.team):
        extra["team"] = _("Choose the team from the app's users.")
    validate(visit, extra)
    return visit


def create_visit(session: Session, visit: Visit) -> Visit:
    session.require("records")
    with session.write() as conn:
        stored = visits_repo.insert_visit(conn, _checked(session, conn, visit))
        audit(session, conn, "visit.create", "visit", stored.id)
    return stored


def update_visit(session: Session, visit: Visit) -> Visit:
    session.require("records")
    with session.write() as conn:
        stored = visits_repo.update_visit(conn, _checked(session, conn, visit))
        if stored is None:
            raise missing()
        audit(session, conn, "visit.update", "visit", visit.id)
    return stored


def delete_visit(session: Session, visit_id: str) -> None:
    """Delete a visit; contacts logged on it stay, no longer linked to it."""
    session.require("records")
    with session.write() as conn:
        if not visits_repo.delete_visit(conn, visit_id):
            raise missing()
        audit(session, conn, "visit.delete", "visit", visit_id)


def get_visit(session: Session, visit_id: str) -> Visit | None:
    session.require("records")
    return visits_repo.get_visit(session.conn, visit_id)


def count_visits(session: Session, filt: VisitFilter | None = None) -> int:
    session.require("records")
    return visits_repo.count_visits(session.conn, filt or _ALL)


def list_visits(session: Session, filt: VisitFilter | None = None, offset: int = 0,
                limit: int = DEFAULT_PAGE) -> list[VisitRow]:
    """Visits newest first; a venue's history is ``list_visits(session, VisitFilter(venue_id=...))``."""
    session.require("records")
    return visits_repo.list_visits(session.conn, filt or _ALL, offset, limit)


def visits_pager(session: Session, filt: VisitFilter | None = None) -> Pager[VisitRow]:
    session.require("records")
    return Pager(lambda: visits_repo.count_visits(session.conn, filt or _ALL),
                 lambda offset, limit: visits_repo.list_visits(session.conn, filt or _ALL, offset, limit))
