"""Rotating compartment keys, so that a member who leaves (or a lost laptop) keeps nothing that opens
the live vault.

A rotation writes the new keys to the key file first, sealed to every remaining holder and the
recovery key but marked pending; then each file is re-encrypted with SQLCipher's rekey and its WAL
folded back; then the key file records the new epoch and forgets the old sealed copies. A crash at
any point strands nothing: the next unlock by a remaining member finishes the rotation (see
``vault._settle_rotations``).
"""

from __future__ import annotations

from fieldapp.crypto import keys
from fieldapp.errors import PermissionDenied
from fieldapp.security import hierarchy, membership
from fieldapp.security.hierarchy import ADMIN, CORE, FILE_COMPARTMENTS
from fieldapp.security.session import Session
from fieldapp.storage import compartments, sidecar
from fieldapp.storage.sidecar import Sidecar


def remove_member(session: Session, side: Sidecar, slot_id: str) -> set[str]:
    """Drop a member's slot and every key sealed to them, and mark them leaving in the admin's list;
    returns the compartments to rotate (those their role held and those sealed to them, whatever the role said)."""
    session.require("users")
    membership.verify(side, session.keys[ADMIN])
    role = membership.role_of(side, slot_id)
    held = hierarchy.held_by(side, slot_id) | set(hierarchy.ROLE_KEYS.get(role or "", frozenset()))
    if slot_id in side.slots:
        held.add(CORE)                         # a slot of the first kind wraps the core key itself
    membership.mark_leaving(side, slot_id)         # forgotten once the users list and the org key follow
    membership.seal_list(side, session.keys[ADMIN])
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
    membership.verify(side, session.keys[ADMIN])
    fresh = {name: bytearray(keys.new_data_key()) for name in names}
    for name in sorted(names):                 # sealed to whom the admin vouched for, never to the file's say
        hierarchy.plan_rotation(side, name, fresh[name], membership.keep_for(side, name), session.keys[name])
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
    if ADMIN in names:
        membership.seal_list(side, session.keys[ADMIN])   # the admin's word, under the new administration key
    sidecar.write(session.path, side)


def grant_role(session: Session, side: Sidecar, slot_id: str, role: str) -> bool:
    """Seal the keys of ``role`` to a member from the session's own; False if the admin has vouched for no
    key pair of theirs yet (a user of an upgraded vault: the admin enrols them again, Add user, same name)."""
    session.require("users")
    membership.verify(side, session.keys[ADMIN])
    membership.set_role(side, slot_id, role)
    membership.seal_list(side, session.keys[ADMIN])
    if slot_id not in side.members or not side.membership[slot_id].get("box_public"):
        return False           # a slot of the first kind: the admin enrols them again (Add user, same name)
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
