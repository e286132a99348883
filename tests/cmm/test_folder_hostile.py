"""CMM's folder intake against a hostile stick: FIFOs, links (at packets, at the folders, at the names a
receipt is written through), hostile names and too many files; and the command line, which prints every name
from the stick escaped."""

from __future__ import annotations

import io
import os
import sys
import threading
import uuid

import pytest

from fieldapp import cli
from fieldapp.cmm import folder as cmm_folder
from fieldapp.cmm import intake
from fieldapp.cmm import store as intake_store
from fieldapp.cmm.folder import receive_folder
from fieldapp.errors import ExitCode
from fieldapp.protocol import crypto, receipt
from fieldapp.storage.untrusted_dir import FolderRefused
from tests.referral.helpers import ORG_SEED, cmm_secret, receipt_ids, receipt_path, sealed, valid_packet

CMM_PASS = "cmm passphrase for the hostile folder tests"


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    conn = intake_store.create(tmp_path_factory.mktemp("cmm") / "intake.store", CMM_PASS)
    intake.register(conn, crypto.org_key_file(ORG_SEED, "Test NGO"))
    yield intake.Intake(conn, cmm_secret())
    intake_store.close(conn)


def within(seconds: float, work):
    """``work()``'s result, failing (instead of hanging the suite) if it takes longer than ``seconds``."""
    done = {}

    def run() -> None:
        try:
            done["result"] = work()
        except BaseException as error:          # noqa: BLE001 - handed back to the test
            done["error"] = error

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"still running after {seconds} s"
    if "error" in done:
        raise done["error"]
    return done["result"]


def _packet(desk, folder, name: str | None = None) -> str:
    packet_id = uuid.uuid4().hex
    (folder / (name or f"{packet_id}.cmmpkt")).write_bytes(sealed(valid_packet(packet_id=packet_id), desk.secret))
    return packet_id


@pytest.fixture
def stick(tmp_path):
    path = tmp_path / "stick"
    path.mkdir()
    return path


@pytest.fixture
def outside(tmp_path):
    """A folder off the stick, with a file that must never change."""
    path = tmp_path / "outside"
    path.mkdir()
    (path / "cmm-secret.key").write_bytes(b"the intake's secret key")
    return path


def _untouched(outside) -> None:
    assert sorted(p.name for p in outside.iterdir()) == ["cmm-secret.key"]
    assert (outside / "cmm-secret.key").read_bytes() == b"the intake's secret key"


def test_a_fifo_is_refused_promptly_and_the_packet_beside_it_accepted(desk, stick) -> None:
    os.mkfifo(stick / "x.cmmpkt")
    packet_id = _packet(desk, stick)
    results = within(20, lambda: receive_folder(desk, stick))
    assert {r.source: (r.accepted, r.reason_code) for r in results} == {
        "x.cmmpkt": (False, "not_a_packet"), f"{packet_id}.cmmpkt": (True, "")}
    assert receipt_ids(stick / "receipts") == [packet_id]


def test_a_fifo_in_place_of_the_receipts_folder_is_refused_before_anything_is_received(desk, stick) -> None:
    os.mkfifo(stick / "receipts")
    _packet(desk, stick)
    before = intake_store.packet_count(desk.conn)
    with pytest.raises(FolderRefused, match="not a folder"):
        within(20, lambda: receive_folder(desk, stick))
    assert intake_store.packet_count(desk.conn) == before


def test_linked_packets_are_refused_not_followed(desk, stick, outside) -> None:
    elsewhere = outside / "elsewhere.cmmpkt"
    elsewhere.write_bytes(sealed(valid_packet(), desk.secret))
    (stick / "a.cmmpkt").symlink_to(elsewhere)
    (stick / "b.cmmpkt").symlink_to("/dev/zero")
    before = intake_store.packet_count(desk.conn)
    results = within(20, lambda: receive_folder(desk, stick))
    assert [(r.source, r.accepted, r.reason_code) for r in results] == [
        ("a.cmmpkt", False, "not_a_packet"), ("b.cmmpkt", False, "not_a_packet")]
    assert intake_store.packet_count(desk.conn) == before and list((stick / "receipts").iterdir()) == []


