"""Demo referrals: the demo CMM key imported, a folder transport beside the demo vault, and a few
referrals sealed and queued, so a newcomer can try Sync and the CMM intake at once."""

from __future__ import annotations

from dataclasses import replace

from fieldapp.domain.referral import Assessment
from fieldapp.referral import config, service
from fieldapp.referral.demo import demo_public_bytes
from fieldapp.security.session import Session

DEMO_REFERRALS = 3


def prepare_demo_referrals(session: Session, person_ids: list[str]) -> list[str]:
    """Import the demo CMM key, point the folder transport at ``<vault>-outbox`` and queue referrals."""
    config.ensure_org_key(session)
    config.import_cmm_key(session, demo_public_bytes())
    outbox = session.path.with_name(session.path.stem + "-outbox")
    outbox.mkdir(exist_ok=True)
    config.set_transport(session, replace(config.transport(session), kind="folder", folder=str(outbox)))
    packets = []
    for index, person_id in enumerate(person_ids[:DEMO_REFERRALS]):
        draft = service.create_draft(session, person_id)
        draft.help_requested = ("identification_interview", "safe_housing")
        draft.region = draft.region or "hovedstaden"
        draft.contact_setting = draft.contact_setting or "street"
        service.update_draft(session, draft)
        if index == 0:      # one referral for assessment, the others anonymous notices
            service.record_consent(session, draft.id, "assessment", "en", "2026.1", notice_read=True,
                                   assessment=Assessment(residence_status="eu_eea", police_report="undecided",
                                                         interpreter=("bin", "pcm"), contact_channel="ngo_phone",
                                                         contact_days="weekdays", contact_times=("afternoon",)))
        else:
            service.record_consent(session, draft.id, "anonymous_notice", "th", "2026.1", notice_read=True)
        view = service.preview(session, draft.id)
        reason = "" if not view.needs_reason else "Demo data: synthetic person"
        packets.append(service.seal_and_queue(session, draft.id, reason=reason, seen=view))
    return packets
