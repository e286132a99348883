"""Data-subject rights: erase one person completely (an audit event without personal data remains)."""

from __future__ import annotations

from fieldapp.security import copies
from fieldapp.security.session import Session
from fieldapp.storage import audit_repo, backup, retention_repo


def erase_person(session: Session, person_id: str) -> None:
    """Delete the person with every contact, health contact and legal session, then rebuild the file
    so the deleted content is in no free page, and destroy the copy kept from before a migration."""
    session.require("records")
    with session.write() as conn:
        retention_repo.delete_people(conn, [person_id])
        audit_repo.append(conn, session.user.id, "person.erase", "person", person_id)
    backup.vacuum(session.conn)
    copies.forget_pre_migration(session.path)
