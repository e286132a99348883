"""The key file: wrapped copies of the data key, one per user and one for the recovery key.

It sits beside the database (``<vault>.keys``) and holds no personal data (slots are keyed by an
opaque id derived from the user name). Its payload is JSON, so KDF parameters can be raised later.

The file *forgets*: it has one fixed size and is only ever rewritten in place, never by
write-and-rename, so an earlier version (a removed slot, an old wrap) is not left behind in free
disk blocks. As in LUKS2 it holds two copies of the header, each with a sequence number and a
checksum. An update rewrites copy A, then copy B, each flushed to disk before the next: a crash
in the middle leaves one whole copy, and the reader takes the valid copy with the highest sequence
number. Counters that change often (failed unlocks, the audit anchor) live in the same copies, so
they too are written over the same blocks.

A key file of the first format (plain JSON, ``fieldapp-keys/1``) is still read; the next write
converts it in place, from offset 0, over its old bytes.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import stat
import struct
from dataclasses import dataclass, field
from pathlib import Path

from fieldapp.crypto.keys import KdfParams, b64, unb64
from fieldapp.errors import NotAVault, StorageIOError
from fieldapp.storage.atomic import fsync_dir

FORMAT = "fieldapp-keys/2"
_READABLE = {"fieldapp-keys/1", FORMAT}      # /1 is the plain-JSON first format
MAGIC = b"FAKEYS01"
AREA_BYTES = 128 * 1024
FILE_BYTES = 2 * AREA_BYTES
_HEAD = struct.Struct("<8sQI")           # magic, sequence number, payload length
_SUM_BYTES = 32
_PAYLOAD_MAX = AREA_BYTES - _HEAD.size - _SUM_BYTES
_BINARY = getattr(os, "O_BINARY", 0)


# Read from a file anyone may have written: at most 1 GiB and 10 passes, so a hostile slot costs seconds,
# not minutes (today's parameters are 256 MiB and 3 passes).
_KDF_LIMITS = {"memory_kib": 1024 * 1024, "time_cost": 10, "parallelism": 16}
_HEX = frozenset("0123456789abcdef")


def _kdf(data: dict) -> KdfParams:
    """KDF parameters from a hostile file: whole numbers within bounds, or ValueError (never a hang)."""
    values = {}
    for name, limit in _KDF_LIMITS.items():
        value = data[name]
        if type(value) is not int or not 1 <= value <= limit:
            raise ValueError(name)
        values[name] = value
    return KdfParams(**values)


def _mac(text) -> str:
    if not isinstance(text, str) or (text and (len(text) != 64 or not set(text) <= _HEX)):
        raise ValueError("mac")
    return text


def _head(data: dict) -> dict:
    if not data:
        return {}
    count, digest = data["count"], data["hash"]
    if type(count) is not int or not isinstance(digest, str):
        raise ValueError("audit head")
    return {"count": count, "hash": digest}


def _retention(data: dict) -> dict:
    """The retention policy from a hostile file: exactly these fields, of these types (its MAC is checked
    by ``security.membership``)."""
    if not data:
        return {}
    people, visits, automatic = data["people_inactive_months"], data["visits_months"], data["automatic"]
    if type(people) is not int or type(visits) is not int or type(automatic) is not bool:
        raise ValueError("retention")
    return {"people_inactive_months": people, "visits_months": visits, "automatic": automatic}


def _anchor(data: dict) -> dict:
    """A member's signed anchor from a hostile file: exactly these fields, of these types."""
    count, digest, signature = data["count"], data["hash"], data["sig"]
    if type(count) is not int or count < 0 or not isinstance(digest, str) or len(digest) != 64 \
            or not set(digest) <= _HEX or not isinstance(signature, str) or len(signature) > 200:
        raise ValueError("anchor")
    return {"count": count, "hash": digest, "sig": signature}


def _signer(data: dict) -> dict:
    keys_, user = data["keys"], data.get("user")
    if not isinstance(keys_, list) or not all(isinstance(k, str) for k in keys_):
        raise ValueError("signer keys")
    if user is not None and type(user) is not int:
        raise ValueError("signer user")
    entry = {"keys": list(keys_), "user": user}
    if "head" in data:
        if not isinstance(data["head"], str):
            raise ValueError("signer head")
        entry["head"] = data["head"]
    return entry


