"""Key derivation, key wrapping, and the members' key pairs.

Each compartment key is 32 random bytes. A user's passphrase (or the recovery key) derives a
key-encryption key with argon2id, which wraps the member's private X25519 and Ed25519 keys (in a
vault of the first kind: the one data key) with XChaCha20-Poly1305. The wrap is bound to the vault
and the slot through the associated data, so slots cannot be swapped between users or vaults. Only
an authentic unwrap returns the keys: that is what tells a wrong passphrase apart from a damaged
file.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import asdict, dataclass

from argon2.low_level import Type, hash_secret_raw
from nacl import bindings, exceptions
from nacl.public import PrivateKey, PublicKey, SealedBox
from nacl.signing import SigningKey, VerifyKey

KEY_BYTES = 32
SALT_BYTES = 16
NONCE_BYTES = bindings.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES


@dataclass(frozen=True)
class KdfParams:
    """argon2id parameters; memory in KiB."""

    memory_kib: int
    time_cost: int
    parallelism: int

    def at_least_floor(self) -> bool:
        return (self.memory_kib >= FLOOR.memory_kib and self.time_cost >= FLOOR.time_cost
                and self.parallelism >= 1)

    def to_json(self) -> dict:
        return asdict(self)


# RFC 9106 second recommended option: 64 MiB, t=3, p=4.
FLOOR = KdfParams(memory_kib=64 * 1024, time_cost=3, parallelism=4)
DEFAULT = KdfParams(memory_kib=256 * 1024, time_cost=3, parallelism=4)


def default_params() -> KdfParams:
    """The parameters for new wraps; FIELDAPP_KDF_MIB lowers memory (never below the floor)."""
    mib = os.environ.get("FIELDAPP_KDF_MIB")
    if mib and mib.isdigit():
        return KdfParams(max(int(mib) * 1024, FLOOR.memory_kib), DEFAULT.time_cost, DEFAULT.parallelism)
    return DEFAULT


def new_data_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def new_salt() -> bytes:
    return secrets.token_bytes(SALT_BYTES)


def derive(secret: str, salt: bytes, params: KdfParams) -> bytes:
    return hash_secret_raw(
        secret.encode("utf-8"), salt, time_cost=params.time_cost, memory_cost=params.memory_kib,
        parallelism=params.parallelism, hash_len=KEY_BYTES, type=Type.ID,
    )


def wrap(kek: bytes, data_key: bytes, context: bytes) -> bytes:
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = bindings.crypto_aead_xchacha20poly1305_ietf_encrypt(data_key, context, nonce, kek)
    return nonce + sealed


def unwrap(kek: bytes, wrapped: bytes, context: bytes) -> bytes | None:
    """The data key, or None when the key-encryption key or the context is wrong (or tampered)."""
    key = unwrap_bytes(kek, wrapped, context)
    return key if key is not None and len(key) == KEY_BYTES else None


def unwrap_bytes(kek: bytes, wrapped: bytes, context: bytes) -> bytes | None:
    """What ``wrap`` wrapped, or None when the key, the context or the bytes are not right."""
    nonce, sealed = wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:]
    try:
        return bindings.crypto_aead_xchacha20poly1305_ietf_decrypt(sealed, context, nonce, kek)
    except (exceptions.CryptoError, ValueError, TypeError):
        return None


def lookup_id(lookup_salt: bytes, user_name: str) -> str:
    """An opaque slot id for a user name, so the sidecar does not list staff names."""
    digest = hmac.new(lookup_salt, normalise_user(user_name).encode("utf-8"), hashlib.blake2b)
    return digest.hexdigest()[:32]


def normalise_user(user_name: str) -> str:
    return " ".join(user_name.split()).casefold()


# Recovery keys: 30 characters of Crockford base32 (150 bits), shown in groups of five.
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_recovery_key() -> str:
    raw = "".join(secrets.choice(_CROCKFORD) for _ in range(30))
    return "-".join(raw[i:i + 5] for i in range(0, 30, 5))


def normalise_recovery_key(text: str) -> str:
    """Accept what a person types from paper: any case, spaces or dashes, O for 0, I/L for 1."""
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum())
    cleaned = cleaned.replace("O", "0").replace("I", "1").replace("L", "1")
    return "-".join(cleaned[i:i + 5] for i in range(0, len(cleaned), 5))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


# -- member key pairs: X25519 (keys are sealed to it) and Ed25519 (events and grants are signed) --

BOX_SECRET_BYTES = 32
SIGN_SEED_BYTES = 32


@dataclass(frozen=True)
class MemberKeys:
    """A member's private halves, as unwrapped at unlock; the public halves follow from them."""

    box_secret: bytes
    sign_seed: bytes

    @classmethod
    def generate(cls) -> MemberKeys:
        return cls(secrets.token_bytes(BOX_SECRET_BYTES), secrets.token_bytes(SIGN_SEED_BYTES))

    @classmethod
    def from_bytes(cls, raw: bytes) -> MemberKeys:
        if len(raw) != BOX_SECRET_BYTES + SIGN_SEED_BYTES:
            raise ValueError("member keys")
        return cls(raw[:BOX_SECRET_BYTES], raw[BOX_SECRET_BYTES:])

    def to_bytes(self) -> bytes:
        return self.box_secret + self.sign_seed

    @property
    def box_public(self) -> bytes:
        return bytes(PrivateKey(self.box_secret).public_key)

    @property
    def sign_public(self) -> bytes:
        return bytes(SigningKey(self.sign_seed).verify_key)

    def unseal(self, sealed: bytes) -> bytes | None:
        try:
            return SealedBox(PrivateKey(self.box_secret)).decrypt(sealed)
        except (exceptions.CryptoError, ValueError, TypeError):
            return None

    def sign(self, message: bytes) -> bytes:
        return SigningKey(self.sign_seed).sign(message).signature


def seal_to(box_public: bytes, secret: bytes) -> bytes:
    """Encrypt ``secret`` so only the holder of the matching X25519 private key can read it."""
    return SealedBox(PublicKey(box_public)).encrypt(secret)


def signature_ok(sign_public: bytes, message: bytes, signature: bytes) -> bool:
    try:
        VerifyKey(sign_public).verify(message, signature)
    except (exceptions.BadSignatureError, ValueError, TypeError):
        return False
    return True
