"""UntrustedFolder: a folder from outside is never used through a link, its files are read only when they
are regular and small enough, its listing is bounded; printable() shows hostile names without acting on them."""

from __future__ import annotations

import os
import threading

import pytest

from fieldapp.storage import untrusted_dir
from fieldapp.storage.atomic import NotAPlainFile, TooLarge
from fieldapp.storage.untrusted_dir import FolderRefused, UntrustedFolder, printable


@pytest.fixture(params=["dir_fd", "by_path"])
def way(request, monkeypatch) -> str:
    """Both ways: relative to an open folder (POSIX), and the checks by path (the Windows fallback)."""
    if request.param == "by_path":
        monkeypatch.setattr(untrusted_dir, "AT_SUPPORTED", False)
    return request.param


def test_printable_shows_escape_sequences_newlines_and_bidi_overrides() -> None:
    assert printable("\x1b[2J\naccepted  fake\r\t.cmmpkt") == r"\x1b[2J\x0aaccepted  fake\x0d\x09.cmmpkt"
    assert printable("invoice\u202etxt.exe") == r"invoice\u202etxt.exe"
    assert printable("a\x9b31m\u2028b\u200bc\x7f") == r"a\x9b31m\u2028b\u200bc\x7f"
    assert printable(os.fsdecode(b"caf\xe9.cmmpkt")) == r"caf\xe9.cmmpkt"            # not UTF-8
    assert printable("Ærø Krisecenter — 日本 ñ") == "Ærø Krisecenter — 日本 ñ"


def test_a_linked_folder_is_refused(tmp_path, way) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    with pytest.raises(FolderRefused, match="link"):
        UntrustedFolder.open(tmp_path / "link")
    (tmp_path / "file").write_bytes(b"x")
    with pytest.raises(FolderRefused, match="not a folder"):
        UntrustedFolder.open(tmp_path / "file")
    with pytest.raises(FileNotFoundError):
        UntrustedFolder.open(tmp_path / "missing")


def test_a_linked_subfolder_is_refused_and_never_created_through(tmp_path, way) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    stick = tmp_path / "stick"
    stick.mkdir()
    (stick / "receipts").symlink_to(outside)
    (stick / "dangling").symlink_to(outside / "made-through-the-link")
    with UntrustedFolder.open(stick) as folder:
        with pytest.raises(FolderRefused, match="link"):
            folder.subfolder("receipts", create=True)
        with pytest.raises(FolderRefused, match="link"):
            folder.subfolder("dangling", create=True)
        assert folder.subfolder("absent") is None
        with folder.subfolder("new", create=True) as made:
            made.write("a.cmmrcpt", b"ok")
    assert list(outside.iterdir()) == [] and (stick / "new" / "a.cmmrcpt").read_bytes() == b"ok"


def test_read_refuses_links_fifos_devices_and_large_files_without_blocking(tmp_path, way) -> None:
    (tmp_path / "good").write_bytes(b"12345")
    (tmp_path / "big").write_bytes(b"x" * 100)
    (tmp_path / "zero").symlink_to("/dev/zero")
    (tmp_path / "link").symlink_to(tmp_path / "good")
    os.mkfifo(tmp_path / "fifo")
    results = {}

    def read_all() -> None:
        with UntrustedFolder.open(tmp_path) as folder:
            for name in ("good", "big", "zero", "link", "fifo"):
                try:
                    results[name] = folder.read(name, 10)
                except OSError as error:
                    results[name] = type(error)

    worker = threading.Thread(target=read_all, daemon=True)
    worker.start()
    worker.join(10)
    assert not worker.is_alive(), "reading the folder blocked"
    assert results == {"good": b"12345", "big": TooLarge, "zero": NotAPlainFile, "link": NotAPlainFile,
                       "fifo": NotAPlainFile}


def test_names_are_bounded_and_in_name_order(tmp_path, way) -> None:
    for name in ("c.cmmpkt", "a.cmmpkt", "b.cmmpkt", "d.txt", ".a.cmmpkt.0123.tmp"):
        (tmp_path / name).write_bytes(b"")
    with UntrustedFolder.open(tmp_path) as folder:
        assert folder.names(".cmmpkt").names == ["a.cmmpkt", "b.cmmpkt", "c.cmmpkt"]
        listing = folder.names(".cmmpkt", limit=2)
    assert listing.names == ["a.cmmpkt", "b.cmmpkt"] and listing.more


def test_names_that_are_not_plain_names_are_refused(tmp_path) -> None:
    with UntrustedFolder.open(tmp_path) as folder:
        for name in ("", ".", "..", "../x", "a/b", "a\0b"):
            with pytest.raises((NotAPlainFile, ValueError)):
                folder.read(name, 10)
            with pytest.raises((NotAPlainFile, ValueError)):
                folder.write(name, b"x")
