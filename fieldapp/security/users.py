"""User administration: add, list, deactivate and re-role users (admin only)."""

from __future__ import annotations

from pathlib import Path

from fieldapp.domain.codes import ROLES
from fieldapp.domain.records import User
from fieldapp.errors import InvalidInput
from fieldapp.i18n import _
from fieldapp.security import leaving, membership, rotation, vault
from fieldapp.security.hierarchy import ADMIN
from fieldapp.security.passphrase import strength
from fieldapp.security.session import Session
from fieldapp.storage import audit_repo, sidecar, users_repo


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise InvalidInput(_("Unknown role: {role}").format(role=role))


def add(session: Session, name: str, role: str, passphrase: str, admin_passphrase: str) -> User:
    session.require("users")
    _check_role(role)
    if not name.strip():
        raise InvalidInput(_("Type a user name."))
    verdict = strength(passphrase, (name,))
    if not verdict.acceptable:
        raise InvalidInput(_("The passphrase is too weak ({label}). {advice}").format(
            label=verdict.label, advice=verdict.advice))
    return vault.add_user(session, name, role, passphrase, admin_passphrase)


def list_all(session: Session) -> list[User]:
    session.require("users")
    return users_repo.list_users(session.conn)


def _slot_of(session: Session, side, user_id: int) -> str:
    """The member's slot as the admin-vouched list of members has it (never the users table's say)."""
    membership.verify(side, session.keys[ADMIN])
    slot = membership.slot_of(side, user_id)
    if slot is None:
        raise InvalidInput(_("There is no such user."))
    return slot


def deactivate(session: Session, user_id: int, on_leaving: leaving.OnLeaving) -> Path | None:
    """The user can no longer unlock, and nothing they may have kept opens the live vault: their slot
    is removed and every key they held is rotated (the files re-encrypted with new keys), and then
    ``on_leaving`` replaces what the layers above hold (the organisation's referral signing key: the
    front ends deactivate through ``fieldapp.lifecycle.members``). Returns what ``on_leaving`` wrote.

    Backups made before stay readable with their old passphrase: the Users tab says so."""
    session.require("users")
    if user_id == session.user.id:
        raise InvalidInput(_("You cannot deactivate yourself."))
    side = sidecar.read(session.path)
    lookup = _slot_of(session, side, user_id)
    held = rotation.remove_member(session, side, lookup)
    rotation.rotate(session, side, held)      # the slot goes and the keys turn before the list says so
    with session.write() as conn:
        audit_repo.append(conn, session.user.id, "keys.rotate", "user", user_id)
    return leaving.finish(session, lookup, user_id, on_leaving)


def set_role(session: Session, user_id: int, role: str) -> None:
    """A new role is a new set of keys: the missing ones are sealed to the member, and the ones the
    new role does not hold are taken back and rotated."""
    session.require("users")
    _check_role(role)
    side = sidecar.read(session.path)
    lookup = _slot_of(session, side, user_id)
    rotation.grant_role(session, side, lookup, role)
    surplus = rotation.take_back(side, lookup, role)
    with session.write() as conn:
        users_repo.set_role(conn, user_id, role)
        audit_repo.append(conn, session.user.id, "user.role", "user", user_id)
    rotation.rotate(session, side, surplus)
