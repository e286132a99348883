"""Create, unlock and re-key vaults.

A vault is ``<name>`` (the SQLCipher database, keyed with a random data key in raw-key mode) and
``<name>.keys`` (the sidecar of wrapped data keys). Errors are told apart here, because SQLCipher
answers every one of them with "file is not a database":

- no database file                         -> VaultMissing
- another process holds the vault          -> VaultInUse
- empty, plain SQLite, not whole pages,
  missing or malformed sidecar             -> NotAVault (nothing is decrypted, nothing written)
- the authenticated unwrap fails           -> WrongPassphrase
- the key unwraps but the file won't read  -> NotAVault (a damaged or foreign file)
- it reads but fails its integrity checks  -> opened read-only with a warning
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from fieldapp.domain.records import User
from fieldapp.errors import (
    InvalidInput,
    NotAVault,
    PermissionDenied,
    VaultExists,
    VaultMissing,
    WrongPassphrase,
)
from fieldapp.i18n import _
from fieldapp.security import backoff, keys, wipe
from fieldapp.security.keys import KdfParams
from fieldapp.security.session import Session
from fieldapp.storage import audit_repo, migrations, sidecar, users_repo
from fieldapp.storage.connection import (
    DatabaseError,
    VaultLock,
    connect,
    integrity_problems,
    looks_like_vault_file,
    transaction,
)
from fieldapp.storage.sidecar import Sidecar, Slot

RECOVERY_SLOT = "recovery"
T = TypeVar("T")


def _context(vault_id: str, slot_id: str) -> bytes:
    return f"fieldapp-slot/1|{vault_id}|{slot_id}".encode()


def _make_slot(side: Sidecar, slot_id: str, secret: str, data_key: bytes, params: KdfParams) -> Slot:
    salt = keys.new_salt()
    kek = keys.derive(secret, salt, params)
    return Slot(salt, params, keys.wrap(kek, data_key, _context(side.vault_id, slot_id)))


def _open_slot(side: Sidecar, slot_id: str, slot: Slot, secret: str) -> bytes | None:
    if not slot.kdf.at_least_floor():
        raise NotAVault()
    kek = keys.derive(secret, slot.salt, slot.kdf)
    return keys.unwrap(kek, slot.wrapped, _context(side.vault_id, slot_id))


def vault_exists(path: Path) -> bool:
    return Path(path).exists()


def is_demo(path: Path) -> bool:
    with contextlib.suppress(Exception):
        return sidecar.read(Path(path)).demo
    return False


def create_vault(path: Path, user_name: str, role: str, passphrase: str, *, demo: bool = False,
                 params: KdfParams | None = None) -> tuple[Session, str]:
    """A new vault with its first user; returns the open session and the recovery key (shown once)."""
    path = Path(path)
    if path.exists() or sidecar.sidecar_path(path).exists():
        raise VaultExists()
    params = params or keys.default_params()
    data_key = keys.new_data_key()
    side = Sidecar(vault_id=secrets.token_hex(16), lookup_salt=keys.new_salt(), demo=demo)
    slot_id = keys.lookup_id(side.lookup_salt, user_name)
    side.slots[slot_id] = _make_slot(side, slot_id, passphrase, data_key, params)
    recovery_key = keys.new_recovery_key()
    side.recovery = _make_slot(side, RECOVERY_SLOT, recovery_key, data_key, params)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = connect(path, data_key, create=True)
    path.chmod(0o600)
    try:
        migrations.migrate(conn)
        with transaction(conn):
            user = users_repo.insert_user(conn, User(name=user_name.strip(), role=role), slot_id)
            audit_repo.append(conn, user.id, "vault.create")
        sidecar.write(path, side, create=True)
    except BaseException:
        conn.close()
        for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
        raise
    lock = VaultLock(path)
    lock.acquire()
    return Session(path, conn, user, lock, demo=demo, data_key=bytearray(data_key)), recovery_key


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


def _data_key_for_user(side: Sidecar, user_name: str | None, passphrase: str) -> tuple[str, bytes]:
    if user_name is None:
        return _data_key_any_user(side, passphrase)
    slot_id = keys.lookup_id(side.lookup_salt, user_name)
    slot = side.slots.get(slot_id)
    if slot is None:
        _spend_like_a_slot(side, slot_id, passphrase)
        raise WrongPassphrase()
    data_key = _open_slot(side, slot_id, slot, passphrase)
    if data_key is None:
        raise WrongPassphrase()
    return slot_id, data_key


def _spend_like_a_slot(side: Sidecar, slot_id: str, passphrase: str) -> None:
    """Spend the time of a real attempt, so timing does not tell which names exist.

    The parameters are those of an existing slot chosen by the (unknown) name's slot id, so an
    unknown name costs what a known name costs even when slots were made with other parameters.
    """
    params = keys.default_params()
    known = [s.kdf for _i, s in sorted(side.slots.items()) if s.kdf.at_least_floor()]
    if known:
        params = known[int(slot_id[:8], 16) % len(known)]
    keys.derive(passphrase, keys.new_salt(), params)


def _data_key_any_user(side: Sidecar, passphrase: str) -> tuple[str, bytes]:
    """Try the passphrase on every user slot (the command line, when no user name is given)."""
    for slot_id, slot in side.slots.items():
        data_key = _open_slot(side, slot_id, slot, passphrase)
        if data_key is not None:
            return slot_id, data_key
    raise WrongPassphrase()


def _data_key_for_recovery(side: Sidecar, recovery_key: str) -> bytes:
    if side.recovery is None:
        raise WrongPassphrase()
    data_key = _open_slot(side, RECOVERY_SLOT, side.recovery, keys.normalise_recovery_key(recovery_key))
    if data_key is None:
        raise WrongPassphrase(_("The recovery key is not right. Check it and try again."))
    return data_key


def _gated(path: Path, side: Sidecar, secret: str, unwrap: Callable[[], T]) -> T:
    """The one gate in front of every unwrap: unlock, restore, check, reset, every command.

    The wipe passphrase is tried first (a duress wipe never waits), then the back-off; a failed
    unwrap is counted in this file's own key file (a backup counts in its own) and may wipe.
    """
    if wipe.is_wipe_passphrase(side, secret):
        wipe.wipe_files(path)
        raise WrongPassphrase()
    backoff.check_allowed(side)
    try:
        return unwrap()
    except WrongPassphrase as error:
        raise backoff.record_failure(path, side, error) from None


def unlock(path: Path, user_name: str | None, passphrase: str) -> Session:
    """Open the vault for one user, or raise one of the errors in the module docstring.

    Without a user name every user's slot is tried (slower: one key derivation per user).
    Wrong passphrases are counted in the sidecar and slow further attempts (see backoff).
    """
    path = Path(path)
    lock, side = _preflight(path)
    try:
        slot_id, data_key = _gated(path, side, passphrase,
                                   lambda: _data_key_for_user(side, user_name, passphrase))
        conn, read_only, warnings = _open_checked(path, data_key)
        user = _active_user(conn, slot_id)
    except BaseException:
        lock.release()
        raise
    session = Session(path, conn, user, lock, read_only=read_only, demo=side.demo, warnings=warnings,
                      data_key=bytearray(data_key))
    _audit_unlock(session, backoff.take_failures(path, side))
    return session


def _active_user(conn, slot_id: str) -> User:
    try:
        user = users_repo.user_by_lookup(conn, slot_id)
    except DatabaseError as exc:          # a damaged page the quick check did not reach
        conn.close()
        raise NotAVault() from exc
    if user is None:
        conn.close()
        raise NotAVault()
    if not user.active:
        conn.close()
        raise PermissionDenied(_("This account has been deactivated. Ask an administrator."))
    return user


def _audit_unlock(session: Session, failures: list[float]) -> None:
    if session.read_only:
        return
    with session.write() as conn:
        for moment in failures:
            audit_repo.append(conn, None, "unlock.failed", at=moment)
        audit_repo.append(conn, session.user.id, "unlock")


def _open_checked(path: Path, data_key: bytes):
    """Open with the right key, check integrity, migrate; read-only if the checks fail."""
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
    try:
        migrations.migrate(conn)
    except BaseException:
        conn.close()
        raise
    return conn, False, []


def change_passphrase(session: Session, old: str, new: str) -> None:
    """Re-wrap the signed-in user's slot; the data itself is not re-encrypted."""
    side = sidecar.read(session.path)
    slot_id, data_key = _gated(session.path, side, old, lambda: _data_key_for_user(side, session.user.name, old))
    _refuse_wipe_passphrase(side, new)
    side.slots[slot_id] = _make_slot(side, slot_id, new, data_key, keys.default_params())
    sidecar.write(session.path, side)
    session.audit("user.passphrase_changed", "user", session.user.id)


