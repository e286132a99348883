"""CMM's desk list from the coded columns: urgent first, a referral received before urgency was kept right
after them, a case CMM reopened counts again, a referral put aside says so; the latest reply by CMM's numbering."""

from __future__ import annotations

from fieldapp.cmm import desk, intake
from fieldapp.cmm import store as intake_store
from fieldapp.cmm.store import DeskRow
from fieldapp.protocol import crypto
from tests.referral.helpers import ORG_SEED, cmm_secret, sealed, valid_packet


def _row(name: str, *, urgent: bool | None, replies: tuple[str, ...] = (), quarantined: bool = False,
         at: str = "2026-12-01T10:00:00+00:00") -> DeskRow:
    return DeskRow(name, "o" * 32, "", at, "2026-12", "woman", "18-24", "NG", urgent, "assessment", quarantined,
                   ("sexual",), replies)


def test_the_order_of_the_desk(monkeypatch) -> None:
    rows = [_row("answered", urgent=False, replies=("received",), at="2026-12-05T00:00:00+00:00"),
            _row("calm", urgent=False, at="2026-12-04T00:00:00+00:00"),
            _row("older", urgent=None, at="2026-12-03T00:00:00+00:00"),
            _row("aside", urgent=True, quarantined=True, at="2026-12-06T00:00:00+00:00"),
            _row("closed-urgent", urgent=True, replies=("closed",), at="2026-12-07T00:00:00+00:00"),
            _row("reopened-urgent", urgent=True, replies=("closed", "interview_booked")),
            _row("urgent", urgent=True, at="2026-12-02T00:00:00+00:00")]
    rows.sort(key=lambda row: row.received_at, reverse=True)          # as the store lists them
    monkeypatch.setattr(intake_store, "desk_rows", lambda store: rows)
    order = [row.packet_id for row in desk.incoming(object())]
    assert order == ["urgent", "reopened-urgent", "older", "calm", "closed-urgent", "answered", "aside"]
    named = {row.packet_id: row for row in rows}
    assert desk.status_words(named["aside"]).startswith("put aside")
    assert desk.urgent_words(named["older"]) == "not known until read"


def test_the_latest_reply_is_the_one_cmm_numbered_last(tmp_path) -> None:
    from fieldapp.cmm import accounts, replies
    from fieldapp.protocol.reply import Answer

    store = intake_store.create(tmp_path / "intake.store", "intake store passphrase 2026")
    try:
        cmm = cmm_secret()
        accounts.adopt_intake_seed(store, cmm.seed)
        intake.register(store, crypto.org_key_file(ORG_SEED, "Organisation"))
        ids = []
        for _index in range(6):
            packet = valid_packet()
            assert intake.Intake(store, cmm).receive_one(sealed(packet, cmm)).accepted
            ids.append(packet["packet_id"])
            for status in ("received", "assessed"):       # within one second: the numbering decides
                replies.write_reply(store, cmm, packet["packet_id"],
                                    Answer(status, assessment="pending" if status == "assessed" else ""), None)
        latest = {row.packet_id: row.replies[-1] for row in intake_store.desk_rows(store)}
        assert latest == dict.fromkeys(ids, "assessed")
    finally:
        intake_store.close(store)
