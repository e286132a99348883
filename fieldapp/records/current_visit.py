"""The visit a worker is on now: their latest visit that started within the last 12 hours.

Leaflets and cards printed in the field are added to its materials.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from fieldapp.domain.queries import VisitFilter
from fieldapp.domain.records import Material, Visit
from fieldapp.records import visits
from fieldapp.security.session import Session

CURRENT_WITHIN = timedelta(hours=12)


def current_visit(session: Session, now: datetime | None = None) -> Visit | None:
    session.require("records")
    now = now or datetime.now(UTC)
    since = (now - CURRENT_WITHIN).date()
    rows = visits.list_visits(session, VisitFilter(since=since, worker_id=session.user.id), 0, 20)
    recent = [r.visit for r in rows if now - CURRENT_WITHIN <= r.visit.started_at <= now + timedelta(minutes=5)]
    return max(recent, key=lambda v: v.started_at, default=None)


def add_materials(session: Session, handed_out: list[tuple[str, str, int]],
                  now: datetime | None = None) -> Visit | None:
    """Add (kind, language, quantity) to the current visit; None when there is no current visit."""
    session.require("records")
    visit = current_visit(session, now)
    if visit is None:
        return None
    totals = {(m.kind, m.language): m.quantity for m in visit.materials}
    for kind, language, quantity in handed_out:
        totals[(kind, language)] = totals.get((kind, language), 0) + int(quantity)
    materials = tuple(Material(kind, language, qty) for (kind, language), qty in sorted(totals.items()))
    return visits.update_visit(session, replace(visit, materials=materials))
