"""Contacts with people: log, change, delete; a person's timeline; the follow-ups due.

Health and legal contacts are restricted: only health staff may write or read a health contact's
details, only legal advisers a legal session's. Others see such a contact in a timeline as a bare
entry (kind, time, indicators) marked ``restricted``, with no note, topics, services or parts.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from fieldapp.domain.codes import MUNICIPALITY_STEPS
from fieldapp.domain.ids import is_record_id
from fieldapp.domain.queries import FollowUp, TimelineEntry
from fieldapp.domain.records import Contact, Person, age_class
from fieldapp.errors import ValidationError
from fieldapp.i18n import _
from fieldapp.records.common import DEFAULT_PAGE, Pager, audit, missing, validate
from fieldapp.security.session import Session
from fieldapp.storage import contacts_repo, people_repo, visits_repo
from fieldapp.storage.connection import Connection

# Contact kinds whose details need a capability beyond "records".
RESTRICTED_KINDS = {"health": "health", "legal": "legal"}


def may_see(session: Session, kind: str) -> bool:
    """Whether the signed-in user may see the details of a contact of this kind."""
    session.require("records")
    capability = RESTRICTED_KINDS.get(kind)
    return capability is None or session.can(capability)


def _require_kind(session: Session, kind: str) -> None:
    session.require(RESTRICTED_KINDS.get(kind, "records"))


def _redacted(contact: Contact) -> Contact:
    return replace(contact, note="", topics=(), services=())


def _checked(session: Session, conn: Connection, contact: Contact, before: Contact | None,
             extra: dict[str, str] | None) -> Contact:
    """``before``: the contact as stored, for a change (read once by ``save_in``)."""
    if contact.created_by is None:
        contact = replace(contact, created_by=session.user.id)
    extra = dict(extra or {})
    person = people_repo.get_person(conn, contact.person_id) if is_record_id(contact.person_id) else None
    if is_record_id(contact.person_id) and person is None:
        extra["person_id"] = _("Choose the person.")
    if person is not None and (before is None or before.child_steps != contact.child_steps):
        # A new contact, or its steps changed: an older contact stays editable after a merge or a corrected age.
        extra.update(child_step_problems(person, contact))
    if is_record_id(contact.visit_id) and visits_repo.get_visit(conn, contact.visit_id) is None:
        extra["visit_id"] = _("Choose the visit.")
    validate(contact, extra)
    return contact


def child_step_problems(person: Person, contact: Contact) -> dict[str, str]:
    """A contact with a child says what was done under the duty to protect children: the municipality told, or to be
    told by a follow-up day; the steps are for children only."""
    if age_class(person) != "child":
        return {"child_steps": _("The child-protection steps are for children only.")} if contact.child_steps else {}
    if not set(MUNICIPALITY_STEPS) & set(contact.child_steps):
        return {"child_steps": _("This is a child: say whether the municipality was told (the duty to protect "
                                 "children), and what else was done.")}
    if "municipality_to_tell" in contact.child_steps and contact.follow_up is None:
        return {"follow_up": _("Set the day by which the municipality will be told.")}
    return {}


def save_in(session: Session, conn: Connection, contact: Contact,
            extra: dict[str, str] | None = None) -> Contact:
    """Insert (no id) or update a contact inside an open transaction, with checks and audit.
    For the health and legal services, which save a contact together with its part and pass the
    part's problems as ``extra`` so that every problem is reported at once."""
    session.require("records")
    _require_kind(session, contact.kind)
    before = contacts_repo.get_contact(conn, contact.id) if contact.id is not None else None
    if contact.id is not None and before is None:
        raise missing()
    contact = _checked(session, conn, contact, before, extra)
    if before is None:
        stored = contacts_repo.insert_contact(conn, contact)
        audit(session, conn, "contact.create", "contact", stored.id)
        return stored
    _require_kind(session, before.kind)
    if before.kind in RESTRICTED_KINDS and contact.kind != before.kind:
        raise ValidationError({"kind": _("A health or legal contact keeps its kind; delete it and log a new one.")})
    stored = contacts_repo.update_contact(conn, contact)
    audit(session, conn, "contact.update", "contact", contact.id)
    return stored


