"""The vault through the real SQLCipher: create, unlock, re-key, users, recovery, bad files."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from fieldapp.crypto import keys
from fieldapp.errors import NotAVault, VaultExists, VaultInUse, VaultMissing, WrongPassphrase
from fieldapp.security import vault
from fieldapp.storage import settings_repo, sidecar
from tests.conftest import PASSPHRASE


def _fingerprint(folder: Path) -> dict[str, str]:
    """Name -> sha256 of every file in the folder: what 'nothing changed on disk' compares."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def _closed_vault(vault_path: Path) -> Path:
    session, _ = vault.create_vault(vault_path, "Admin", "admin", PASSPHRASE)
    with session.write() as conn:
        settings_repo.put(conn, "probe", "value")
    session.close()
    return vault_path


def test_create_then_unlock_reads_what_was_written(vault_path: Path) -> None:
    _closed_vault(vault_path)
    session = vault.unlock(vault_path, "admin", PASSPHRASE)   # user names are case-insensitive
    try:
        assert session.user.name == "Admin" and session.user.role == "admin"
        assert settings_repo.get(session.conn, "probe") == "value"
        assert not session.read_only
    finally:
        session.close()


def test_vault_file_is_not_plain_sqlite_and_uses_the_data_key(vault_path: Path) -> None:
    _closed_vault(vault_path)
    assert not vault_path.read_bytes().startswith(b"SQLite format 3")
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(vault_path).execute("SELECT * FROM sqlite_master").fetchall()


def test_connection_settings(session) -> None:
    conn = session.conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2          # FULL
    assert conn.execute("PRAGMA temp_store").fetchone()[0] == 2           # MEMORY
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA secure_delete").fetchone()[0] == 1
    assert conn.execute("PRAGMA cipher_memory_security").fetchone()[0] == "1"


def test_sidecar_holds_no_names_and_kdf_at_least_floor(vault_path: Path) -> None:
    _closed_vault(vault_path)
    raw = sidecar.sidecar_path(vault_path).read_bytes()
    assert b"Admin" not in raw and b"\"admin\":{\"salt" not in raw      # no user name, no role
    side = sidecar.read(vault_path)
    assert side.members and all(member.kdf.at_least_floor() for member in side.members.values())
    assert "recovery" in side.members and not side.slots


def test_wrong_passphrase_and_unknown_user_change_nothing(vault_path: Path) -> None:
    _closed_vault(vault_path)
    before = _fingerprint(vault_path.parent)
    with pytest.raises(WrongPassphrase):
        vault.unlock(vault_path, "Admin", "not the passphrase")
    with pytest.raises(WrongPassphrase):
        vault.unlock(vault_path, "Nobody", PASSPHRASE)
    assert _fingerprint(vault_path.parent)[vault_path.name] == before[vault_path.name]
    assert set(_fingerprint(vault_path.parent)) == set(before)


def test_change_passphrase(vault_path: Path) -> None:
    _closed_vault(vault_path)
    session = vault.unlock(vault_path, "Admin", PASSPHRASE)
    with pytest.raises(WrongPassphrase):
        vault.change_passphrase(session, "wrong old passphrase", "a brand new passphrase")
    vault.change_passphrase(session, PASSPHRASE, "a brand new passphrase")
    session.close()
    with pytest.raises(WrongPassphrase):
        vault.unlock(vault_path, "Admin", PASSPHRASE)
    vault.unlock(vault_path, "Admin", "a brand new passphrase").close()


def test_second_user_with_role(vault_path: Path) -> None:
    session, _ = vault.create_vault(vault_path, "Admin", "admin", PASSPHRASE)
    user = vault.add_user(session, "Nurse Kim", "health", "nurse passphrase one", PASSPHRASE)
    with pytest.raises(VaultExists):
        vault.add_user(session, "nurse kim", "health", "another passphrase", PASSPHRASE)
    session.close()
    nurse = vault.unlock(vault_path, "Nurse Kim", "nurse passphrase one")
    assert (nurse.user.id, nurse.user.role) == (user.id, "health")
    assert nurse.can("health") and not nurse.can("users")
    nurse.close()
    with pytest.raises(WrongPassphrase):          # slots are not interchangeable
        vault.unlock(vault_path, "Admin", "nurse passphrase one")


