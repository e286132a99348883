"""Create, unlock and upgrade vaults.

A vault is ``<name>`` (the core compartment: a SQLCipher file keyed with its own random key in
raw-key mode), ``<name>.health`` and ``<name>.legal`` (compartment files with keys of their own)
and ``<name>.keys`` (the key file: members and the compartment keys sealed to them; see
``hierarchy``). A user's session attaches only the compartments whose keys their slot holds.

Errors are told apart here, because SQLCipher answers every one of them with "file is not a
database":

- no database file                         -> VaultMissing
- another process holds the vault          -> VaultInUse
- empty, plain SQLite, not whole pages,
  missing or malformed key file            -> NotAVault (nothing is decrypted, nothing written)
- the authenticated unwrap fails           -> WrongPassphrase
- the key unwraps but the file won't read  -> NotAVault (a damaged or foreign file)
- it reads but fails its integrity checks  -> opened read-only with a warning
- a one-key vault of the first kind        -> NeedsUpgrade (an admin upgrades it: ``upgrade``)
"""

from __future__ import annotations

import contextlib
import secrets
from pathlib import Path

from fieldapp.crypto import keys
from fieldapp.crypto.keys import KdfParams
from fieldapp.domain.records import User
from fieldapp.errors import (
    FieldappError,
    IntegrityError,
    InvalidInput,
    NeedsUpgrade,
    NotAVault,
    PermissionDenied,
    VaultExists,
    VaultMissing,
    WrongPassphrase,
)
from fieldapp.i18n import _, ngettext
from fieldapp.security import (
    audit,
    backoff,
    copies,
    hierarchy,
    leaving,
    membership,
    retention_policy,
    rotation,
    slots,
    wipe,
)
from fieldapp.security.hierarchy import CORE, FILE_COMPARTMENTS, ROLE_KEYS
from fieldapp.security.session import Session
from fieldapp.security.slots import Opened
from fieldapp.storage import audit_repo, compartments, migrations, sidecar, users_repo
from fieldapp.storage.connection import (
    Connection,
    DatabaseError,
    VaultLock,
    close_connection,
    connect,
    integrity_problems,
    looks_like_vault_file,
    transaction,
)
from fieldapp.storage.sidecar import Sidecar

RECOVERY_SLOT = hierarchy.RECOVERY


def vault_exists(path: Path) -> bool:
    return Path(path).exists()


def is_demo(path: Path) -> bool:
    with contextlib.suppress(Exception):
        return sidecar.read(Path(path)).demo
    return False


def create_vault(path: Path, user_name: str, role: str, passphrase: str, *, demo: bool = False,
                 params: KdfParams | None = None) -> tuple[Session, str]:
    """A new vault with its first user; returns the open session and the recovery key (shown once).

    Every compartment gets its own key; the recovery key holds them all, the first user those of
    their role.
    """
    path = Path(path)
    if path.exists() or sidecar.sidecar_path(path).exists():
        raise VaultExists()
    params = params or keys.default_params()
    side = Sidecar(vault_id=secrets.token_hex(16), lookup_salt=keys.new_salt(), demo=demo)
    slot_id = keys.lookup_id(side.lookup_salt, user_name)
    member, member_keys = hierarchy.new_member(side, slot_id, passphrase, params)
    recovery_key = keys.new_recovery_key()
    side.members = {slot_id: member, RECOVERY_SLOT: hierarchy.new_member(side, RECOVERY_SLOT, recovery_key, params)[0]}
    all_keys = {name: bytearray(keys.new_data_key()) for name in hierarchy.COMPARTMENTS}
    for name, key in all_keys.items():
        hierarchy.grant(side, name, key, {RECOVERY_SLOT} | ({slot_id} if name in ROLE_KEYS[role] else set()))
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = connect(path, all_keys[CORE], create=True)
    path.chmod(0o600)
    try:
        migrations.migrate(conn)
        _make_compartments(conn, path, all_keys)
        with transaction(conn):
            user = users_repo.insert_user(conn, User(name=user_name.strip(), role=role), slot_id)
            audit_repo.bind_signer(conn, slot_id, member_keys.sign)
            audit_repo.append(conn, user.id, "vault.create")
        membership.record(side, slot_id, user.id, role)
        membership.record(side, RECOVERY_SLOT, None, membership.RECOVERY_ROLE)
        membership.seal_list(side, all_keys[hierarchy.ADMIN])
        sidecar.write(path, side, create=True)
    except BaseException:
        audit_repo.unbind_signer(conn)
        conn.close()
        for leftover in wipe.vault_files(path):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
        raise
    held = {name: key for name, key in all_keys.items() if name in ROLE_KEYS[role]}
    for name in set(FILE_COMPARTMENTS) - set(held):
        compartments.detach(conn, name)
    for name, key in all_keys.items():
        if name not in held:
            key[:] = bytes(len(key))
    lock = VaultLock(path)
    lock.acquire()
    session = Session(path, conn, user, lock, demo=demo, keys=held, member=member_keys, slot_id=slot_id)
    session.start_signing()
    return session, recovery_key


