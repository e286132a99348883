"""User administration: add, list, deactivate and re-role users (admin only)."""

from __future__ import annotations

from fieldapp.domain.codes import ROLES
from fieldapp.domain.records import User
from fieldapp.errors import InvalidInput
from fieldapp.i18n import _
from fieldapp.security import rotation, vault
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


def deactivate(session: Session, user_id: int) -> None:
    """The user can no longer unlock, and nothing they may have kept opens the live vault: their slot
    is removed and every key they held is rotated (the files re-encrypted with new keys).

    Backups made before stay readable with their old passphrase: the Users tab says so."""
    session.require("users")
    if user_id == session.user.id:
        raise InvalidInput(_("You cannot deactivate yourself."))
    lookup = users_repo.lookup_of(session.conn, user_id)
    if lookup is None:
        raise InvalidInput(_("There is no such user."))
    side = sidecar.read(session.path)
    held = rotation.remove_member(side, lookup)
    with session.write() as conn:
        users_repo.set_active(conn, user_id, False)
        audit_repo.append(conn, session.user.id, "user.deactivate", "user", user_id)
    rotation.rotate(session, side, held)
    session.audit("keys.rotate", "user", user_id)


def set_role(session: Session, user_id: int, role: str) -> None:
    """A new role is a new set of keys: the missing ones are sealed to the member, and the ones the
    new role does not hold are taken back and rotated."""
    session.require("users")
    _check_role(role)
    lookup = users_repo.lookup_of(session.conn, user_id)
    if lookup is None:
        raise InvalidInput(_("There is no such user."))
    side = sidecar.read(session.path)
    rotation.grant_role(session, side, lookup, role)
    surplus = rotation.take_back(side, lookup, role)
    with session.write() as conn:
        users_repo.set_role(conn, user_id, role)
        audit_repo.append(conn, session.user.id, "user.role", "user", user_id)
    rotation.rotate(session, side, surplus)
