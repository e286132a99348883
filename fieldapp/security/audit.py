"""Signing and checking the audit trail.

Every event written in a session is signed by the member whose session wrote it and linked to that
member's previous event (``audit_repo``). The signers' public keys are kept in the key file as the
*signers map*, with a MAC that only a holder of the administration key can make: a member without
that key cannot put their own key in another member's place. An admin session adds new members to
the map at unlock and at lock, and at lock also records each signer's newest event as seen by an
administrator (the *witnessed head*), so that cutting a chain's tail that an admin saw shows.

Every member also signs an *anchor* at their lock: the length and last hash of the chain of all
events as they saw it. Their next unlock checks it, so a cut tail shows to anyone who saw the removed
events, not only to an admin (``check_own_anchor``); ``verify`` checks every member's anchor.

``verify`` checks the global hash chain, the key-file anchor, the map's MAC, each signer's chain,
each signature, each witnessed head and each member's anchor. What is and is not detected:
docs/design/keys.md, section 5.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from fieldapp.crypto.keys import b64, signature_ok, unb64
from fieldapp.errors import IntegrityError
from fieldapp.i18n import _, ngettext
from fieldapp.security import membership
from fieldapp.security.hierarchy import ADMIN, RECOVERY
from fieldapp.storage import audit_repo, sidecar
from fieldapp.storage.audit_repo import GENESIS, SignedRow
from fieldapp.storage.connection import Connection
from fieldapp.storage.sidecar import Sidecar

if TYPE_CHECKING:
    from fieldapp.security.session import Session
    from fieldapp.security.slots import Opened

_MAC_PERSON = b"fieldapp-signers"          # 16 bytes, BLAKE2b's limit
_ANCHOR_PREFIX = b"fieldapp-anchor/1|"
CUT_SEEN = "audit.cut_seen"              # the event a member's unlock writes when their anchor was cut
ANCHORED = "anchor"                      # the entity of an unlock event after which the member signed an anchor


@dataclass(frozen=True)
class AuditReport:
    events: int
    broken: list[int]                                    # ids off the global hash chain
    tail_missing: bool                                   # the key file's anchor is not in the trail
    signed: int = 0
    before_signing: int = 0                              # unsigned events older than the first signed one
    edited: list[int] = field(default_factory=list)      # hash or signature does not match
    removed: list[int] = field(default_factory=list)     # events after a gap in their signer's chain
    unverifiable: list[int] = field(default_factory=list)  # unsigned late, unknown signer, or another's name
    cut_chains: int = 0                                  # signers whose witnessed head is gone
    signers_forged: bool = False                         # the signers map fails its MAC (or is missing)
    cut_anchors: int = 0                                 # members whose signed anchor is no longer in the trail
    cut_seen: int = 0                                    # unlocks at which a member found their anchor cut

    @property
    def ok(self) -> bool:
        return not (self.broken or self.tail_missing or self.edited or self.removed or self.unverifiable
                    or self.cut_chains or self.signers_forged or self.cut_anchors or self.cut_seen)

    def describe(self) -> str:
        if self.ok:
            text = _("The audit trail is complete: {count} events, none changed.").format(count=self.events)
            return " ".join([text, *self._legacy()])
        return " ".join([_("The audit trail was changed."), *self._problems(), *self._legacy()])

    def _problems(self) -> list[str]:
        found = []
        if self.signers_forged:
            found.append(_("The list of signing keys in the key file was changed by someone "
                           "without the administration key."))
        if self.edited:
            found.append(ngettext("{count} event was edited or moved: its signature or hash does not match.",
                                  "{count} events were edited or moved: their signatures or hashes do not match.",
                                  len(self.edited)).format(count=len(self.edited)))
        if self.removed:
            found.append(ngettext("Events were removed from the middle of a user's chain in {count} place.",
                                  "Events were removed from the middle of a user's chain in {count} places.",
                                  len(self.removed)).format(count=len(self.removed)))
        if self.cut_chains:
            found.append(ngettext("The newest events of {count} user, seen by an administrator, were removed.",
                                  "The newest events of {count} users, seen by an administrator, were removed.",
                                  self.cut_chains).format(count=self.cut_chains))
        if self.unverifiable:
            found.append(ngettext(
                "{count} event has no valid signer: unsigned, signed by an unknown key, or not by the user it names.",
                "{count} events have no valid signer: unsigned, signed by an unknown key, or not by the user they "
                "name.", len(self.unverifiable)).format(count=len(self.unverifiable)))
        if self.broken:
            found.append(ngettext("{count} event does not match the chain of all events.",
                                  "{count} events do not match the chain of all events.",
                                  len(self.broken)).format(count=len(self.broken)))
        if self.tail_missing:
            found.append(_("The newest events recorded in the key file at the last lock were removed."))
        if self.cut_anchors:
            found.append(ngettext("Events that {count} user saw at their last lock were removed.",
                                  "Events that {count} users saw at their last lock were removed.",
                                  self.cut_anchors).format(count=self.cut_anchors))
        if self.cut_seen:
            found.append(ngettext("{count} time a user found at unlock that events they had seen were removed.",
                                  "{count} times users found at unlock that events they had seen were removed.",
                                  self.cut_seen).format(count=self.cut_seen))
        return found

    def _legacy(self) -> list[str]:
        if not self.before_signing:
            return []
        return [ngettext("{count} event is from before signing and carries no signature.",
                         "{count} events are from before signing and carry no signature.",
                         self.before_signing).format(count=self.before_signing)]


# -- anchors: what each member saw at their lock ----------------------------------------------------

def _anchor_message(side: Sidecar, slot_id: str, count: int, digest: str) -> bytes:
    return _ANCHOR_PREFIX + "|".join([side.vault_id, slot_id, str(count), digest]).encode("utf-8")


def sign_anchor(side: Sidecar, slot_id: str, head: dict, sign) -> None:
    """Put the member's signed anchor for ``head`` (the chain of all events now) in the key file."""
    message = _anchor_message(side, slot_id, int(head["count"]), str(head["hash"]))
    side.anchors[slot_id] = {"count": int(head["count"]), "hash": str(head["hash"]),
                             "sig": b64(sign(message))}