def _make_compartments(conn: Connection, path: Path, all_keys: dict[str, bytearray]) -> None:
    """Create each compartment file and move its (new, or upgraded) tables out of the core file."""
    for name in FILE_COMPARTMENTS:
        compartments.attach(conn, path, name, all_keys[name], create=True)
        compartments.move_out_of_main(conn, name)


def _preflight(path: Path) -> tuple[VaultLock, Sidecar]:
    """Everything that can be refused without a key; holds the vault's lock on success."""
    if not path.exists():
        raise VaultMissing()
    if not path.is_file():
        raise NotAVault()
    lock = VaultLock(path)
    lock.acquire()
    try:
        looks_like_vault_file(path)
        side = sidecar.read(path)
    except BaseException:
        lock.release()
        raise
    return lock, side


def unlock(path: Path, user_name: str | None, passphrase: str, *,
           on_leaving: leaving.OnLeaving | None = None) -> Session:
    """Open the vault for one user, or raise one of the errors in the module docstring.

    Without a user name every user's slot is tried (slower: one key derivation per user).
    Wrong passphrases are counted in the key file and slow further attempts (see backoff).
    An admin's unlock finishes deactivations a crash cut short only when handed ``on_leaving``, the
    step of the layers above (the front ends unlock through ``fieldapp.lifecycle.members``); without
    it they stay listed as leaving for an unlock that can finish them.
    """
    path = Path(path)
    lock, side = _preflight(path)
    opened: Opened | None = None
    try:
        opened = slots.gated(path, side, passphrase, lambda: slots.for_user(side, user_name, passphrase))
        if side.legacy:
            raise NeedsUpgrade()
        session = _open_session(path, side, opened, lock)
    except BaseException:
        if opened is not None:
            opened.forget()
        lock.release()
        raise
    try:
        failures = backoff.take_failures(path, side)
        cut = _anchor_warning(session, side)
        session.start_signing()
        _audit_unlock(session, failures, cut)
        session.anchor_now()                         # an anchor from this unlock on, even if a crash comes
        _forget_old_copies(session)
        if not session.read_only and session.can("users"):
            _admin_checks(session, side, on_leaving)
    except BaseException:
        session.close(audit_lock=False)              # never leave the vault locked by a half-open session
        raise
    return session


def _admin_checks(session: Session, side: Sidecar, on_leaving: leaving.OnLeaving | None) -> None:
    """At an admin's unlock: finish rotations a crash cut short, destroy a pre-upgrade copy an upgrade
    cut short left behind, and say what needs the admin; a problem here is a warning, never a lock-out."""
    try:
        membership.verify(side, session.keys[hierarchy.ADMIN])
        _run_due_rotations(session)
        adopted = retention_policy.adopt_old_policy(session)
        if adopted is not None:
            session.warnings.append(_(
                "The retention policy (people after {people} months without contact, visits after {visits} "
                "months) is now kept under the administration key, with automatic runs off. Anyone with the "
                "vault files could change it before: check it in Settings before the next run.").format(
                people=adopted.people_inactive_months, visits=adopted.visits_months))
        if on_leaving is not None and leaving.finish_deactivations(session, on_leaving):
            session.warnings.append(_("A deactivation was cut short and has now been finished. If the "
                                      "organisation sends referrals, send the new key statement in the "
                                      "cmm-key-rotation folder to CMM."))
        pre = session.path.with_name(session.path.name + wipe.PRE_UPGRADE_SUFFIX)
        if pre.exists() and not any(compartments.still_in_main(session.conn, n) for n in FILE_COMPARTMENTS):
            wipe.destroy_copy(pre)
    except FieldappError as error:
        session.warnings.append(error.message)
    except Exception:                                 # a hostile file or setting: a warning, never a lock-out
        session.warnings.append(_("A check at unlock could not be finished. The vault is open; "
                                  "ask for help if this message comes back."))
    if side.recovery_unconfirmed:
        session.warnings.append(_("The vault's recovery key was never confirmed as written down. Make a new "
                                  "one now: Settings > Users > New recovery key."))


