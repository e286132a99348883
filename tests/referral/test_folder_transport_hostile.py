"""The NGO's folder transport against a hostile stick: receipt files that are links to /dev/zero, FIFOs or
huge files are skipped unread without blocking or filling memory, and a packet or receipts folder that is a
link is refused with a reason while every packet stays as it was."""

from __future__ import annotations

import contextlib
import os
import threading
import tracemalloc

import pytest

from fieldapp.cmm import intake
from fieldapp.cmm import store as intake_store
from fieldapp.cmm.folder import receive_folder
from fieldapp.referral import config, sync
from tests.referral.test_end_to_end import _queued_referral, _status

CMM_PASS = "cmm store passphrase 2026"


@pytest.fixture
def desk(tmp_path, ready, cmm):
    conn = intake_store.create(tmp_path / "cmm" / "intake.store", CMM_PASS)
    intake.register(conn, config.export_org_key(ready))
    yield intake.Intake(conn, cmm)
    intake_store.close(conn)


@contextlib.contextmanager
def address_space_cap(extra: int):
    """At most ``extra`` more bytes of address space for this process, so an unbounded read fails with
    MemoryError instead of exhausting the machine (Linux; elsewhere no cap)."""
    resource = pytest.importorskip("resource")
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            used = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize:"))
    except (OSError, StopIteration):
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = used + extra if hard == resource.RLIM_INFINITY else min(used + extra, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _sync_within(seconds: float, session, usb):
    done = {}

    def run() -> None:
        try:
            done["report"] = sync.sync(session, to_folder=usb)
        except BaseException as error:          # noqa: BLE001 - handed back to the test
            done["error"] = error

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"the sync was still running after {seconds} s"
    if "error" in done:
        raise done["error"]
    return done["report"]


def test_hostile_receipt_files_are_skipped_unread_and_the_valid_one_applied(ready, desk, tmp_path) -> None:
    referral_id = _queued_referral(ready)
    usb = tmp_path / "usb"
    usb.mkdir()
    sync.sync(ready, to_folder=usb)
    assert [r.accepted for r in receive_folder(desk, usb)] == [True]
    receipts = usb / "receipts"
    (receipts / "0-zero.cmmrcpt").symlink_to("/dev/zero")
    os.mkfifo(receipts / "1-pipe.cmmrcpt")
    (receipts / "2-huge.cmmrcpt").write_bytes(b"\0" * (10 * 1024 * 1024))

    tracemalloc.start()
    try:
        with address_space_cap(1 << 30):
            report = _sync_within(30, ready, usb)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [item.referral_id for item in report.acknowledged] == [referral_id] and report.problems == []
    assert _status(ready, referral_id) == "acknowledged"
    assert peak < 4 * 1024 * 1024                   # neither /dev/zero nor the 10 MB file was read


def test_a_linked_receipts_folder_is_refused_and_the_packets_stay_as_they_were(ready, desk, tmp_path) -> None:
    sent = _queued_referral(ready)
    usb = tmp_path / "usb"
    usb.mkdir()
    sync.sync(ready, to_folder=usb)
    receive_folder(desk, usb)
    outside = tmp_path / "outside"
    (usb / "receipts").rename(outside)                  # a valid receipt for the sent packet, off the stick
    (usb / "receipts").symlink_to(outside)
    queued = _queued_referral(ready)
    before = sorted(p.name for p in usb.iterdir()), sorted(p.name for p in outside.iterdir())

    report = sync.sync(ready, to_folder=usb)

    assert _status(ready, sent) == "sent" and _status(ready, queued) == "queued"
    assert report.sent == [] and report.acknowledged == [] and [i.referral_id for i in report.failed] == [queued]
    assert any("is a link" in line for line in report.lines())
    assert "is a link" in report.failed[0].reason
    assert (sorted(p.name for p in usb.iterdir()), sorted(p.name for p in outside.iterdir())) == before


def test_a_linked_packet_folder_is_refused(ready, tmp_path) -> None:
    referral_id = _queued_referral(ready)
    outside = tmp_path / "outside"
    outside.mkdir()
    (tmp_path / "usb").symlink_to(outside)
    report = sync.sync(ready, to_folder=tmp_path / "usb")
    assert "is a link" in report.failed[0].reason and _status(ready, referral_id) == "queued"
    assert list(outside.iterdir()) == []
