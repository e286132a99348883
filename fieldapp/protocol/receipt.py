"""CMM's answer to one packet.

A *receipt* is signed by CMM, and only for a packet whose signature verified: it names the packet id
from inside that signed packet and the SHA-256 of the very bytes CMM received, so it can be applied
only to the packet that was sent, never to another packet someone names. Everything else (a file that
does not open, an unknown or forged signer) gets an unsigned *error* that says why and proves nothing.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from nacl import exceptions as nacl_exceptions
from nacl.signing import VerifyKey

from fieldapp.protocol import jsonsafe, schemas
from fieldapp.protocol.crypto import MAX_PACKET_BYTES, CmmPublic, CmmSecret

SCHEMA = "cmm-receipt/2"
ERROR_FORMAT = "cmm-error/1"


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def build(packet_id: str, packet_sha256: str, outcome: str, reason: str = "") -> dict:
    return {"schema": SCHEMA, "packet_id": packet_id, "packet_sha256": packet_sha256, "outcome": outcome,
            "reason": reason if outcome == "rejected" else "", "received": datetime.now(UTC).date().isoformat()}


def sign(receipt: dict, secret: CmmSecret) -> bytes:
    return bytes(secret.signing_key.sign(jsonsafe.canonical(receipt)))


def verify(raw: bytes, cmm: CmmPublic) -> dict | None:
    """The receipt's content if CMM signed it and it is a valid cmm-receipt/2, else None."""
    if len(raw) > MAX_PACKET_BYTES:
        return None
    try:
        body = VerifyKey(cmm.ed25519).verify(raw)
        receipt = jsonsafe.loads_object(body, canonical_only=True)
    except (nacl_exceptions.BadSignatureError, ValueError, TypeError):
        return None
    return None if schemas.receipt_problems(receipt) else receipt


def error(code: str) -> bytes:
    """The unsigned answer to a packet that was not authenticated: a reason code, nothing else."""
    return jsonsafe.canonical({"format": ERROR_FORMAT, "reason": code, "signed": False})


def read_error(raw: bytes) -> str:
    """The reason code of an unsigned error answer ("" if it is not one); to be shown, never trusted."""
    try:
        data = jsonsafe.loads_object(raw[:1024], canonical_only=True)
    except ValueError:
        return ""
    code = data.get("reason") if data.get("format") == ERROR_FORMAT else ""
    return code if isinstance(code, str) and code.isascii() and code.replace("_", "").isalnum() else ""
