"""Lifecycle commands as a user runs them: users, audit, backup/restore, retention, wipe."""

from __future__ import annotations

from pathlib import Path

from fieldapp.errors import ExitCode
from tests.cli.test_cli import run
from tests.conftest import PASSPHRASE

PP = PASSPHRASE + "\n"


def _init(path: Path) -> None:
    assert run("init", "--vault", str(path), "--user", "Admin", stdin=PP).returncode == 0


def test_users_add_list_deactivate(tmp_path: Path) -> None:
    path = tmp_path / "v.fieldapp"
    _init(path)
    added = run("user", "add", "--vault", str(path), "--user", "Admin", "--name", "Ola", "--role", "outreach",
                stdin=PP + "ola passphrase one\n")
    assert added.returncode == 0, added.stderr
    listing = run("user", "list", "--vault", str(path), "--user", "Admin", stdin=PP)
    assert "Ola\toutreach\tactive" in listing.stdout
    as_ola = run("user", "list", "--vault", str(path), "--user", "Ola", stdin="ola passphrase one\n")
    assert as_ola.returncode == ExitCode.PERMISSION
    gone = run("user", "deactivate", "--vault", str(path), "--user", "Admin", "--name", "ola", stdin=PP)
    assert gone.returncode == 0
    assert run("check", "--vault", str(path), "--user", "Ola", stdin="ola passphrase one\n").returncode \
        == ExitCode.WRONG_PASSPHRASE


def test_audit_verify_backup_restore_retention_wipe(tmp_path: Path) -> None:
    path, usb = tmp_path / "v.fieldapp", tmp_path / "usb"
    usb.mkdir()
    _init(path)
    verify = run("audit", "verify", "--vault", str(path), stdin=PP)
    assert verify.returncode == 0 and "complete" in verify.stdout
    made = run("backup", "--vault", str(path), "--out", str(usb), stdin=PP)
    assert made.returncode == 0, made.stderr
    backup_file = next(usb.glob("*.fieldapp"))
    assert not backup_file.read_bytes().startswith(b"SQLite format 3")
    restored = tmp_path / "restored.fieldapp"
    assert run("restore", "--from", str(backup_file), "--vault", str(restored), stdin=PP).returncode == 0
    assert run("restore", "--from", str(backup_file), "--vault", str(restored), stdin=PP).returncode \
        == ExitCode.ALREADY_EXISTS
    assert run("restore", "--from", str(usb / "nothing.fieldapp"), "--vault", str(tmp_path / "x"),
               stdin=PP).returncode == ExitCode.VAULT_MISSING
    preview = run("retention", "preview", "--vault", str(path), stdin=PP)
    assert preview.returncode == 0 and "People with no contact" in preview.stdout
    assert run("retention", "run", "--vault", str(path), stdin=PP).returncode == 0
    refused = run("wipe", "--vault", str(path))
    assert refused.returncode == ExitCode.INVALID_INPUT and path.exists()
    assert run("wipe", "--vault", str(path), "--yes").returncode == 0
    assert not path.exists() and not Path(str(path) + ".keys").exists()
    assert run("check", "--vault", str(path), stdin=PP).returncode == ExitCode.VAULT_MISSING


def test_sealed_figures_for_cmm_on_the_command_line(tmp_path: Path) -> None:
    from fieldapp.referral import config
    from fieldapp.security.vault import unlock

    cmm_pass = "cmm desk passphrase 2026\n"
    desk, usb, path = tmp_path / "cmm", tmp_path / "usb", tmp_path / "v.fieldapp"
    usb.mkdir()
    _init(path)
    assert run("intake", "keygen", "--out", str(desk), stdin=cmm_pass).returncode == 0
    session = unlock(path, "Admin", PASSPHRASE)
    config.import_cmm_key(session, (desk / "cmm-public.json").read_bytes())
    session.close()
    assert run("org-key", "--vault", str(path), "--out", str(tmp_path / "org.json"), stdin=PP).returncode == 0
    store = ["--store", str(desk / "intake.store")]
    assert run("intake", "register", *store, "--org-key", str(tmp_path / "org.json"), stdin=cmm_pass).returncode == 0
    exact = run("report", "--vault", str(path), "--from", "2026-01-01", "--to", "2026-12-31", "--format", "cmm",
                "--out", str(usb), "--exact", stdin=PP)
    assert exact.returncode == ExitCode.PERMISSION and list(usb.iterdir()) == []
    sealed = run("report", "--vault", str(path), "--from", "2026-01-01", "--to", "2026-12-31", "--format", "cmm",
                 "--out", str(usb), stdin=PP)
    assert sealed.returncode == 0, sealed.stderr
    packet = next(usb.glob("*.cmmagg"))
    opened = run("intake", "figures", *store, "--file", str(packet), stdin=cmm_pass)
    assert opened.returncode == 0 and "key_figures" in opened.stdout
    packet.write_bytes(packet.read_bytes()[:-5])
    assert run("intake", "figures", *store, "--file", str(packet), stdin=cmm_pass).returncode == ExitCode.INVALID_INPUT
