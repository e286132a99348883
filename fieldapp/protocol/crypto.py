"""Keys, signatures, sealing and receipts (libsodium via PyNaCl; argon2id via fieldapp.crypto.keys).

A packet file is::

    MAGIC (8) | CMM key id (16) | length of the sealed box (4, big-endian) | sealed box

and the sealed box holds ``signer key id (16) | Ed25519 signature (64) | length of the JSON (4) |
canonical JSON | zeros``, padded to one of a few fixed sizes (``BUCKETS``), so a packet's size says
nothing of how much it holds or how much was generalised. The padding is outside the signed JSON, so
the signed bytes stay exact. Files of the first format (``LEGACY_MAGIC``: no length, no padding) still open.
The header is not secret and not trusted: it only lets the intake say *why* a file does not open
(another recipient, cut short). A receipt is an Ed25519 signed message (signature | canonical JSON).
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass

from nacl import exceptions as nacl_exceptions
from nacl.encoding import RawEncoder
from nacl.hash import blake2b
from nacl.public import PrivateKey, PublicKey, SealedBox
from nacl.signing import SigningKey, VerifyKey

from fieldapp.crypto import keys
from fieldapp.crypto.keys import KdfParams
from fieldapp.protocol import jsonsafe
from fieldapp.protocol.errors import BadKeyFile, WrongCmmPassphrase
from fieldapp.protocol.reasons import Rejected

MAGIC = b"CMMPKT2\n"
LEGACY_MAGIC = b"CMMPKT1\n"
KEY_ID_BYTES = 16
SIG_BYTES = 64
_HEADER = len(MAGIC) + KEY_ID_BYTES + 4
SEAL_OVERHEAD = 48
MAX_PACKET_BYTES = 64 * 1024
_LENGTH = struct.Struct(">I")
_SIGNED_HEAD = KEY_ID_BYTES + SIG_BYTES
# The sizes a sealed box's plaintext is padded to; the largest fills a packet file of MAX_PACKET_BYTES.
BUCKETS = (4096, 16384, MAX_PACKET_BYTES - _HEADER - SEAL_OVERHEAD)
PUBLIC_FORMAT = "cmm-public-key/1"
SECRET_FORMAT = "cmm-secret-key/1"
ORG_FORMAT = "fieldapp-org-key/1"


def canonical_json(value: object) -> bytes:
    """Sorted keys, no spaces, ASCII only: the exact bytes that are signed."""
    return jsonsafe.canonical(value)


def _digest(data: bytes, size: int) -> bytes:
    return blake2b(data, digest_size=size, encoder=RawEncoder)


def key_id(public: bytes) -> bytes:
    """16 bytes naming a public key (BLAKE2b)."""
    return _digest(public, KEY_ID_BYTES)


def fingerprint(public: bytes) -> str:
    """What people read to each other on the phone: 8 groups of 4 hex digits (BLAKE2b-128)."""
    text = key_id(public).hex().upper()
    return " ".join(text[i:i + 4] for i in range(0, len(text), 4))


# -- the organisation's signing key ----------------------------------------------------------------

def new_signing_seed() -> bytes:
    return bytes(SigningKey.generate())


def org_public(seed: bytes) -> bytes:
    return bytes(SigningKey(seed).verify_key)


def org_key_file(seed: bytes, name: str) -> bytes:
    public = org_public(seed)
    data = {"format": ORG_FORMAT, "name": name, "ed25519": keys.b64(public),
            "org": key_id(public).hex(), "fingerprint": fingerprint(public)}
    return json.dumps(data, indent=1, sort_keys=True).encode("utf-8") + b"\n"


def read_org_key_file(raw: bytes) -> tuple[str, bytes]:
    """(organisation name, Ed25519 public key) from an exported org key file."""
    data = _json_object(raw)
    if data.get("format") != ORG_FORMAT:
        raise BadKeyFile()
    public = _key_field(data, "ed25519")
    name = data.get("name", "")
    if not isinstance(name, str) or len(name) > 200:
        raise BadKeyFile()
    return name, public


# -- CMM's keys -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class CmmPublic:
    x25519: bytes
    ed25519: bytes

    @property
    def key_id(self) -> bytes:
        return key_id(self.x25519)

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.x25519 + self.ed25519)

    def to_json(self) -> dict:
        return {"format": PUBLIC_FORMAT, "x25519": keys.b64(self.x25519), "ed25519": keys.b64(self.ed25519),
                "fingerprint": self.fingerprint}

    @classmethod
    def from_json(cls, data: dict) -> CmmPublic:
        if not isinstance(data, dict) or data.get("format") != PUBLIC_FORMAT:
            raise BadKeyFile()
        return cls(_key_field(data, "x25519"), _key_field(data, "ed25519"))


@dataclass(frozen=True)
class CmmSecret:
    """CMM's two key pairs, both derived from one 32-byte seed (the only secret that is stored)."""

    seed: bytes

    @property
    def box_key(self) -> PrivateKey:
        return PrivateKey(_derive(self.seed, b"cmm-x25519"))

    @property
    def signing_key(self) -> SigningKey:
        return SigningKey(_derive(self.seed, b"cmm-ed25519"))

    @property
    def public(self) -> CmmPublic:
        return CmmPublic(bytes(self.box_key.public_key), bytes(self.signing_key.verify_key))


