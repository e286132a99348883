"""CMM's staff: each has an account (a name and a passphrase), and a role that is the set of keys they hold.

The intake store's keys live in a key file of the vault's format (``storage.sidecar``, rules in
``storage.keyring``): each staff member is a member slot wrapped by their passphrase, and each key is
sealed to the members whose role holds it:

- ``store``: the SQLCipher key of a store file; in both stores it also authenticates each stored
  referral and the case key's public half, so nobody without it can write one that opens;
- ``intake``: CMM's secret seed, which unseals packets and signs receipts;
- ``case``: the private half of the case key pair; referral contents are stored sealed to its public
  half, so only its holders can read a referral after it arrived;
- ``admin``: the key that vouches for the staff list (a MAC over names, roles and public keys).

An intake operator receives (``store``, ``intake``); a caseworker reads referrals (``store``, ``case``);
an admin holds every key and manages the staff. Removing someone replaces every key they held but
``intake`` (NGOs hold its public half; see docs/cmm/staff.md).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, field

from fieldapp.crypto import keys
from fieldapp.crypto.keys import KdfParams, MemberKeys
from fieldapp.errors import InvalidInput, PermissionDenied, WrongPassphrase
from fieldapp.i18n import _
from fieldapp.storage import keyring
from fieldapp.storage.sidecar import Grant, Sidecar

STORE, INTAKE, CASE, ADMIN_KEY = "store", "intake", "case", "admin"
OPERATOR, CASEWORKER, ADMIN = "operator", "caseworker", "admin"
ROLES = (OPERATOR, CASEWORKER, ADMIN)
ROLE_KEYS: dict[str, frozenset[str]] = {
    OPERATOR: frozenset({STORE, INTAKE}),
    CASEWORKER: frozenset({STORE, CASE}),
    ADMIN: frozenset({STORE, INTAKE, CASE, ADMIN_KEY}),
}
FIRST_ADMIN = "admin"        # the account a new store starts with, unless another name is given
MAX_NAME = 64


def role_label(role: str) -> str:
    return {OPERATOR: _("intake operator"), CASEWORKER: _("caseworker"), ADMIN: _("admin")}.get(role, role)


def check_name(name: str) -> str:
    """A staff name as typed: printable, 1-64 characters, spaces folded."""
    folded = " ".join(name.split())
    if not folded or len(folded) > MAX_NAME or not folded.isprintable():
        raise InvalidInput(_("A staff name has 1 to 64 printable characters."))
    return folded


@dataclass
class Desk:
    """Who unlocked the store and the keys their role holds (bytearrays, zeroed by ``forget``)."""

    slot_id: str
    member: MemberKeys
    keys: dict[str, bytearray] = field(default_factory=dict)
    pending: dict[str, bytearray] = field(default_factory=dict)     # a key replacement not finished yet

    @property
    def role(self) -> str:
        return ADMIN if ADMIN_KEY in self.keys else CASEWORKER if CASE in self.keys else OPERATOR

    def key(self, name: str) -> bytes:
        """A key this desk holds, or ``PermissionDenied`` naming the role that would."""
        if name not in self.keys:
            raise PermissionDenied(_needs(name))
        return bytes(self.keys[name])

    def require(self, role: str) -> None:
        if role == ADMIN and ADMIN_KEY not in self.keys:
            raise PermissionDenied(_("Only an admin of the intake store can do this."))
        if role == CASEWORKER and CASE not in self.keys:
            raise PermissionDenied(_needs(CASE))

    def forget(self) -> None:
        for key in (*self.keys.values(), *self.pending.values()):
            key[:] = bytes(len(key))
        self.keys, self.pending = {}, {}


def _needs(name: str) -> str:
    if name == CASE:
        return _("Only a caseworker or an admin can read referrals.")
    if name == INTAKE:
        return _("Only an intake operator or an admin can receive packets or open sealed figures.")
    return _("Only an admin of the intake store can do this.")


def new_keyring() -> Sidecar:
    """An empty key file for a new store."""
    return Sidecar(vault_id=secrets.token_hex(16), lookup_salt=keys.new_salt())


def slot_of(side: Sidecar, name: str) -> str:
    return keys.lookup_id(side.lookup_salt, name)


def add_member(side: Sidecar, name: str, passphrase: str, role: str, held: dict[str, bytes],
               params: KdfParams | None = None) -> MemberKeys:
    """A slot for ``name`` with the keys of ``role`` that exist in this store, sealed from ``held``
    (the adding admin's keys, or the first admin's new ones)."""
    slot_id = slot_of(side, name)
    if slot_id in side.members:
        raise InvalidInput(_("A staff member with this name exists already."))
    member, member_keys = keyring.new_member(side, slot_id, passphrase, params or keys.default_params())
    side.members[slot_id] = member
    for key_name in ROLE_KEYS[role]:
        if key_name in held:
            grant = side.grants.setdefault(key_name, Grant(epoch=1))
            grant.sealed[slot_id] = keyring.seal_key(side, key_name, grant.epoch, held[key_name], member.box_public)
    return member_keys


def grant_to_role(side: Sidecar, key_name: str, key: bytes, roster: dict[str, dict]) -> None:
    """Seal ``key_name`` (a key added later, such as CMM's secret seed) to every member whose role
    holds it, with the public key the vouched staff list names."""
    _seal_to_roles(side, side.grants.setdefault(key_name, Grant(epoch=1)), key_name, key, roster)


def _seal_to_roles(side: Sidecar, grant: Grant, key_name: str, key: bytes, roster: dict[str, dict]) -> None:
    """Seal ``key`` at ``grant``'s epoch to each member of ``roster`` (the vouched staff list, never a public
    key found only in the key file) whose role holds ``key_name``."""
    for slot_id, entry in roster.items():
        if key_name in ROLE_KEYS.get(entry["role"], ()) and slot_id in side.members:
            grant.sealed[slot_id] = keyring.seal_key(side, key_name, grant.epoch, key, keys.unb64(entry["box_public"]))


def unlock(side: Sidecar, name: str | None, passphrase: str) -> Desk:
    """Open a member's slot (without a name, each slot is tried: one key derivation each).
    ``WrongPassphrase`` if none opens; an unknown name costs as much time as a known one. Pending keys
    are opened too (to read what a cut-off replacement already sealed); only an admin's ``settle``
    makes them current, and only with a proof made with the admin key."""
    if name is None:
        candidates = sorted(side.members)
    else:
        candidates = [slot_of(side, name)]
        if candidates[0] not in side.members:
            keys.derive(passphrase, keys.new_salt(), _any_params(side))
            raise WrongPassphrase()
    for slot_id in candidates:
        member_keys = keyring.open_member(side, slot_id, side.members[slot_id], passphrase)
        if member_keys is not None:
            return Desk(slot_id, member_keys, keyring.open_each(side, side.grants, slot_id, member_keys),
                        keyring.open_each(side, side.pending, slot_id, member_keys))
    raise WrongPassphrase()


def pending_forged(side: Sidecar, desk: Desk) -> bool:
    """Whether every pending key this admin can open fails its proof: written by someone without the admin
    key, so nothing of a real replacement (whose proofs all hold until it is finished) is among them."""
    admin_key = desk.keys.get(ADMIN_KEY)
    return (admin_key is not None and bool(desk.pending)
            and not any(keyring.rotation_proven(side, k, bytes(admin_key), bytes(v)) for k, v in desk.pending.items()))


def pending_proven(side: Sidecar, desk: Desk) -> bool:
    """Whether this admin holds every pending key of a replacement, each proven with the admin key
    (which only admins hold: nobody else can write a replacement an admin will finish)."""
    admin_key = desk.keys.get(ADMIN_KEY)
    return (admin_key is not None and set(side.pending) == set(desk.pending) != set()
            and all(keyring.rotation_proven(side, k, bytes(admin_key), bytes(v)) for k, v in desk.pending.items()))


def _any_params(side: Sidecar) -> KdfParams:
    known = [m.kdf for m in side.members.values() if m.kdf.at_least_floor()]
    return known[0] if known else keys.default_params()


def remove_member(side: Sidecar, slot_id: str) -> None:
    """Take a member's slot and sealed keys out of the key file."""
    side.members.pop(slot_id, None)
    for grant in side.grants.values():
        grant.sealed.pop(slot_id, None)


def reseal(side: Sidecar, key_name: str, new_key: bytes, admin_key: bytes, roster: dict[str, dict]) -> Grant:
    """The next epoch of ``key_name``, sealed to the current members whose role holds it (with the
    public keys the vouched staff list names, never a key planted in the file), with its proof made
    with the (current) admin key."""
    epoch = side.grants[key_name].epoch + 1 if key_name in side.grants else 1
    grant = Grant(epoch, proof=keyring.rotation_proof(side, key_name, epoch, new_key, admin_key))
    _seal_to_roles(side, grant, key_name, new_key, roster)
    return grant


# -- the staff list, vouched for by the admin key ------------------------------------------------------

def roster_mac(admin_key: bytes, roster: dict[str, dict]) -> str:
    """A MAC over every staff entry (slot, name, role, public keys, dates): whoever lacks the admin key
    cannot add a name, change a role or swap a public key unnoticed."""
    text = json.dumps(roster, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return hmac.new(bytes(admin_key), text, hashlib.blake2b).hexdigest()


def roster_ok(admin_key: bytes, roster: dict[str, dict], mac: str) -> bool:
    return hmac.compare_digest(roster_mac(admin_key, roster), mac or "")