def test_outreach_user_cannot_add_users(vault_path: Path) -> None:
    from fieldapp.errors import PermissionDenied

    session, _ = vault.create_vault(vault_path, "Admin", "admin", PASSPHRASE)
    vault.add_user(session, "Ola", "outreach", "ola passphrase one", PASSPHRASE)
    session.close()
    ola = vault.unlock(vault_path, "Ola", "ola passphrase one")
    with pytest.raises(PermissionDenied):
        vault.add_user(ola, "Eve", "admin", "eve passphrase one", "ola passphrase one")
    ola.close()


def test_recovery_key_resets_a_passphrase(vault_path: Path) -> None:
    session, recovery_key = vault.create_vault(vault_path, "Admin", "admin", PASSPHRASE)
    session.close()
    with pytest.raises(WrongPassphrase):
        vault.reset_with_recovery(vault_path, "AAAAA-AAAAA-AAAAA-AAAAA-AAAAA-AAAAA", "Admin", "new one here")
    typed = recovery_key.lower().replace("-", " ")       # as typed from paper
    vault.reset_with_recovery(vault_path, typed, "Admin", "recovered passphrase")
    vault.unlock(vault_path, "Admin", "recovered passphrase").close()
    with pytest.raises(WrongPassphrase):
        vault.unlock(vault_path, "Admin", PASSPHRASE)


def test_unlock_without_user_name_tries_every_slot(vault_path: Path) -> None:
    session, _ = vault.create_vault(vault_path, "Admin", "admin", PASSPHRASE)
    vault.add_user(session, "Ola", "outreach", "ola passphrase one", PASSPHRASE)
    session.close()
    ola = vault.unlock(vault_path, None, "ola passphrase one")
    assert ola.user.name == "Ola"
    ola.close()
    with pytest.raises(WrongPassphrase):
        vault.unlock(vault_path, None, "no such passphrase")


def test_create_refuses_to_overwrite(vault_path: Path) -> None:
    _closed_vault(vault_path)
    before = _fingerprint(vault_path.parent)
    with pytest.raises(VaultExists):
        vault.create_vault(vault_path, "Other", "admin", PASSPHRASE)
    assert _fingerprint(vault_path.parent) == before


def test_in_use_by_another_opener(vault_path: Path) -> None:
    _closed_vault(vault_path)
    first = vault.unlock(vault_path, "Admin", PASSPHRASE)
    try:
        with pytest.raises(VaultInUse):
            vault.unlock(vault_path, "Admin", PASSPHRASE)
    finally:
        first.close()
    vault.unlock(vault_path, "Admin", PASSPHRASE).close()


def test_missing_vault(tmp_path: Path) -> None:
    with pytest.raises(VaultMissing):
        vault.unlock(tmp_path / "nothing.fieldapp", "Admin", PASSPHRASE)
    assert list(tmp_path.iterdir()) == []


def _random_bytes(path: Path) -> None:
    path.write_bytes(os.urandom(8 * 4096))


def _plain_sqlite(path: Path) -> None:
    path.unlink()
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()


def _truncated_unaligned(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2 + 100])