def _derive(seed: bytes, person: bytes) -> bytes:
    return blake2b(b"", digest_size=32, key=seed, person=person, encoder=RawEncoder)


def new_cmm_secret() -> CmmSecret:
    return CmmSecret(keys.new_data_key())


def _secret_context(public: CmmPublic) -> bytes:
    return b"fieldapp-cmm-secret/1|" + public.key_id


def secret_key_file(secret: CmmSecret, passphrase: str, params: KdfParams | None = None) -> bytes:
    """The seed wrapped with XChaCha20-Poly1305 under an argon2id key from the passphrase."""
    params = params or keys.default_params()
    salt = keys.new_salt()
    wrapped = keys.wrap(keys.derive(passphrase, salt, params), secret.seed, _secret_context(secret.public))
    data = {"format": SECRET_FORMAT, "kdf": params.to_json(), "salt": keys.b64(salt), "wrapped": keys.b64(wrapped),
            "public": secret.public.to_json()}
    return json.dumps(data, indent=1, sort_keys=True).encode("utf-8") + b"\n"


def open_secret_key_file(raw: bytes, passphrase: str) -> CmmSecret:
    data = _json_object(raw)
    try:
        if data.get("format") != SECRET_FORMAT:
            raise BadKeyFile()
        params = KdfParams(**data["kdf"])
        salt, wrapped = keys.unb64(data["salt"]), keys.unb64(data["wrapped"])
        public = CmmPublic.from_json(data["public"])
    except (KeyError, TypeError, ValueError) as exc:
        raise BadKeyFile() from exc
    if not params.at_least_floor():
        raise BadKeyFile()
    seed = keys.unwrap(keys.derive(passphrase, salt, params), wrapped, _secret_context(public))
    if seed is None:
        raise WrongCmmPassphrase()
    secret = CmmSecret(seed)
    if secret.public != public:
        raise BadKeyFile()
    return secret


def _json_object(raw: bytes) -> dict:
    try:
        return jsonsafe.loads_object(raw)
    except ValueError as exc:
        raise BadKeyFile() from exc


def _key_field(data: dict, name: str) -> bytes:
    try:
        value = keys.unb64(data[name])
    except (KeyError, TypeError, ValueError) as exc:
        raise BadKeyFile() from exc
    if len(value) != 32:
        raise BadKeyFile()
    return value


# -- packets --------------------------------------------------------------------------------------

class TooLarge(ValueError):
    """The JSON does not fit in the largest packet."""


def sign_and_seal(body: bytes, signing_seed: bytes, cmm: CmmPublic) -> bytes:
    """Sign the canonical JSON with the organisation's key, then pad it to its bucket and seal it to
    CMM's X25519 key. Raises ``TooLarge`` when it does not fit in the largest bucket."""
    signer = SigningKey(signing_seed)
    plaintext = _padded(key_id(bytes(signer.verify_key)) + signer.sign(body).signature, body)
    sealed = SealedBox(PublicKey(cmm.x25519)).encrypt(plaintext)
    return MAGIC + cmm.key_id + _LENGTH.pack(len(sealed)) + sealed


def _padded(head: bytes, body: bytes) -> bytes:
    """``head | length of body | body | zeros`` at the smallest bucket that holds it (``TooLarge`` if none)."""
    plaintext = head + _LENGTH.pack(len(body)) + body
    size = next((bucket for bucket in BUCKETS if bucket >= len(plaintext)), None)
    if size is None:
        raise TooLarge()
    return plaintext + bytes(size - len(plaintext))


def _unpadded(plaintext: bytes, head: int = _SIGNED_HEAD) -> bytes:
    """``head | JSON`` from a padded plaintext; ``damaged`` unless the size is a bucket's, the length fits and
    every byte after the JSON is zero."""
    start = head + _LENGTH.size
    if len(plaintext) not in BUCKETS:
        raise Rejected("damaged")
    (length,) = _LENGTH.unpack(plaintext[head:start])
    if start + length > len(plaintext) or plaintext[start + length:].strip(b"\0"):
        raise Rejected("damaged")
    return plaintext[:head] + plaintext[start:start + length]