def add_user(session: Session, name: str, role: str, passphrase: str, admin_passphrase: str,
             *, params: KdfParams | None = None) -> User:
    """Add a user with their own passphrase; needs the admin's passphrase to reach the data key."""
    session.require("users")
    side = sidecar.read(session.path)
    _slot_id, data_key = _gated(session.path, side, admin_passphrase,
                                lambda: _data_key_for_user(side, session.user.name, admin_passphrase))
    _refuse_wipe_passphrase(side, passphrase)
    slot_id = keys.lookup_id(side.lookup_salt, name)
    if slot_id in side.slots:
        raise VaultExists(_("A user with this name already exists."))
    side.slots[slot_id] = _make_slot(side, slot_id, passphrase, data_key, params or keys.default_params())
    with session.write() as conn:
        user = users_repo.insert_user(conn, User(name=name.strip(), role=role), slot_id)
        audit_repo.append(conn, session.user.id, "user.add", "user", user.id)
        sidecar.write(session.path, side)
    return user


def _refuse_wipe_passphrase(side: Sidecar, passphrase: str) -> None:
    """A user's passphrase may never be the wipe passphrase: an ordinary unlock would destroy the vault."""
    if wipe.is_wipe_passphrase(side, passphrase):
        raise InvalidInput(_("This passphrase cannot be used. Choose another one."))


