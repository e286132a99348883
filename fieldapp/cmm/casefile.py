"""Referral contents at rest, and the log of who read them.

Each packet's body is sealed (libsodium sealed box) to the public half of the store's case key at its
epoch, bound to the packet id and carrying a MAC under the store key: the intake service needs only the
public half to store a referral, so an intake operator cannot read one after it arrived, and nobody
without the store key (a database account, a thief of its disk) can write one that opens. A caseworker
opens it with the private half, and each opening is first written to the openings log: an entry names
the staff member's slot, the packet and the time, is chained to the entry before it by SHA-256 and
signed with the member's Ed25519 key.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from nacl import exceptions
from nacl.public import PrivateKey, PublicKey, SealedBox

from fieldapp.cmm.errors import IntakeStoreDamaged
from fieldapp.crypto import keys
from fieldapp.crypto.keys import MemberKeys

GENESIS = "0" * 64


def _prefix(epoch: int, packet_id: str) -> bytes:
    return f"fieldapp-case/1|{epoch}|{packet_id}|".encode()


def new_case_secret() -> bytes:
    return bytes(PrivateKey.generate())


def public_of(case_secret: bytes) -> bytes:
    return bytes(PrivateKey(bytes(case_secret)).public_key)


def _tag(store_key: bytes, text: bytes) -> bytes:
    return hashlib.blake2b(text, key=bytes(store_key), digest_size=32, person=b"fieldapp-case").digest()


def seal(case_public: bytes, store_key: bytes, epoch: int, packet_id: str, body: str) -> bytes:
    """The body sealed to the case key, with a MAC under the store key inside: a sealed box alone says
    nothing of who sealed it, and the case key's public half is no secret."""
    text = _prefix(epoch, packet_id) + body.encode("utf-8")
    return SealedBox(PublicKey(case_public)).encrypt(_tag(store_key, text) + text)


def open_sealed(case_secret: bytes, store_keys: list[bytes], epoch: int, packet_id: str, sealed: bytes) -> str:
    """The body, or ``IntakeStoreDamaged`` if it was changed, moved to another packet, sealed to another
    key or written by someone without a store key."""
    prefix = _prefix(epoch, packet_id)
    try:
        plain = SealedBox(PrivateKey(bytes(case_secret))).decrypt(bytes(sealed))
    except (exceptions.CryptoError, ValueError, TypeError) as exc:
        raise IntakeStoreDamaged() from exc
    tag, text = plain[:32], plain[32:]
    if not text.startswith(prefix) or not any(hmac.compare_digest(tag, _tag(k, text)) for k in store_keys):
        raise IntakeStoreDamaged()
    try:
        return text[len(prefix):].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise IntakeStoreDamaged() from exc


def case_tag(store_key: bytes, case_public: bytes, epoch: int) -> str:
    """The store key's MAC over the case key's public half and epoch (kept beside them)."""
    return _tag(store_key, b"fieldapp-case-public/1|%d|" % epoch + bytes(case_public)).hex()


def case_tag_ok(store_keys: list[bytes], case_public: bytes, epoch: int, tag: str) -> bool:
    return any(hmac.compare_digest(case_tag(k, case_public, epoch), tag or "") for k in store_keys)


@dataclass(frozen=True)
class Opening:
    """One line of the openings log."""

    seq: int
    at: str
    slot_id: str
    packet_id: str
    prev: str
    hash: str
    sig: str

    def expected_hash(self) -> str:
        text = f"fieldapp-opening/1|{self.seq}|{self.at}|{self.slot_id}|{self.packet_id}|{self.prev}"
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def next_opening(last: Opening | None, at: str, slot_id: str, packet_id: str, member: MemberKeys) -> Opening:
    seq, prev = (last.seq + 1, last.hash) if last else (1, GENESIS)
    draft = Opening(seq, at, slot_id, packet_id, prev, "", "")
    digest = draft.expected_hash()
    return Opening(seq, at, slot_id, packet_id, prev, digest, keys.b64(member.sign(digest.encode("ascii"))))


def problems(entries: list[Opening], sign_publics: dict[str, bytes]) -> list[int]:
    """The sequence numbers of entries that do not hold: a gap, a broken chain, a changed field, or a
    signature that is not the named member's."""
    bad, prev, expected_seq = [], GENESIS, 1
    for entry in entries:
        public = sign_publics.get(entry.slot_id)
        try:
            signature = keys.unb64(entry.sig)
        except ValueError:
            signature = b""
        if (entry.seq != expected_seq or entry.prev != prev or entry.hash != entry.expected_hash()
                or public is None or not keys.signature_ok(public, entry.hash.encode("ascii"), signature)):
            bad.append(entry.seq)
        prev, expected_seq = entry.hash, entry.seq + 1
    return bad