def open_packet(data: bytes, secret: CmmSecret, box: SealedBox | None = None) -> bytes:
    """The signed plaintext (``signer | signature | JSON``, padding taken off) inside a packet file, or
    ``Rejected`` saying why it does not open."""
    if len(data) > MAX_PACKET_BYTES:
        raise Rejected("too_large")
    if len(data) < _HEADER or not data.startswith((MAGIC, LEGACY_MAGIC)):
        raise Rejected("not_a_packet")
    recipient = data[len(MAGIC):len(MAGIC) + KEY_ID_BYTES]
    if recipient != secret.public.key_id:
        raise Rejected("other_recipient")
    (length,) = struct.unpack(">I", data[_HEADER - 4:_HEADER])
    sealed = data[_HEADER:]
    if len(sealed) < length:
        raise Rejected("truncated")
    if len(sealed) != length or length <= SEAL_OVERHEAD:
        raise Rejected("damaged")
    try:
        plaintext = (box or SealedBox(secret.box_key)).decrypt(sealed)
    except (nacl_exceptions.CryptoError, ValueError, TypeError) as exc:
        raise Rejected("damaged") from exc
    return _unpadded(plaintext) if data.startswith(MAGIC) else plaintext


def split_signed(plaintext: bytes) -> tuple[bytes, bytes, bytes]:
    """(signer key id, signature, body)."""
    if len(plaintext) <= KEY_ID_BYTES + SIG_BYTES:
        raise Rejected("damaged")
    signer = plaintext[:KEY_ID_BYTES]
    return signer, plaintext[KEY_ID_BYTES:KEY_ID_BYTES + SIG_BYTES], plaintext[KEY_ID_BYTES + SIG_BYTES:]


def verify_body(public: bytes, signature: bytes, body: bytes) -> None:
    try:
        VerifyKey(public).verify(body, signature)
    except (nacl_exceptions.BadSignatureError, ValueError, TypeError) as exc:
        raise Rejected("bad_signature") from exc


# -- CMM's replies to an organisation ---------------------------------------------------------------
#
# ``REPLY_MAGIC | organisation key id (16) | length (4) | sealed box``; the box is sealed to the X25519 form of
# the organisation's Ed25519 key (libsodium's conversion, so the organisation keeps one key pair) and holds
# ``CMM's Ed25519 signature (64) | length of the JSON (4) | canonical JSON | zeros``, padded like a packet.

REPLY_MAGIC = b"CMMRPL1\n"


def seal_reply(body: bytes, secret: CmmSecret, org_public: bytes) -> bytes:
    """Sign ``body`` with CMM's key and seal it to the organisation whose Ed25519 public key is ``org_public``."""
    recipient = VerifyKey(org_public).to_curve25519_public_key()
    sealed = SealedBox(recipient).encrypt(_padded(secret.signing_key.sign(body).signature, body))
    return REPLY_MAGIC + key_id(org_public) + _LENGTH.pack(len(sealed)) + sealed


def open_reply(data: bytes, org_seed: bytes, cmm: CmmPublic) -> bytes:
    """The JSON of a reply sealed to this organisation and signed by CMM, or ``Rejected`` saying why not."""
    if len(data) > MAX_PACKET_BYTES:
        raise Rejected("too_large")
    if len(data) < _HEADER or not data.startswith(REPLY_MAGIC):
        raise Rejected("not_a_packet")
    signer = SigningKey(org_seed)
    if data[len(REPLY_MAGIC):len(REPLY_MAGIC) + KEY_ID_BYTES] != key_id(bytes(signer.verify_key)):
        raise Rejected("other_recipient")
    (length,) = _LENGTH.unpack(data[_HEADER - 4:_HEADER])
    sealed = data[_HEADER:]
    if len(sealed) != length or length <= SEAL_OVERHEAD:
        raise Rejected("truncated" if len(sealed) < length else "damaged")
    try:
        plaintext = SealedBox(signer.to_curve25519_private_key()).decrypt(sealed)
    except (nacl_exceptions.CryptoError, ValueError, TypeError) as exc:
        raise Rejected("damaged") from exc
    opened = _unpadded(plaintext, SIG_BYTES)
    verify_body(cmm.ed25519, opened[:SIG_BYTES], opened[SIG_BYTES:])
    return opened[SIG_BYTES:]
