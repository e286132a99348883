"""A new recovery key (administrators): the old one opens nothing, and a key never confirmed as written
down (an upgrade cut short) is reported to admins at unlock until a new one is made."""

from __future__ import annotations

from pathlib import Path

import pytest

from fieldapp.errors import ExitCode, PermissionDenied, WrongPassphrase
from fieldapp.security import users, vault
from fieldapp.storage import sidecar
from tests.cli.test_cli import run
from tests.conftest import PASSPHRASE

OLA = "ola passphrase one"


def test_a_new_recovery_key_replaces_the_old_one(vault_path: Path) -> None:
    admin, old_key = vault.create_vault(vault_path, "Admin", "admin", PASSPHRASE)
    users.add(admin, "Ola", "outreach", OLA, PASSPHRASE)
    with pytest.raises(WrongPassphrase):
        vault.new_recovery_key(admin, "not my passphrase")
    new_key = vault.new_recovery_key(admin, PASSPHRASE)
    assert sidecar.read(vault_path).recovery_unconfirmed
    vault.confirm_recovery_key(admin)
    assert not sidecar.read(vault_path).recovery_unconfirmed
    admin.close()
    with pytest.raises(WrongPassphrase):
        vault.reset_with_recovery(vault_path, old_key, "Admin", "a brand new passphrase one")
    assert set(vault.open_keys(vault_path, new_key, recovery=True).keys) == {"core", "health", "legal", "admin"}
    vault.reset_with_recovery(vault_path, new_key, "Admin", "a brand new passphrase one")
    admin = vault.unlock(vault_path, "Admin", "a brand new passphrase one")
    from fieldapp.security import audit

    assert audit.verify(admin).ok                      # the new recovery member's events verify
    admin.close()
    ola = vault.unlock(vault_path, "Ola", OLA)
    try:
        with pytest.raises(PermissionDenied):
            vault.new_recovery_key(ola, OLA)
    finally:
        ola.close()


def test_an_unconfirmed_recovery_key_is_reported_to_admins_only(vault_path: Path) -> None:
    admin, _old = vault.create_vault(vault_path, "Admin", "admin", PASSPHRASE)
    users.add(admin, "Ola", "outreach", OLA, PASSPHRASE)
    admin.close()
    side = sidecar.read(vault_path)
    side.recovery_unconfirmed = True                   # what an upgrade killed before the key was shown leaves
    sidecar.write(vault_path, side)
    ola = vault.unlock(vault_path, "Ola", OLA)
    assert not any("recovery key" in w for w in ola.warnings)
    ola.close()
    admin = vault.unlock(vault_path, "Admin", PASSPHRASE)
    assert any("recovery key" in w for w in admin.warnings)
    vault.new_recovery_key(admin, PASSPHRASE)
    vault.confirm_recovery_key(admin)
    admin.close()
    admin = vault.unlock(vault_path, "Admin", PASSPHRASE)
    assert not any("recovery key" in w for w in admin.warnings)
    admin.close()


def test_recovery_key_on_the_command_line(tmp_path: Path) -> None:
    path = tmp_path / "v.fieldapp"
    assert run("init", "--vault", str(path), "--user", "Admin", stdin=PASSPHRASE + "\n").returncode == 0
    assert run("user", "add", "--vault", str(path), "--user", "Admin", "--name", "Ola", "--role", "outreach",
               stdin=f"{PASSPHRASE}\n{OLA}\n").returncode == 0
    refused = run("recovery-key", "--vault", str(path), "--user", "Ola", stdin=OLA + "\n")
    assert refused.returncode == ExitCode.PERMISSION
    made = run("recovery-key", "--vault", str(path), "--user", "Admin", stdin=PASSPHRASE + "\n")
    assert made.returncode == 0, made.stderr
    new_key = [line for line in made.stdout.splitlines() if line.count("-") == 5][-1]
    assert not sidecar.read(path).recovery_unconfirmed
    vault.reset_with_recovery(path, new_key, "Ola", "ola's brand new passphrase")
    assert set(vault.open_keys(path, "ola's brand new passphrase", user_name="Ola").keys) == {"core"}


def test_the_old_paper_with_an_old_key_file_opens_nothing_live(vault_path: Path, tmp_path: Path) -> None:
    import shutil

    from fieldapp.storage import compartments
    from fieldapp.storage.connection import connect

    admin, old_key = vault.create_vault(vault_path, "Admin", "admin", PASSPHRASE)
    old_copy = tmp_path / "old" / vault_path.name
    old_copy.parent.mkdir()
    shutil.copy(sidecar.sidecar_path(vault_path), sidecar.sidecar_path(old_copy))
    shutil.copy(vault_path, old_copy)
    vault.new_recovery_key(admin, PASSPHRASE)
    admin.close()
    stolen = vault.open_keys(old_copy, old_key, recovery=True).keys
    for name, file in (("core", vault_path), ("health", compartments.compartment_path(vault_path, "health"))):
        with pytest.raises(Exception, match="not a fieldapp vault|damaged"):
            connect(file, bytes(stolen[name]), read_only=True)
