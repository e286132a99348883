"""Commands an outreach worker's role does not allow: exit code 8 and nothing changed.

Every command unlocks first, and an unlock records "unlock" and "lock" in the audit trail; apart
from those two events the vault's content must be exactly as before.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from fieldapp.errors import ExitCode
from fieldapp.security.vault import open_data_key, unlock
from fieldapp.storage import audit_repo
from fieldapp.storage.connection import close_connection, connect
from tests.cli.test_cli import run
from tests.conftest import PASSPHRASE, copy_vault

PP = PASSPHRASE + "\n"
OLA = "ola passphrase one\n"
NEW = "new user passphrase two\n"


def _snapshot(path: Path) -> tuple[dict[str, str], list[str]]:
    """A digest of every table but the audit trail's, and the audit trail's actions in order."""
    conn = connect(path, open_data_key(path, PASSPHRASE, user_name="Admin"), read_only=True)
    try:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        digests = {name: hashlib.sha256(repr(sorted(map(repr, conn.execute(f'SELECT * FROM "{name}"')))).encode())
                   .hexdigest() for name in names if name != "audit_events"}
        actions = [event.action for event in reversed(audit_repo.events(conn, limit=100_000))]
    finally:
        close_connection(conn)
    return digests, actions


def _with_outreach(path: Path) -> None:
    """A vault with one person past the retention period, and an outreach user "Ola"."""
    assert run("init", "--vault", str(path), "--user", "Admin", stdin=PP).returncode == 0
    session = unlock(path, "Admin", PASSPHRASE)
    with session.write() as conn:
        conn.execute("INSERT INTO people (reference, alias, alias_key, nationality, first_contact, last_contact)"
                     " VALUES ('r-old', 'Old', 'old', 'TH', '2001-01-15', '2001-01-15')")
    session.close()
    added = run("user", "add", "--vault", str(path), "--user", "Admin", "--name", "Ola", "--role", "outreach",
                stdin=PP + OLA)
    assert added.returncode == 0, added.stderr


@pytest.fixture
def vault_with_outreach(tmp_path: Path, made_once) -> Path:
    """``_with_outreach``'s vault: a copy of the one it made once for this test process."""
    return copy_vault(made_once("cli-outreach", _with_outreach)[0], tmp_path / "v.fieldapp")


def _refused(path: Path, *args: str, stdin: str) -> None:
    before, trail = _snapshot(path)
    result = run(*args, "--vault", str(path), "--user", "Ola", stdin=stdin)
    assert result.returncode == ExitCode.PERMISSION, result.stderr
    assert "Your role does not allow this." in result.stderr
    after, later = _snapshot(path)
    assert after == before
    assert later[:len(trail)] == trail and set(later[len(trail):]) <= {"unlock", "lock"}


def test_outreach_may_not_back_up(vault_with_outreach: Path, tmp_path: Path) -> None:
    usb = tmp_path / "usb"
    usb.mkdir()
    _refused(vault_with_outreach, "backup", "--out", str(usb), stdin=OLA)
    assert list(usb.iterdir()) == []


def test_outreach_may_not_run_retention(vault_with_outreach: Path) -> None:
    path = vault_with_outreach
    _refused(path, "retention", "run", stdin=OLA)
    ran = run("retention", "run", "--vault", str(path), "--user", "Admin", stdin=PP)
    assert ran.returncode == 0 and "People with no contact since" in ran.stdout and ": 1" in ran.stdout


def test_outreach_may_not_verify_the_audit_trail(vault_with_outreach: Path) -> None:
    _refused(vault_with_outreach, "audit", "verify", stdin=OLA)


def test_outreach_may_not_add_users(vault_with_outreach: Path) -> None:
    path = vault_with_outreach
    _refused(path, "user", "add", "--name", "Mallory", "--role", "admin", stdin=OLA + NEW)
    assert run("check", "--vault", str(path), "--user", "Mallory", stdin=NEW).returncode == ExitCode.WRONG_PASSPHRASE