def test_a_linked_receipts_folder_is_refused_and_nothing_is_received(desk, stick, outside) -> None:
    (stick / "receipts").symlink_to(outside)
    _packet(desk, stick)
    before = intake_store.packet_count(desk.conn)
    with pytest.raises(FolderRefused, match="link"):
        receive_folder(desk, stick)
    assert intake_store.packet_count(desk.conn) == before
    _untouched(outside)


def test_a_receipts_folder_named_by_the_user_is_not_used_through_a_link(desk, stick, outside, tmp_path) -> None:
    (tmp_path / "answers").symlink_to(outside)
    _packet(desk, stick)
    with pytest.raises(FolderRefused, match="link"):
        receive_folder(desk, stick, tmp_path / "answers")
    _untouched(outside)
    results = receive_folder(desk, stick, tmp_path / "made" / "answers")
    assert receipt_ids(tmp_path / "made" / "answers") == [results[0].packet_id]


def test_a_linked_packet_folder_is_refused(desk, tmp_path, outside) -> None:
    packet_id = _packet(desk, outside)
    (tmp_path / "stick").symlink_to(outside)
    before = intake_store.packet_count(desk.conn)
    with pytest.raises(FolderRefused, match="link"):
        receive_folder(desk, tmp_path / "stick")
    assert intake_store.packet_count(desk.conn) == before
    assert sorted(p.name for p in outside.iterdir()) == sorted(["cmm-secret.key", f"{packet_id}.cmmpkt"])


def test_links_planted_at_the_receipt_and_temporary_names_are_never_written_through(desk, stick, outside) -> None:
    receipts = stick / "receipts"
    receipts.mkdir()
    packet_id = _packet(desk, stick)
    key = outside / "cmm-secret.key"
    written = receipt_path(receipts, packet_id, (stick / f"{packet_id}.cmmpkt").read_bytes())
    written.symlink_to(key)
    (receipts / f".{written.name}.{os.getpid()}.tmp").symlink_to(key)   # the temporary name it once used
    assert [r.accepted for r in receive_folder(desk, stick)] == [True]
    _untouched(outside)
    assert not written.is_symlink()
    assert receipt.verify(written.read_bytes(), desk.secret.public)["packet_id"] == packet_id


def test_receipts_are_named_by_the_authenticated_packet_id_only(desk, stick, tmp_path) -> None:
    hostile = ["not-its-id.cmmpkt", "..\n..\x1b[2J.cmmpkt", "..cmmpkt.cmmpkt", f"{'f' * 32}.cmmpkt"]
    ids = [_packet(desk, stick, name) for name in hostile]
    results = receive_folder(desk, stick)
    assert sorted(r.packet_id for r in results) == sorted(ids) and all(r.accepted for r in results)
    assert receipt_ids(stick / "receipts") == sorted(ids)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["stick"]      # nothing written beside the stick


def test_a_folder_with_too_many_packet_files_is_read_only_up_to_the_limit(desk, stick, monkeypatch) -> None:
    monkeypatch.setattr(cmm_folder, "MAX_ENTRIES", 2)
    ids = sorted(_packet(desk, stick) for _ in range(3))
    results = receive_folder(desk, stick)
    assert [r.packet_id for r in results] == ids[:2] and results.more


def test_a_folder_in_place_of_a_receipt_is_reported_not_fatal(desk, stick) -> None:
    first, second = sorted(uuid.uuid4().hex for _ in range(2))
    data = {packet_id: sealed(valid_packet(packet_id=packet_id), desk.secret) for packet_id in (first, second)}
    for packet_id, sealed_bytes in data.items():
        (stick / f"{packet_id}.cmmpkt").write_bytes(sealed_bytes)
    receipt_path(stick / "receipts", first, data[first]).mkdir(parents=True)
    results = receive_folder(desk, stick)
    assert [r.accepted for r in results] == [True, True] and results.unwritten == [first]
    assert receipt_path(stick / "receipts", second, data[second]).is_file()


# -- the command line ---------------------------------------------------------------------------------

@pytest.fixture
def cmm_desk(tmp_path):
    """A key pair and an intake store with the test organisation, as the CLI finds them."""
    desk = tmp_path / "cmm"
    intake.keygen(desk, CMM_PASS)
    conn = intake_store.create(desk / "intake.store", CMM_PASS)
    intake.register(conn, crypto.org_key_file(ORG_SEED, "Test NGO"))
    intake_store.close(conn)
    return desk, intake.load_secret(desk / intake.SECRET_FILE, CMM_PASS)


