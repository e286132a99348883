"""Before a new version migrates a vault it writes a checked copy of the vault as it was, which an earlier
version can restore; the copy goes after two weeks, with an erasure or a retention run, and with a wipe."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from fieldapp.errors import StorageIOError
from fieldapp.lifecycle import backup, erasure, members
from fieldapp.records import people
from fieldapp.security import vault, wipe
from fieldapp.storage import backup as storage_backup
from fieldapp.storage import compartments, migrations, sidecar
from fieldapp.storage.connection import close_connection, connect
from tests.storage.test_random_ids import ADMIN, ADMIN_PASS, HEALTH, HEALTH_PASS, _copy


def _pre(path: Path) -> Path:
    return path.with_name(path.name + wipe.PRE_MIGRATION_SUFFIX)


def _schema_of(copy: Path) -> int:
    opened = vault.open_keys(copy, ADMIN_PASS, user_name=ADMIN)
    try:
        conn = connect(copy, bytes(opened.keys["core"]), read_only=True)
        try:
            return migrations.schema_version(conn)
        finally:
            close_connection(conn)
    finally:
        opened.forget()


def test_the_first_unlock_after_an_update_keeps_a_checked_copy_that_restores(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    before = {name: compartments.compartment_path(path, name).read_bytes() for name in ("health", "legal")}
    nurse = vault.unlock(path, HEALTH, HEALTH_PASS)            # any member's unlock migrates
    try:
        assert any(_pre(path).name in w and "14 days" in w for w in nurse.warnings)
    finally:
        nurse.close()
    pre = _pre(path)
    assert _schema_of(pre) == 5                                 # the vault as the earlier version left it
    assert sidecar.sidecar_path(pre).is_file()
    for name, content in before.items():                       # compartment files byte for byte
        assert compartments.compartment_path(pre, name).read_bytes() == content
    target = tmp_path / "restored" / "v.fieldapp"
    backup.restore(pre, target, ADMIN_PASS, user_name=ADMIN)
    admin = vault.unlock(target, ADMIN, ADMIN_PASS)
    try:
        assert admin.conn.execute("SELECT count(*) FROM health.health_contacts").fetchone()[0] == 38
    finally:
        admin.close()
    again = vault.unlock(path, HEALTH, HEALTH_PASS)             # migrated already: no second copy, no note
    assert not any("upgraded" in w for w in again.warnings)
    again.close()


def test_the_copy_goes_after_two_weeks(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    vault.unlock(path, ADMIN, ADMIN_PASS).close()
    vault.unlock(path, ADMIN, ADMIN_PASS).close()
    assert _pre(path).exists()                                  # still within its two weeks
    old = time.time() - 15 * 24 * 3600
    os.utime(_pre(path), (old, old))
    vault.unlock(path, ADMIN, ADMIN_PASS).close()
    assert not [f for f in tmp_path.iterdir() if wipe.PRE_MIGRATION_SUFFIX in f.name]


def test_an_erasure_destroys_the_copy_and_a_wipe_leaves_none(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    admin = vault.unlock(path, ADMIN, ADMIN_PASS)
    try:
        assert _pre(path).exists()
        erasure.erase_person(admin, people.list_people(admin)[0].id)   # they must not live on in the copy
        assert not [f for f in tmp_path.iterdir() if wipe.PRE_MIGRATION_SUFFIX in f.name]
    finally:
        admin.close()
    second = tmp_path / "second"
    second.mkdir()
    path2 = _copy(second)
    vault.unlock(path2, ADMIN, ADMIN_PASS).close()
    wipe.wipe_files(path2)
    assert list(path2.parent.iterdir()) == []


def test_no_copy_no_migration(tmp_path: Path, monkeypatch) -> None:
    path = _copy(tmp_path)
    monkeypatch.setattr(storage_backup, "verify_copy", lambda *_args, **_kwargs: ["row counts differ"])
    with pytest.raises(StorageIOError) as raised:
        vault.unlock(path, ADMIN, ADMIN_PASS)
    assert "not upgraded" in raised.value.message
    assert not [f for f in tmp_path.iterdir() if wipe.PRE_MIGRATION_SUFFIX in f.name]
    monkeypatch.undo()
    assert _schema_of(path) == 5                                # the vault itself was left as it was


def test_a_compartment_file_replaced_by_a_link_is_not_copied_and_nothing_migrates(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    legal = compartments.compartment_path(path, "legal")
    elsewhere = tmp_path / "elsewhere.legal"
    legal.rename(elsewhere)
    legal.symlink_to(elsewhere)                                 # planted by someone with the files
    with pytest.raises(StorageIOError):
        vault.unlock(path, ADMIN, ADMIN_PASS)
    assert not [f for f in tmp_path.iterdir() if wipe.PRE_MIGRATION_SUFFIX in f.name]
    assert _schema_of(path) == 5


def test_a_deactivation_destroys_the_copy_the_member_could_open(tmp_path: Path) -> None:
    from fieldapp.security import users

    path = _copy(tmp_path)
    admin = vault.unlock(path, ADMIN, ADMIN_PASS)
    try:
        assert _pre(path).exists()
        helle = next(u for u in users.list_all(admin) if u.name == HEALTH)
        members.deactivate(admin, helle.id)
        assert not [f for f in tmp_path.iterdir() if wipe.PRE_MIGRATION_SUFFIX in f.name]
    finally:
        admin.close()
