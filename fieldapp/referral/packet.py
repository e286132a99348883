"""Building the cmm-referral/1 document from coded fields only.

Nothing here can see an alias, a phone number or a note: the builder takes the referral, the
person's *coded* fields and the outcome of the k-rule, and every value is a code, a boolean, a
number or a random id. The schema check runs on every packet before it is signed.
"""

from __future__ import annotations

import secrets
import uuid

from fieldapp.domain.referral import PACKET_SCHEMA, Generalisation, Referral
from fieldapp.protocol import schemas as schema
from fieldapp.referral.errors import PacketInvalid


def new_packet_id() -> str:
    """Random (uuid4), never derived from the person or the referral."""
    return uuid.uuid4().hex


def new_reference() -> str:
    """The opaque reference CMM sees; only the NGO's vault maps it back to the person."""
    return secrets.token_hex(12)


def build(referral: Referral, gen: Generalisation, *, org: str, packet_id: str, overridden: bool) -> dict:
    """The packet as a dict; raises PacketInvalid if it does not match the schema."""
    consent = referral.consent
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
        "help_requested": sorted(set(referral.help_requested)),
        "immediate_danger": bool(referral.immediate_danger),
        "consent": {
            "scope": consent.scope if consent else "",
            "sheet_language": consent.sheet_language if consent else "",
            "sheet_version": consent.sheet_version if consent else "",
        },
        "anonymisation": {"k": gen.k, "rule": "overridden" if overridden else "met",
                          "generalised": list(gen.steps)},
    }
    if schema.packet_problems(packet):
        raise PacketInvalid()
    return packet