def _open_session(path: Path, side: Sidecar, opened: Opened, lock: VaultLock) -> Session:
    conn, read_only, warnings = _open_core(path, side, opened)
    try:
        user = _active_user(conn, opened.slot_id)
        _attach_held(conn, path, side, opened, read_only=read_only, warnings=warnings)
        if not read_only:
            compartments.forget_id_map(conn, path, set(side.grants))     # once every file has random ids
            _settle_rotations(path, side, opened)
            with transaction(conn):
                compartments.drop_orphans(conn)    # rows of contacts deleted by someone without this key
    except BaseException:
        conn.close()
        raise
    return Session(path, conn, user, lock, read_only=read_only, demo=side.demo, warnings=warnings,
                   keys=opened.keys, member=opened.member, slot_id=opened.slot_id)


def _open_core(path: Path, side: Sidecar, opened: Opened):
    """The core file with the current key, or with a rotation's new key when a crash came after
    its rekey and before the key file said so (the rotation is then finished here)."""
    current, pending = opened.keys.get(CORE), opened.pending.get(CORE)
    if current is None:
        raise NotAVault()
    try:
        return _open_checked(path, current)
    except NotAVault:
        if pending is None or not hierarchy.rotation_proven(side, CORE, current, pending):
            raise
    result = _open_checked(path, pending)
    _promote(side, opened, CORE)
    sidecar.write(path, side)
    return result


def _attach_held(conn: Connection, path: Path, side: Sidecar, opened: Opened, *, read_only: bool,
                 warnings: list[str]) -> None:
    """Attach each compartment this member holds; a damaged one is left out with a warning."""
    changed = False
    for name in FILE_COMPARTMENTS:
        key = opened.keys.get(name)
        if key is None:
            continue
        missing = not compartments.compartment_path(path, name).exists()
        if missing and (read_only or not compartments.still_in_main(conn, name)):
            _leave_out(opened, name, warnings)      # never an empty file in place of records that existed
            continue
        try:
            compartments.attach(conn, path, name, key, create=missing, read_only=read_only)
        except NotAVault:
            pending = opened.pending.get(name)
            try:
                if pending is None or not hierarchy.rotation_proven(side, name, key, pending):
                    raise
                compartments.attach(conn, path, name, pending, read_only=read_only)
            except NotAVault:
                _leave_out(opened, name, warnings)
                continue
            _promote(side, opened, name)        # a crash came after the rekey: the new key is the one
            changed = True
        if integrity_problems(conn, schema=name) or not _converted(conn, name, read_only, warnings):
            compartments.detach(conn, name)
            _leave_out(opened, name, warnings)
            continue
        if not read_only:
            compartments.move_out_of_main(conn, name)      # an upgrade cut short finishes here
    if changed:
        sidecar.write(path, side)


def _converted(conn: Connection, name: str, read_only: bool, warnings: list[str]) -> bool:
    """Random ids for a compartment file still on counted ids (the first unlock after migration 6 by a
    holder of its key); False if that cannot be done."""
    if read_only:
        return True
    try:
        dropped = compartments.convert_attached(conn, name)
    except NotAVault:
        return False
    if dropped:
        warnings.append(ngettext(
            "{count} restricted record whose contact no longer exists was not carried over to the new record ids.",
            "{count} restricted records whose contacts no longer exist were not carried over to the new record ids.",
            dropped).format(count=dropped))
    return True


def _leave_out(opened: Opened, name: str, warnings: list[str]) -> None:
    """A compartment that does not open or fails its checks: the rest of the vault still opens."""
    opened.keys.pop(name)[:] = bytes(keys.KEY_BYTES)
    pending = opened.pending.pop(name, None)
    if pending is not None:
        pending[:] = bytes(len(pending))
    warnings.append(_("Some restricted records failed their integrity check and were not opened. "
                      "Restore a backup or ask for help."))


def _promote(side: Sidecar, opened: Opened, name: str) -> None:
    hierarchy.finish_rotation(side, name)
    old = opened.keys.get(name)
    if old is not None:
        old[:] = bytes(len(old))
    opened.keys[name] = opened.pending.pop(name)


