"""CMM's answers about a referral (``cmm-reply/1``): built and sealed at CMM, opened and checked by the
organisation. A reply names the packet and the organisation's own reference, so it can be applied only
to the referral it is about."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

from fieldapp.domain.referral import REPLY_SCHEMA
from fieldapp.protocol import crypto, jsonsafe, schemas
from fieldapp.protocol.crypto import CmmPublic, CmmSecret
from fieldapp.protocol.reasons import Rejected

SUFFIX = ".cmmreply"


@dataclass(frozen=True)
class Answer:
    """What CMM says: a ``REPLY_STATUSES`` code and the detail that status takes."""

    status: str
    window: tuple[date, date] | None = None      # interview_booked: from, to
    assessment: str = ""                          # assessed: an ASSESSMENT_OUTCOMES code
    contact_role: str = ""                        # contact_person_assigned: a CONTACT_ROLES code


def build(org: str, packet_id: str, reference: str, answer: Answer, sequence: int = 1) -> dict:
    """The reply as a dict, or ValueError naming the first problem (the schema decides). ``sequence`` numbers
    CMM's replies about one referral, so the latest is known whatever order the files are read in."""
    reply = {"schema": REPLY_SCHEMA, "reply_id": uuid.uuid4().hex, "org": org, "packet_id": packet_id,
             "reference": reference, "sequence": sequence, "status": answer.status,
             "date": datetime.now(UTC).date().isoformat()}
    if answer.window is not None:
        reply["window"] = {"from": answer.window[0].isoformat(), "to": answer.window[1].isoformat()}
    if answer.assessment:
        reply["assessment"] = answer.assessment
    if answer.contact_role:
        reply["contact_role"] = answer.contact_role
    problems = schemas.reply_problems(reply)
    if problems:
        raise ValueError(problems[0])
    if answer.window is not None and answer.window[1] < answer.window[0]:
        raise ValueError("window: ends before it starts")
    return reply


def seal(reply: dict, secret: CmmSecret, org_public: bytes) -> bytes:
    return crypto.seal_reply(crypto.canonical_json(reply), secret, org_public)


def open_reply(data: bytes, org_seed: bytes, cmm: CmmPublic) -> dict:
    """A reply CMM signed and sealed to this organisation, strictly parsed and checked, or ``Rejected``."""
    body = crypto.open_reply(data, org_seed, cmm)
    try:
        reply = jsonsafe.loads_object(body, canonical_only=True)
    except jsonsafe.NotStrictJson as exc:
        raise Rejected("malformed") from exc
    problems = schemas.reply_problems(reply)
    if problems or not _real_dates(reply):
        raise Rejected("schema", problems[0] if problems else "date: not a day of the calendar")
    if reply["org"] != crypto.key_id(crypto.org_public(org_seed)).hex():
        raise Rejected("signer_mismatch")
    return reply


def _real_dates(reply: dict) -> bool:
    """Every date a real day (the schema's pattern lets 2026-02-31 through) and a window not ending before it
    starts."""
    window = reply.get("window") or {}
    try:
        days = [date.fromisoformat(text) for text in (reply["date"], window.get("from"), window.get("to")) if text]
    except ValueError:
        return False
    return not window or days[1] <= days[2]
