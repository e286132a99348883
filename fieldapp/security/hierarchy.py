"""The key hierarchy in the key file: members, and compartment keys sealed to them.

A member (a user, or the recovery key) has an X25519 key pair and an Ed25519 signing key. The
passphrase derives (argon2id) a key that wraps the private halves, bound to the vault and the slot.
Each compartment (core, health, legal, admin) has its own random key at an epoch, sealed to the
X25519 public key of every member whose role holds it. So a role is the set of keys it holds, and
an admin can grant, re-role and rotate without anyone's passphrase. Nothing here reads the database.

See docs/design/keys.md.
"""

from __future__ import annotations

from fieldapp.crypto import keys
from fieldapp.crypto.keys import MemberKeys
from fieldapp.storage import keyring
from fieldapp.storage.compartments import FILE_COMPARTMENTS
from fieldapp.storage.sidecar import Grant, Sidecar

__all__ = ["FILE_COMPARTMENTS"]

RECOVERY = "recovery"
CORE, HEALTH, LEGAL, ADMIN = "core", "health", "legal", "admin"
COMPARTMENTS = (CORE, HEALTH, LEGAL, ADMIN)

# Which compartment keys each role holds. The admin holds every key: an admin adds members and
# rotates keys for everyone else, which needs the keys (the UI still keeps health and legal
# details from the admin's screens). The recovery key holds every key.
ROLE_KEYS: dict[str, frozenset[str]] = {
    "outreach": frozenset({CORE}),
    "health": frozenset({CORE, HEALTH}),
    "legal": frozenset({CORE, LEGAL}),
    "coordinator": frozenset({CORE}),
    "admin": frozenset(COMPARTMENTS),
}


# The key that stands behind a capability; the rest need the core key.
CAPABILITY_KEYS: dict[str, str] = {
    "health": HEALTH, "legal": LEGAL, "reports_legal": LEGAL,
    "users": ADMIN, "settings": ADMIN, "backup": ADMIN, "retention": ADMIN, "wipe": ADMIN, "audit": ADMIN,
}


def key_for(capability: str) -> str:
    return CAPABILITY_KEYS.get(capability, CORE)


new_member = keyring.new_member
open_member = keyring.open_member
holders = keyring.holders
held_by = keyring.held_by


def public_of(side: Sidecar, slot_id: str) -> bytes:
    """The X25519 public key to seal to: the one an admin vouched for in the member list (see
    ``membership``). Only a member the current admin action is creating, not listed yet, is sealed to
    with the key made in this process. A listed member without a vouched key gets nothing."""
    entry = side.membership.get(slot_id)
    if entry is None:
        return side.members[slot_id].box_public
    if not entry.get("box_public"):
        raise KeyError(slot_id)
    return keys.unb64(entry["box_public"])


def seal_for(side: Sidecar, name: str, epoch: int, key: bytes, slot_id: str) -> bytes:
    return keyring.seal_key(side, name, epoch, key, public_of(side, slot_id))


def open_grants(side: Sidecar, slot_id: str, member_keys: MemberKeys) -> dict[str, bytearray]:
    """Every compartment key sealed to this member, at its current epoch."""
    return keyring.open_each(side, side.grants, slot_id, member_keys)


def open_pending(side: Sidecar, slot_id: str, member_keys: MemberKeys) -> dict[str, bytearray]:
    """Keys of a rotation written but perhaps not yet applied (see vault._settle_rotations)."""
    return keyring.open_each(side, side.pending, slot_id, member_keys)


def grant(side: Sidecar, name: str, key: bytes, slot_ids: set[str] | list[str]) -> None:
    """Seal the current key of compartment ``name`` to each of ``slot_ids`` (members of this file)."""
    current = side.grants.setdefault(name, Grant(epoch=1))
    for slot_id in slot_ids:
        current.sealed[slot_id] = seal_for(side, name, current.epoch, key, slot_id)


def plan_rotation(side: Sidecar, name: str, new_key: bytes, keep: set[str], current_key: bytes) -> Grant:
    """The next epoch of ``name``, sealed to ``keep`` only; stored as pending until the rekey is done.

    The pending epoch carries a proof made with the key it replaces, so that only someone who holds
    that key can write a pending key that the members will later accept (see ``rotation_proven``)."""
    epoch = side.grants[name].epoch + 1 if name in side.grants else 1
    sealed = {slot_id: seal_for(side, name, epoch, new_key, slot_id)
              for slot_id in sorted(keep) if slot_id in side.members}
    side.pending[name] = Grant(epoch, sealed, _proof(side, name, epoch, new_key, current_key))
    return side.pending[name]


def _proof(side: Sidecar, name: str, epoch: int, new_key: bytes, current_key: bytes) -> bytes:
    return keyring.rotation_proof(side, name, epoch, new_key, current_key)


rotation_proven = keyring.rotation_proven


def finish_rotation(side: Sidecar, name: str) -> None:
    """The rekey is done: the pending epoch becomes the current one; earlier sealed copies are gone."""
    side.grants[name] = side.pending.pop(name)