def _main(argv: list[str], monkeypatch) -> int:
    monkeypatch.setattr(sys, "stdin", io.StringIO(CMM_PASS + "\n"))
    return cli.main(argv)


def _assert_nothing_forged(text: str) -> None:
    assert "\x1b" not in text and "\x9b" not in text and "\x07" not in text and "\r" not in text
    assert not any(line.startswith(("accepted  fake", "rejected  fake")) for line in text.splitlines())


def test_receive_prints_hostile_names_escaped(cmm_desk, stick, monkeypatch, capsys) -> None:
    desk, secret = cmm_desk
    packet_id = uuid.uuid4().hex
    forged = f"\x1b[2J\x1b[32m{packet_id}\naccepted  fake\x1b[0m.cmmpkt"
    (stick / forged).write_bytes(sealed(valid_packet(packet_id=packet_id), secret))
    (stick / "\x1b]0;title\x07\rrejected  fake\u202e.cmmpkt").write_bytes(b"garbage")
    code = _main(["intake", "receive", "--store", str(desk / "intake.store"), "--from", str(stick)], monkeypatch)
    printed = capsys.readouterr()
    assert code == ExitCode.INVALID_INPUT
    _assert_nothing_forged(printed.out + printed.err)
    assert [line for line in printed.out.splitlines() if line.startswith("accepted")] == [
        f"accepted  \\x1b[2J\\x1b[32m{packet_id}\\x0aaccepted  fake\\x1b[0m.cmmpkt"]
    assert receipt_ids(stick / "receipts") == [packet_id]


def test_receive_refuses_a_linked_folder_and_receives_nothing(cmm_desk, tmp_path, outside, monkeypatch,
                                                              capsys) -> None:
    desk, secret = cmm_desk
    (outside / "a.cmmpkt").write_bytes(sealed(valid_packet(), secret))
    (tmp_path / "stick").symlink_to(outside)
    store = desk / "intake.store"
    assert _main(["intake", "receive", "--store", str(store), "--from", str(tmp_path / "stick")],
                 monkeypatch) == ExitCode.INVALID_INPUT
    assert "is a link" in capsys.readouterr().err
    conn = intake_store.open_store(store, CMM_PASS)
    try:
        assert intake_store.packet_count(conn) == 0
    finally:
        intake_store.close(conn)
    assert sorted(p.name for p in outside.iterdir()) == ["a.cmmpkt", "cmm-secret.key"]


def test_figures_refuses_files_that_are_not_plain_or_too_large(cmm_desk, stick, monkeypatch, capsys) -> None:
    desk, _secret = cmm_desk
    store = ["--store", str(desk / "intake.store")]
    os.mkfifo(stick / "pipe.cmmagg")
    (stick / "zero.cmmagg").symlink_to("/dev/zero")
    (stick / "big.cmmagg").write_bytes(b"\0" * (10 * 1024 * 1024))
    for name, said in (("pipe.cmmagg", "not a plain file"), ("zero.cmmagg", "not a plain file"),
                       ("big.cmmagg", "too large")):
        code = within(20, lambda name=name: _main(["intake", "figures", *store, "--file", str(stick / name)],
                                                  monkeypatch))
        assert code == ExitCode.INVALID_INPUT and said in capsys.readouterr().err


def test_figures_and_register_print_hostile_names_escaped(cmm_desk, stick, monkeypatch, capsys) -> None:
    desk, _secret = cmm_desk
    store = ["--store", str(desk / "intake.store")]
    name = "\x1b[2J\naccepted  fake.cmmagg"
    (stick / name).write_bytes(b"not sealed figures")
    assert _main(["intake", "figures", *store, "--file", str(stick / name)], monkeypatch) == ExitCode.INVALID_INPUT
    key = stick / "org.json"
    key.write_bytes(crypto.org_key_file(bytes(range(1, 33)), "NGO \u202eekaf  detpecca"))   # shown reversed
    # A key file whose name holds a direction override is refused outright (strict JSON: no control or
    # direction characters anywhere), so the name never reaches the terminal.
    assert _main(["intake", "register", *store, "--org-key", str(key)], monkeypatch) == ExitCode.INVALID_INPUT
    printed = capsys.readouterr()
    _assert_nothing_forged(printed.out + printed.err)
    assert "\u202e" not in printed.out + printed.err and "not a valid key file" in printed.err
