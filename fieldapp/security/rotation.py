"""Rotating compartment keys, so that a member who leaves (or a lost laptop) keeps nothing that opens
the live vault.

A rotation writes the new keys to the key file first, sealed to every remaining holder and the
recovery key but marked pending; then each file is re-encrypted with SQLCipher's rekey and its WAL
folded back; then the key file records the new epoch and forgets the old sealed copies. A crash at
any point strands nothing: the next unlock by a remaining member finishes the rotation (see
``vault._settle_rotations``).
"""

from __future__ import annotations

from fieldapp.errors import PermissionDenied
from fieldapp.security import hierarchy, keys
from fieldapp.security.hierarchy import CORE, FILE_COMPARTMENTS
from fieldapp.security.session import Session
from fieldapp.storage import compartments, sidecar
from fieldapp.storage.sidecar import Sidecar


def remove_member(side: Sidecar, slot_id: str) -> set[str]:
    """Drop a member's slot and every key sealed to them; returns the compartments they held."""
    held = hierarchy.held_by(side, slot_id)
    if slot_id in side.slots:
        held.add(CORE)                         # a slot of the first kind wraps the core key itself
    side.members.pop(slot_id, None)
    side.slots.pop(slot_id, None)
    for grant_of in side.grants.values():
        grant_of.sealed.pop(slot_id, None)
    return held


def rotate(session: Session, side: Sidecar, names: set[str]) -> None:
    """New keys for ``names``, for the members who still hold them (the session must hold them all)."""
    session.require("users")
    if not names:
        sidecar.write(session.path, side)
        return
    if not names <= set(session.keys):
        raise PermissionDenied()
    fresh = {name: bytearray(keys.new_data_key()) for name in names}
    for name in sorted(names):
        hierarchy.plan_rotation(side, name, fresh[name], hierarchy.holders(side, name))
    if CORE in names:
        side.slots.clear()          # first-kind slots wrap the old core key: those users need a new passphrase
    sidecar.write(session.path, side)
    for name in sorted(names):
        if name == CORE:
            compartments.rekey(session.conn, "main", fresh[name])
        elif name in FILE_COMPARTMENTS and name in compartments.attached(session.conn):
            compartments.rekey(session.conn, name, fresh[name])
        hierarchy.finish_rotation(side, name)
        old = session.keys[name]
        old[:] = bytes(len(old))
        session.keys[name] = fresh[name]
    sidecar.write(session.path, side)


def grant_role(session: Session, side: Sidecar, slot_id: str, role: str) -> bool:
    """Seal the keys of ``role`` to a member from the session's own; False if they have no key pair yet
    (a slot of the first kind: they get it at their next unlock, then an admin grants again)."""
    session.require("users")
    if slot_id not in side.members:
        return False
    for name in hierarchy.ROLE_KEYS[role]:
        if name not in session.keys:
            raise PermissionDenied()
        if slot_id not in hierarchy.holders(side, name):
            hierarchy.grant(side, name, session.keys[name], {slot_id})
    return True


def take_back(side: Sidecar, slot_id: str, role: str) -> set[str]:
    """Unseal from a member the keys their new role does not hold; returns those compartments."""
    surplus = hierarchy.held_by(side, slot_id) - hierarchy.ROLE_KEYS[role]
    for name in surplus:
        side.grants[name].sealed.pop(slot_id, None)
    return surplus