def _truncated_aligned(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[:4096])


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _garbled_pages(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[4096 * 2: 4096 * 3] = os.urandom(4096)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", [_random_bytes, _plain_sqlite, _truncated_unaligned, _empty])
def test_foreign_or_damaged_files_are_refused_without_change(vault_path: Path, damage) -> None:
    _closed_vault(vault_path)
    damage(vault_path)
    before = _fingerprint(vault_path.parent)
    with pytest.raises(NotAVault) as raised:
        vault.unlock(vault_path, "Admin", PASSPHRASE)
    assert "fieldapp vault" in raised.value.message
    assert _fingerprint(vault_path.parent) == before


@pytest.mark.parametrize("damage", [_truncated_aligned, _garbled_pages])
def test_damaged_pages_open_read_only_or_are_refused(vault_path: Path, damage) -> None:
    _closed_vault(vault_path)
    session = vault.unlock(vault_path, "Admin", PASSPHRASE)
    with session.write() as conn:          # enough pages that damage lands past page 1
        conn.executemany("INSERT INTO settings (key, value) VALUES (?, ?)",
                         [(f"k{i}", '"' + "x" * 500 + '"') for i in range(100)])
    session.close()
    damage(vault_path)
    before = _fingerprint(vault_path.parent)
    try:
        opened = vault.unlock(vault_path, "Admin", PASSPHRASE)
    except NotAVault:
        pass
    else:
        assert opened.read_only and opened.warnings
        opened.close()
    assert _fingerprint(vault_path.parent)[vault_path.name] == before[vault_path.name]


def test_foreign_file_without_sidecar(tmp_path: Path) -> None:
    stray = tmp_path / "notes.fieldapp"
    stray.write_bytes(os.urandom(4096))
    with pytest.raises(NotAVault):
        vault.unlock(stray, "Admin", PASSPHRASE)


def test_tampered_sidecar_is_not_a_wrong_passphrase(vault_path: Path) -> None:
    _closed_vault(vault_path)
    path = sidecar.sidecar_path(vault_path)
    path.write_bytes(path.read_bytes()[:40])
    with pytest.raises(NotAVault):
        vault.unlock(vault_path, "Admin", PASSPHRASE)


def test_weakened_kdf_parameters_are_refused(vault_path: Path) -> None:
    _closed_vault(vault_path)
    side = sidecar.read(vault_path)
    for member in side.members.values():
        member.kdf = keys.KdfParams(memory_kib=8, time_cost=1, parallelism=1)
    sidecar.write(vault_path, side)
    with pytest.raises(NotAVault):
        vault.unlock(vault_path, "Admin", PASSPHRASE)


def test_copy_of_a_vault_opens_elsewhere(vault_path: Path, tmp_path: Path) -> None:
    _closed_vault(vault_path)
    other = tmp_path / "elsewhere" / "copy.fieldapp"
    other.parent.mkdir()
    shutil.copy(vault_path, other)
    shutil.copy(sidecar.sidecar_path(vault_path), sidecar.sidecar_path(other))
    opened = vault.unlock(other, "Admin", PASSPHRASE)
    assert settings_repo.get(opened.conn, "probe") == "value"
    opened.close()


def test_unreadable_vault_file_gets_a_clear_error(vault_path: Path, monkeypatch) -> None:
    from fieldapp.errors import StorageIOError
    from fieldapp.storage import connection

    _closed_vault(vault_path)

    def refuse(*_args, **_kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(connection.os, "open", refuse)
    with pytest.raises(StorageIOError) as raised:
        vault.unlock(vault_path, "Admin", PASSPHRASE)
    assert "read" in raised.value.message


def test_vault_that_cannot_be_written_gets_a_clear_error(vault_path: Path, monkeypatch) -> None:
    """A read-only file, folder or drive: SQLite cannot set up its WAL (simulated: root may write anyway)."""
    import sqlcipher3

    from fieldapp.errors import StorageIOError
    from fieldapp.storage import connection

    _closed_vault(vault_path)
    before = _fingerprint(vault_path.parent)

    def readonly(conn, *, read_only):
        raise sqlcipher3.OperationalError("attempt to write a readonly database")

    monkeypatch.setattr(connection, "_configure", readonly)
    with pytest.raises(StorageIOError) as raised:
        vault.unlock(vault_path, "Admin", PASSPHRASE)
    assert "read-only" in raised.value.message
    assert _fingerprint(vault_path.parent) == before
    monkeypatch.undo()
    vault.unlock(vault_path, "Admin", PASSPHRASE).close()      # the lock was released
