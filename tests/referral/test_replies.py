"""Two-way: CMM answers about a referral with a reply it signs and seals to the organisation
(``cmm-reply/1``), the organisation's sync collects it from the stick, and the referral shows it. A reply
for another organisation, with another reference, forged or damaged changes nothing."""

from __future__ import annotations

import json
import sys
from datetime import date

import pytest

from fieldapp.cli import main
from fieldapp.cmm import accounts, intake, replies
from fieldapp.cmm import store as intake_store
from fieldapp.cmm.folder import receive_folder
from fieldapp.errors import ExitCode, InvalidInput, ValidationError
from fieldapp.protocol import crypto, reply, schemas
from fieldapp.protocol.reasons import Rejected
from fieldapp.protocol.reply import Answer
from fieldapp.referral import config, service, sync
from fieldapp.referral.errors import NotEditable
from fieldapp.storage import audit_repo, outbox_repo
from tests.referral.helpers import CMM_SEED, ORG_SEED
from tests.referral.test_end_to_end import _queued_referral

CMM_PASS = "cmm store passphrase 2026"


@pytest.fixture
def desk(tmp_path, ready, cmm):
    conn = intake_store.create(tmp_path / "cmm" / "intake.store", CMM_PASS)
    accounts.adopt_intake_seed(conn, CMM_SEED)
    intake.register(conn, config.export_org_key(ready))
    yield intake.Intake(conn, cmm)
    intake_store.close(conn)


def _received(session, desk, usb) -> tuple[str, str]:
    referral_id = _queued_referral(session)
    sync.sync(session, to_folder=usb)
    assert all(result.accepted for result in receive_folder(desk, usb))
    return referral_id, outbox_repo.for_referral(session.conn, referral_id).packet_id


def _entry(session, referral_id: str):
    return next(e for e in service.list_outbox(session) if e.referral_id == referral_id)


def test_an_interview_booked_at_cmm_shows_on_the_referral(ready, desk, cmm, tmp_path) -> None:
    usb = tmp_path / "usb"
    usb.mkdir()
    referral_id, packet_id = _received(ready, desk, usb)
    path = replies.write_reply(desk.conn, cmm, packet_id, Answer("interview_booked",
                                                                 (date(2026, 12, 8), date(2026, 12, 10))),
                               usb / "replies")
    raw = path.read_bytes()
    assert path.suffix == ".cmmreply" and b"interview" not in raw and len(raw) == len(crypto.REPLY_MAGIC) + 16 + 4 + \
        crypto.SEAL_OVERHEAD + crypto.BUCKETS[0]
    assert [r["status"] for r in intake_store.replies_for(desk.conn, packet_id)] == ["interview_booked"]
    report = sync.sync(ready, to_folder=usb)
    assert [item.referral_id for item in report.replies] == [referral_id]
    entry = _entry(ready, referral_id)
    assert entry.cmm_code == "interview_booked" and entry.cmm_status == "Interview booked: 8 Dec 2026 – 10 Dec 2026"
    assert "referral.reply" in [e.action for e in audit_repo.events(ready.conn, 5)]
    assert sync.sync(ready, to_folder=usb).replies == []          # read again: kept once

    replies.write_reply(desk.conn, cmm, packet_id, Answer("assessed", assessment="victim"), usb / "replies")
    sync.sync(ready, to_folder=usb)
    assert _entry(ready, referral_id).cmm_status == "Assessed: a victim of trafficking"
    assert [r.status for r in service.replies(ready, referral_id)] == ["interview_booked", "assessed"]


def test_a_reply_needs_what_its_status_takes(ready, desk, cmm, tmp_path) -> None:
    usb = tmp_path / "usb"
    usb.mkdir()
    _referral_id, packet_id = _received(ready, desk, usb)
    for answer in (Answer("interview_booked"), Answer("assessed"), Answer("received", assessment="victim"),
                   Answer("interview_booked", (date(2026, 12, 10), date(2026, 12, 8))),
                   Answer("contact_person_assigned", contact_role="Anna Hansen")):
        with pytest.raises(InvalidInput):
            replies.write_reply(desk.conn, cmm, packet_id, answer, usb / "replies")
    with pytest.raises(InvalidInput):
        replies.write_reply(desk.conn, cmm, "f" * 32, Answer("received"), usb / "replies")
    assert not (usb / "replies").exists() and intake_store.replies_for(desk.conn, packet_id) == []


