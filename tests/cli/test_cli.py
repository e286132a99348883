"""The command line as a user runs it: a real process, passphrases on stdin, exit codes."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fieldapp import __version__
from fieldapp.errors import ExitCode
from tests.conftest import PASSPHRASE, copy_vault


def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "fieldapp", *args], input=stdin, capture_output=True,
                          text=True, timeout=120, env=os.environ.copy())


def _init(path: Path) -> Path:
    result = run("init", "--vault", str(path), "--user", "Admin", stdin=PASSPHRASE + "\n")
    assert result.returncode == 0, result.stderr
    return path


@pytest.fixture
def cli_vault(tmp_path: Path, _fresh_vault: Path) -> Path:
    """A vault of user Admin, as ``init`` makes one: a copy of the test process's fresh vault (``init`` itself is
    tried in the tests of ``init``)."""
    return copy_vault(_fresh_vault, tmp_path / "cli.fieldapp")


def test_version() -> None:
    result = run("--version")
    assert result.returncode == 0 and __version__ in result.stdout


def test_init_prints_recovery_key_once_and_never_takes_passphrase_from_argv(tmp_path: Path) -> None:
    cli_vault = _init(tmp_path / "cli.fieldapp")
    assert cli_vault.exists()
    again = run("init", "--vault", str(cli_vault), "--user", "Admin", stdin=PASSPHRASE + "\n")
    assert again.returncode == ExitCode.ALREADY_EXISTS
    assert run("init", "--vault", str(cli_vault), "--passphrase", "x").returncode == ExitCode.USAGE


def test_init_output_has_recovery_key(tmp_path: Path) -> None:
    result = run("init", "--vault", str(tmp_path / "v.fieldapp"), "--user", "A", "--role", "coordinator",
                 stdin=PASSPHRASE + "\n")
    assert result.returncode == 0
    key_lines = [line for line in result.stdout.splitlines() if line.count("-") == 5 and len(line) == 35]
    assert len(key_lines) == 1


def test_init_refuses_weak_passphrase_and_creates_nothing(tmp_path: Path) -> None:
    result = run("init", "--vault", str(tmp_path / "weak.fieldapp"), "--user", "A", stdin="password\n")
    assert result.returncode == ExitCode.INVALID_INPUT
    assert "weak" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_init_without_passphrase_on_stdin(tmp_path: Path) -> None:
    result = run("init", "--vault", str(tmp_path / "v.fieldapp"), "--user", "A", stdin="")
    assert result.returncode == ExitCode.INVALID_INPUT


def test_check_passes_on_a_good_vault(cli_vault: Path) -> None:
    result = run("check", "--vault", str(cli_vault), stdin=PASSPHRASE + "\n")
    assert result.returncode == 0, result.stderr
    assert "passed" in result.stdout


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_check_wrong_passphrase(cli_vault: Path) -> None:
    before = _digest(cli_vault)
    result = run("check", "--vault", str(cli_vault), stdin="wrong passphrase\n")
    assert result.returncode == ExitCode.WRONG_PASSPHRASE
    assert "passphrase" in result.stderr and "Traceback" not in result.stderr
    assert _digest(cli_vault) == before


def test_check_not_a_vault(cli_vault: Path) -> None:
    cli_vault.write_bytes(os.urandom(4096 * 3))
    before = _digest(cli_vault)
    result = run("check", "--vault", str(cli_vault), stdin=PASSPHRASE + "\n")
    assert result.returncode == ExitCode.NOT_A_VAULT
    assert "Traceback" not in result.stderr
    assert _digest(cli_vault) == before


def test_check_missing_vault(tmp_path: Path) -> None:
    result = run("check", "--vault", str(tmp_path / "none.fieldapp"), stdin=PASSPHRASE + "\n")
    assert result.returncode == ExitCode.VAULT_MISSING
    assert not (tmp_path / "none.fieldapp").exists()


def test_check_vault_in_use(cli_vault: Path) -> None:
    from fieldapp.security.vault import unlock

    holder = unlock(cli_vault, "Admin", PASSPHRASE)
    try:
        result = run("check", "--vault", str(cli_vault), stdin=PASSPHRASE + "\n")
    finally:
        holder.close()
    assert result.returncode == ExitCode.VAULT_IN_USE
    assert "another" in result.stderr


def test_usage_error() -> None:
    assert run("no-such-command").returncode == ExitCode.USAGE
    assert run("check").returncode == ExitCode.USAGE


def test_exit_codes_are_distinct() -> None:
    codes = [v for k, v in vars(ExitCode).items() if k.isupper()]
    assert len(codes) == len(set(codes))


def test_leaflet_from_a_vault_and_without(cli_vault: Path, tmp_path: Path) -> None:
    sample = run("leaflet", "--lang", "th", "--format", "a4", "--out", str(tmp_path / "th.pdf"))
    assert sample.returncode == 0 and (tmp_path / "th.pdf").read_bytes().startswith(b"%PDF")
    assert "SAMPLE" in sample.stderr
    wrong = run("leaflet", "--vault", str(cli_vault), "--lang", "ro", "--out", str(tmp_path / "ro.pdf"),
                stdin="wrong passphrase\n")
    assert wrong.returncode == ExitCode.WRONG_PASSPHRASE and not (tmp_path / "ro.pdf").exists()
    unconfigured = run("leaflet", "--vault", str(cli_vault), "--lang", "ro", "--out", str(tmp_path / "ro.pdf"),
                       stdin=PASSPHRASE + "\n")
    assert unconfigured.returncode == ExitCode.INVALID_INPUT      # no contact lines configured: refused
    assert not (tmp_path / "ro.pdf").exists()
    bad = run("leaflet", "--lang", "xx", "--out", str(tmp_path / "x.pdf"))
    assert bad.returncode == ExitCode.USAGE
