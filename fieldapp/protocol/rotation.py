"""The key-rotation statement an organisation sends CMM when it replaces its signing key (a member left,
a laptop was lost): which key to refuse from now on, and the new key, signed with the new key only.

The signature proves only that the writer holds the new key; that the key is the organisation's is what
the fingerprint check by phone settles, so CMM registers it only when the operator types the fingerprint
the organisation read out."""

from __future__ import annotations

import re
from dataclasses import dataclass

from nacl import exceptions as nacl_exceptions
from nacl.signing import VerifyKey

from fieldapp.crypto import keys
from fieldapp.protocol import crypto, jsonsafe
from fieldapp.protocol.errors import BadKeyFile

FORMAT = "cmm-key-rotation/1"
MAX_BYTES = 16 * 1024
_KEY_ID = re.compile(r"[0-9a-f]{32}")
_MOMENT = re.compile(r"20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]Z")


@dataclass(frozen=True)
class Rotation:
    old_key_id: str
    new_public: bytes
    revoke_from: str
    reason: str

    @property
    def new_key_id(self) -> str:
        return crypto.key_id(self.new_public).hex()

    @property
    def new_fingerprint(self) -> str:
        return crypto.fingerprint(self.new_public)


def read_statement(raw: bytes) -> dict:
    """The statement's signed content if its signature verifies with the new key it names; else BadKeyFile."""
    try:
        data = jsonsafe.loads_object(raw, max_bytes=MAX_BYTES)
        body, signature = data["statement"], keys.unb64(data["signature"])
        public = keys.unb64(body["new_key"]["ed25519"])
        named = body["new_key"]["key_id"]
        if body.get("format") != FORMAT or len(public) != 32 or named != crypto.key_id(public).hex():
            raise BadKeyFile()
        if not isinstance(body.get("org"), str) or not _KEY_ID.fullmatch(body["org"]):
            raise BadKeyFile()
        if not isinstance(body.get("revoke_from"), str) or not _MOMENT.fullmatch(body["revoke_from"]):
            raise BadKeyFile()
        VerifyKey(public).verify(crypto.canonical_json(body), signature)
    except (ValueError, KeyError, TypeError, AttributeError, nacl_exceptions.BadSignatureError) as exc:
        raise BadKeyFile() from exc
    return body


def read(raw: bytes) -> Rotation:
    body = read_statement(raw)
    return Rotation(body["org"], keys.unb64(body["new_key"]["ed25519"]), str(body.get("revoke_from", "")),
                    str(body.get("reason", "")))


def same_fingerprint(typed: str, public: bytes) -> bool:
    """The fingerprint as read out on the phone, in any case and spacing."""
    return "".join(typed.split()).upper() == crypto.fingerprint(public).replace(" ", "")
