"""The referral service against a real vault: drafts, consent, preview in words, the k-rule with
override, sealing, withdrawal and the outbox."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from fieldapp.errors import PermissionDenied, ValidationError
from fieldapp.protocol import crypto
from fieldapp.referral import config, service, sync
from fieldapp.referral.errors import ConsentMissing, ConsentWithdrawn, KRuleNotMet, NoCmmKey, NotEditable
from fieldapp.security import vault
from fieldapp.storage import audit_repo, outbox_repo, referral_repo
from fieldapp.storage.connection import transaction
from tests.conftest import PASSPHRASE
from tests.referral.helpers import add_contact, add_person, add_venue, add_visit, crowd


def _person_with_contact(conn, **fields) -> int:
    visit = add_visit(conn, add_venue(conn, "syddanmark"), datetime.now(UTC))
    pid = add_person(conn, **fields)
    add_contact(conn, pid, kind="health", visit_id=visit, indicators="debt no_or_low_pay")
    add_contact(conn, pid, kind="venue", visit_id=visit, indicators="debt threats_violence")
    with transaction(conn):
        conn.execute("UPDATE contacts SET exploitation = 'sexual' WHERE person_id = ?", (pid,))
    return pid


def _ready_draft(session, pid: int, **changes):
    draft = service.create_draft(session, pid)
    draft = service.update_draft(session, replace(draft, exploitation_forms=("sexual",),
                                                  help_requested=("safe_housing", "health_care"), **changes))
    service.record_consent(session, draft.id, "anonymous_notice", "th", "2026.1", notice_read=True)
    return draft


def test_draft_is_prefilled_from_the_persons_contacts(ready) -> None:
    pid = _person_with_contact(ready.conn)
    draft = service.create_draft(ready, pid)
    assert draft.status == "draft" and draft.region == "syddanmark" and draft.contact_setting == "venue"
    assert draft.indicators == ("debt", "no_or_low_pay", "threats_violence")
    assert draft.exploitation_forms == ("sexual",)
    assert len(draft.reference) == 24 and draft.month == datetime.now(UTC).strftime("%Y-%m")
    assert [e.action for e in audit_repo.events(ready.conn, 1)] == ["referral.create"]


def test_update_rejects_unknown_codes(ready) -> None:
    draft = service.create_draft(ready, _person_with_contact(ready.conn))
    with pytest.raises(ValidationError) as caught:
        service.update_draft(ready, replace(draft, indicators=("made_up",), exploitation_forms=()))
    assert set(caught.value.problems) == {"indicators", "exploitation_forms"}


def test_consent_is_required_and_recorded(ready) -> None:
    draft = service.create_draft(ready, _person_with_contact(ready.conn))
    with pytest.raises(ConsentMissing):
        service.preview(ready, draft.id)
    with pytest.raises(ValidationError):
        service.record_consent(ready, draft.id, "everything", "xx", "free text")
    consent = service.record_consent(ready, draft.id, "anonymous_notice", "ro", "3.2", notice_read=True)
    stored = referral_repo.get_consent(ready.conn, draft.id)
    assert stored.recorded_by == ready.user.id and stored.recorded_at is not None and consent.scope == stored.scope


def test_preview_in_words_and_generalised(ready) -> None:
    crowd(ready.conn, 4, age=31, nationality="GH", region="syddanmark")
    draft = _ready_draft(ready, _person_with_contact(ready.conn, age=27, nationality="NG"))
    view = service.preview(ready, draft.id)
    assert view.generalisation.met and view.generalisation.steps == (
        "age_10_years", "nationality_subregion")
    assert view.packet["age_group"] == "25-34" and view.packet["nationality"] == "western_africa"
    text = "\n".join(view.lines + view.generalisation_lines)
    assert "Western Africa" in text and "25–34" in text and "Safe housing" in text
    assert "Thai" not in text and "stays with you" in text        # the sheet's language is the person's
    assert "ten-year bands" in text and "5 people in your records" in text
    assert not view.needs_reason


def test_rare_combination_needs_a_reason_which_is_audited_and_never_sent(ready, cmm) -> None:
    draft = _ready_draft(ready, _person_with_contact(ready.conn, age=44, nationality="DK"))
    assert service.preview(ready, draft.id).needs_reason
    with pytest.raises(KRuleNotMet):
        service.seal(ready, draft.id)
    reason = "CMM asked for exact details in this urgent case"
    packet_id = service.seal(ready, draft.id, exact=True, reason=reason)
    stored = referral_repo.get(ready.conn, draft.id)
    assert stored.status == "sealed" and stored.override_reason == reason
    assert "referral.k_override" in [e.action for e in audit_repo.events(ready.conn, 5)]
    plaintext = crypto.open_packet(_sealed(ready, packet_id), cmm)
    body = json.loads(crypto.split_signed(plaintext)[2])
    assert body["anonymisation"]["rule"] == "overridden" and body["age_group"] == "40-44"
    assert b"urgent" not in plaintext and body["nationality"] == "DK"


def _sealed(session, packet_id: str) -> bytes:
    service.queue(session, outbox_repo.get(session.conn, packet_id).referral_id)
    return outbox_repo.sealed_bytes(session.conn, packet_id)


def test_seal_refuses_when_details_changed_since_preview(ready) -> None:
    crowd(ready.conn, 4, age=27, region="syddanmark")
    draft = _ready_draft(ready, _person_with_contact(ready.conn, age=27))
    seen = service.preview(ready, draft.id)
    crowd(ready.conn, 1, age=27, region="syddanmark")   # no change: still exact
    service.update_draft(ready, replace(referral_repo.get(ready.conn, draft.id), immediate_danger=True))
    with pytest.raises(Exception, match="changed"):
        service.seal(ready, draft.id, seen=seen)
    service.seal(ready, draft.id, seen=service.preview(ready, draft.id))
    with pytest.raises(NotEditable):
        service.update_draft(ready, referral_repo.get(ready.conn, draft.id))


def test_no_cmm_key_is_a_clear_error(session) -> None:
    config.ensure_org_key(session)
    crowd(session.conn, 5)
    draft = _ready_draft(session, _person_with_contact(session.conn))
    with pytest.raises(NoCmmKey, match="No CMM public key"):
        service.seal(session, draft.id)


def test_withdrawn_before_sending_is_never_sent(ready, tmp_path) -> None:
    crowd(ready.conn, 5, region="syddanmark")
    queued = _ready_draft(ready, _person_with_contact(ready.conn))
    service.seal_and_queue(ready, queued.id)
    draft = _ready_draft(ready, _person_with_contact(ready.conn))
    for referral_id in (queued.id, draft.id):
        assert service.withdraw(ready, referral_id).status == "withdrawn"
    assert outbox_repo.for_referral(ready.conn, queued.id) is None
    with pytest.raises(ConsentWithdrawn):
        service.queue(ready, queued.id)
    with pytest.raises(ConsentWithdrawn):
        service.seal(ready, draft.id)
    usb = tmp_path / "usb"
    usb.mkdir()
    report = sync.sync(ready, to_folder=usb)
    assert report.sent == [] and list(usb.iterdir()) == []
    entries = {e.referral_id: e for e in service.list_outbox(ready)}
    assert entries[queued.id].status == "withdrawn" and entries[queued.id].consent_withdrawn


def test_withdrawal_between_listing_and_delivery_is_respected(ready, tmp_path, monkeypatch) -> None:
    crowd(ready.conn, 5, region="syddanmark")
    referral = _ready_draft(ready, _person_with_contact(ready.conn))
    service.seal_and_queue(ready, referral.id)
    real = outbox_repo.list_rows

    def list_then_withdraw(conn, statuses=()):
        rows = real(conn, statuses)
        service.withdraw(ready, referral.id)
        return rows

    monkeypatch.setattr(outbox_repo, "list_rows", list_then_withdraw)
    assert sync.sync(ready, to_folder=tmp_path).sent == []
    assert not list(tmp_path.glob("*.cmmpkt"))


def test_sending_can_be_limited_to_coordinators(ready, tmp_path) -> None:
    config.set_transport(ready, config.TransportSettings(folder=str(tmp_path), require_send_capability=True))
    crowd(ready.conn, 5, region="syddanmark")
    worker = vault.add_user(ready, "Worker", "outreach", "worker passphrase 123", PASSPHRASE)
    referral = _ready_draft(ready, _person_with_contact(ready.conn))
    service.seal(ready, referral.id)
    as_worker = replace(ready, user=worker)
    with pytest.raises(PermissionDenied):
        service.queue(as_worker, referral.id)
    with pytest.raises(PermissionDenied):
        config.import_cmm_key(as_worker, b"{}")
    service.queue(ready, referral.id)
    assert [e.status for e in service.list_outbox(as_worker)] == ["queued"]
