"""write_atomic against a folder someone else can write to: links planted at the destination and at every
temporary name it might use are replaced or avoided, never written through; a failure leaves nothing behind."""

from __future__ import annotations

import os
import secrets
import stat

import pytest

from fieldapp.storage import atomic
from fieldapp.storage.atomic import write_atomic


@pytest.fixture(params=["dir_fd", "by_path"])
def way(request, monkeypatch) -> str:
    """Both ways of writing: relative to an open folder (POSIX), and by path (the Windows fallback)."""
    if request.param == "by_path":
        monkeypatch.setattr(atomic, "AT_SUPPORTED", False)
    return request.param


def _bait(tmp_path) -> list:
    outside = tmp_path / "outside"
    outside.mkdir()
    baits = []
    for n in range(3):
        bait = outside / f"precious-{n}"
        bait.write_bytes(b"key material %d" % n)
        baits.append(bait)
    return baits


def test_links_at_every_name_it_might_use_are_never_written_through(tmp_path, monkeypatch, way) -> None:
    folder = tmp_path / "stick"
    folder.mkdir()
    first, second, third = _bait(tmp_path)
    tokens = iter(["1" * 16, "2" * 16])
    monkeypatch.setattr(secrets, "token_hex", lambda n: next(tokens))
    (folder / f".r.cmmrcpt.{os.getpid()}.tmp").symlink_to(first)      # the name it used to take
    (folder / f".r.cmmrcpt.{'1' * 16}.tmp").symlink_to(second)        # the first random name: taken, skipped
    (folder / "r.cmmrcpt").symlink_to(third)                          # the destination itself

    write_atomic(folder / "r.cmmrcpt", b"receipt", mode=0o644)

    assert [p.read_bytes() for p in (first, second, third)] == [b"key material 0", b"key material 1",
                                                                b"key material 2"]
    written = folder / "r.cmmrcpt"
    assert not written.is_symlink() and written.read_bytes() == b"receipt"
    assert not (folder / f".r.cmmrcpt.{'2' * 16}.tmp").exists()       # the temporary file became the file


def test_a_dangling_link_at_the_destination_is_replaced_not_followed(tmp_path, way) -> None:
    target = tmp_path / "would-be-created"
    (tmp_path / "out.csv").symlink_to(target)
    write_atomic(tmp_path / "out.csv", b"a,b\n")
    assert not target.exists() and (tmp_path / "out.csv").read_bytes() == b"a,b\n"
    assert stat.S_IMODE((tmp_path / "out.csv").stat().st_mode) & 0o077 == 0


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path, monkeypatch, way) -> None:
    path = tmp_path / "vault.key"
    path.write_bytes(b"old")

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", broken)
    with pytest.raises(OSError):
        write_atomic(path, b"new")
    assert path.read_bytes() == b"old" and sorted(p.name for p in tmp_path.iterdir()) == ["vault.key"]


def test_a_folder_at_the_destination_is_not_written_into(tmp_path, way) -> None:
    (tmp_path / "r.cmmrcpt").mkdir()
    (tmp_path / "r.cmmrcpt" / "inside").write_bytes(b"x")
    with pytest.raises(OSError):
        write_atomic(tmp_path / "r.cmmrcpt", b"receipt")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.cmmrcpt"]
    assert [p.name for p in (tmp_path / "r.cmmrcpt").iterdir()] == ["inside"]
