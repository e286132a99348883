"""cmm-referral/2: an anonymous notice or a referral for assessment, the consent that says which, the
sentence about the police read aloud, the urgent call; both versions checked on both sides."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from fieldapp.cmm import intake
from fieldapp.cmm import store as intake_store
from fieldapp.domain.referral import Assessment
from fieldapp.errors import ValidationError
from fieldapp.protocol import crypto, schemas
from fieldapp.referral import config, service
from fieldapp.referral.errors import ConsentMissing
from fieldapp.storage import audit_repo, outbox_repo, referral_repo
from fieldapp.storage.connection import transaction
from tests.referral.helpers import add_contact, add_person, crowd, valid_packet

SHARED = Assessment(residence_status="no_legal_residence", police_report="yes", interpreter=("bin", "pcm", "ary"),
                    contact_channel="ngo_meeting", contact_days="weekdays", contact_times=("morning", "afternoon"))


def _draft(session, **person):
    pid = add_person(session.conn, **person)
    add_contact(session.conn, pid, kind="street", indicators="debt documents_withheld")
    draft = service.create_draft(session, pid)
    return service.update_draft(session, replace(draft, region="hovedstaden", exploitation_forms=("sexual",),
                                                 help_requested=("identification_interview",)))


def _opened(session, cmm, packet_id: str) -> dict:
    service.queue(session, outbox_repo.get(session.conn, packet_id).referral_id)
    plaintext = crypto.open_packet(outbox_repo.sealed_bytes(session.conn, packet_id), cmm)
    return json.loads(crypto.split_signed(plaintext)[2])


def test_a_referral_for_assessment_sends_what_the_person_agreed_to(ready, cmm, tmp_path) -> None:
    draft = _draft(ready, alias="Osa", nationality="NG", age=23, languages="en")     # alone: k far from met
    service.record_consent(ready, draft.id, "assessment", "en", "2026.1", notice_read=True, assessment=SHARED)
    view = service.preview(ready, draft.id)
    assert not view.needs_reason and view.packet["schema"] == "cmm-referral/3"
    assert view.packet["nationality"] == "NG" and view.packet["age_group"] == "18-24"
    assert view.packet["assessment"] == {
        "residence_status": "no_legal_residence", "police_report": "yes", "interpreter": ["ary", "bin", "pcm"],
        "contact": {"channel": "ngo_meeting", "days": "weekdays", "times": ["afternoon", "morning"]}}
    assert view.packet["anonymisation"] == {"k": 5, "rule": "consented", "generalised": []}
    assert view.packet["consent"]["date"] == datetime.now(UTC).date().isoformat()
    text = "\n".join(view.lines + view.generalisation_lines)
    for words in ("Edo (Bini)", "Nigerian Pidgin", "Moroccan Arabic (Darija)", "Wants to report to the police",
                  "read aloud", "agreed to a referral for assessment"):
        assert words in text
    body = _opened(ready, cmm, service.seal(ready, draft.id, seen=view))
    assert body == {**view.packet, "packet_id": body["packet_id"]} and not schemas.packet_problems(body)
    for secret in (b"Osa", b"alias", b"+45"):
        assert secret not in crypto.canonical_json(body)

    conn = intake_store.create(tmp_path / "cmm" / "intake.store", "cmm passphrase for tests")
    try:
        intake.register(conn, config.export_org_key(ready))
        received = intake.Intake(conn, cmm).receive_one(outbox_repo.sealed_bytes(ready.conn, body["packet_id"]))
        assert received.accepted
    finally:
        intake_store.close(conn)


@pytest.mark.parametrize("field, bad", [
    ("residence_status", "tourist"), ("police_report", "maybe"), ("interpreter", ("xx",)),
    ("interpreter", ("bin", "pcm", "ary", "eng", "ron")), ("contact_channel", "her_phone"),
    ("contact_days", "sundays"), ("contact_times", ()),
])
def test_each_bad_assessment_field_is_named_and_nothing_is_recorded(ready, field, bad) -> None:
    draft = _draft(ready)
    with pytest.raises(ValidationError) as refused:
        service.record_consent(ready, draft.id, "assessment", "en", "2026.1", notice_read=True,
                               assessment=replace(SHARED, **{field: bad}))
    assert set(refused.value.problems) == {field}
    assert referral_repo.get_consent(ready.conn, draft.id) is None
    assert referral_repo.get_assessment(ready.conn, draft.id) is None


def test_consent_needs_the_police_sentence_read_aloud(ready) -> None:
    draft = _draft(ready)
    with pytest.raises(ValidationError) as refused:
        service.record_consent(ready, draft.id, "anonymous_notice", "en", "2026.1")
    assert set(refused.value.problems) == {"notice_read"}
    with pytest.raises(ValidationError) as refused:
        service.record_consent(ready, draft.id, "assessment", "en", "2026.1", notice_read=True)
    assert "residence_status" in refused.value.problems


def test_an_anonymous_notice_keeps_no_assessment_and_sends_none(ready, cmm) -> None:
    crowd(ready.conn, 5)
    draft = _draft(ready)
    service.record_consent(ready, draft.id, "assessment", "en", "2026.1", notice_read=True, assessment=SHARED)
    service.record_consent(ready, draft.id, "anonymous_notice", "en", "2026.1", notice_read=True, assessment=SHARED)
    assert referral_repo.get_assessment(ready.conn, draft.id) is None
    body = _opened(ready, cmm, service.seal(ready, draft.id))
    assert "assessment" not in body and "date" not in body["consent"] and body["anonymisation"]["rule"] == "met"


def test_a_consent_recorded_before_the_two_scopes_must_be_recorded_again(ready) -> None:
    draft = _draft(ready)
    with transaction(ready.conn):
        ready.conn.execute("INSERT INTO referral_consents (referral_id, scope, sheet_language, sheet_version,"
                           " recorded_at) VALUES (?, 'contact_through_us', 'en', '1', ?)",
                           (draft.id, datetime.now(UTC).isoformat()))
    with pytest.raises(ConsentMissing, match="again"):
        service.preview(ready, draft.id)


@pytest.mark.parametrize("change", [
    {"assessment": {"residence_status": "eu_eea", "police_report": "no", "interpreter": [],
                    "contact": {"channel": "ngo_phone", "days": "any_day", "times": ["evening"]}}},
    {"consent": {"scope": "assessment", "sheet_language": "en", "sheet_version": "1", "notice_read": True,
                 "date": "2026-05-01"}},
    {"consent": {"scope": "anonymous_notice", "notice_read": False}},
    {"consent": {"scope": "contact_through_us", "notice_read": True}},
    {"consent": {"scope": "anonymous_notice", "sheet_language": "vi", "sheet_version": "1", "notice_read": True}},
])
def test_the_v2_schema_ties_the_assessment_part_to_its_scope(change) -> None:
    good = {**valid_packet(), "schema": "cmm-referral/2", "consent": {"scope": "anonymous_notice", "notice_read": True}}
    assert schemas.packet_problems(good) == []
    assert schemas.packet_problems({**good, **change})
    assert schemas.packet_problems(valid_packet()) == []                       # /1 still valid as /1
    assert schemas.packet_problems({**valid_packet(), "schema": "cmm-referral/3"})


def test_the_urgent_call_is_recorded_and_audited(ready) -> None:
    draft = _draft(ready)
    called = service.record_urgent_call(ready, draft.id)
    assert called.urgent_call_at is not None and abs((datetime.now(UTC) - called.urgent_call_at).total_seconds()) < 60
    assert "referral.urgent_call" in [e.action for e in audit_repo.events(ready.conn, 5)]
