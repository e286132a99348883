"""User administration: add, list, deactivate and re-role users (admin only)."""

from __future__ import annotations

from fieldapp.domain.codes import ROLES
from fieldapp.domain.records import User
from fieldapp.errors import InvalidInput
from fieldapp.i18n import _
from fieldapp.security import vault
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
    """The user can no longer unlock: their key slot is removed and they are marked inactive."""
    session.require("users")
    if user_id == session.user.id:
        raise InvalidInput(_("You cannot deactivate yourself."))
    lookup = users_repo.lookup_of(session.conn, user_id)
    if lookup is None:
        raise InvalidInput(_("There is no such user."))
    side = sidecar.read(session.path)
    side.slots.pop(lookup, None)
    with session.write() as conn:
        users_repo.set_active(conn, user_id, False)
        audit_repo.append(conn, session.user.id, "user.deactivate", "user", user_id)
        sidecar.write(session.path, side)


def set_role(session: Session, user_id: int, role: str) -> None:
    session.require("users")
    _check_role(role)
    with session.write() as conn:
        users_repo.set_role(conn, user_id, role)
        audit_repo.append(conn, session.user.id, "user.role", "user", user_id)
