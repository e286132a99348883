"""The key file forgets: one fixed size, rewritten in place, two header copies that survive a torn write."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from fieldapp.errors import NotAVault, WrongPassphrase
from fieldapp.lifecycle import members
from fieldapp.security import users, vault, wipe
from fieldapp.storage import sidecar
from tests.conftest import PASSPHRASE

OLA = "ola's own passphrase 7"


def _identity(path: Path) -> tuple[int, int, int]:
    info = path.stat()
    return info.st_ino, info.st_dev, info.st_size


def test_every_change_rewrites_the_same_file_in_place(vault_path: Path) -> None:
    session, _recovery = vault.create_vault(vault_path, "Admin", "admin", PASSPHRASE)
    key_file = sidecar.sidecar_path(vault_path)
    first = _identity(key_file)
    assert first[2] == sidecar.FILE_BYTES
    ola = users.add(session, "Ola", "outreach", OLA, PASSPHRASE)
    members.deactivate(session, ola.id)
    vault.change_passphrase(session, PASSPHRASE, PASSPHRASE + " again")
    session.close()
    with pytest.raises(WrongPassphrase):
        vault.unlock(vault_path, "Admin", "wrong")
    vault.unlock(vault_path, "Admin", PASSPHRASE + " again").close()
    assert _identity(key_file) == first                     # same inode, same size: never renamed over
    assert sorted(p.name for p in vault_path.parent.iterdir()) == sorted(
        [vault_path.name, key_file.name, vault_path.name + ".health", vault_path.name + ".legal"])
    assert sidecar.read(vault_path).sequence >= 7


def test_a_removed_slot_leaves_no_byte_of_its_wrap_in_either_copy(vault_path: Path) -> None:
    session, _recovery = vault.create_vault(vault_path, "Admin", "admin", PASSPHRASE)
    ola = users.add(session, "Ola", "outreach", OLA, PASSPHRASE)
    side = sidecar.read(vault_path)
    slot_id = vault.keys.lookup_id(side.lookup_salt, "Ola")
    slot = side.members[slot_id].to_json()
    pieces = [slot["wrapped"].encode(), slot["box_public"].encode()]
    pieces += [sidecar.Grant(1, {"x": sealed}).to_json()["sealed"]["x"].encode()
               for g in side.grants.values() for s_id, sealed in g.sealed.items() if s_id == slot_id]
    assert len(pieces) == 3                                  # wrapped keys, public key, the core key sealed to Ola
    raw = sidecar.sidecar_path(vault_path).read_bytes()
    assert all(piece in raw for piece in pieces)
    members.deactivate(session, ola.id)
    session.close()
    raw = sidecar.sidecar_path(vault_path).read_bytes()
    assert not any(piece in raw for piece in pieces)


def _torn(area: bytes) -> bytes:
    """What a crash in the middle of writing an area leaves: the first half new, the rest zeros."""
    half = len(area) // 2
    return area[:64] + bytes(half - 64) + area[half:]


@pytest.mark.parametrize("torn_copy", [0, 1])
def test_a_torn_copy_falls_back_to_the_other(vault_path: Path, torn_copy: int) -> None:
    vault.create_vault(vault_path, "Admin", "admin", PASSPHRASE)[0].close()
    key_file = sidecar.sidecar_path(vault_path)
    raw = bytearray(key_file.read_bytes())
    start = torn_copy * sidecar.AREA_BYTES
    raw[start + 60:start + 200] = os.urandom(140)           # inside the checksummed header and payload
    key_file.write_bytes(bytes(raw))
    vault.unlock(vault_path, "Admin", PASSPHRASE).close()
    assert sidecar.decode_area(key_file.read_bytes()[start:start + sidecar.AREA_BYTES]) is not None


def test_crash_between_the_two_copies_keeps_the_newer_whole_copy(vault_path: Path, monkeypatch) -> None:
    vault.create_vault(vault_path, "Admin", "admin", PASSPHRASE)[0].close()
    before = sidecar.read(vault_path)
    calls = []
    real_write_at = sidecar._write_at

    def crash_on_second_copy(fd, data, offset):
        calls.append(offset)
        if offset == sidecar.AREA_BYTES:
            real_write_at(fd, data[:1000], offset)       # B is torn
            raise OSError(5, "simulated power cut")
        real_write_at(fd, data, offset)

    monkeypatch.setattr(sidecar, "_write_at", crash_on_second_copy)
    before.wipe_after = 9
    with pytest.raises(Exception):  # noqa: B017 - StorageIOError: the write did not finish
        sidecar.write(vault_path, before)
    monkeypatch.undo()
    after = sidecar.read(vault_path)
    assert calls == [0, sidecar.AREA_BYTES] and after.wipe_after == 9   # copy A, whole and newer, is taken
    vault.unlock(vault_path, "Admin", PASSPHRASE).close()


def test_both_copies_damaged_is_not_a_vault_and_not_a_wrong_passphrase(vault_path: Path) -> None:
    vault.create_vault(vault_path, "Admin", "admin", PASSPHRASE)[0].close()
    key_file = sidecar.sidecar_path(vault_path)
    raw = bytearray(key_file.read_bytes())
    for start in (0, sidecar.AREA_BYTES):
        raw[start + 8] ^= 0xFF                               # the sequence number: checksum fails
    key_file.write_bytes(bytes(raw))
    with pytest.raises(NotAVault):
        vault.unlock(vault_path, "Admin", PASSPHRASE)


def test_a_first_format_key_file_is_converted_over_its_own_bytes(vault_path: Path) -> None:
    vault.create_vault(vault_path, "Admin", "admin", PASSPHRASE)[0].close()
    key_file = sidecar.sidecar_path(vault_path)
    legacy = json.dumps(json.loads(sidecar.read(vault_path).to_bytes()), indent=1).encode()
    key_file.write_bytes(legacy)
    inode = key_file.stat().st_ino
    vault.unlock(vault_path, "Admin", PASSPHRASE).close()
    raw = key_file.read_bytes()
    assert key_file.stat().st_ino == inode and len(raw) == sidecar.FILE_BYTES
    assert raw.startswith(sidecar.MAGIC) and legacy[:64] not in raw


def test_a_closing_session_does_not_bring_back_a_wiped_key_file(vault_path: Path) -> None:
    session, _recovery = vault.create_vault(vault_path, "Admin", "admin", PASSPHRASE)
    wipe.wipe_files(vault_path)                      # e.g. `fieldapp wipe --yes` from another terminal
    session.close()
    assert not sidecar.sidecar_path(vault_path).exists()


def test_wipe_overwrites_in_place_and_never_follows_a_link(vault_path: Path, tmp_path: Path) -> None:
    vault.create_vault(vault_path, "Admin", "admin", PASSPHRASE)[0].close()
    bystander = tmp_path / "bystander.txt"
    bystander.write_text("not the vault's")
    wal = vault_path.with_name(vault_path.name + "-wal")
    wal.symlink_to(bystander)
    handle = sidecar.sidecar_path(vault_path).open("rb")     # a reader still holding the old inode
    wipe.wipe_files(vault_path)
    assert handle.read() == bytes(sidecar.FILE_BYTES)        # its blocks were overwritten, not only unlinked
    handle.close()
    assert bystander.read_text() == "not the vault's"
    assert sorted(p.name for p in vault_path.parent.iterdir()) == []


@pytest.mark.parametrize(("where", "value"), [
    (("members", "*", "kdf", "time_cost"), 10**9),             # would hang the key derivation
    (("members", "*", "kdf", "memory_kib"), 2**40),            # would overflow
    (("members", "*", "kdf", "memory_kib"), "65536"),          # the wrong type
    (("members", "*", "salt"), ""),                            # an empty salt
    (("failed_at",), [float("inf")]),
    (("grants", "core", "epoch"), 2**40),
])
def test_hostile_values_in_the_key_file_are_not_a_vault(vault_path: Path, where: tuple, value) -> None:
    vault.create_vault(vault_path, "Admin", "admin", PASSPHRASE)[0].close()
    data = json.loads(sidecar.read(vault_path).to_bytes())
    target = data
    for step in where[:-1]:
        target = next(iter(target.values())) if step == "*" else target[step]
    target[where[-1]] = value
    area = sidecar.encode_area(json.dumps(data).encode(), 99)   # a whole, checksummed copy: only the values lie
    sidecar.sidecar_path(vault_path).write_bytes(area + area)
    with pytest.raises(NotAVault):
        vault.unlock(vault_path, "Admin", PASSPHRASE)


@pytest.mark.parametrize("change", ["deep nesting", "non-hex member MAC", "signers head a list", "audit count text"])
def test_more_hostile_key_files_are_not_a_vault(vault_path: Path, change: str) -> None:
    vault.create_vault(vault_path, "Admin", "admin", PASSPHRASE)[0].close()
    data = json.loads(sidecar.read(vault_path).to_bytes())
    if change == "deep nesting":
        raw = json.dumps(data)[:-1].encode() + b',"x":' + b"[" * 50_000 + b"]" * 50_000 + b"}"
    else:
        if change == "non-hex member MAC":
            data["membership_mac"] = "\u00e6" * 64
        elif change == "signers head a list":
            data["signers"] = {"s": {"keys": [], "user": None, "head": []}}
        else:
            data["audit_head"] = {"count": "x", "hash": "0" * 64}
        raw = json.dumps(data).encode()
    area = sidecar.encode_area(raw, 99)
    sidecar.sidecar_path(vault_path).write_bytes(area + area)
    with pytest.raises(NotAVault):
        vault.unlock(vault_path, "Admin", PASSPHRASE)
