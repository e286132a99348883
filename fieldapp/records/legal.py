"""Legal-advice sessions (the Reden pilot): only legal advisers may write or read them; every
reading is audited."""

from __future__ import annotations

from dataclasses import replace

from fieldapp.domain.records import Contact, LegalSession
from fieldapp.domain.validation import problems
from fieldapp.domain.values import as_utc
from fieldapp.i18n import _
from fieldapp.records import contacts
from fieldapp.records.common import audit, missing
from fieldapp.security.session import Session
from fieldapp.storage import contacts_repo, legal_repo, users_repo


def _prepared(session: Session, contact: Contact, legal: LegalSession) -> tuple[Contact, LegalSession]:
    """The adviser defaults to the signed-in user; the session's follow-up becomes the contact's
    follow-up when the contact has none, so it shows in the follow-ups due list."""
    if not legal.adviser_id:
        legal = replace(legal, adviser_id=session.user.id)
    contact = replace(contact, kind="legal")
    if legal.follow_up is not None and contact.follow_up is None:
        contact = replace(contact, follow_up=legal.follow_up)
    return contact, legal


def _problems(session: Session, contact: Contact, legal: LegalSession) -> dict[str, str]:
    found = {f"legal.{field}": message for field, message in problems(legal).items()}
    known = {user.id for user in users_repo.list_users(session.conn)}
    if isinstance(legal.adviser_id, int) and legal.adviser_id not in known:
        found.setdefault("legal.adviser_id", _("Choose the adviser."))
    day = as_utc(contact.occurred_at).astimezone().date() if contact.occurred_at else None
    if legal.follow_up is not None and day is not None and legal.follow_up < day:
        found.setdefault("legal.follow_up", _("The follow-up date is before the contact."))
    return found


def save_legal_session(session: Session, contact: Contact, legal: LegalSession) -> tuple[Contact, LegalSession]:
    """Create (``contact.id`` None) or update a legal-advice contact and its session in one transaction.

    The contact's kind is set to "legal"; ``legal.contact_id`` is ignored. Problems of the session
    are reported under "legal.<field>" with the contact's own.
    """
    session.require("legal")
    contact, legal = _prepared(session, contact, legal)
    extra = _problems(session, contact, legal)
    with session.write() as conn:
        stored = contacts.save_in(session, conn, contact, extra)
        part = replace(legal, contact_id=stored.id, id=None)
        saved = legal_repo.update_legal_session(conn, part) or legal_repo.insert_legal_session(conn, part)
        audit(session, conn, "legal.save", "contact", stored.id)
    return stored, saved


def get_legal_session(session: Session, contact_id: str) -> LegalSession | None:
    """The legal part of a contact (audited as "legal.view"); PermissionDenied for other roles."""
    session.require("legal")
    legal = legal_repo.get_legal_session(session.conn, contact_id)
    if legal is not None:
        session.audit("legal.view", "contact", contact_id)
    return legal


def delete_legal_session(session: Session, contact_id: str) -> None:
    """Delete a legal-advice contact together with its session."""
    session.require("legal")
    contact = contacts_repo.get_contact(session.conn, contact_id)
    if contact is None or contact.kind != "legal":
        raise missing()
    contacts.delete_contact(session, contact_id)
