"""User administration: add, list, deactivate and re-role users (admin only)."""

from __future__ import annotations

from pathlib import Path

from fieldapp.domain.codes import ROLES
from fieldapp.domain.records import User
from fieldapp.errors import FieldappError, IntegrityError, InvalidInput
from fieldapp.i18n import _
from fieldapp.referral import org_rotation
from fieldapp.security import membership, rotation, vault
from fieldapp.security.hierarchy import ADMIN
from fieldapp.security.passphrase import strength
from fieldapp.security.session import Session
from fieldapp.storage import audit_repo, sidecar, users_repo

STATEMENT_FOLDER = "cmm-key-rotation"


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


def deactivate(session: Session, user_id: int) -> Path | None:
    """The user can no longer unlock, and nothing they may have kept opens the live vault: their slot
    is removed and every key they held is rotated (the files re-encrypted with new keys), and the
    organisation's referral signing key is replaced. Returns the key-rotation statement for CMM
    (beside the vault, in ``cmm-key-rotation/``), or None when the organisation has no signing key.

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
    return _finish_leaving(session, lookup, user_id)


def _finish_leaving(session: Session, slot_id: str, user_id: int) -> Path | None:
    """The steps after the keys turned: the users list, the organisation's signing key, and then the
    admin's list forgets the member. Run again by an admin's unlock if a crash cut them short. The copy
    the app kept from before a migration goes too: the member's old passphrase would open it."""
    from fieldapp.lifecycle.backup import forget_pre_migration  # lifecycle builds on this module

    forget_pre_migration(session.path)
    with session.write() as conn:
        if users_repo.is_active(conn, user_id):
            users_repo.set_active(conn, user_id, False)
            audit_repo.append(conn, session.user.id, "user.deactivate", "user", user_id)
    problem, written = None, None
    try:
        statement = org_rotation.rotate_org_key(session)     # they may have kept the referral signing key
        if statement is not None:
            written = _write_statement(session, statement)
    except (FieldappError, OSError, ValueError) as error:   # a damaged key or folder must not loop
        problem = error.message if isinstance(error, FieldappError) else str(error)
    side = sidecar.read(session.path)
    membership.verify(side, session.keys[ADMIN])
    membership.forget(side, slot_id)
    membership.seal_list(side, session.keys[ADMIN])
    sidecar.write(session.path, side)
    if problem is not None:
        raise IntegrityError(_("The user was deactivated and every key they held was replaced, but the "
                               "organisation's referral signing key could not be replaced ({reason}). "
                               "Ask for help before sending more referrals.").format(reason=problem))
    return written


def _write_statement(session: Session, statement) -> Path:
    folder = session.path.parent / STATEMENT_FOLDER
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise InvalidInput(_("{name} beside the vault is not a folder.").format(name=STATEMENT_FOLDER))
    folder.mkdir(mode=0o700, exist_ok=True)
    return org_rotation.write_statement(statement, folder)


def finish_deactivations(session: Session) -> int:
    """At an admin's unlock: finish every deactivation a crash cut short after the keys turned;
    returns how many were finished."""
    session.require("users")
    side = sidecar.read(session.path)
    membership.verify(side, session.keys[ADMIN])
    leaving = sorted(membership.leaving(side).items())
    for slot_id, user_id in leaving:
        _finish_leaving(session, slot_id, user_id)
    return len(leaving)


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
