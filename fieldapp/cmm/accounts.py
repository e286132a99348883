"""Staff accounts on an open intake store: setting a store up, adding and removing staff (removal
replaces the keys the person held), reading a referral (logged first), and the openings log.

The key file is ``store.read_keyring()`` / ``store.write_keyring()``: ``<store>.keys`` beside a file,
the ``keyring`` row in a database. A change that touches both the key file and the rows is written in
an order that never loses a key: new keys go into the key file as *pending* first, then the rows are
sealed again, then the pending keys become current. An admin's next unlock finishes a change that was
cut off (``settle``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from fieldapp.cmm import casefile, staff
from fieldapp.cmm import store as db
from fieldapp.cmm.errors import IntakeStoreDamaged, StaffListChanged, UnknownStaff
from fieldapp.cmm.staff import ADMIN, ADMIN_KEY, CASE, CASEWORKER, INTAKE, STORE, Desk
from fieldapp.crypto import keys
from fieldapp.crypto.keys import KdfParams
from fieldapp.errors import InvalidInput
from fieldapp.i18n import _
from fieldapp.storage.sidecar import Sidecar

ROTATED = (STORE, CASE, ADMIN_KEY)       # CMM's intake seed is published to NGOs: it is not replaced here


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _entry(name: str, role: str, desk_keys) -> dict:
    return {"name": name, "role": role, "box_public": keys.b64(desk_keys.box_public),
            "sign_public": keys.b64(desk_keys.sign_public), "added_at": _now(), "removed_at": None}


def first_admin(name: str, passphrase: str, store_key: bytes | None,
                params: KdfParams | None = None) -> tuple[Sidecar, Desk]:
    """The key file of a new store with its first admin, and that admin's desk (holding every key)."""
    side = staff.new_keyring(store_key)
    held = {CASE: casefile.new_case_secret(), ADMIN_KEY: keys.new_data_key()}
    if store_key is not None:
        held[STORE] = store_key
    member_keys = staff.add_member(side, name, passphrase, ADMIN, held, params)
    return side, Desk(staff.slot_of(side, name), member_keys, {k: bytearray(v) for k, v in held.items()})


def set_up_rows(store, name: str, legacy_key: bytes | None = None) -> None:
    """The case key's public half, the first admin on the staff list and its MAC, and every body kept
    from before accounts sealed to the case key: one transaction. Run after the key file is written."""
    desk = store.desk
    case_secret = desk.key(CASE)

    def work() -> None:
        db.set_case_key(store, casefile.public_of(case_secret), _epoch(store, CASE))
        roster = {desk.slot_id: _entry(name, ADMIN, desk.member)}
        db.put_staff(store, desk.slot_id, roster[desk.slot_id])
        db.set_meta(store, "roster_mac", staff.roster_mac(desk.key(ADMIN_KEY), roster))
        _seal_bodies(store, case_secret, legacy_key)

    store.run_transaction(work)


def _epoch(store, name: str) -> int:
    return store.keyring.grants[name].epoch


def _seal_bodies(store, case_secret: bytes, legacy_key: bytes | None) -> int:
    """Seal every body kept from before staff accounts to the case key; their number."""
    epoch, public = _epoch(store, CASE), casefile.public_of(case_secret)
    count = 0
    for body in db.bodies_not_at(store, epoch):
        if body.sealed is not None:
            raise IntakeStoreDamaged()
        plain = store.open_legacy_body(body.packet_id, body.legacy, legacy_key)
        db.set_case_body(store, body.packet_id, casefile.seal(public, epoch, body.packet_id, plain), epoch)
        count += 1
    return count


# -- the staff list ------------------------------------------------------------------------------------

def verified_roster(store) -> dict[str, dict]:
    """The staff list, after its MAC checked out with the admin key (admins only)."""
    desk = store.desk
    desk.require(ADMIN)
    roster = db.roster(store)
    mac = db.meta(store, "roster_mac") or ""
    if not any(staff.roster_ok(k, roster, mac) for k in _admin_keys(desk)):
        raise StaffListChanged()
    return roster


def _admin_keys(desk: Desk) -> list[bytes]:
    return [bytes(k) for k in (desk.keys.get(ADMIN_KEY), desk.pending.get(ADMIN_KEY)) if k is not None]


def add_staff(store, name: str, passphrase: str, role: str, params: KdfParams | None = None) -> None:
    """A new account with the keys of ``role`` (an admin's act)."""
    if role not in staff.ROLES:
        raise InvalidInput(_("The role is one of: operator, caseworker, admin."))
    name = staff.check_name(name)
    desk, side = store.desk, store.keyring

    def work() -> None:
        roster = verified_roster(store)
        slot_id = staff.slot_of(side, name)
        if slot_id in roster:
            raise InvalidInput(_("A staff member with this name exists already (names are never reused, "
                                 "so the openings log stays clear)."))
        held = {k: bytes(v) for k, v in desk.keys.items()}
        member_keys = staff.add_member(side, name, passphrase, role, held, params)
        roster[slot_id] = _entry(name, role, member_keys)
        db.put_staff(store, slot_id, roster[slot_id])
        db.set_meta(store, "roster_mac", staff.roster_mac(desk.key(ADMIN_KEY), roster))
        store.write_keyring(side)

    store.run_transaction(work)