def _settle_rotations(path: Path, side: Sidecar, opened: Opened) -> None:
    """A pending rotation whose file still opens with the current key was cut short before its rekey
    (or was forged by someone who can write the key file). A key taken from the file is never used to
    re-encrypt anything: the pending keys are dropped and the rotation is marked due, so the next admin
    runs it again with keys made in their own process (``_run_due_rotations``)."""
    if not opened.pending:
        return
    for name in sorted(opened.pending):
        side.pending.pop(name, None)
        if name not in side.rotation_due:
            side.rotation_due.append(name)
    opened.forget_pending()
    sidecar.write(path, side)


def _run_due_rotations(session: Session) -> None:
    """An admin's unlock finishes the rotations a crash cut short (new keys, rekey, record)."""
    side = sidecar.read(session.path)
    due = {name for name in side.rotation_due if name in session.keys} | (set(side.pending) & set(session.keys))
    if not due or not session.can("users"):
        return
    side.pending = {name: grant for name, grant in side.pending.items() if name not in due}
    side.rotation_due = [name for name in side.rotation_due if name not in due]
    rotation.rotate(session, side, due)


def _active_user(conn: Connection, slot_id: str) -> User:
    try:
        user = users_repo.user_by_lookup(conn, slot_id)
    except DatabaseError as exc:          # a damaged page the quick check did not reach
        raise NotAVault() from exc
    if user is None:
        raise NotAVault()
    if not user.active:
        raise PermissionDenied(_("This account has been deactivated. Ask an administrator."))
    return user


def _forget_old_copies(session: Session) -> None:
    """The copy written before a migration is kept for a while, then destroyed in place."""
    if not session.read_only:
        copies.forget_pre_migration(session.path, older_than=copies.PRE_MIGRATION_KEPT)


def _anchor_warning(session: Session, side: Sidecar) -> str | None:
    """Whether events this member saw at their last lock are gone (their own signed anchor)."""
    if session.member is None or not session.slot_id or session.read_only:
        return None                     # a damaged file is reported already and opened read-only
    warning = audit.check_own_anchor(session.conn, side, session.slot_id, session.member.sign_public)
    if warning:
        session.warnings.append(warning)
    return warning


def _audit_unlock(session: Session, failures: list[float], cut: str | None = None) -> None:
    if session.read_only:
        return
    with session.write() as conn:
        for moment in failures:
            audit_repo.append(conn, None, "unlock.failed", at=moment)
        if cut:
            audit_repo.append(conn, session.user.id, audit.CUT_SEEN)    # signed: stays for the admins
        audit_repo.append(conn, session.user.id, "unlock", audit.ANCHORED if session.member else "")


def _open_checked(path: Path, data_key: bytes, *, copy_first: bool = True):
    """Open with the right key, check integrity, migrate (after a verified copy of the vault as it was,
    unless ``copy_first`` is False); read-only if the checks fail."""
    conn = connect(path, data_key)
    try:
        problems = integrity_problems(conn)
    except Exception as exc:  # any failure to read after a good unwrap means damage
        conn.close()
        raise NotAVault() from exc
    if problems:
        conn.close()
        conn = connect(path, data_key, read_only=True)
        return conn, True, [_("The vault failed its integrity check. It was opened read-only; "
                              "restore a backup or ask for help.")]
    notes = []
    try:
        if copy_first and 0 < migrations.schema_version(conn) < migrations.LATEST:
            copy = copies.pre_migration_backup(conn, path, bytes(data_key))
            notes.append(_("The vault was upgraded to this version of fieldapp. A checked copy of it as it was "
                           "is kept beside it as {name} for {days} days, for an earlier version to restore.")
                         .format(name=copy.name, days=copies.PRE_MIGRATION_KEPT.days))
        migrations.migrate(conn)
    except BaseException:
        conn.close()
        raise
    return conn, False, notes


