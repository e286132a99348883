"""Staff accounts on an open intake store: setting a store up, adding and removing staff (removal
replaces the store, case and admin keys), reading a referral (logged first), and the openings log.

The key file is ``store.read_keyring()`` / ``store.write_keyring()``: ``<store>.keys`` beside a file,
the ``keyring`` row in a database; it is written only over the version it was read from. A change
that touches both the key file and the rows is written in an order that never loses a key: the new
keys go into the key file as *pending* first (each with a proof made with the key it replaces, so
nobody can plant one), then the rows are sealed and tagged again, then the pending keys become
current. An admin's next unlock finishes a change that was cut off (``settle``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from fieldapp.cmm import casefile, staff
from fieldapp.cmm import store as db
from fieldapp.cmm.errors import IntakeStoreDamaged, KeyFileChanged, StaffListChanged, UnknownStaff
from fieldapp.cmm.staff import ADMIN, ADMIN_KEY, CASE, CASEWORKER, INTAKE, STORE, Desk
from fieldapp.crypto import keys
from fieldapp.crypto.keys import KdfParams
from fieldapp.errors import FieldappError, InvalidInput
from fieldapp.i18n import _, ngettext
from fieldapp.storage.sidecar import Sidecar

ROTATED = (STORE, CASE, ADMIN_KEY)       # CMM's intake seed is published to NGOs: it is not replaced here


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _entry(name: str, role: str, member_keys) -> dict:
    return {"name": name, "role": role, "box_public": keys.b64(member_keys.box_public),
            "sign_public": keys.b64(member_keys.sign_public), "added_at": _now(), "removed_at": None}


def first_admin(name: str, passphrase: str, store_key: bytes | None = None,
                params: KdfParams | None = None) -> tuple[Sidecar, Desk]:
    """The key file of a new store with its first admin, and that admin's desk (holding every key);
    ``store_key`` is the key a store file of the first kind is encrypted with."""
    side = staff.new_keyring()
    held = {STORE: store_key or keys.new_data_key(), CASE: casefile.new_case_secret(),
            ADMIN_KEY: keys.new_data_key()}
    member_keys = staff.add_member(side, name, passphrase, ADMIN, held, params)
    return side, Desk(staff.slot_of(side, name), member_keys, {k: bytearray(v) for k, v in held.items()})


def set_up_rows(store, name: str, legacy_key: bytes | None = None) -> None:
    """The case key's public half, the first admin on the staff list and its MAC, and every body kept
    from before accounts sealed to the case key: one transaction. Run after the key file is written."""
    desk = store.desk
    case_secret, store_key = desk.key(CASE), desk.key(STORE)

    def work() -> None:
        epoch, public = store.keyring.grants[CASE].epoch, casefile.public_of(case_secret)
        db.set_case_key(store, public, epoch, store_key)
        roster = {desk.slot_id: _entry(name, ADMIN, desk.member)}
        db.put_staff(store, desk.slot_id, roster[desk.slot_id])
        db.set_meta(store, "roster_mac", staff.roster_mac(desk.key(ADMIN_KEY), roster))
        for body in db.bodies_not_at(store, epoch):
            if body.sealed is not None:
                raise IntakeStoreDamaged()
            plain = store.open_legacy_body(body.packet_id, body.legacy, legacy_key)
            db.set_case_body(store, body.packet_id, casefile.seal(public, store_key, epoch, body.packet_id, plain),
                             epoch)

    store.run_transaction(work)


# -- the staff list ------------------------------------------------------------------------------------

def verified_roster(store) -> dict[str, dict]:
    """The staff list, after its MAC checked out with the admin key (admins only)."""
    desk = store.desk
    desk.require(ADMIN)
    roster = db.roster(store)
    mac = db.meta(store, "roster_mac") or ""
    admin_keys = _both(desk, ADMIN_KEY) if staff.pending_proven(store.keyring, desk) else [desk.key(ADMIN_KEY)]
    if not any(staff.roster_ok(k, roster, mac) for k in admin_keys):
        if store.read_keyring().sequence != store.keyring.sequence:
            raise KeyFileChanged()                    # another admin replaced the keys since this unlock
        raise StaffListChanged()
    return roster


def _both(desk: Desk, name: str) -> list[bytes]:
    """The current key ``name`` and, during a replacement, the pending one."""
    return [bytes(k) for k in (desk.keys.get(name), desk.pending.get(name)) if k is not None]


def _active(roster: dict[str, dict]) -> dict[str, dict]:
    return {s: e for s, e in roster.items() if e["removed_at"] is None}


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

    try:
        store.run_transaction(work)
    except BaseException:
        store.keyring = store.read_keyring()          # the slot added in memory was not saved
        raise


def remove_staff(store, name: str) -> None:
    """Take the account out and replace the store, case and admin keys (CMM's intake seed stays), so a
    copy of an old key file and the removed passphrase open nothing written from now on."""
    desk, side = store.desk, store.keyring
    roster = verified_roster(store)
    slot_id = staff.slot_of(side, staff.check_name(name))
    entry = roster.get(slot_id)
    if entry is None or entry["removed_at"] is not None:
        raise UnknownStaff()
    if slot_id == desk.slot_id:
        raise InvalidInput(_("You cannot remove your own account. Another admin can."))
    if side.pending:
        raise InvalidInput(_("A replacement of the store's keys is still to be finished; an admin's next "
                             "unlock finishes it."))
    staff.remove_member(side, slot_id)
    _plan_replacement(store, {s: e for s, e in _active(roster).items() if s != slot_id})
    store.write_keyring(side)            # the slot is gone and the new keys are safe before any row changes
    _replace_keys(store)


def _plan_replacement(store, keep: dict[str, dict]) -> None:
    """New store, case and admin keys, pending in the key file (in memory until written), sealed to the
    members in ``keep`` by the public keys of the vouched staff list, each proven with the admin key."""
    desk, side = store.desk, store.keyring
    if side.pending:
        raise InvalidInput(_("A replacement of the store's keys is still to be finished; an admin's next "
                             "unlock finishes it."))
    admin_key = desk.key(ADMIN_KEY)
    for key_name in ROTATED:
        fresh = casefile.new_case_secret() if key_name == CASE else keys.new_data_key()
        side.pending[key_name] = staff.reseal(side, key_name, fresh, admin_key, keep)
        desk.pending[key_name] = bytearray(fresh)


def replace_keys(store) -> list[str]:
    """New store, case and admin keys for everyone on the staff list (an admin's act; a converted store
    gets them at once, so the key its old shared passphrase wrapped opens nothing new)."""
    _plan_replacement(store, _active(verified_roster(store)))
    store.write_keyring(store.keyring)
    return _replace_keys(store)


def settle(store, name: str | None = None) -> list[str]:
    """At each admin's unlock: finish what a set-up, a conversion or a removal started, and check the
    case key; returns what the admin should be told. Each step can run again after a cut, and none
    throws anything away. Tables changed by hand never lock the admins out: what fails is told."""
    if store.desk.role != ADMIN:
        return []
    try:
        return _settle(store, name)
    except FieldappError as error:
        return [_("A check at unlock could not be finished: {error}").format(error=error.message)]


def _settle(store, name: str | None) -> list[str]:
    desk, side = store.desk, store.keyring
    if not db.roster(store):                          # a set-up or a conversion cut off before its rows
        set_up_rows(store, staff.check_name(name or staff.FIRST_ADMIN))
    if side.pending and staff.pending_forged(side, desk):
        side.pending.clear()                          # planted by someone without the admin key
        desk.pending.clear()
        store.write_keyring(side)
    if side.pending:                                  # a replacement cut off: finish it, never drop it
        if staff.pending_proven(side, desk):
            return _replace_keys(store)
        return [_("A replacement of the store's keys was started and cannot be finished from this account; "
                  "another admin's unlock finishes it.")]
    notices = _check_case_public(store)
    try:
        active = _active(verified_roster(store))
    except StaffListChanged as changed:               # said at once; staff commands refuse until it is restored
        return [*notices, changed.message]
    vanished = {s for s in active if s not in side.members}
    if vanished or side.rotation_due:                 # a slot taken out by hand, or a conversion cut off
        _plan_replacement(store, {s: e for s, e in active.items() if s not in vanished})
        store.write_keyring(side)
        notices += _replace_keys(store)
        if vanished:
            notices.append(_("Someone took a staff member's slot out of the key file by hand; the keys were "
                             "replaced all the same."))
    return notices


def _check_case_public(store) -> list[str]:
    """The case key's public half in the rows must be the one the admin's key opens; if not (someone put
    another there, or took it away), it is set back."""
    desk, side = store.desk, store.keyring
    epoch, public = side.grants[CASE].epoch, casefile.public_of(desk.key(CASE))
    try:
        case = db.case_key(store)
    except IntakeStoreDamaged:
        case = None
    if case is not None and (case.epoch, case.public) == (epoch, public):
        return []
    store.run_transaction(lambda: db.set_case_key(store, public, epoch, desk.key(STORE)))
    return [_("The case key's public half in the intake store had been changed and was set back. Referrals "
              "received meanwhile may not open.")]


def _replace_keys(store) -> list[str]:
    desk, side = store.desk, store.keyring
    unopened = []

    def work() -> None:
        unopened.clear()
        roster = verified_roster(store)
        for slot_id, entry in roster.items():
            if entry["removed_at"] is None and slot_id not in side.members:
                entry["removed_at"] = _now()
                db.put_staff(store, slot_id, entry)
        db.set_meta(store, "roster_mac", staff.roster_mac(bytes(desk.pending[ADMIN_KEY]), roster))
        store.hold_case_key(exclusive=True)
        new_epoch, new_case, new_store = side.pending[CASE].epoch, bytes(desk.pending[CASE]), bytes(desk.pending[STORE])
        new_public = casefile.public_of(new_case)
        db.set_case_key(store, new_public, new_epoch, new_store)
        for body in db.bodies_not_at(store, new_epoch):
            try:
                plain = casefile.open_sealed(_case_key_for(store, body.epoch), db.store_keys(store), body.epoch,
                                             body.packet_id, body.sealed or b"")
            except IntakeStoreDamaged:
                unopened.append(body.packet_id)       # left as it is: it did not open before either
                continue
            db.set_case_body(store, body.packet_id,
                             casefile.seal(new_public, new_store, new_epoch, body.packet_id, plain), new_epoch)

    store.run_transaction(work)
    store.rekey(bytes(desk.pending[STORE]))
    for key_name in list(side.pending):
        side.grants[key_name] = side.pending.pop(key_name)
        desk.keys[key_name] = desk.pending.pop(key_name)
    side.rotation_due = []
    try:
        store.write_keyring(side)
    except KeyFileChanged as exc:
        raise KeyFileChanged(_("The store's keys were replaced, but another desk wrote the key file at the same "
                               "moment. An admin's next unlock finishes the replacement.")) from exc
    if not unopened:
        return []
    return [ngettext("{count} referral in the intake store does not open (changed outside fieldapp); it was left "
                     "as it is.", "{count} referrals in the intake store do not open (changed outside fieldapp); "
                     "they were left as they are.", len(unopened)).format(count=len(unopened))]


def adopt_intake_seed(store, seed: bytes) -> None:
    """Keep CMM's secret seed in the key file, sealed to every operator and admin (an admin's act, once,
    from the secret key file ``intake keygen`` wrote)."""

    def work() -> None:
        staff.grant_to_role(store.keyring, INTAKE, seed, _active(verified_roster(store)))
        store.write_keyring(store.keyring)

    store.run_transaction(work)
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
        return casefile.open_sealed(_case_key_for(store, body.epoch), db.store_keys(store), body.epoch, packet_id,
                                    body.sealed)

    return store.run_transaction(work)


def _case_key_for(store, epoch: int | None) -> bytes:
    """The case key a body at ``epoch`` is sealed to: the current one, or during a replacement the new."""
    desk, side = store.desk, store.keyring
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
