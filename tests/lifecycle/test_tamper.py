"""Random byte flips in the vault, a backup and the key file: reported as damage, never a crash,
never silently accepted."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from fieldapp.errors import FieldappError, IntegrityError, NotAVault, WrongPassphrase
from fieldapp.lifecycle import backup
from fieldapp.security import vault
from fieldapp.storage import sidecar
from tests.conftest import PASSPHRASE, copy_vault


def _filled(vault_path: Path) -> Path:
    session, _ = vault.create_vault(vault_path, "Admin", "admin", PASSPHRASE)
    with session.write() as conn:
        conn.executemany("INSERT INTO venues (name, kind, notes) VALUES (?, 'other', ?)",
                         [(f"venue {i}", "n" * 400) for i in range(60)])
    session.close()
    return vault_path


@pytest.fixture
def filled(vault_path: Path, made_once) -> Path:
    """``_filled(vault_path)``: a copy of the vault it made once for this test process (each test flips its own)."""
    return copy_vault(made_once("tamper-filled", _filled)[0], vault_path)


def _flip(path: Path, rng: random.Random) -> None:
    data = bytearray(path.read_bytes())
    data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("seed", range(8))
def test_flipped_bit_in_vault_is_reported(filled: Path, seed: int) -> None:
    path = filled
    _flip(path, random.Random(seed))
    try:
        session = vault.unlock(path, "Admin", PASSPHRASE)
    except NotAVault as error:
        assert error.message
        return
    assert session.read_only and session.warnings       # opened read-only, with a clear message
    with pytest.raises(IntegrityError):
        with session.write() as conn:
            conn.execute("INSERT INTO venues (name, kind) VALUES ('x', 'other')")
    session.close()


@pytest.mark.parametrize("seed", range(4))
def test_flipped_bit_in_backup_is_refused(filled: Path, tmp_path: Path, seed: int) -> None:
    path = filled
    session = vault.unlock(path, "Admin", PASSPHRASE)
    result = backup.backup_to(session, tmp_path)
    session.close()
    _flip(result.path, random.Random(seed))
    target = tmp_path / "restored" / "v.fieldapp"
    with pytest.raises((NotAVault, IntegrityError)):
        backup.restore(result.path, target, PASSPHRASE, user_name="Admin")
    assert not target.exists()


@pytest.mark.parametrize("seed", range(6))
def test_flipped_bit_in_key_file_never_crashes(filled: Path, seed: int) -> None:
    path = filled
    _flip(sidecar.sidecar_path(path), random.Random(seed))
    try:
        vault.unlock(path, "Admin", PASSPHRASE).close()       # a flip in whitespace changes nothing
    except (NotAVault, WrongPassphrase) as error:
        assert isinstance(error, FieldappError) and error.message