def upgrade(path: Path, user_name: str | None, passphrase: str) -> tuple[Session, str]:
    """Upgrade a one-key vault of the first kind to compartments (an admin only); returns the open
    session and the NEW recovery key (the old one no longer opens anything).

    A verified backup is written beside the vault first (``<vault>.pre-upgrade``), and destroyed in
    place once every health and legal row is counted in its new file (it is under the old key, which
    every earlier user held; if the counts differ it is kept for an admin to look at). The key file is
    rewritten with the new keys before any table moves, so a crash half-way finishes at the next
    unlock. Other users' slots keep the core key only; their role's other keys follow when an
    admin grants them.
    """
    path = Path(path)
    lock, side = _preflight(path)
    opened: Opened | None = None
    conn = None
    try:
        if not side.legacy:
            raise InvalidInput(_("This vault is already up to date."))
        opened = slots.gated(path, side, passphrase, lambda: slots.for_user(side, user_name, passphrase))
        conn = connect(path, opened.keys[CORE])          # the role first: a refusal migrates nothing
        try:
            user = _active_user(conn, opened.slot_id)
        finally:
            close_connection(conn)
        if user.role != "admin":
            raise NeedsUpgrade()
        # not copied under the old key that every user held: the pre-upgrade copy is destroyed once verified
        conn, read_only, _warnings = _open_checked(path, opened.keys[CORE], copy_first=False)
        if read_only:
            raise IntegrityError()
        before = copies.pre_upgrade_backup(conn, path, bytes(opened.keys[CORE]))
        recovery_key, member_keys, all_keys = _new_hierarchy(side, opened, passphrase, conn)
        sidecar.write(path, side)
        _make_compartments(conn, path, all_keys)
        audit_repo.bind_signer(conn, opened.slot_id, member_keys.sign)
        with transaction(conn):
            audit_repo.append(conn, user.id, "vault.upgrade")
        if compartments.moved_whole(conn, before):
            # Under the old key that every earlier user held: destroyed once every row is in place.
            wipe.destroy_copy(path.with_name(path.name + wipe.PRE_UPGRADE_SUFFIX))
    except BaseException:
        if conn is not None:
            audit_repo.unbind_signer(conn)
            conn.close()
        if opened is not None:
            opened.forget()
        lock.release()
        raise
    session = Session(path, conn, user, lock, demo=side.demo, keys=all_keys, member=member_keys,
                      slot_id=opened.slot_id)
    session.start_signing()
    return session, recovery_key


def _new_hierarchy(side: Sidecar, opened: Opened, passphrase: str, conn: Connection):
    """Members for the upgrading admin and a new recovery key; the core key stays the old data key
    (the other users' slots still wrap it), every other compartment gets a new key."""
    params = keys.default_params()
    member, member_keys = hierarchy.new_member(side, opened.slot_id, passphrase, params)
    recovery_key = keys.new_recovery_key()
    side.members = {opened.slot_id: member,
                    RECOVERY_SLOT: hierarchy.new_member(side, RECOVERY_SLOT, recovery_key, params)[0]}
    side.slots.pop(opened.slot_id, None)
    side.recovery = None
    all_keys = {CORE: opened.keys[CORE]}
    all_keys.update({name: bytearray(keys.new_data_key()) for name in hierarchy.COMPARTMENTS if name != CORE})
    for name, key in all_keys.items():
        hierarchy.grant(side, name, key, {RECOVERY_SLOT, opened.slot_id})
    for user in users_repo.list_users(conn):     # the admin vouches for the users as the one-key vault had them
        slot_id = users_repo.lookup_of(conn, user.id)
        if slot_id == opened.slot_id or (user.active and slot_id in side.slots):
            membership.record(side, slot_id, user.id, user.role)
    membership.record(side, RECOVERY_SLOT, None, membership.RECOVERY_ROLE)
    membership.seal_list(side, all_keys[hierarchy.ADMIN])
    side.recovery_unconfirmed = True      # until the new key is seen written down (a crash may come first)
    return recovery_key, member_keys, all_keys


def change_passphrase(session: Session, old: str, new: str) -> None:
    """Re-wrap the signed-in user's private keys; the keys and the data stay as they are."""
    session.require("records")
    side = sidecar.read(session.path)
    opened = slots.gated(session.path, side, old, lambda: slots.for_user(side, session.user.name, old))
    try:
        slots.refuse_wipe_passphrase(side, new)
        if opened.member is None:
            side.slots[opened.slot_id] = slots.make_legacy_slot(side, opened.slot_id, new,
                                                                bytes(opened.keys[CORE]), keys.default_params())
        else:
            side.members[opened.slot_id] = hierarchy.new_member(side, opened.slot_id, new, keys.default_params(),
                                                                opened.member)[0]
        sidecar.write(session.path, side)
    finally:
        opened.forget()
    session.audit("user.passphrase_changed", "user", session.user.id)


