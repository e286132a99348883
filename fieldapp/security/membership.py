"""The list of members an admin vouches for: which user each slot is, their role and their public keys.

It lives in the key file with a MAC made with the administration key, which only admins and the
recovery key hold. Every action that hands out keys (adding a member, a new role, a rotation, a
reset with the recovery key) checks the MAC first and takes the member's role and public key from
this list, never from a table row or an unauthenticated key-file field: an insider who edits the
users table, a slot's public key or the sealed copies gains nothing from the next admin action.
"""

from __future__ import annotations

import hashlib
import hmac
import json

from fieldapp.crypto.keys import b64
from fieldapp.errors import IntegrityError
from fieldapp.i18n import _
from fieldapp.security import hierarchy
from fieldapp.storage.sidecar import Sidecar

RECOVERY_ROLE = "recovery"
# A member being deactivated: their keys are gone and turned, and the users list and the organisation's
# key are still to be updated. Kept under the MAC until then, so an admin's next unlock finishes what a
# crash cut short, and nobody with the files can make a colleague "leaving".
LEAVING = "leaving"


def _canonical(side: Sidecar) -> bytes:
    """What the admin vouches for: the members, the emergency settings (so that nobody with the files
    can switch the duress wipe off unseen) and the retention policy (so that nobody can make the next
    run delete everyone)."""
    wipe = {"after": side.wipe_after, "check": side.wipe_check.to_json() if side.wipe_check else None}
    body = {"vault_id": side.vault_id, "members": side.membership, "wipe": wipe}
    if side.retention:                 # the retention policy, once an admin saved one (absent before)
        body["retention"] = side.retention
    return json.dumps(body, separators=(",", ":"), sort_keys=True).encode("utf-8")


def _mac(side: Sidecar, admin_key: bytes) -> str:
    return hashlib.blake2b(_canonical(side), key=bytes(admin_key), digest_size=32,
                           person=b"fieldapp-members").hexdigest()


def seal_list(side: Sidecar, admin_key: bytes) -> None:
    side.membership_mac = _mac(side, admin_key)


def verify(side: Sidecar, admin_key: bytes) -> None:
    """IntegrityError unless the list is exactly what an admin last wrote."""
    if not side.membership_mac or not hmac.compare_digest(side.membership_mac, _mac(side, admin_key)):
        raise IntegrityError(_("The list of members or the emergency settings in the key file were changed "
                               "outside the app. No keys were handed out. Restore a backup or ask for help."))


def record(side: Sidecar, slot_id: str, user_id: int | None, role: str) -> None:
    """Vouch for a member as they are in the key file now (their public keys, if they have any yet)."""
    member = side.members.get(slot_id)
    side.membership[slot_id] = {
        "user_id": user_id, "role": role,
        "box_public": b64(member.box_public) if member else "",
        "sign_public": b64(member.sign_public) if member else "",
    }


def awaits_enrolment(side: Sidecar, slot_id: str) -> bool:
    """A user of an upgraded one-key vault: listed by the admin at the upgrade, still on a slot of the
    first kind (core only), with no public keys yet. An admin enrols them in person (Add user, same name)."""
    entry = side.membership.get(slot_id)
    return entry is not None and not entry.get("box_public") and slot_id in side.slots


def forget(side: Sidecar, slot_id: str) -> None:
    side.membership.pop(slot_id, None)


def mark_leaving(side: Sidecar, slot_id: str) -> None:
    """The member holds nothing any more; only the user id is kept, to finish the deactivation."""
    user_id = side.membership.get(slot_id, {}).get("user_id")
    side.membership[slot_id] = {"user_id": user_id, "role": LEAVING, "box_public": "", "sign_public": ""}


def leaving(side: Sidecar) -> dict[str, int]:
    """Members whose deactivation is not finished: slot id -> user id."""
    return {slot: entry["user_id"] for slot, entry in side.membership.items()
            if entry.get("role") == LEAVING and isinstance(entry.get("user_id"), int)}


def slot_of(side: Sidecar, user_id: int) -> str | None:
    found = [slot for slot, entry in side.membership.items() if entry.get("user_id") == user_id]
    return found[0] if len(found) == 1 else None


def role_of(side: Sidecar, slot_id: str) -> str | None:
    """The member's role; None for anyone not listed, or leaving."""
    entry = side.membership.get(slot_id)
    return entry["role"] if entry and entry.get("role") != LEAVING else None


def set_role(side: Sidecar, slot_id: str, role: str) -> None:
    side.membership[slot_id]["role"] = role


def keep_for(side: Sidecar, compartment: str) -> set[str]:
    """Who must hold ``compartment``: the vouched-for members whose role holds it, and the recovery key."""
    keep = {hierarchy.RECOVERY} if hierarchy.RECOVERY in side.members else set()
    for slot_id, entry in side.membership.items():
        role = entry.get("role")
        vouched = bool(entry.get("box_public"))
        if vouched and slot_id in side.members and role in hierarchy.ROLE_KEYS \
                and compartment in hierarchy.ROLE_KEYS[role]:
            keep.add(slot_id)
    return keep
