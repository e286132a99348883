"""Building the cmm-referral/3 document from coded fields only (and, for a packet sealed before, the /2 or /1
document it was sealed as).

Nothing here can see an alias, a phone number or a note: the builder takes the referral, the
person's *coded* fields and the outcome of the k-rule, and every value is a code, a boolean, a
number or a random id. The schema check runs on every packet before it is signed.
"""

from __future__ import annotations

import secrets
import uuid

from fieldapp.domain.referral import CONSENT_SCOPES, PACKET_SCHEMA, Assessment, Generalisation, Referral
from fieldapp.protocol import schemas as schema
from fieldapp.protocol.schemas import WITHDRAWAL_SCHEMA
from fieldapp.referral.errors import PacketInvalid

V1_SCHEMA = "cmm-referral/1"
V2_SCHEMA = "cmm-referral/2"
WORK_FIELDS = ("industries", "crime_forms")     # what cmm-referral/3 added


def new_packet_id() -> str:
    """Random (uuid4), never derived from the person or the referral."""
    return uuid.uuid4().hex


def new_reference() -> str:
    """The opaque reference CMM sees; only the NGO's vault maps it back to the person."""
    return secrets.token_hex(12)


def build(referral: Referral, gen: Generalisation, *, org: str, packet_id: str, overridden: bool) -> dict:
    """The packet as a dict; raises PacketInvalid if it does not match the schema.

    An anonymous notice sends ``gen.result`` (the k-rule's values). A referral for assessment sends the
    exact values the person agreed to share (``gen`` is then the exact one) and the assessment part."""
    packet = build_document(referral, gen, org=org, packet_id=packet_id, overridden=overridden)
    if schema.packet_problems(packet):
        raise PacketInvalid()
    return packet


def build_document(referral: Referral, gen: Generalisation, *, org: str, packet_id: str, overridden: bool) -> dict:
    """The cmm-referral/3 document, not yet checked. The industries and forms of forced crime are the k-rule's
    (``gen.result``), like the nationality: left out when too few people share them."""
    consent = referral.consent
    scope = consent.scope if consent and consent.scope in CONSENT_SCOPES else "anonymous_notice"
    packet = {
        "schema": PACKET_SCHEMA,
        "packet_id": packet_id,
        "org": org,
        "reference": referral.reference,
        "region": gen.result.region,
        "period": gen.result.period,
        "contact_setting": referral.contact_setting,
        "gender": gen.result.gender,
        "age_group": gen.result.age_group,
        "nationality": gen.result.nationality,
        "languages": list(gen.result.languages),
        "indicators": sorted(set(referral.indicators)),
        "exploitation_forms": sorted(set(referral.exploitation_forms)),
        "industries": list(gen.result.industries),
        "crime_forms": list(gen.result.crime_forms) if "criminal_activities" in referral.exploitation_forms else [],
        "help_requested": sorted(set(referral.help_requested)),
        "immediate_danger": bool(referral.immediate_danger),
        # The information sheet's language and version are the person's language by another name: an
        # anonymous notice leaves them in the vault.
        "consent": {"scope": scope, "notice_read": bool(consent and consent.notice_read)},
        "anonymisation": {"k": gen.k, "rule": "overridden" if overridden else "met",
                          "generalised": list(gen.steps)},
    }
    if scope == "assessment":
        shared = referral.assessment or Assessment()
        packet["consent"].update(sheet_language=consent.sheet_language, sheet_version=consent.sheet_version,
                                 date=consent.recorded_at.date().isoformat() if consent.recorded_at else "")
        packet["anonymisation"] = {"k": gen.k, "rule": "consented", "generalised": []}
        packet["assessment"] = {
            "residence_status": shared.residence_status,
            "police_report": shared.police_report,
            "interpreter": sorted(set(shared.interpreter)),
            "contact": {"channel": shared.contact_channel, "days": shared.contact_days,
                        "times": sorted(set(shared.contact_times))},
        }
    return packet


def is_legacy(referral: Referral) -> bool:
    """A consent recorded before the two scopes and the police sentence: such a referral was sealed as
    cmm-referral/1, and is signed again (after a key rotation) in that format."""
    consent = referral.consent
    return consent is not None and (consent.scope not in CONSENT_SCOPES or not consent.notice_read)


def build_v1(referral: Referral, gen: Generalisation, *, org: str, packet_id: str, overridden: bool) -> dict:
    """A referral sealed as cmm-referral/1, built again in that format (the k-rule's detail as sealed)."""
    packet = _without_work(build_document(referral, gen, org=org, packet_id=packet_id, overridden=overridden))
    consent = referral.consent
    packet.update(schema=V1_SCHEMA, consent={"scope": consent.scope, "sheet_language": consent.sheet_language,
                                             "sheet_version": consent.sheet_version})
    if schema.packet_problems(packet):
        raise PacketInvalid()
    return packet


def build_v2(referral: Referral, gen: Generalisation, *, org: str, packet_id: str, overridden: bool) -> dict:
    """A referral sealed as cmm-referral/2 (before industries and forms of crime were sent), built again in that
    format: re-signing never sends more than the worker confirmed."""
    packet = _without_work(build_document(referral, gen, org=org, packet_id=packet_id, overridden=overridden))
    packet["schema"] = V2_SCHEMA
    if schema.packet_problems(packet):
        raise PacketInvalid()
    return packet


def _without_work(packet: dict) -> dict:
    return {name: value for name, value in packet.items() if name not in WORK_FIELDS}


def withdrawal_notice(notice_id: str, org: str, packet_id: str, reference: str) -> dict:
    """The cmm-withdrawal/1 document: which packet, from whom, and the reference; nothing else."""
    return {"schema": WITHDRAWAL_SCHEMA, "notice_id": notice_id, "org": org, "packet_id": packet_id,
            "reference": reference}