def add_user(session: Session, name: str, role: str, passphrase: str, admin_passphrase: str,
             *, params: KdfParams | None = None) -> User:
    """Add a member: new key pairs wrapped by their passphrase, and the keys of their role sealed to
    them from the admin's own keys. The admin's passphrase is asked again (through the gate)."""
    session.require("users")
    side = sidecar.read(session.path)
    opened = slots.gated(session.path, side, admin_passphrase,
                         lambda: slots.for_user(side, session.user.name, admin_passphrase))
    opened.forget()
    slots.refuse_wipe_passphrase(side, passphrase)
    slot_id = keys.lookup_id(side.lookup_salt, name)
    if ROLE_KEYS[role] - set(session.keys):
        raise PermissionDenied()
    membership.verify(side, session.keys[hierarchy.ADMIN])
    enrolling = membership.awaits_enrolment(side, slot_id)
    if (slot_id in side.members or slot_id in side.slots) and not enrolling:
        raise VaultExists(_("A user with this name already exists."))
    side.slots.pop(slot_id, None)
    side.members[slot_id] = hierarchy.new_member(side, slot_id, passphrase, params or keys.default_params())[0]
    user_id = side.membership[slot_id]["user_id"] if enrolling else None
    membership.forget(side, slot_id)                   # not listed while its keys are sealed in this process
    for compartment in ROLE_KEYS[role]:
        hierarchy.grant(side, compartment, session.keys[compartment], {slot_id})
    with session.write() as conn:
        if enrolling:      # a user of an upgraded one-key vault, enrolled again in person with their role's keys
            users_repo.set_role(conn, user_id, role)
            user = users_repo.user_by_lookup(conn, slot_id) or User(name=name.strip(), role=role, id=user_id)
            audit_repo.append(conn, session.user.id, "user.enrol", "user", user_id)
        else:
            user = users_repo.insert_user(conn, User(name=name.strip(), role=role), slot_id)
            audit_repo.append(conn, session.user.id, "user.add", "user", user.id)
        membership.record(side, slot_id, user_id if enrolling else user.id, role)
        membership.seal_list(side, session.keys[hierarchy.ADMIN])
        sidecar.write(session.path, side)
    return user


def new_recovery_key(session: Session, admin_passphrase: str) -> str:
    """A new recovery key (admins, who hold every key): a new recovery member, and every compartment
    key rotated and sealed to it and the other members, so the key printed before opens nothing, even
    with an older copy of the key file. Shown once by the caller, who then calls ``confirm_recovery_key``."""
    session.require("users")
    side = sidecar.read(session.path)
    opened = slots.gated(session.path, side, admin_passphrase,
                         lambda: slots.for_user(side, session.user.name, admin_passphrase))
    opened.forget()
    if set(hierarchy.COMPARTMENTS) - set(session.keys):
        raise PermissionDenied()
    membership.verify(side, session.keys[hierarchy.ADMIN])
    recovery_key = keys.new_recovery_key()
    side.members[RECOVERY_SLOT] = hierarchy.new_member(side, RECOVERY_SLOT, recovery_key, keys.default_params())[0]
    membership.forget(side, RECOVERY_SLOT)
    membership.record(side, RECOVERY_SLOT, None, membership.RECOVERY_ROLE)
    membership.seal_list(side, session.keys[hierarchy.ADMIN])
    side.recovery_unconfirmed = True
    audit.refresh_signers(session.conn, side, session.keys[hierarchy.ADMIN], session.slot_id,
                          renewed=frozenset({RECOVERY_SLOT}))
    # Every key turns too: the old paper with an old copy of the key file must open nothing live.
    rotation.rotate(session, side, set(hierarchy.COMPARTMENTS))
    session.audit("recovery_key.new")
    return recovery_key


def confirm_recovery_key(session: Session) -> None:
    """The admin has seen the new recovery key written down or printed."""
    session.require("users")
    side = sidecar.read(session.path)
    if side.recovery_unconfirmed:
        side.recovery_unconfirmed = False
        sidecar.write(session.path, side)


