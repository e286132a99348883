"""The key sidecar: wrapped copies of the data key, one per user and one for the recovery key.

It sits beside the database (``<vault>.keys``), holds no personal data (slots are keyed by an
opaque id derived from the user name) and is JSON so that KDF parameters can be raised later.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from fieldapp.errors import NotAVault
from fieldapp.security.keys import KdfParams, b64, unb64
from fieldapp.storage.atomic import write_atomic

FORMAT = "fieldapp-keys/1"


@dataclass
class Slot:
    salt: bytes
    kdf: KdfParams
    wrapped: bytes

    def to_json(self) -> dict:
        return {"salt": b64(self.salt), "kdf": self.kdf.to_json(), "wrapped": b64(self.wrapped)}

    @classmethod
    def from_json(cls, data: dict) -> Slot:
        return cls(unb64(data["salt"]), KdfParams(**data["kdf"]), unb64(data["wrapped"]))


@dataclass
class Sidecar:
    vault_id: str
    lookup_salt: bytes
    slots: dict[str, Slot] = field(default_factory=dict)
    recovery: Slot | None = None
    demo: bool = False
    failed_at: list[float] = field(default_factory=list)   # times of consecutive failed unlocks
    wipe_after: int = 0                                      # wipe after this many failures; 0 = never
    wipe_check: Slot | None = None                           # the optional wipe passphrase, as a KDF tag
    audit_head: dict = field(default_factory=dict)          # {"count": n, "hash": h} at the last lock

    def to_bytes(self) -> bytes:
        data = {
            "format": FORMAT, "vault_id": self.vault_id, "lookup_salt": b64(self.lookup_salt),
            "demo": self.demo, "slots": {k: s.to_json() for k, s in self.slots.items()},
            "recovery": self.recovery.to_json() if self.recovery else None,
            "failed_at": self.failed_at, "wipe_after": self.wipe_after,
            "wipe_check": self.wipe_check.to_json() if self.wipe_check else None,
            "audit_head": self.audit_head,
        }
        return json.dumps(data, indent=1, sort_keys=True).encode("utf-8")

    @classmethod
    def from_bytes(cls, raw: bytes) -> Sidecar:
        try:
            data = json.loads(raw.decode("utf-8"))
            if data.get("format") != FORMAT:
                raise ValueError("format")
            recovery, wipe_check = data.get("recovery"), data.get("wipe_check")
            return cls(
                vault_id=str(data["vault_id"]), lookup_salt=unb64(data["lookup_salt"]),
                slots={str(k): Slot.from_json(v) for k, v in data["slots"].items()},
                recovery=Slot.from_json(recovery) if recovery else None,
                demo=bool(data.get("demo", False)),
                failed_at=[float(t) for t in data.get("failed_at", [])],
                wipe_after=int(data.get("wipe_after", 0)),
                wipe_check=Slot.from_json(wipe_check) if wipe_check else None,
                audit_head=dict(data.get("audit_head") or {}),
            )
        except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as exc:
            raise NotAVault() from exc


def sidecar_path(vault: Path) -> Path:
    return vault.with_name(vault.name + ".keys")


def read(vault: Path) -> Sidecar:
    path = sidecar_path(vault)
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise NotAVault() from exc
    except OSError as exc:
        raise NotAVault() from exc
    return Sidecar.from_bytes(raw)


def write(vault: Path, sidecar: Sidecar) -> None:
    write_atomic(sidecar_path(vault), sidecar.to_bytes())