def test_a_reply_that_is_not_for_us_changes_nothing(ready, desk, cmm, tmp_path) -> None:
    usb = tmp_path / "usb"
    usb.mkdir()
    referral_id, packet_id = _received(ready, desk, usb)
    ours = crypto.org_public(config.org_seed(ready))
    org = crypto.key_id(ours).hex()
    reference = outbox_repo.for_referral(ready.conn, referral_id).reference
    folder = usb / "replies"
    folder.mkdir()

    def put(name: str, data: bytes) -> None:
        (folder / f"{name}.cmmreply").write_bytes(data)

    good = reply.build(org, packet_id, reference, Answer("received"))
    put("other-reference", reply.seal({**good, "reply_id": "1" * 32, "reference": "0" * 24}, cmm, ours))
    put("other-packet", reply.seal({**good, "reply_id": "2" * 32, "packet_id": "0" * 32}, cmm, ours))
    put("other-org", reply.seal({**good, "reply_id": "3" * 32}, cmm, crypto.org_public(ORG_SEED)))
    forger = crypto.new_cmm_secret()
    put("forged", reply.seal({**good, "reply_id": "4" * 32}, forger, ours))
    damaged = bytearray(reply.seal({**good, "reply_id": "5" * 32}, cmm, ours))
    damaged[-40] ^= 1
    put("damaged", bytes(damaged))
    put("not-json", crypto.seal_reply(b"{not json", cmm, ours))
    put("no-schema", crypto.seal_reply(crypto.canonical_json({**good, "status": "deported"}), cmm, ours))
    (folder / "huge.cmmreply").write_bytes(b"\0" * (2 * crypto.MAX_PACKET_BYTES))
    report = sync.sync(ready, to_folder=usb)
    assert report.replies == [] and service.replies(ready, referral_id) == []
    put("good", reply.seal(good, cmm, ours))
    assert len(sync.sync(ready, to_folder=usb).replies) == 1


def test_open_reply_says_why_it_does_not_open(cmm) -> None:
    ours = crypto.org_public(ORG_SEED)
    good = reply.build(crypto.key_id(ours).hex(), "a" * 32, "b" * 24, Answer("closed"))
    sealed = reply.seal(good, cmm, ours)
    assert reply.open_reply(sealed, ORG_SEED, cmm.public) == good
    cases = {"other_recipient": reply.seal(good, cmm, crypto.org_public(bytes(32))), "truncated": sealed[:-5],
             "not_a_packet": b"CMMPKT2\n" + sealed[8:],
             "bad_signature": reply.seal(good, crypto.new_cmm_secret(), ours)}
    for code, data in cases.items():
        with pytest.raises(Rejected) as refused:
            reply.open_reply(data, ORG_SEED, cmm.public)
        assert refused.value.code == code
    assert schemas.reply_problems({**good, "window": {"from": "2026-12-01", "to": "2026-12-02"}})


def test_an_outcome_learned_by_phone_is_recorded(ready, desk, tmp_path) -> None:
    usb = tmp_path / "usb"
    usb.mkdir()
    referral_id, _packet_id = _received(ready, desk, usb)
    stored = service.record_outcome(ready, referral_id, Answer("reflection_period_started"))
    assert stored.source == "phone" and _entry(ready, referral_id).cmm_status == (
        "Reflection period started (by phone)")
    with pytest.raises(ValidationError):
        service.record_outcome(ready, referral_id, Answer("assessed"))
    draft = service.create_draft(ready, _entry(ready, referral_id).person_id)
    with pytest.raises(NotEditable):
        service.record_outcome(ready, draft.id, Answer("received"))