def anchor_signed_by(side: Sidecar, slot_id: str, anchor: dict, sign_publics: Iterable[bytes]) -> bool:
    message = _anchor_message(side, slot_id, anchor["count"], anchor["hash"])
    try:
        signature = unb64(anchor["sig"])
    except ValueError:
        return False
    return any(signature_ok(public, message, signature) for public in sign_publics)


def _still_in_trail(conn: Connection, anchor: dict, head: dict) -> bool:
    return head["count"] >= anchor["count"] and audit_repo.contains_hash(conn, anchor["hash"])


def check_own_anchor(conn: Connection, side: Sidecar, slot_id: str, sign_public: bytes) -> str | None:
    """At a member's unlock: a warning if events they saw at their last lock are gone, or if their
    anchor was removed or altered after an unlock of theirs that signed one; None when all is well."""
    anchor = side.anchors.get(slot_id)
    if anchor is None:
        if not audit_repo.signed_with(conn, slot_id, "unlock", ANCHORED):
            return None                                  # never anchored (a vault from before anchors)
        return _("Your record of the audit trail at your last lock is missing from the key file. "
                 "Tell an administrator: the trail may have been cut.")
    if not anchor_signed_by(side, slot_id, anchor, [sign_public]):
        return _("Your record of the audit trail at your last lock was changed outside the app. "
                 "Tell an administrator: the trail may have been cut.")
    if not _still_in_trail(conn, anchor, audit_repo.head(conn)):
        return _("Audit events you saw at your last lock were removed. Tell an administrator.")
    return None


def _cut_anchors(conn: Connection, side: Sidecar) -> int:
    """Members whose anchor, signed by a key the signers map gives them, is no longer in the trail
    (an anchor no vouched key signed proves nothing and is left out)."""
    head = audit_repo.head(conn)
    cut = 0
    for slot_id, anchor in side.anchors.items():
        publics = []
        for key in side.signers.get(slot_id, {}).get("keys", []):
            try:
                publics.append(unb64(key))
            except ValueError:
                continue
        if anchor_signed_by(side, slot_id, anchor, publics) and not _still_in_trail(conn, anchor, head):
            cut += 1
    return cut