def secret_opens_any_slot(side: Sidecar, secret: str) -> bool:
    """Whether ``secret`` unwraps any user's slot or the recovery key (one key derivation per slot)."""
    for slot_id, slot in side.slots.items():
        if slot.kdf.at_least_floor() and _open_slot(side, slot_id, slot, secret) is not None:
            return True
    recovery = side.recovery
    return (recovery is not None and recovery.kdf.at_least_floor()
            and _open_slot(side, RECOVERY_SLOT, recovery, keys.normalise_recovery_key(secret)) is not None)


def set_wipe_passphrase(session: Session, passphrase: str | None, wipe_after: int | None = None) -> None:
    """Set (a text), remove ("") or keep (None) the wipe passphrase, and the failure limit (0 = off).

    Needs the admin's "wipe" capability. A wipe passphrase that opens any user's slot or the
    recovery key is refused: an ordinary unlock would then destroy the vault.
    """
    session.require("wipe")
    side = sidecar.read(session.path)
    if passphrase:
        if secret_opens_any_slot(side, passphrase):
            raise InvalidInput(_("The wipe passphrase must differ from every user's passphrase "
                                 "and from the recovery key."))
        side.wipe_check = wipe.wipe_check_for(passphrase)
    elif passphrase is not None:
        side.wipe_check = None
    if wipe_after is not None:
        side.wipe_after = max(0, int(wipe_after))
    sidecar.write(session.path, side)
    session.audit("settings.wipe")


def open_data_key(path: Path, secret: str, *, user_name: str | None = None, recovery: bool = False) -> bytes:
    """The data key of a closed vault or backup, from a passphrase or the recovery key (no session)."""
    path = Path(path)
    lock, side = _preflight(path)
    try:
        if recovery:
            return _gated(path, side, secret, lambda: _data_key_for_recovery(side, secret))
        return _gated(path, side, secret, lambda: _data_key_for_user(side, user_name, secret))[1]
    finally:
        lock.release()


def reset_with_recovery(path: Path, recovery_key: str, user_name: str, new_passphrase: str) -> None:
    """Give an existing user a new passphrase using the printed recovery key."""
    path = Path(path)
    lock, side = _preflight(path)
    try:
        data_key = _gated(path, side, recovery_key, lambda: _data_key_for_recovery(side, recovery_key))
        _refuse_wipe_passphrase(side, new_passphrase)
        conn, read_only, _warnings = _open_checked(path, data_key)
        slot_id = keys.lookup_id(side.lookup_salt, user_name)
        user = users_repo.user_by_lookup(conn, slot_id)
        if user is None:
            conn.close()
            raise WrongPassphrase(_("There is no user with this name in the vault."))
        side.slots[slot_id] = _make_slot(side, slot_id, new_passphrase, data_key, keys.default_params())
        sidecar.write(path, side)
        if not read_only:
            with transaction(conn):
                audit_repo.append(conn, user.id, "user.passphrase_reset_by_recovery", "user", user.id)
        conn.close()
    finally:
        lock.release()