def create_contact(session: Session, contact: Contact) -> Contact:
    """Log a contact (without an id). Health and legal contacts with their details go through
    ``health.save_health_contact`` and ``legal.save_legal_session``."""
    session.require("records")
    with session.write() as conn:
        return save_in(session, conn, replace(contact, id=None))


def update_contact(session: Session, contact: Contact) -> Contact:
    session.require("records")
    if contact.id is None:
        raise missing()
    with session.write() as conn:
        return save_in(session, conn, contact)


def delete_contact(session: Session, contact_id: str) -> None:
    """Delete a contact (and its health or legal part); only who may see its kind may delete it."""
    session.require("records")
    with session.write() as conn:
        contact = contacts_repo.get_contact(conn, contact_id)
        if contact is None:
            raise missing()
        _require_kind(session, contact.kind)
        contacts_repo.delete_contact(conn, contact_id)
        audit(session, conn, "contact.delete", "contact", contact_id)


def get_contact(session: Session, contact_id: str) -> Contact | None:
    """A contact; a restricted one comes back without note, topics and services."""
    session.require("records")
    contact = contacts_repo.get_contact(session.conn, contact_id)
    if contact is None or may_see(session, contact.kind):
        return contact
    return _redacted(contact)


def timeline(session: Session, person_id: str) -> list[TimelineEntry]:
    """A person's contacts, newest first, with health and legal parts only for those allowed to
    see them (their reading is audited as "health.view" / "legal.view")."""
    session.require("records")
    with_health, with_legal = session.can("health"), session.can("legal")
    entries = contacts_repo.timeline(session.conn, person_id, with_health=with_health, with_legal=with_legal)
    entries = [entry if may_see(session, entry.contact.kind)
               else TimelineEntry(_redacted(entry.contact), restricted=True) for entry in entries]
    if any(entry.health for entry in entries):
        session.audit("health.view", "person", person_id)
    if any(entry.legal for entry in entries):
        session.audit("legal.view", "person", person_id)
    return entries


# -- follow-ups -----------------------------------------------------------------------------

def _hidden_kinds(session: Session) -> tuple[str, ...]:
    return tuple(kind for kind in RESTRICTED_KINDS if not may_see(session, kind))


def count_follow_ups(session: Session, until: date, overdue_until: date, *, mine: bool = False) -> tuple[int, int]:
    """Open follow-ups due up to ``until``, and how many of them are due up to ``overdue_until`` (one query)."""
    session.require("records")
    return contacts_repo.count_follow_ups_split(session.conn, until, overdue_until, _hidden_kinds(session),
                                                session.user.id if mine else None)


def follow_ups_due(session: Session, until: date | None = None, offset: int = 0,
                   limit: int = DEFAULT_PAGE) -> list[FollowUp]:
    """Open follow-ups due on or before ``until`` (default today), most overdue first; health and
    legal follow-ups only for those who may see them."""
    session.require("records")
    return contacts_repo.follow_ups_due(session.conn, until or date.today(), _hidden_kinds(session), offset, limit)


def follow_ups_pager(session: Session, until: date | None = None, *, mine: bool = False) -> Pager[FollowUp]:
    """Open follow-ups due up to ``until``; ``mine``: only the signed-in user's (their own, or for people whose key
    worker they are, or on contacts they wrote that name nobody)."""
    session.require("records")
    day, hidden, owner = until or date.today(), _hidden_kinds(session), session.user.id if mine else None
    return Pager(lambda: contacts_repo.count_follow_ups_due(session.conn, day, hidden, owner),
                 lambda offset, limit: contacts_repo.follow_ups_due(session.conn, day, hidden, offset, limit, owner))


def complete_follow_up(session: Session, contact_id: str, done: bool = True) -> None:
    """Mark a contact's follow-up as done (or open again); it leaves the due list."""
    session.require("records")
    with session.write() as conn:
        contact = contacts_repo.get_contact(conn, contact_id)
        if contact is None:
            raise missing()
        _require_kind(session, contact.kind)
        contacts_repo.set_follow_up_done(conn, contact_id, done)
        audit(session, conn, "contact.follow_up_done" if done else "contact.follow_up_reopened",
              "contact", contact_id)
