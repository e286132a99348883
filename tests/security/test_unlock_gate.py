"""One gate in front of every unwrap: unlock, restore, reset with the recovery key, change passphrase.
The wipe passphrase is tried first, then the back-off; failures count and may wipe, on every path."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from fieldapp.crypto import keys
from fieldapp.errors import InvalidInput, PermissionDenied, WrongPassphrase
from fieldapp.lifecycle import backup
from fieldapp.security import backoff, users, vault, wipe
from fieldapp.storage import sidecar
from tests.cli.test_cli import run
from tests.conftest import PASSPHRASE

DURESS = "duress words for wiping"
OLA = "ola's own passphrase 7"


@pytest.fixture
def frozen_clock(monkeypatch):
    now = [3_000_000.0]
    monkeypatch.setattr(backoff, "clock", lambda: now[0])
    return now


def test_restore_from_the_live_vault_waits_like_unlock(vault_path: Path, tmp_path: Path, frozen_clock) -> None:
    vault.create_vault(vault_path, "Admin", "admin", PASSPHRASE)[0].close()
    target = tmp_path / "copy" / "v.fieldapp"
    for _attempt in range(3):
        with pytest.raises(WrongPassphrase):
            backup.restore(vault_path, target, "guess", user_name="Admin")
    with pytest.raises(backoff.TooManyAttempts):
        backup.restore(vault_path, target, PASSPHRASE, user_name="Admin")   # even the right one waits
    assert not target.exists() and len(sidecar.read(vault_path).failed_at) == 3
    frozen_clock[0] += 10_000
    opened = vault.unlock(vault_path, "Admin", PASSPHRASE)
    failed = opened.conn.execute("SELECT count(*) FROM audit_events WHERE action = 'unlock.failed'").fetchone()[0]
    opened.close()
    assert failed == 3                                   # the guesses show in the trail of the vault


def test_restore_counts_towards_wipe_after_failures(session, tmp_path: Path, monkeypatch) -> None:
    path = session.path
    vault.set_wipe_passphrase(session, None, wipe_after=3)
    session.close()
    monkeypatch.setattr(backoff, "delay_after", lambda failures: 0.0)
    for _attempt in range(3):
        with pytest.raises(WrongPassphrase):
            backup.restore(path, tmp_path / "copy.fieldapp", "guess")
    assert not any(p.exists() for p in wipe.vault_files(path))


def test_the_wipe_passphrase_works_on_restore_and_recovery_reset(session, tmp_path: Path) -> None:
    path = session.path
    vault.set_wipe_passphrase(session, DURESS)
    session.close()
    spare = tmp_path / "spare"
    spare.mkdir()
    for file in (path, sidecar.sidecar_path(path)):
        shutil.copy(file, spare / file.name)
    with pytest.raises(WrongPassphrase):
        backup.restore(path, tmp_path / "copy.fieldapp", DURESS)
    assert not path.exists() and not sidecar.sidecar_path(path).exists()
    copy = spare / path.name
    with pytest.raises(WrongPassphrase):
        vault.reset_with_recovery(copy, DURESS, "Admin", "a brand new passphrase 1")
    assert not copy.exists()


def test_wrong_recovery_keys_are_counted(vault_path: Path, frozen_clock) -> None:
    _session, recovery_key = vault.create_vault(vault_path, "Admin", "admin", PASSPHRASE)
    _session.close()
    for _attempt in range(3):
        with pytest.raises(WrongPassphrase):
            vault.reset_with_recovery(vault_path, keys.new_recovery_key(), "Admin", "a brand new passphrase 1")
    with pytest.raises(backoff.TooManyAttempts):
        vault.reset_with_recovery(vault_path, recovery_key, "Admin", "a brand new passphrase 1")


def test_a_wipe_passphrase_that_opens_a_slot_is_refused(vault_path: Path) -> None:
    session, recovery_key = vault.create_vault(vault_path, "Admin", "admin", PASSPHRASE)
    users.add(session, "Ola", "outreach", OLA, PASSPHRASE)
    before = sidecar.read(vault_path)
    for secret in (PASSPHRASE, OLA, recovery_key, recovery_key.lower().replace("-", " ")):
        with pytest.raises(InvalidInput):
            vault.set_wipe_passphrase(session, secret)
    assert sidecar.read(vault_path).wipe_check is None and before.wipe_check is None
    vault.set_wipe_passphrase(session, DURESS, wipe_after=5)
    stored = sidecar.read(vault_path)
    assert stored.wipe_check is not None and stored.wipe_after == 5
    assert DURESS.encode() not in sidecar.sidecar_path(vault_path).read_bytes()
    session.close()


def test_no_user_may_take_the_wipe_passphrase_as_their_own(session) -> None:
    vault.set_wipe_passphrase(session, DURESS)
    with pytest.raises(InvalidInput):
        users.add(session, "Ola", "outreach", DURESS, PASSPHRASE)
    with pytest.raises(InvalidInput):
        vault.change_passphrase(session, PASSPHRASE, DURESS)
    path = session.path
    session.close()
    vault.unlock(path, "Admin", PASSPHRASE).close()            # nothing was destroyed along the way


@pytest.mark.parametrize("role", ["outreach", "health", "legal", "coordinator"])
def test_only_an_admin_sets_the_wipe_passphrase(session, role: str) -> None:
    users.add(session, "Ola", role, OLA, PASSPHRASE)
    path = session.path
    session.close()
    ola = vault.unlock(path, "Ola", OLA)
    try:
        with pytest.raises(PermissionDenied):
            vault.set_wipe_passphrase(ola, DURESS, wipe_after=1)
    finally:
        ola.close()
    side = sidecar.read(path)
    assert side.wipe_check is None and side.wipe_after == 0


def test_unknown_names_cost_what_a_known_slot_costs(vault_path: Path, monkeypatch) -> None:
    odd = keys.KdfParams(memory_kib=96 * 1024, time_cost=4, parallelism=4)
    vault.create_vault(vault_path, "Admin", "admin", PASSPHRASE, params=odd)[0].close()
    used: list[keys.KdfParams] = []
    real_derive = keys.derive
    monkeypatch.setattr(keys, "derive", lambda secret, salt, params: used.append(params) or
                        real_derive(secret, salt, params))
    for name in ("Nobody", "Somebody else", "Admin"):
        with pytest.raises(WrongPassphrase):
            vault.unlock(vault_path, name, "wrong passphrase")
    assert used == [odd, odd, odd]


def test_cli_restore_of_the_live_vault_is_gated(tmp_path: Path) -> None:
    import time

    path = tmp_path / "v.fieldapp"
    assert run("init", "--vault", str(path), "--user", "Admin", stdin=PASSPHRASE + "\n").returncode == 0
    assert run("restore", "--from", str(path), "--vault", str(tmp_path / "c1.fieldapp"),
               stdin="guess\n").returncode == 3
    side = sidecar.read(path)
    side.failed_at = [time.time()] * 10                      # ten recent failures: minutes to wait
    sidecar.write(path, side)
    waited = run("restore", "--from", str(path), "--vault", str(tmp_path / "c2.fieldapp"), stdin=PASSPHRASE + "\n")
    assert waited.returncode == 12 and "Wait" in waited.stderr
    assert not list(tmp_path.glob("c*.fieldapp"))