def _bytes(text: str, size: int | None = None) -> bytes:
    raw = unb64(text)
    if size is not None and len(raw) != size:
        raise ValueError("length")
    return raw


def _moment(value) -> float:
    moment = float(value)
    if not math.isfinite(moment):
        raise ValueError("time")
    return moment


def _entry(data: dict) -> dict:
    """One vouched-for member from a hostile file: exactly these fields, of these types."""
    user_id = data["user_id"]
    if user_id is not None and type(user_id) is not int:
        raise ValueError("user_id")
    entry = {"user_id": user_id, "role": data["role"], "box_public": data["box_public"],
             "sign_public": data["sign_public"]}
    if not all(isinstance(entry[k], str) for k in ("role", "box_public", "sign_public")):
        raise ValueError("member entry")
    return entry


@dataclass
class Slot:
    salt: bytes
    kdf: KdfParams
    wrapped: bytes

    def to_json(self) -> dict:
        return {"salt": b64(self.salt), "kdf": self.kdf.to_json(), "wrapped": b64(self.wrapped)}

    @classmethod
    def from_json(cls, data: dict) -> Slot:
        return cls(_bytes(data["salt"], 16), _kdf(data["kdf"]), _bytes(data["wrapped"]))


@dataclass
class Member:
    """A key slot of the second kind: the passphrase (or the recovery key) wraps the member's private
    X25519 and Ed25519 keys; compartment keys are sealed to the public half, so they can be granted
    and rotated without the member's passphrase."""

    salt: bytes
    kdf: KdfParams
    wrapped: bytes
    box_public: bytes
    sign_public: bytes

    def to_json(self) -> dict:
        return {"salt": b64(self.salt), "kdf": self.kdf.to_json(), "wrapped": b64(self.wrapped),
                "box_public": b64(self.box_public), "sign_public": b64(self.sign_public)}

    @classmethod
    def from_json(cls, data: dict) -> Member:
        return cls(_bytes(data["salt"], 16), _kdf(data["kdf"]), _bytes(data["wrapped"]),
                   _bytes(data["box_public"], 32), _bytes(data["sign_public"], 32))


@dataclass
class Grant:
    """One compartment key at one epoch, sealed to each member (slot id) who holds it."""

    epoch: int
    sealed: dict[str, bytes] = field(default_factory=dict)
    proof: bytes = b""          # a pending epoch: its new key MACed with the key it replaces

    def to_json(self) -> dict:
        data = {"epoch": self.epoch, "sealed": {k: b64(v) for k, v in sorted(self.sealed.items())}}
        if self.proof:
            data["proof"] = b64(self.proof)
        return data

    @classmethod
    def from_json(cls, data: dict) -> Grant:
        epoch = data["epoch"]
        if type(epoch) is not int or not 1 <= epoch < 2**31:
            raise ValueError("epoch")
        proof = _bytes(data["proof"], 32) if data.get("proof") else b""
        return cls(epoch, {str(k): _bytes(v) for k, v in data["sealed"].items()}, proof)


def _map_json(items: dict) -> dict:
    return {k: v.to_json() for k, v in sorted(items.items())}