def set_wipe_passphrase(session: Session, passphrase: str | None, wipe_after: int | None = None) -> None:
    """Set (a text), remove ("") or keep (None) the wipe passphrase, and the failure limit (0 = off).

    Needs the admin's "wipe" capability. A wipe passphrase that opens any user's slot or the
    recovery key is refused: an ordinary unlock would then destroy the vault.
    """
    session.require("wipe")
    side = sidecar.read(session.path)
    membership.verify(side, session.keys[hierarchy.ADMIN])
    if passphrase:
        if slots.secret_opens_any_slot(side, passphrase):
            raise InvalidInput(_("The wipe passphrase must differ from every user's passphrase "
                                 "and from the recovery key."))
        side.wipe_check = wipe.wipe_check_for(passphrase)
    elif passphrase is not None:
        side.wipe_check = None
    if wipe_after is not None:
        side.wipe_after = max(0, int(wipe_after))
    membership.seal_list(side, session.keys[hierarchy.ADMIN])
    sidecar.write(session.path, side)
    session.audit("settings.wipe")


def open_keys(path: Path, secret: str, *, user_name: str | None = None, recovery: bool = False) -> Opened:
    """The keys a passphrase (or the recovery key) opens in a closed vault or backup, through the gate."""
    path = Path(path)
    lock, side = _preflight(path)
    try:
        if recovery:
            return slots.gated(path, side, secret, lambda: slots.for_recovery(side, secret))
        return slots.gated(path, side, secret, lambda: slots.for_user(side, user_name, secret))
    finally:
        lock.release()


def open_data_key(path: Path, secret: str, *, user_name: str | None = None, recovery: bool = False) -> bytes:
    """The core key of a closed vault or backup (no session)."""
    opened = open_keys(path, secret, user_name=user_name, recovery=recovery)
    core = bytes(opened.keys[CORE])
    opened.forget()
    return core


def reset_with_recovery(path: Path, recovery_key: str, user_name: str, new_passphrase: str) -> None:
    """Give an existing user a new passphrase using the printed recovery key: new key pairs, and the
    keys of their role sealed to them again from the recovery key's own."""
    path = Path(path)
    lock, side = _preflight(path)
    opened: Opened | None = None
    try:
        opened = slots.gated(path, side, recovery_key, lambda: slots.for_recovery(side, recovery_key))
        slots.refuse_wipe_passphrase(side, new_passphrase)
        conn, read_only, _warnings = _open_core(path, side, opened)
        try:
            user = users_repo.user_by_lookup(conn, keys.lookup_id(side.lookup_salt, user_name))
            if user is None:
                raise WrongPassphrase(_("There is no user with this name in the vault."))
            _reset_slot(side, opened, user, new_passphrase)
            audit.recovery_reset(conn, side, opened, keys.lookup_id(side.lookup_salt, user.name))
            sidecar.write(path, side)
            if not read_only:
                with transaction(conn):
                    audit_repo.append(conn, user.id, "user.passphrase_reset_by_recovery", "user", user.id)
        finally:
            audit_repo.unbind_signer(conn)
            conn.close()
    finally:
        if opened is not None:
            opened.forget()
        lock.release()


def _reset_slot(side: Sidecar, opened: Opened, user: User, new_passphrase: str) -> None:
    slot_id = keys.lookup_id(side.lookup_salt, user.name)
    params = keys.default_params()
    if side.legacy:
        side.slots[slot_id] = slots.make_legacy_slot(side, slot_id, new_passphrase, bytes(opened.keys[CORE]), params)
        return
    membership.verify(side, opened.keys[hierarchy.ADMIN])
    role, user_id = membership.role_of(side, slot_id), side.membership.get(slot_id, {}).get("user_id")
    if role is None or user_id != user.id:          # the role comes from the admin's list, never from a table row
        raise WrongPassphrase(_("There is no user with this name in the vault."))
    for grant_of in side.grants.values():
        grant_of.sealed.pop(slot_id, None)
    side.slots.pop(slot_id, None)
    old_member = side.members.get(slot_id)
    side.members[slot_id], member_keys = hierarchy.new_member(side, slot_id, new_passphrase, params)
    anchor = side.anchors.pop(slot_id, None)
    if anchor is not None and old_member is not None and audit.anchor_signed_by(
            side, slot_id, anchor, [old_member.sign_public]):
        audit.sign_anchor(side, slot_id, anchor, member_keys.sign)     # the same anchor, under the new key
    membership.record(side, slot_id, user_id, role)
    membership.seal_list(side, opened.keys[hierarchy.ADMIN])
    for compartment in ROLE_KEYS[role]:
        hierarchy.grant(side, compartment, opened.keys[compartment], {slot_id})
