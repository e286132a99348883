"""Opening a key slot, behind the one gate every path passes (unlock, restore, reset, every command).

The gate tries the wipe passphrase first (a duress wipe never waits), then the back-off; a failed
unwrap is counted in the key file of the file being opened (a backup counts in its own) and may
wipe after N failures. An unknown user name costs one key derivation with the parameters of an
existing slot, so timing does not tell names apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from fieldapp.crypto import keys
from fieldapp.crypto.keys import KdfParams, MemberKeys
from fieldapp.errors import InvalidInput, NotAVault, WrongPassphrase
from fieldapp.i18n import _
from fieldapp.security import backoff, hierarchy, wipe
from fieldapp.storage.sidecar import Sidecar, Slot

T = TypeVar("T")
RECOVERY = hierarchy.RECOVERY


@dataclass
class Opened:
    """Who opened the vault and the keys they hold (each a bytearray, zeroed by ``forget``)."""

    slot_id: str
    member: MemberKeys | None                # None for a slot of the first kind
    keys: dict[str, bytearray] = field(default_factory=dict)
    pending: dict[str, bytearray] = field(default_factory=dict)

    def forget(self) -> None:
        for key in self.keys.values():
            key[:] = bytes(len(key))
        self.forget_pending()

    def forget_pending(self) -> None:
        for key in self.pending.values():
            key[:] = bytes(len(key))
        self.pending = {}


def legacy_context(vault_id: str, slot_id: str) -> bytes:
    return f"fieldapp-slot/1|{vault_id}|{slot_id}".encode()


def make_legacy_slot(side: Sidecar, slot_id: str, secret: str, data_key: bytes, params: KdfParams) -> Slot:
    salt = keys.new_salt()
    kek = keys.derive(secret, salt, params)
    return Slot(salt, params, keys.wrap(kek, data_key, legacy_context(side.vault_id, slot_id)))


def _open_legacy(side: Sidecar, slot_id: str, slot: Slot, secret: str) -> bytes | None:
    if not slot.kdf.at_least_floor():
        raise NotAVault()
    kek = keys.derive(secret, slot.salt, slot.kdf)
    return keys.unwrap(kek, slot.wrapped, legacy_context(side.vault_id, slot_id))


def open_slot(side: Sidecar, slot_id: str, secret: str) -> Opened | None:
    """The keys behind one slot, or None when the secret is wrong."""
    member = side.members.get(slot_id)
    if member is not None:
        member_keys = hierarchy.open_member(side, slot_id, member, secret)
        if member_keys is None:
            return None
        return Opened(slot_id, member_keys, hierarchy.open_grants(side, slot_id, member_keys),
                      hierarchy.open_pending(side, slot_id, member_keys))
    slot = side.recovery if slot_id == RECOVERY else side.slots.get(slot_id)
    if slot is None:
        return None
    data_key = _open_legacy(side, slot_id, slot, secret)
    return None if data_key is None else Opened(slot_id, None, {hierarchy.CORE: bytearray(data_key)})


def _all_slot_ids(side: Sidecar) -> list[str]:
    return sorted((set(side.members) | set(side.slots)) - {RECOVERY})


def _kdf_of(side: Sidecar, slot_id: str) -> KdfParams:
    member = side.members.get(slot_id)
    return member.kdf if member is not None else side.slots[slot_id].kdf


def spend_like_a_slot(side: Sidecar, slot_id: str, secret: str) -> None:
    """Spend the time of a real attempt with the parameters of an existing slot chosen by the
    (unknown) name's slot id, so an unknown name costs what a known name costs."""
    params = keys.default_params()
    known = [_kdf_of(side, s) for s in _all_slot_ids(side) if _kdf_of(side, s).at_least_floor()]
    if known:
        params = known[int(slot_id[:8], 16) % len(known)]
    keys.derive(secret, keys.new_salt(), params)


def for_user(side: Sidecar, user_name: str | None, passphrase: str) -> Opened:
    """Open a user's slot; without a name every user's slot is tried (one derivation each)."""
    if user_name is None:
        for slot_id in _all_slot_ids(side):
            opened = open_slot(side, slot_id, passphrase)
            if opened is not None:
                return opened
        raise WrongPassphrase()
    slot_id = keys.lookup_id(side.lookup_salt, user_name)
    if slot_id not in side.members and slot_id not in side.slots:
        spend_like_a_slot(side, slot_id, passphrase)
        raise WrongPassphrase()
    opened = open_slot(side, slot_id, passphrase)
    if opened is None:
        raise WrongPassphrase()
    return opened


def for_recovery(side: Sidecar, recovery_key: str) -> Opened:
    opened = open_slot(side, RECOVERY, keys.normalise_recovery_key(recovery_key))
    if opened is None:
        raise WrongPassphrase(_("The recovery key is not right. Check it and try again."))
    return opened


def gated(path: Path, side: Sidecar, secret: str, unwrap: Callable[[], T]) -> T:
    """The one gate in front of every unwrap."""
    if wipe.is_wipe_passphrase(side, secret):
        wipe.wipe_files(path)
        raise WrongPassphrase()
    backoff.check_allowed(side)
    try:
        return unwrap()
    except WrongPassphrase as error:
        raise backoff.record_failure(path, side, error) from None


def refuse_wipe_passphrase(side: Sidecar, passphrase: str) -> None:
    """A user's passphrase may never be the wipe passphrase: an ordinary unlock would destroy the vault."""
    if wipe.is_wipe_passphrase(side, passphrase):
        raise InvalidInput(_("This passphrase cannot be used. Choose another one."))


def secret_opens_any_slot(side: Sidecar, secret: str) -> bool:
    """Whether ``secret`` opens any user's slot or the recovery key (one key derivation per slot)."""
    for slot_id in _all_slot_ids(side):
        if _kdf_of(side, slot_id).at_least_floor() and _probe(side, slot_id, secret):
            return True
    return _probe(side, RECOVERY, keys.normalise_recovery_key(secret))


def _probe(side: Sidecar, slot_id: str, secret: str) -> bool:
    try:
        opened = open_slot(side, slot_id, secret)
    except NotAVault:
        return False
    if opened is None:
        return False
    opened.forget()
    return True
