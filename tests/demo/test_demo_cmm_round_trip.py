"""The whole referral path on the demo vault: its queued referrals (one for assessment) go to the stick, CMM's
intake receives them with the demo CMM key, CMM's desk reads the referral for assessment and books an interview,
and the organisation's next sync shows "interview booked" and gives the referring worker a follow-up. Both
formats are checked on both sides: CMM's intake refuses a packet outside cmm-referral/1, /2 and /3, the
organisation a reply outside cmm-reply/1."""

from __future__ import annotations

import json
from datetime import date

from fieldapp.cmm import accounts, desk, intake, replies
from fieldapp.cmm import store as intake_store
from fieldapp.cmm.folder import receive_folder
from fieldapp.demo.vault import create_demo_vault
from fieldapp.protocol import crypto, schemas
from fieldapp.protocol.reply import Answer
from fieldapp.referral import config, service, sync
from fieldapp.referral.demo import demo_secret

CMM_PASS = "demo intake store passphrase"


def test_demo_vault_to_cmm_and_back(tmp_path) -> None:
    session = create_demo_vault(tmp_path / "demo.fieldapp", people=60)
    try:
        outbox = tmp_path / "demo-outbox"
        sent = sync.sync(session)
        assert sent.sent and not sent.failed
        cmm = demo_secret()
        store = intake_store.create(tmp_path / "cmm" / "intake.store", CMM_PASS)
        try:
            accounts.adopt_intake_seed(store, cmm.seed)
            intake.register(store, config.export_org_key(session))
            results = receive_folder(intake.Intake(store, cmm), outbox)
            assert results and all(r.accepted for r in results)
            rows = desk.incoming(store)
            assert len(rows) == len(sent.sent) and {row.scope for row in rows} == {"assessment", "anonymous_notice"}
            chosen = next(row for row in rows if row.scope == "assessment")
            read = desk.read(store, chosen.packet_id)
            words = dict(read.lines)
            assert words["Interpreter"] == "Edo (Bini), Nigerian Pidgin" and words["Consent"].startswith("Referral for")
            body = json.loads(accounts.read_referral(store, chosen.packet_id))
            assert body["schema"] == "cmm-referral/3" and schemas.packet_problems(body) == []
            path = desk.send_reply(store, chosen.packet_id, Answer("interview_booked", (date(2026, 12, 8),
                                                                                         date(2026, 12, 10))),
                                   outbox / replies.FOLDER)
            assert path is not None and path.is_file()
        finally:
            intake_store.close(store)

        report = sync.sync(session)
        [answered] = report.replies
        entry = next(e for e in service.list_outbox(session) if e.referral_id == answered.referral_id)
        assert entry.cmm_code == "interview_booked" and entry.cmm_status == "Interview booked: 8 Dec 2026 – 10 Dec 2026"
        [due] = service.interview_follow_ups(session)
        assert due.person_id == entry.person_id and "tell the person" in due.what
        opened = crypto.open_reply(path.read_bytes(), config.org_seed(session), cmm.public)
        assert schemas.reply_problems(json.loads(opened)) == []
    finally:
        session.close(audit_lock=False)