def remove_staff(store, name: str) -> None:
    """Take the account out and replace every key it held (but CMM's intake seed), so a copy of an old
    key file and the removed passphrase open nothing written from now on."""
    desk, side = store.desk, store.keyring
    roster = verified_roster(store)
    slot_id = staff.slot_of(side, staff.check_name(name))
    entry = roster.get(slot_id)
    if entry is None or entry["removed_at"] is not None:
        raise UnknownStaff()
    if slot_id == desk.slot_id:
        raise InvalidInput(_("You cannot remove your own account. Another admin can."))
    held = staff.remove_member(side, slot_id)
    active = {s: e for s, e in roster.items() if e["removed_at"] is None and s != slot_id}
    for key_name in ROTATED:
        if key_name in held and key_name in side.grants:
            fresh = casefile.new_case_secret() if key_name == CASE else keys.new_data_key()
            side.pending[key_name] = staff.reseal(side, key_name, fresh, active)
            desk.pending[key_name] = bytearray(fresh)
    store.write_keyring(side)            # the slot is gone and the new keys are safe before any row changes
    settle(store)


def settle(store) -> None:
    """Finish what a removal started (run at each admin's unlock): mark the removed on the staff list,
    seal the bodies to the new case key, re-encrypt a store file with the new store key, and make the
    pending keys current. Each step can run again after a cut."""
    desk, side = store.desk, store.keyring
    if desk.role != ADMIN or not (side.pending or _removed_slots(store)):
        return
    new_admin = desk.pending.get(ADMIN_KEY)

    def work() -> None:
        roster = verified_roster(store)
        for slot_id, entry in roster.items():
            if entry["removed_at"] is None and slot_id not in side.members:
                entry["removed_at"] = _now()
                db.put_staff(store, slot_id, entry)
        db.set_meta(store, "roster_mac", staff.roster_mac(bytes(new_admin or desk.keys[ADMIN_KEY]), roster))
        if CASE in side.pending:
            store.hold_case_key(exclusive=True)
            new_epoch = side.pending[CASE].epoch
            db.set_case_key(store, casefile.public_of(bytes(desk.pending[CASE])), new_epoch)
            _seal_bodies_rotating(store, desk.keys[CASE], _epoch(store, CASE), desk.pending[CASE], new_epoch)

    store.run_transaction(work)
    if STORE in side.pending:
        store.rekey(bytes(desk.pending[STORE]))
    for key_name in list(side.pending):
        side.grants[key_name] = side.pending.pop(key_name)
        desk.keys[key_name] = desk.pending.pop(key_name)
    store.write_keyring(side)


def _seal_bodies_rotating(store, old_case: bytearray, old_epoch: int, new_case: bytearray, new_epoch: int) -> None:
    """Bodies at the old epoch open with the old key; a body already at the new epoch is left as is."""
    public = casefile.public_of(bytes(new_case))
    for body in db.bodies_not_at(store, new_epoch):
        if body.sealed is None or body.epoch != old_epoch:
            raise IntakeStoreDamaged()
        plain = casefile.open_sealed(bytes(old_case), body.epoch, body.packet_id, body.sealed)
        db.set_case_body(store, body.packet_id, casefile.seal(public, new_epoch, body.packet_id, plain), new_epoch)


def _removed_slots(store) -> bool:
    """Whether the staff list still shows as active someone whose slot is gone (a cut-off removal)."""
    return any(e["removed_at"] is None and s not in store.keyring.members for s, e in db.roster(store).items())


def adopt_intake_seed(store, seed: bytes) -> None:
    """Keep CMM's secret seed in the key file, sealed to every operator and admin (an admin's act, once,
    from the secret key file ``intake keygen`` wrote)."""
    roster = {s: e for s, e in verified_roster(store).items() if e["removed_at"] is None}
    staff.grant_to_role(store.keyring, INTAKE, seed, roster)
    store.write_keyring(store.keyring)
    store.desk.keys[INTAKE] = bytearray(seed)


# -- reading referrals and the log of it --------------------------------------------------------------

def read_referral(store, packet_id: str) -> str | None:
    """A referral's JSON for a caseworker or admin; the opening is logged (signed by the reader) in the
    same transaction, before the body is opened. None if no such packet."""
    desk = store.desk
    desk.require(CASEWORKER)

    def work() -> str | None:
        body = db.stored_body(store, packet_id)
        if body is None:
            return None
        entry = casefile.next_opening(db.last_opening(store), _now(), desk.slot_id, packet_id, desk.member)
        db.add_opening(store, entry)
        if body.sealed is None:
            raise IntakeStoreDamaged()
        return casefile.open_sealed(_case_key_for(desk, store, body.epoch), body.epoch, packet_id, body.sealed)

    return store.run_transaction(work)


def _case_key_for(desk: Desk, store, epoch: int) -> bytes:
    side = store.keyring
    if CASE in side.pending and side.pending[CASE].epoch == epoch and CASE in desk.pending:
        return bytes(desk.pending[CASE])
    return desk.key(CASE)


@dataclass(frozen=True)
class LogLine:
    entry: casefile.Opening
    name: str
    sound: bool


def openings_log(store) -> list[LogLine]:
    """The openings log with each reader's name, each line checked (an admin's act)."""
    roster = verified_roster(store)
    entries = db.openings(store)
    publics = {s: keys.unb64(e["sign_public"]) for s, e in roster.items()}
    bad = set(casefile.problems(entries, publics))
    return [LogLine(e, roster.get(e.slot_id, {}).get("name", "?"), e.seq not in bad) for e in entries]