@dataclass
class Sidecar:
    vault_id: str
    lookup_salt: bytes
    slots: dict[str, Slot] = field(default_factory=dict)     # first kind: the data key wrapped directly
    recovery: Slot | None = None                              # first kind, for the recovery key
    demo: bool = False
    failed_at: list[float] = field(default_factory=list)   # times of consecutive failed unlocks
    wipe_after: int = 0                                      # wipe after this many failures; 0 = never
    wipe_check: Slot | None = None                           # the optional wipe passphrase, as a KDF tag
    audit_head: dict = field(default_factory=dict)          # {"count": n, "hash": h} at the last lock
    anchors: dict[str, dict] = field(default_factory=dict)  # slot id -> the head that member signed at their lock
    retention: dict = field(default_factory=dict)            # the retention policy, under the admin MAC
    members: dict[str, Member] = field(default_factory=dict)   # second kind, by slot id ("recovery" too)
    grants: dict[str, Grant] = field(default_factory=dict)     # compartment name -> sealed keys
    pending: dict[str, Grant] = field(default_factory=dict)    # a rotation written before its rekey
    rotation_due: list[str] = field(default_factory=list)      # rotations an admin must run again
    membership: dict[str, dict] = field(default_factory=dict)  # what an admin vouches for (security.membership)
    membership_mac: str = ""                                   # its MAC under the administration key
    recovery_unconfirmed: bool = False                         # a new recovery key not yet seen written down
    signers: dict[str, dict] = field(default_factory=dict)     # audit signers by slot id (security.audit)
    signers_mac: str = ""                                     # their MAC under the admin key
    sequence: int = 0                                        # of the header copy this was read from

    def to_bytes(self) -> bytes:
        data = {
            "format": FORMAT, "vault_id": self.vault_id, "lookup_salt": b64(self.lookup_salt),
            "demo": self.demo, "slots": _map_json(self.slots),
            "recovery": self.recovery.to_json() if self.recovery else None,
            "failed_at": self.failed_at, "wipe_after": self.wipe_after,
            "wipe_check": self.wipe_check.to_json() if self.wipe_check else None,
            "audit_head": self.audit_head, "anchors": dict(sorted(self.anchors.items())),
            "retention": self.retention,
            "members": _map_json(self.members),
            "grants": _map_json(self.grants), "pending": _map_json(self.pending),
            "rotation_due": sorted(set(self.rotation_due)),
            "membership": self.membership, "membership_mac": self.membership_mac,
            "recovery_unconfirmed": self.recovery_unconfirmed,
            "signers": self.signers, "signers_mac": self.signers_mac,
        }
        return json.dumps(data, separators=(",", ":"), sort_keys=True).encode("utf-8")

    @classmethod
    def from_bytes(cls, raw: bytes) -> Sidecar:
        try:
            data = json.loads(raw.decode("utf-8"))
            if data.get("format") not in _READABLE:
                raise ValueError("format")
            recovery, wipe_check = data.get("recovery"), data.get("wipe_check")
            return cls(
                vault_id=str(data["vault_id"]), lookup_salt=unb64(data["lookup_salt"]),
                slots={str(k): Slot.from_json(v) for k, v in data["slots"].items()},
                recovery=Slot.from_json(recovery) if recovery else None,
                demo=bool(data.get("demo", False)),
                failed_at=[_moment(t) for t in data.get("failed_at", [])][-100:],
                wipe_after=int(data.get("wipe_after", 0)),
                wipe_check=Slot.from_json(wipe_check) if wipe_check else None,
                audit_head=_head(data.get("audit_head") or {}),
                anchors={str(k): _anchor(v) for k, v in (data.get("anchors") or {}).items()},
                retention=_retention(data.get("retention") or {}),
                members={str(k): Member.from_json(v) for k, v in (data.get("members") or {}).items()},
                grants={str(k): Grant.from_json(v) for k, v in (data.get("grants") or {}).items()},
                pending={str(k): Grant.from_json(v) for k, v in (data.get("pending") or {}).items()},
                rotation_due=[str(n) for n in data.get("rotation_due") or []],
                membership={str(k): _entry(v) for k, v in (data.get("membership") or {}).items()},
                membership_mac=_mac(data.get("membership_mac") or ""),
                recovery_unconfirmed=data.get("recovery_unconfirmed") is True,
                signers={str(k): _signer(v) for k, v in (data.get("signers") or {}).items()},
                signers_mac=_mac(data.get("signers_mac") or ""),
            )
        except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError, OverflowError,
                RecursionError) as exc:
            raise NotAVault() from exc

    @property
    def legacy(self) -> bool:
        """A vault of the first kind: one data key, wrapped directly by each passphrase."""
        return not self.members


def sidecar_path(vault: Path) -> Path:
    return vault.with_name(vault.name + ".keys")