def test_intake_reply_on_the_command_line(ready, desk, tmp_path, monkeypatch, capsys) -> None:
    import io

    usb = tmp_path / "usb"
    usb.mkdir()
    referral_id, packet_id = _received(ready, desk, usb)
    store_path = tmp_path / "cmm" / "intake.store"
    intake_store.close(desk.conn)

    def run(*args: str, out: tuple[str, ...] = ("--out", str(usb / "replies"))) -> int:
        monkeypatch.setattr(sys, "stdin", io.StringIO(CMM_PASS + "\n"))
        try:
            return main(["intake", "reply", "--store", str(store_path), "--packet", packet_id, *out, *args])
        except SystemExit as stop:
            return stop.code

    assert run("--status", "interview_booked", "--from", "2026-12-08") == ExitCode.INVALID_INPUT
    assert run("--status", "shipped") == ExitCode.USAGE
    assert not (usb / "replies").exists()
    assert run("--status", "received", out=()) == ExitCode.OK            # kept for an HTTPS sync only
    assert "kept in the intake store" in capsys.readouterr().out and not (usb / "replies").exists()
    assert run("--status", "contact_person_assigned", "--role", "cmm_social_worker") == ExitCode.OK
    assert "Reply written" in capsys.readouterr().out
    desk.conn = intake_store.open_store(store_path, CMM_PASS)
    sync.sync(ready, to_folder=usb)
    assert _entry(ready, referral_id).cmm_status == "Contact person assigned: a social worker at CMM"
    body = json.loads(json.dumps(intake_store.replies_for(desk.conn, packet_id)))
    assert body[-1]["contact_role"] == "cmm_social_worker" and "name" not in body[-1]
    reference = outbox_repo.for_referral(ready.conn, referral_id).reference
    assert all("reference" not in kept for kept in body)              # only in the sealed body and the sealed reply
    rows = desk.conn.execute("SELECT body FROM replies").fetchall()
    assert rows and not any(reference in row[0] for row in rows)


def test_reports_count_referrals_by_cmms_latest_answer(ready, desk, cmm, tmp_path) -> None:
    from datetime import UTC, datetime

    from fieldapp.reports import service as reports

    usb = tmp_path / "usb"
    usb.mkdir()
    _referral_id, packet_id = _received(ready, desk, usb)
    replies.write_reply(desk.conn, cmm, packet_id, Answer("received"), usb / "replies")
    replies.write_reply(desk.conn, cmm, packet_id, Answer("assessed", assessment="pending"), usb / "replies")
    sync.sync(ready, to_folder=usb)
    year = datetime.now(UTC).year
    report = reports.build_report(ready, date(year, 1, 1), date(year, 12, 31), ("referrals",))
    table = next(t for t in report.tables() if t.key == "referral_outcomes")
    counts = dict(zip(table.row_labels, (row[0] for row in table.cells), strict=True))
    assert counts["Assessed"] == 1 and counts["Received by CMM"] == 0 and sum(counts.values()) == 1


def test_the_latest_answer_is_the_one_cmm_numbered_last(ready, desk, cmm, tmp_path) -> None:
    usb = tmp_path / "usb"
    usb.mkdir()
    referral_id, packet_id = _received(ready, desk, usb)
    for answer in (Answer("interview_booked", (date(2026, 12, 8), date(2026, 12, 9))),
                   Answer("assessed", assessment="victim"), Answer("closed")):
        replies.write_reply(desk.conn, cmm, packet_id, answer, usb / "replies")     # one day, random file names
    sync.sync(ready, to_folder=usb)
    assert [r.sequence for r in service.replies(ready, referral_id)] == [1, 2, 3]
    assert _entry(ready, referral_id).cmm_code == "closed"


def test_a_reply_with_a_day_that_does_not_exist_is_refused(cmm) -> None:
    ours = crypto.org_public(ORG_SEED)
    good = reply.build(crypto.key_id(ours).hex(), "a" * 32, "b" * 24, Answer("received"))
    for bad in ({"date": "2026-02-31"}, {"status": "interview_booked",
                                         "window": {"from": "2026-12-10", "to": "2026-12-08"}}):
        with pytest.raises(Rejected) as refused:
            reply.open_reply(crypto.seal_reply(crypto.canonical_json({**good, **bad}), cmm, ours), ORG_SEED,
                             cmm.public)
        assert refused.value.code == "schema"


def test_a_hostile_replies_folder_is_refused_and_hostile_files_are_skipped_unread(ready, desk, cmm, tmp_path) -> None:
    import os
    import threading

    usb = tmp_path / "usb"
    usb.mkdir()
    referral_id, packet_id = _received(ready, desk, usb)
    elsewhere = tmp_path / "elsewhere"
    replies.write_reply(desk.conn, cmm, packet_id, Answer("received"), elsewhere)
    (usb / "replies").symlink_to(elsewhere, target_is_directory=True)      # the folder itself is a link
    report = sync.sync(ready, to_folder=usb)
    assert report.replies == [] and report.problems and service.replies(ready, referral_id) == []

    (usb / "replies").unlink()
    folder = usb / "replies"
    folder.mkdir()
    os.mkfifo(folder / "fifo.cmmreply")                                     # would block a reader for ever
    (folder / "link.cmmreply").symlink_to(next(elsewhere.iterdir()))       # a good reply, but through a link
    done = {}
    worker = threading.Thread(target=lambda: done.update(report=sync.sync(ready, to_folder=usb)), daemon=True)
    worker.start()
    worker.join(20)
    assert not worker.is_alive() and done["report"].replies == [] and service.replies(ready, referral_id) == []


