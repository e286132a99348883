"""Checking the audit trail: every event's hash, its link to the one before, and the head kept in the
sidecar at the last lock (so removing the newest events shows too)."""

from __future__ import annotations

from dataclasses import dataclass

from fieldapp.i18n import _
from fieldapp.security.session import Session
from fieldapp.storage import audit_repo, sidecar


@dataclass(frozen=True)
class AuditReport:
    events: int
    broken: list[int]
    tail_missing: bool

    @property
    def ok(self) -> bool:
        return not self.broken and not self.tail_missing

    def describe(self) -> str:
        if self.ok:
            return _("The audit trail is complete: {count} events, none changed.").format(count=self.events)
        if self.broken:
            return _("The audit trail was changed: {count} events do not match their chain.").format(
                count=len(self.broken))
        return _("The audit trail was changed: its newest events were removed.")


def verify(session: Session) -> AuditReport:
    session.require("audit")
    broken = audit_repo.verify(session.conn)
    head = audit_repo.head(session.conn)
    anchor = sidecar.read(session.path).audit_head
    tail_missing = bool(anchor) and (head["count"] < int(anchor.get("count", 0))
                                     or not audit_repo.contains_hash(session.conn, str(anchor.get("hash", ""))))
    return AuditReport(head["count"], broken, tail_missing)


def events(session: Session, offset: int, limit: int, action: str = "") -> list[audit_repo.AuditEvent]:
    """A page of events for the admin view, newest first."""
    session.require("audit")
    return audit_repo.events(session.conn, limit=limit, offset=offset, action=action)
