"""`fieldapp upgrade` on a vault of the first kind (one key): a real process, passphrase on stdin."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from fieldapp.errors import ExitCode
from fieldapp.security import vault
from fieldapp.storage.connection import connect, transaction
from tests.cli.test_cli import run

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "schema-v4.fieldapp"
USER, PASSPHRASE = "Fixture", "fixture passphrase v4"


@pytest.fixture
def old_vault(tmp_path: Path) -> Path:
    path = tmp_path / "old.fieldapp"
    shutil.copyfile(FIXTURE, path)
    shutil.copyfile(FIXTURE.with_name(FIXTURE.name + ".keys"), path.with_name(path.name + ".keys"))
    return path


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {f.name: f.read_bytes() for f in sorted(folder.iterdir())}


def _recovery_lines(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if line.count("-") == 5 and len(line) == 35]


def test_upgrade_prints_a_new_recovery_key_that_works(old_vault: Path) -> None:
    result = run("upgrade", "--vault", str(old_vault), "--user", USER, stdin=PASSPHRASE + "\n")
    assert result.returncode == ExitCode.OK, result.stderr
    assert "NEW recovery key" in result.stdout and "no longer works" in result.stdout
    assert "write it down" in result.stdout.lower().replace("\n", " ")
    keys = _recovery_lines(result.stdout)
    assert len(keys) == 1
    assert old_vault.with_name(old_vault.name + ".health").exists()
    assert not old_vault.with_name(old_vault.name + ".pre-upgrade").exists()   # destroyed once all moved
    vault.reset_with_recovery(old_vault, keys[0], USER, "a brand new passphrase here")
    session = vault.unlock(old_vault, USER, "a brand new passphrase here")
    assert session.user.role == "admin"
    session.close()


def test_other_commands_on_an_old_vault_exit_13(old_vault: Path) -> None:
    before = _snapshot(old_vault.parent)
    result = run("check", "--vault", str(old_vault), "--user", USER, stdin=PASSPHRASE + "\n")
    assert result.returncode == ExitCode.NEEDS_UPGRADE == 13
    assert "upgraded by an administrator" in result.stderr
    assert run("user", "list", "--vault", str(old_vault), stdin=PASSPHRASE + "\n").returncode == 13
    assert _snapshot(old_vault.parent) == before


def test_upgrade_with_a_wrong_passphrase_exits_3(old_vault: Path) -> None:
    result = run("upgrade", "--vault", str(old_vault), "--user", USER, stdin="not the passphrase\n")
    assert result.returncode == ExitCode.WRONG_PASSPHRASE
    assert not old_vault.with_name(old_vault.name + ".pre-upgrade").exists()


def test_upgrade_of_an_upgraded_vault_exits_9(old_vault: Path) -> None:
    assert run("upgrade", "--vault", str(old_vault), stdin=PASSPHRASE + "\n").returncode == ExitCode.OK
    again = run("upgrade", "--vault", str(old_vault), "--user", USER, stdin=PASSPHRASE + "\n")
    assert again.returncode == ExitCode.INVALID_INPUT
    assert "already up to date" in again.stderr
    assert run("check", "--vault", str(old_vault), "--user", USER, stdin=PASSPHRASE + "\n").returncode == 0


def test_upgrade_by_someone_not_admin_exits_13_and_changes_nothing(old_vault: Path) -> None:
    key = vault.open_data_key(old_vault, PASSPHRASE, user_name=USER)
    conn = connect(old_vault, key)
    with transaction(conn):
        conn.execute("UPDATE users SET role = 'outreach'")
    conn.close()
    key_file = old_vault.with_name(old_vault.name + ".keys")
    keys_before, files_before = key_file.read_bytes(), sorted(old_vault.parent.iterdir())
    result = run("upgrade", "--vault", str(old_vault), "--user", USER, stdin=PASSPHRASE + "\n")
    assert result.returncode == ExitCode.NEEDS_UPGRADE
    assert "administrator" in result.stderr
    assert _recovery_lines(result.stdout) == []
    assert key_file.read_bytes() == keys_before
    assert sorted(old_vault.parent.iterdir()) == files_before          # no copy, no compartment files
    assert run("check", "--vault", str(old_vault), stdin=PASSPHRASE + "\n").returncode == ExitCode.NEEDS_UPGRADE
