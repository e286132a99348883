"""Opening a packet file: the one handler that CMM's folder intake, its HTTPS intake and the sealed
figures share, so every transport refuses the same bytes for the same reason.

The steps, the first that fails naming the reason: size -> header -> unseal -> signer registered ->
signature -> (from here on the content is the signer's) signer not revoked -> strict JSON (depth
limited, canonical) -> schema -> signer matches ``org``. Whether the packet was seen before is the
store's question, asked in the same transaction that saves it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from nacl.public import SealedBox

from fieldapp.protocol import crypto, jsonsafe, schemas
from fieldapp.protocol.crypto import CmmSecret
from fieldapp.protocol.reasons import Rejected
from fieldapp.protocol.receipt import digest

PACKET_ID = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True)
class SignerKey:
    public: bytes
    revoked: bool = False


SignerLookup = Callable[[str], SignerKey | None]


@dataclass(frozen=True)
class Opened:
    document: dict
    signer: str          # key id (hex) of the key whose signature verified
    sha256: str          # of the bytes received

    @property
    def packet_id(self) -> str:
        """The id a receipt names: a packet's own, or a withdrawal notice's (never the packet it withdraws)."""
        value = self.document.get("notice_id" if is_withdrawal(self.document) else "packet_id")
        return value if isinstance(value, str) and PACKET_ID.fullmatch(value) else ""


def is_withdrawal(document: dict) -> bool:
    return document.get("schema") == schemas.WITHDRAWAL_SCHEMA


def open_signed(data: bytes, secret: CmmSecret, lookup: SignerLookup, box: SealedBox | None = None) -> Opened:
    """The signed document inside ``data``, strictly parsed, or ``Rejected``. No schema is applied."""
    plaintext = crypto.open_packet(data, secret, box)
    signer, signature, body = crypto.split_signed(plaintext)
    key = lookup(signer.hex())
    if key is None:
        raise Rejected("unknown_signer")
    crypto.verify_body(key.public, signature, body)
    try:
        document = jsonsafe.loads_object(body, canonical_only=True)
    except jsonsafe.NotStrictJson as exc:
        raise Rejected("malformed") from exc
    opened = Opened(document, signer.hex(), digest(data))
    if key.revoked:
        raise Rejected("revoked_signer", packet_id=opened.packet_id, signer=opened.signer)
    return opened


def open_referral(data: bytes, secret: CmmSecret, lookup: SignerLookup, box: SealedBox | None = None) -> Opened:
    """A verified cmm-referral document or cmm-withdrawal notice (``is_withdrawal``), or ``Rejected`` (with
    the packet id once the signature verified)."""
    opened = open_signed(data, secret, lookup, box)
    if is_withdrawal(opened.document):
        problems = schemas.withdrawal_problems(opened.document)
        if problems:
            raise Rejected("schema", problems[0])
        if opened.document["org"] != opened.signer:
            raise Rejected("signer_mismatch")
        return opened
    problems = schemas.packet_problems(opened.document)
    if problems:
        raise Rejected("schema", problems[0], packet_id=opened.packet_id)
    if opened.document["org"] != opened.signer:
        raise Rejected("signer_mismatch", packet_id=opened.packet_id)
    return opened