def test_an_interview_booked_becomes_a_follow_up_for_the_referring_worker(ready, desk, cmm, tmp_path) -> None:
    from fieldapp.storage import reply_repo

    usb = tmp_path / "usb"
    usb.mkdir()
    referral_id, packet_id = _received(ready, desk, usb)
    assert service.interview_follow_ups(ready) == []
    replies.write_reply(desk.conn, cmm, packet_id, Answer("received"), usb / "replies")
    replies.write_reply(desk.conn, cmm, packet_id, Answer("interview_booked", (date(2026, 12, 8), date(2026, 12, 10))),
                        usb / "replies")
    sync.sync(ready, to_folder=usb)
    [due] = service.interview_follow_ups(ready)
    person_id = _entry(ready, referral_id).person_id
    assert due.person_id == person_id and due.alias == "Rose Alias" and due.reply_id and due.contact_id == ""
    assert due.what == "Interview at CMM: 8 Dec 2026 – 10 Dec 2026: tell the person"
    assert reply_repo.interview_follow_ups(ready.conn, ready.user.id + 1) == []      # only for who referred

    # A new booking replaces the old one; marking it done, or CMM closing the case, ends it.
    replies.write_reply(desk.conn, cmm, packet_id, Answer("interview_booked", (date(2026, 12, 15), date(2026, 12, 15))),
                        usb / "replies")
    sync.sync(ready, to_folder=usb)
    [again] = service.interview_follow_ups(ready)
    assert again.reply_id != due.reply_id and again.what == "Interview at CMM: 15 Dec 2026: tell the person"
    service.complete_interview_follow_up(ready, again.reply_id)
    assert service.interview_follow_ups(ready) == []
    assert "referral.follow_up_done" in [e.action for e in audit_repo.events(ready.conn, 5)]
    with pytest.raises(InvalidInput):
        service.complete_interview_follow_up(ready, "0" * 32)

    replies.write_reply(desk.conn, cmm, packet_id, Answer("interview_booked", (date(2026, 12, 20), date(2026, 12, 21))),
                        usb / "replies")
    sync.sync(ready, to_folder=usb)
    assert len(service.interview_follow_ups(ready)) == 1
    replies.write_reply(desk.conn, cmm, packet_id, Answer("closed"), usb / "replies")
    sync.sync(ready, to_folder=usb)
    assert service.interview_follow_ups(ready) == []


def test_an_interview_follow_up_ends_with_consent_withdrawn_and_comes_back_when_cmm_reopens(ready, desk, cmm,
                                                                                          tmp_path) -> None:
    usb = tmp_path / "usb"
    usb.mkdir()
    referral_id, packet_id = _received(ready, desk, usb)
    for answer in (Answer("closed"), Answer("interview_booked", (date(2026, 12, 8), date(2026, 12, 9)))):
        replies.write_reply(desk.conn, cmm, packet_id, answer, usb / "replies")
    sync.sync(ready, to_folder=usb)
    [due] = service.interview_follow_ups(ready)                  # booked after CMM closed the case: it counts
    from fieldapp.storage import reply_repo

    with ready.write() as conn:                                  # only the referring worker marks it done
        assert reply_repo.set_follow_up_done(conn, due.reply_id, ready.user.id + 1) is None
    assert len(service.interview_follow_ups(ready)) == 1
    service.withdraw(ready, referral_id)
    assert service.interview_follow_ups(ready) == []             # the person withdrew consent: nothing to arrange


def test_an_outcome_heard_by_phone_after_cmms_answer_of_the_same_day_is_the_latest(ready, desk, cmm, tmp_path) -> None:
    usb = tmp_path / "usb"
    usb.mkdir()
    referral_id, packet_id = _received(ready, desk, usb)
    replies.write_reply(desk.conn, cmm, packet_id, Answer("received"), usb / "replies")
    replies.write_reply(desk.conn, cmm, packet_id, Answer("assessed", assessment="pending"), usb / "replies")
    sync.sync(ready, to_folder=usb)
    stored = service.record_outcome(ready, referral_id, Answer("interview_booked", (date(2026, 12, 20),
                                                                                   date(2026, 12, 21))))
    assert stored.source == "phone" and stored.status == "interview_booked"
    assert _entry(ready, referral_id).cmm_code == "interview_booked"
    assert len(service.interview_follow_ups(ready)) == 1
