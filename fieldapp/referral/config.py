"""The referral channel's settings, kept in the vault: the organisation's signing key, CMM's public
key, the transport and k. Reading them needs "records" (every worker refers people); changing them
needs the "settings" capability (administrators)."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, replace

from fieldapp.crypto import keys
from fieldapp.domain.referral import DEFAULT_K
from fieldapp.errors import ValidationError
from fieldapp.i18n import _
from fieldapp.protocol import crypto
from fieldapp.protocol.crypto import CmmPublic
from fieldapp.records import organisation
from fieldapp.referral.errors import NoCmmKey
from fieldapp.security.session import Session
from fieldapp.storage import audit_repo, settings_repo

ORG_SEED = "referral.org_signing_seed"
CMM_KEY = "referral.cmm_public"
TRANSPORT = "referral.transport"
K_VALUE = "referral.k"
TRANSPORT_KINDS = ("folder", "https")
PHONE = re.compile(r"\+?[0-9][0-9 ]{5,20}")


@dataclass(frozen=True)
class TransportSettings:
    kind: str = "folder"
    folder: str = ""             # where packets are written (a USB stick, a shared drive)
    receipts_folder: str = ""    # where CMM's receipts are picked up; default <folder>/receipts
    endpoint: str = ""           # https://host:port/packets
    pin_sha256: str = ""         # SHA-256 of CMM's server certificate (DER), hex
    retries: int = 3
    backoff_s: float = 1.0       # first wait; doubled after each failure, at most 8 s
    timeout_s: float = 15.0
    require_send_capability: bool = False  # only coordinators/admins may queue and sync
    cmm_phone: str = ""          # CMM's hotline, shown when a person is in immediate danger (never invented)


def ensure_org_key(session: Session) -> str:
    """Create the organisation's Ed25519 signing key once; returns its fingerprint."""
    session.require("records")
    seed = settings_repo.get(session.conn, ORG_SEED)
    if seed is None:
        with session.write() as conn:
            if settings_repo.get(conn, ORG_SEED) is None:
                settings_repo.put(conn, ORG_SEED, keys.b64(crypto.new_signing_seed()))
                audit_repo.append(conn, session.user.id, "referral.org_key_created")
            seed = settings_repo.get(conn, ORG_SEED)
    return crypto.fingerprint(crypto.org_public(keys.unb64(seed)))


def org_seed(session: Session) -> bytes:
    session.require("records")
    ensure_org_key(session)
    return keys.unb64(settings_repo.get(session.conn, ORG_SEED))


def org_id(session: Session) -> str:
    """The organisation's id in packets: the key id of its signing key (32 hex digits)."""
    session.require("records")
    return crypto.key_id(crypto.org_public(org_seed(session))).hex()


def export_org_key(session: Session) -> bytes:
    """The public signing key file for CMM to register (no secret in it)."""
    session.require("records")
    seed = org_seed(session)
    session.audit("referral.org_key_exported")
    return crypto.org_key_file(seed, organisation.load(session).name)


def read_cmm_key(raw: bytes) -> CmmPublic:
    """Parse CMM's public key file, to show its fingerprint before importing."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        data = None
    return CmmPublic.from_json(data)


def import_cmm_key(session: Session, raw: bytes) -> CmmPublic:
    """Store CMM's public keys (X25519 to seal, Ed25519 to check receipts); returns them."""
    session.require("settings")
    public = read_cmm_key(raw)
    with session.write() as conn:
        settings_repo.put(conn, CMM_KEY, public.to_json())
        audit_repo.append(conn, session.user.id, "referral.cmm_key_imported")
    return public


def cmm_key(session: Session) -> CmmPublic | None:
    session.require("records")
    data = settings_repo.get(session.conn, CMM_KEY)
    return CmmPublic.from_json(data) if data else None


def require_cmm_key(session: Session) -> CmmPublic:
    session.require("records")
    public = cmm_key(session)
    if public is None:
        raise NoCmmKey()
    return public


def get_k(session: Session) -> int:
    session.require("records")
    return int(settings_repo.get(session.conn, K_VALUE, DEFAULT_K))


def set_k(session: Session, k: int) -> None:
    session.require("settings")
    if not 2 <= k <= 100:
        raise ValidationError({"k": _("k must be between 2 and 100.")})
    with session.write() as conn:
        settings_repo.put(conn, K_VALUE, k)
        audit_repo.append(conn, session.user.id, "referral.k_changed")


def transport(session: Session) -> TransportSettings:
    session.require("records")
    data = settings_repo.get(session.conn, TRANSPORT) or {}
    known = {k: v for k, v in data.items() if k in TransportSettings.__dataclass_fields__}
    return TransportSettings(**known)


def set_transport(session: Session, settings: TransportSettings) -> TransportSettings:
    session.require("settings")
    settings = replace(settings, pin_sha256=settings.pin_sha256.replace(":", "").replace(" ", "").lower())
    problems = transport_problems(settings)
    if problems:
        raise ValidationError(problems)
    with session.write() as conn:
        settings_repo.put(conn, TRANSPORT, asdict(settings))
        audit_repo.append(conn, session.user.id, "referral.transport_changed")
    return settings


def transport_problems(settings: TransportSettings) -> dict[str, str]:
    problems = {}
    if settings.kind not in TRANSPORT_KINDS:
        problems["kind"] = _("Choose a folder or HTTPS.")
    if settings.kind == "https" and not settings.endpoint.startswith("https://"):
        problems["endpoint"] = _("The address must start with https://.")
    if settings.kind == "https" and not re.fullmatch(r"[0-9a-f]{64}", settings.pin_sha256):
        problems["pin_sha256"] = _("Give the SHA-256 fingerprint of CMM's server certificate (64 hex digits).")
    if settings.cmm_phone and not PHONE.fullmatch(settings.cmm_phone.strip()):
        problems["cmm_phone"] = _("CMM's hotline must be a phone number (digits, spaces, a leading +).")
    if not 0 <= settings.retries <= 10 or not 0 <= settings.backoff_s <= 60 or settings.timeout_s <= 0:
        problems["retries"] = _("Retries must be 0 to 10 and waits 0 to 60 seconds.")
    return problems
