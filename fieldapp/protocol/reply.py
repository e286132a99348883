"""CMM's answers about a referral (``cmm-reply/1``): built and sealed at CMM, opened and checked by the
organisation. A reply names the packet and the organisation's own reference, so it can be applied only
to the referral it is about."""

from __future__ import annotations

import re
import secrets
import struct
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from fieldapp.domain.referral import REPLY_SCHEMA
from fieldapp.protocol import crypto, jsonsafe, packet, schemas
from fieldapp.protocol.crypto import CmmPublic, CmmSecret
from fieldapp.protocol.reasons import Rejected

SUFFIX = ".cmmreply"

# Over HTTPS the organisation asks CMM for its replies with a request it signs and seals to CMM, like a packet
# (``POST /replies``); CMM answers with a bundle of the sealed replies about the organisation's referrals.
REQUEST_SCHEMA = "cmm-replies-request/1"
REQUEST_SKEW = timedelta(minutes=15)          # a request older or newer than this by CMM's clock is refused
BUNDLE_MAGIC = b"CMMRPLS1"
MAX_BUNDLE_REPLIES = 200
MAX_REPLY_BYTES = len(crypto.REPLY_MAGIC) + crypto.KEY_ID_BYTES + 4 + crypto.SEAL_OVERHEAD + crypto.BUCKETS[0]
MAX_BUNDLE_BYTES = len(BUNDLE_MAGIC) + 4 + MAX_BUNDLE_REPLIES * (4 + MAX_REPLY_BYTES)
_COUNT = struct.Struct(">I")
_MOMENT = re.compile(r"20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]Z")


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


def replies_request(org_seed: bytes, cmm: CmmPublic, now: datetime | None = None) -> bytes:
    """The organisation's signed and sealed request for CMM's replies about its referrals."""
    moment = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    document = {"schema": REQUEST_SCHEMA, "org": crypto.key_id(crypto.org_public(org_seed)).hex(), "at": moment}
    return crypto.sign_and_seal(crypto.canonical_json(document), org_seed, cmm)


def open_replies_request(data: bytes, secret: CmmSecret, lookup: packet.SignerLookup, box=None,
                         now: datetime | None = None) -> str:
    """The key id of the organisation asking, or ``Rejected``: it must be registered, not revoked, have signed
    exactly this request, and sent it within ``REQUEST_SKEW`` of CMM's clock."""
    opened = packet.open_signed(data, secret, lookup, box)
    document = opened.document
    if set(document) != {"schema", "org", "at"} or document["schema"] != REQUEST_SCHEMA or \
            not isinstance(document["at"], str) or not _MOMENT.fullmatch(document["at"]):
        raise Rejected("schema", "not a request for replies")
    if document["org"] != opened.signer:
        raise Rejected("signer_mismatch")
    try:
        at = datetime.strptime(document["at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError as exc:
        raise Rejected("schema", "at: not a moment") from exc
    if abs((now or datetime.now(UTC)) - at) > REQUEST_SKEW:
        raise Rejected("schema", "at: not within 15 minutes of CMM's clock")
    return opened.signer


BUNDLE_SIZES = (8, 32, MAX_BUNDLE_REPLIES)    # a bundle holds one of these numbers of entries


def bundle(sealed: list[bytes]) -> bytes:
    """Sealed replies one after the other, each with its length, behind a count; filled up with random entries of
    a reply's size to the next of ``BUNDLE_SIZES``, so its length says only that there are at most 8, 32 or 200
    replies (a random entry opens with no key, and the organisation passes over it as over any other)."""
    if len(sealed) > MAX_BUNDLE_REPLIES or any(len(item) != MAX_REPLY_BYTES for item in sealed):
        raise ValueError("too many replies for one bundle, or one not of a reply's size")
    size = next(size for size in BUNDLE_SIZES if size >= len(sealed))
    entries = [*sealed, *(secrets.token_bytes(MAX_REPLY_BYTES) for _filler in range(size - len(sealed)))]
    secrets.SystemRandom().shuffle(entries)
    return BUNDLE_MAGIC + _COUNT.pack(len(entries)) + b"".join(_COUNT.pack(len(item)) + item for item in entries)


def unbundle(data: bytes) -> list[bytes]:
    """The sealed replies of a bundle, or ``Rejected("malformed")`` for anything else: another magic, a count or
    a length over the limits, bytes missing or left over."""
    if len(data) > MAX_BUNDLE_BYTES or not data.startswith(BUNDLE_MAGIC) or len(data) < len(BUNDLE_MAGIC) + 4:
        raise Rejected("malformed", "not a bundle of replies")
    (count,), at = _COUNT.unpack_from(data, len(BUNDLE_MAGIC)), len(BUNDLE_MAGIC) + 4
    if count > MAX_BUNDLE_REPLIES:
        raise Rejected("malformed", "too many replies")
    items = []
    for _index in range(count):
        if at + 4 > len(data):
            raise Rejected("malformed", "cut short")
        (size,), at = _COUNT.unpack_from(data, at), at + 4
        if size > MAX_REPLY_BYTES or at + size > len(data):
            raise Rejected("malformed", "a reply over its size or cut short")
        items.append(data[at:at + size])
        at += size
    if at != len(data):
        raise Rejected("malformed", "bytes after the last reply")
    return items