def _checksum(head: bytes, payload: bytes) -> bytes:
    return hashlib.blake2b(head + payload, digest_size=_SUM_BYTES, person=b"fieldapp-keys").digest()


def encode_area(payload: bytes, sequence: int) -> bytes:
    """One header copy: magic, sequence, length, checksum, payload, zeros to the area's end."""
    if len(payload) > _PAYLOAD_MAX:
        raise StorageIOError()
    head = _HEAD.pack(MAGIC, sequence, len(payload))
    area = head + _checksum(head, payload) + payload
    return area + bytes(AREA_BYTES - len(area))


def decode_area(area: bytes) -> tuple[int, bytes] | None:
    """(sequence, payload) of a whole, unchanged header copy; None for a torn or damaged one."""
    if len(area) < _HEAD.size + _SUM_BYTES:
        return None
    magic, sequence, length = _HEAD.unpack_from(area)
    start = _HEAD.size + _SUM_BYTES
    if magic != MAGIC or length > _PAYLOAD_MAX or start + length > len(area):
        return None
    payload = area[start:start + length]
    if area[_HEAD.size:start] != _checksum(area[:_HEAD.size], payload):
        return None
    return sequence, payload


def read(vault: Path) -> Sidecar:
    """The newest whole header copy; NotAVault when there is none (missing, foreign or damaged).

    A key file is never followed as a link and never read from a FIFO or a device: on a stick someone
    else prepared, either could hang the app or read what is not ours."""
    flags = os.O_RDONLY | _BINARY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(sidecar_path(vault), flags)
    except OSError as exc:
        raise NotAVault() from exc
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotAVault()
        raw = os.read(fd, FILE_BYTES + 1)
    except OSError as exc:
        raise NotAVault() from exc
    finally:
        os.close(fd)
    return parse(raw)


def parse(raw: bytes) -> Sidecar:
    """A key file's bytes as read: the newest whole header copy; NotAVault when there is none."""
    if raw[:1] == b"{":                                     # the first format, plain JSON
        return Sidecar.from_bytes(raw)
    copies = [decode_area(raw[i:i + AREA_BYTES]) for i in (0, AREA_BYTES)]
    valid = sorted((c for c in copies if c is not None), key=lambda c: c[0], reverse=True)
    for sequence, payload in valid:
        with contextlib.suppress(NotAVault):
            side = Sidecar.from_bytes(payload)
            side.sequence = sequence
            return side
    raise NotAVault()


def write(vault: Path, sidecar: Sidecar, *, create: bool = False) -> None:
    """Rewrite both header copies in place (A, then B, each flushed).

    Only ``create`` makes a new file (and refuses an existing one): after a panic wipe, a session
    still closing must not bring a key file back.
    """
    path = sidecar_path(vault)
    sidecar.sequence += 1
    area = encode_area(sidecar.to_bytes(), sidecar.sequence)
    flags = os.O_RDWR | _BINARY | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags | (os.O_CREAT | os.O_EXCL if create else 0), 0o600)
    except OSError as exc:
        raise StorageIOError() from exc
    try:
        for offset in (0, AREA_BYTES):
            _write_at(fd, area, offset)
            os.fsync(fd)
        _forget_tail(fd)
    except OSError as exc:
        raise StorageIOError() from exc
    finally:
        os.close(fd)
    if create:
        with contextlib.suppress(OSError):
            fsync_dir(path.parent)


def _write_at(fd: int, data: bytes, offset: int) -> None:
    os.lseek(fd, offset, os.SEEK_SET)
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _forget_tail(fd: int) -> None:
    """A longer file of the first format: overwrite what lies past the two copies, then cut it off."""
    size = os.fstat(fd).st_size
    if size > FILE_BYTES:
        _write_at(fd, bytes(size - FILE_BYTES), FILE_BYTES)
        os.fsync(fd)
        os.ftruncate(fd, FILE_BYTES)


def copy_key_file(source_vault: Path, dest_vault: Path) -> None:
    """A new key file for a copy of the vault (a backup, a restore): only the newest header, fresh file."""
    side = read(source_vault)
    side.failed_at = []
    write(dest_vault, side, create=True)
