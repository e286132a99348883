"""Members and the keys sealed to them: the key hierarchy that a vault's key file and CMM's intake
store share (one format, ``storage.sidecar``; one set of rules, here).

A member has an X25519 key pair and an Ed25519 signing key. A passphrase derives (argon2id) a key
that wraps the private halves, bound to the file (``Sidecar.vault_id``) and the slot. Each named key
(a compartment's, the intake store's, CMM's case key) has an epoch and is sealed to the X25519 public
key of every member who holds it, so a role is the set of keys it holds, and whoever holds a key can
grant it without the other member's passphrase. Nothing here reads a database.
"""

from __future__ import annotations

import hashlib
import hmac

from fieldapp.crypto import keys
from fieldapp.crypto.keys import KdfParams, MemberKeys
from fieldapp.errors import NotAVault
from fieldapp.storage.sidecar import Grant, Member, Sidecar


def member_context(side: Sidecar, slot_id: str) -> bytes:
    return f"fieldapp-member/1|{side.vault_id}|{slot_id}".encode()


def grant_prefix(side: Sidecar, name: str, epoch: int) -> bytes:
    return f"fieldapp-grant/1|{side.vault_id}|{name}|{epoch}|".encode()


def new_member(side: Sidecar, slot_id: str, secret: str, params: KdfParams,
               member_keys: MemberKeys | None = None) -> tuple[Member, MemberKeys]:
    """A member slot for ``secret``; new key pairs unless ``member_keys`` are given (a re-wrap)."""
    member_keys = member_keys or MemberKeys.generate()
    salt = keys.new_salt()
    kek = keys.derive(secret, salt, params)
    wrapped = keys.wrap(kek, member_keys.to_bytes(), member_context(side, slot_id))
    return Member(salt, params, wrapped, member_keys.box_public, member_keys.sign_public), member_keys


def open_member(side: Sidecar, slot_id: str, member: Member, secret: str) -> MemberKeys | None:
    """The member's private keys, or None for a wrong secret; NotAVault for a weakened or forged slot."""
    if not member.kdf.at_least_floor():
        raise NotAVault()
    kek = keys.derive(secret, member.salt, member.kdf)
    raw = keys.unwrap_bytes(kek, member.wrapped, member_context(side, slot_id))
    if raw is None:
        return None
    try:
        opened = MemberKeys.from_bytes(raw)
    except ValueError as exc:
        raise NotAVault() from exc
    if opened.box_public != member.box_public or opened.sign_public != member.sign_public:
        raise NotAVault()              # the public halves were swapped: not this member's slot
    return opened


def seal_key(side: Sidecar, name: str, epoch: int, key: bytes, box_public: bytes) -> bytes:
    """Key ``name`` at ``epoch``, sealed to one X25519 public key and bound to this file and name."""
    return keys.seal_to(box_public, grant_prefix(side, name, epoch) + bytes(key))


def open_sealed(side: Sidecar, name: str, grant: Grant, slot_id: str, member_keys: MemberKeys) -> bytearray | None:
    sealed = grant.sealed.get(slot_id)
    if sealed is None:
        return None
    plain = member_keys.unseal(sealed)
    prefix = grant_prefix(side, name, grant.epoch)
    if plain is None or not plain.startswith(prefix) or len(plain) != len(prefix) + keys.KEY_BYTES:
        return None
    return bytearray(plain[len(prefix):])


def open_each(side: Sidecar, grants: dict[str, Grant], slot_id: str, member_keys: MemberKeys) -> dict[str, bytearray]:
    """Every key of ``grants`` sealed to this member (each a bytearray the caller zeroes)."""
    opened = {name: open_sealed(side, name, grant, slot_id, member_keys) for name, grant in grants.items()}
    return {name: key for name, key in opened.items() if key is not None}


def holders(side: Sidecar, name: str) -> set[str]:
    grant_of = side.grants.get(name)
    return set(grant_of.sealed) if grant_of else set()


def held_by(side: Sidecar, slot_id: str) -> set[str]:
    return {name for name, g in side.grants.items() if slot_id in g.sealed}


def rotation_proof(side: Sidecar, name: str, epoch: int, new_key: bytes, current_key: bytes) -> bytes:
    """What a pending epoch carries: its new key MACed with the key it replaces, so that only someone
    who holds that key can write a pending key that the members will later accept."""
    message = grant_prefix(side, name, epoch) + hashlib.sha256(bytes(new_key)).digest()
    return hashlib.blake2b(message, key=bytes(current_key), digest_size=32, person=b"fieldapp-rotate").digest()


def rotation_proven(side: Sidecar, name: str, current_key: bytes, new_key: bytes) -> bool:
    """Whether the pending key of ``name`` was written by someone who held ``current_key``: a file
    planted under a key of the attacker's choosing, with a pending entry to match, is refused."""
    pending = side.pending.get(name)
    return pending is not None and hmac.compare_digest(
        pending.proof, rotation_proof(side, name, pending.epoch, new_key, current_key))
