"""Health contacts: only health staff may write or read them; every reading is audited."""

from __future__ import annotations

from dataclasses import replace

from fieldapp.domain.records import Contact, HealthContact
from fieldapp.domain.validation import problems
from fieldapp.records import contacts
from fieldapp.records.common import audit, missing
from fieldapp.security.session import Session
from fieldapp.storage import contacts_repo, health_repo


def save_health_contact(session: Session, contact: Contact, health: HealthContact) -> tuple[Contact, HealthContact]:
    """Create (``contact.id`` None) or update a health contact and its health part in one transaction.

    The contact's kind is set to "health"; ``health.contact_id`` is ignored (taken from the contact).
    Problems of the health part are reported under "health.<field>" with the contact's own.
    """
    session.require("health")
    extra = {f"health.{field}": message for field, message in problems(health).items()}
    with session.write() as conn:
        stored = contacts.save_in(session, conn, replace(contact, kind="health"), extra)
        part = replace(health, contact_id=stored.id, id=None)
        saved = health_repo.update_health_contact(conn, part) or health_repo.insert_health_contact(conn, part)
        audit(session, conn, "health.save", "contact", stored.id)
    return stored, saved


def get_health_contact(session: Session, contact_id: str) -> HealthContact | None:
    """The health part of a contact (audited as "health.view"); PermissionDenied for other roles."""
    session.require("health")
    health = health_repo.get_health_contact(session.conn, contact_id)
    if health is not None:
        session.audit("health.view", "contact", contact_id)
    return health


def delete_health_contact(session: Session, contact_id: str) -> None:
    """Delete a health contact together with its health part."""
    session.require("health")
    contact = contacts_repo.get_contact(session.conn, contact_id)
    if contact is None or contact.kind != "health":
        raise missing()
    contacts.delete_contact(session, contact_id)