# -- the signers map ------------------------------------------------------------------------------

def mac_key(admin_key: bytes | bytearray) -> bytes:
    """The key of the signers map's MAC, derived from the administration compartment's key."""
    return hashlib.blake2b(b"", key=bytes(admin_key), digest_size=32, person=_MAC_PERSON).digest()


def signers_mac(vault_id: str, signers: dict[str, dict], key: bytes) -> str:
    """HMAC-SHA256 over the vault id and the canonical JSON of the signers map."""
    canonical = json.dumps(signers, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    message = f"fieldapp-signers/1|{vault_id}|{canonical}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _mac_ok(side: Sidecar, candidates: list[bytes]) -> bool:
    return bool(side.signers_mac) and any(
        hmac.compare_digest(side.signers_mac, signers_mac(side.vault_id, side.signers, key)) for key in candidates)


def _mac_keys(session: Session) -> list[bytes]:
    """The MAC keys this session may check with: the current admin key's, and the one derived at
    unlock (the admin key may have been rotated since, in this session)."""
    found = [mac_key(session.keys[ADMIN])] if ADMIN in session.keys else []
    if session.signers_key:
        found.append(bytes(session.signers_key))
    return found


def refresh_signers(conn: Connection, side: Sidecar, admin_key: bytes | bytearray, own_slot: str, *,
                    earlier_keys: Iterable[bytes] = (), renewed: frozenset[str] = frozenset(),
                    witness: bool = False) -> bool:
    """Add every member missing from the signers map, record the witnessed heads (``witness``) and
    MAC the map again; ``own_slot`` is the member doing it. ``renewed`` names members whose new
    signing key the caller vouches for (a reset with the recovery key); any other member keeps the
    keys the map already has.

    A map that fails its MAC is left alone (it is never blessed), and a missing map is started only
    while no other member has signed events. Returns whether the map was updated.
    """
    current = mac_key(admin_key)
    if not _may_refresh(conn, side, admin_key, [current, *earlier_keys], own_slot):
        return False
    signers = copy.deepcopy(side.signers)      # the key file changes only as a whole, MAC included
    _add_vouched(signers, side, renewed)
    if witness:
        for signer, head in audit_repo.signer_heads(conn).items():
            if signer in signers:
                signers[signer]["head"] = head
    side.signers, side.signers_mac = signers, signers_mac(side.vault_id, signers, current)
    return True


def _may_refresh(conn: Connection, side: Sidecar, admin_key: bytes | bytearray, mac_keys: list[bytes],
                 own_slot: str) -> bool:
    if side.signers or side.signers_mac:
        if not _mac_ok(side, mac_keys):
            return False
    elif audit_repo.signed_by_others(conn, own_slot):
        return False
    try:
        membership.verify(side, admin_key)    # signers come from the members an admin vouched for
    except IntegrityError:
        return False
    return True


def _add_vouched(signers: dict[str, dict], side: Sidecar, renewed: frozenset[str]) -> None:
    for slot_id, vouched in sorted(side.membership.items()):
        key = vouched.get("sign_public")
        if not key:
            continue                          # enrolled in person later, with keys the admin vouches for
        entry = signers.get(slot_id)
        if entry is None:
            signers[slot_id] = {"keys": [key], "user": vouched.get("user_id")}
        elif slot_id in renewed and key not in entry["keys"]:
            entry["keys"].append(key)         # the old key stays: the member's earlier events use it


def update_signers(conn: Connection, path: Path, admin_key: bytes | bytearray, own_slot: str) -> None:
    """At an admin's unlock: add new members to the signers map (see ``refresh_signers``)."""
    side = sidecar.read(path)
    before = (copy.deepcopy(side.signers), side.signers_mac)
    if refresh_signers(conn, side, admin_key, own_slot) and (side.signers, side.signers_mac) != before:
        sidecar.write(path, side)             # not on every unlock: only when a member was added


def recovery_reset(conn: Connection, side: Sidecar, opened: Opened, slot_id: str) -> None:
    """A reset with the recovery key: its event is signed by the recovery key, and the member's new
    signing key joins their entry in the map (the recovery key holds the administration key)."""
    if opened.member is None or ADMIN not in opened.keys:
        return
    audit_repo.bind_signer(conn, opened.slot_id, opened.member.sign)
    refresh_signers(conn, side, opened.keys[ADMIN], opened.slot_id, renewed=frozenset({slot_id}))


# -- verifying ------------------------------------------------------------------------------------

def verify(session: Session) -> AuditReport:
    """Check the whole trail (admins only: the signers map's MAC needs the administration key)."""
    session.require("audit")
    broken = audit_repo.verify(session.conn)
    head = audit_repo.head(session.conn)
    side = sidecar.read(session.path)
    anchor = side.audit_head
    tail_missing = bool(anchor) and (head["count"] < int(anchor.get("count", 0))
                                     or not audit_repo.contains_hash(session.conn, str(anchor.get("hash", ""))))
    check = _SignedCheck(side.signers)
    for row in audit_repo.signed_rows(session.conn):
        check.add(row)
    forged = not _mac_ok(side, _mac_keys(session)) if (side.signers or side.signers_mac or check.signed) else False
    return AuditReport(head["count"], broken, tail_missing, signed=check.signed, before_signing=check.before,
                       edited=check.edited, removed=check.removed, unverifiable=check.unverifiable,
                       cut_chains=check.cut_chains(), signers_forged=forged,
                       cut_anchors=_cut_anchors(session.conn, side),
                       cut_seen=len(audit_repo.events(session.conn, action=CUT_SEEN)))


class _SignedCheck:
    """Walks the events oldest first, keeping each signer's chain."""

    def __init__(self, signers: dict[str, dict]) -> None:
        self.signers = signers
        self.signed = self.before = 0
        self.edited: list[int] = []
        self.removed: list[int] = []
        self.unverifiable: list[int] = []
        self.last: dict[str, str] = {}           # signer -> hash of their previous event
        self.last_bad: set[str] = set()          # signers whose previous event was edited
        self.seen: dict[str, set[str]] = {}      # signer -> hashes of their events

    def add(self, row: SignedRow) -> None:
        event = row.event
        if row.signer is None:
            if self.signed:
                self.unverifiable.append(event.id)      # signing had begun: an unsigned event is not trusted
            else:
                self.before += 1
            return
        self.signed += 1
        signer = row.signer
        if row.signer_prev != self.last.get(signer, GENESIS) and signer not in self.last_bad:
            self.removed.append(event.id)
        self.last[signer] = event.hash
        self.seen.setdefault(signer, set()).add(event.hash)
        entry = self.signers.get(signer)
        if entry is None or not _names_its_signer(entry, signer, event.user_id):
            self.unverifiable.append(event.id)
            self.last_bad.discard(signer)
            return
        message = audit_repo.signed_message(event.hash, signer, row.signer_prev or "")
        valid = audit_repo.event_digest(event) == event.hash and any(
            signature_ok(unb64(key), message, row.signature or b"") for key in entry.get("keys", []))
        if valid:
            self.last_bad.discard(signer)
        else:
            self.edited.append(event.id)
            self.last_bad.add(signer)

    def cut_chains(self) -> int:
        """Signers whose newest event as last witnessed by an admin is no longer in the trail."""
        return sum(1 for signer, entry in self.signers.items()
                   if entry.get("head") and entry["head"] not in self.seen.get(signer, set()))


def _names_its_signer(entry: dict, signer: str, user_id: int | None) -> bool:
    """An event names the user whose key signed it; failed unlocks name nobody, and the recovery
    key's events (a reset) name the user they concern."""
    return signer == RECOVERY or user_id is None or entry.get("user") == user_id


def events(session: Session, offset: int, limit: int, action: str = "") -> list[audit_repo.AuditEvent]:
    """A page of events for the admin view, newest first."""
    session.require("audit")
    return audit_repo.events(session.conn, limit=limit, offset=offset, action=action)
