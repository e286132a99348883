"""A new organisation signing key when a member leaves or a laptop is lost, and the statement for CMM.

Any member who ever unlocked could have copied the signing seed, so deactivating someone replaces it:
the new seed, the packets CMM has not acknowledged (re-built, signed with the new key and sealed to
CMM's key again, each under its old packet id) and the record of the revoked key are saved in one
transaction. The rotation statement names the old key and the time from which CMM should refuse it,
and is signed with the new key only: the old key may be in the wrong hands, so its signature would
prove nothing. CMM trusts the new key only after the same fingerprint check by phone as at first
registration; the statement's signature shows only that whoever wrote it holds the new key.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from nacl.signing import SigningKey

from fieldapp.crypto import keys
from fieldapp.domain.referral import Referral, sent_work
from fieldapp.errors import InvalidInput
from fieldapp.i18n import _
from fieldapp.protocol import crypto
from fieldapp.protocol.crypto import CmmPublic
from fieldapp.protocol.rotation import FORMAT
from fieldapp.referral import anonymise, config, packet, service
from fieldapp.security.session import Session
from fieldapp.storage import audit_repo, outbox_repo, referral_repo, settings_repo, withdrawal_repo
from fieldapp.storage.atomic import write_atomic
from fieldapp.storage.connection import Connection

STATEMENT_FOLDER = "cmm-key-rotation"     # beside the vault
REASON = "member_removed"
REVOKED = "referral.org_keys_revoked"    # [{key_id, fingerprint, revoke_from}], oldest first
# Every status whose packet CMM has not acknowledged. A "sent" packet may have to go again (lost on the
# way, or refused by CMM once the old key is revoked): the copy that goes must carry the new signature.
RESIGN = ("sealed", "queued", "failed", "sent")


@dataclass(frozen=True)
class RotationStatement:
    """What CMM is told, with the new key's signature; ``resigned`` and ``returned_to_draft`` report
    what happened in the outbox and are not part of the statement."""

    org: str                 # the id CMM knew the organisation by until now: the old key's id
    old_fingerprint: str
    new_public: bytes
    revoke_from: str         # UTC, "2026-05-04T10:20:30Z"
    reason: str
    signature: bytes
    resigned: tuple[str, ...] = field(default=(), compare=False)
    returned_to_draft: tuple[int, ...] = field(default=(), compare=False)

    @property
    def new_key_id(self) -> str:
        return crypto.key_id(self.new_public).hex()

    @property
    def new_fingerprint(self) -> str:
        return crypto.fingerprint(self.new_public)

    def body(self) -> dict:
        """The signed content: key ids, fingerprints, a time and a reason code; nothing about a person."""
        return {"format": FORMAT, "org": self.org,
                "old_key": {"key_id": self.org, "fingerprint": self.old_fingerprint},
                "new_key": {"ed25519": keys.b64(self.new_public), "key_id": self.new_key_id,
                            "fingerprint": self.new_fingerprint},
                "revoke_from": self.revoke_from, "reason": self.reason}

    def to_bytes(self) -> bytes:
        data = {"statement": self.body(), "signature": keys.b64(self.signature)}
        return json.dumps(data, indent=1, sort_keys=True).encode("ascii") + b"\n"


def _signed(old: dict, seed: bytes, **report) -> RotationStatement:
    unsigned = RotationStatement(old["key_id"], old["fingerprint"], crypto.org_public(seed), old["revoke_from"],
                                 REASON, b"", **report)
    return replace(unsigned, signature=bytes(SigningKey(seed).sign(crypto.canonical_json(unsigned.body())).signature))


def rotate_org_key(session: Session) -> RotationStatement | None:
    """Replace the organisation's signing key; returns the statement for CMM (write it with
    ``write_statement``), or None when the organisation never made a signing key.

    In one transaction, with the audit event "org_key.rotate": the new seed, the old key's id,
    fingerprint and revocation time, and every packet and withdrawal notice CMM has not acknowledged
    re-signed with the new key under its old id. Run it outside any other transaction. Only administrators.
    """
    session.require("users")
    with session.write() as conn:
        stored = settings_repo.get(conn, config.ORG_SEED)
        if stored is None:
            return None
        jobs = outbox_repo.not_acknowledged(conn, RESIGN)
        notices = withdrawal_repo.to_send(conn)
        cmm = config.require_cmm_key(session) if jobs or notices else None
        old_public = crypto.org_public(keys.unb64(stored))
        seed = crypto.new_signing_seed()
        revoked = {"key_id": crypto.key_id(old_public).hex(), "fingerprint": crypto.fingerprint(old_public),
                   "revoke_from": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
        settings_repo.put(conn, config.ORG_SEED, keys.b64(seed))
        settings_repo.put(conn, REVOKED, [*settings_repo.get(conn, REVOKED, []), revoked])
        resigned, returned = _resign_all(session, conn, jobs, seed, cmm)
        org = crypto.key_id(crypto.org_public(seed)).hex()
        for notice in notices:          # a withdrawal CMM has not confirmed goes again, under the new key
            body = packet.withdrawal_notice(notice.notice_id, org, notice.packet_id, notice.reference)
            sealed = crypto.sign_and_seal(crypto.canonical_json(body), seed, cmm)
            withdrawal_repo.replace_sealed(conn, notice.notice_id, sealed, hashlib.sha256(sealed).hexdigest())
        audit_repo.append(conn, session.user.id, "org_key.rotate")
    return _signed(revoked, seed, resigned=tuple(resigned), returned_to_draft=tuple(returned))


def rotation_statement(session: Session) -> RotationStatement | None:
    """The statement of the latest rotation again (signed with the current key), e.g. when writing the
    file failed after the rotation was saved; None if the key was never rotated."""
    session.require("users")
    history = settings_repo.get(session.conn, REVOKED, [])
    stored = settings_repo.get(session.conn, config.ORG_SEED)
    if not history or stored is None:
        return None
    return _signed(history[-1], keys.unb64(stored))


def _resign_all(session: Session, conn: Connection, jobs: list[tuple[str, str]], seed: bytes,
                cmm: CmmPublic | None) -> tuple[list[str], list[str]]:
    org = crypto.key_id(crypto.org_public(seed)).hex()
    resigned, returned = [], []
    for packet_id, referral_id in jobs:
        referral = referral_repo.get(conn, referral_id)
        # A sent packet keeps its id whatever the count: its old copy may already be at CMM, and a new
        # draft would be sealed under a new id and counted twice.
        body = _rebuilt(session, referral, packet_id, org, check_k=referral.status != "sent")
        if body is None:
            outbox_repo.delete_for_referral(conn, referral_id)
            referral_repo.set_status(conn, referral_id, "draft")
            audit_repo.append(conn, session.user.id, "referral.returned_to_draft", "referral", referral_id)
            returned.append(referral_id)
            continue
        sealed = crypto.sign_and_seal(crypto.canonical_json(body), seed, cmm)
        outbox_repo.replace_sealed(conn, packet_id, sealed, hashlib.sha256(sealed).hexdigest())
        audit_repo.append(conn, session.user.id, "referral.resign", "referral", referral_id)
        resigned.append(packet_id)
    return resigned, returned


def _rebuilt(session: Session, referral: Referral, packet_id: str, org: str, *, check_k: bool) -> dict | None:
    """The packet again, at the detail that was given up when it was sealed (the k-rule is not run
    afresh, so it never shows more than the worker confirmed). With ``check_k``, None when fewer than
    k people now share that detail and no reason was given at sealing: it must be checked and sealed again."""
    target, rows, earlier = service._quasi(session, referral)
    legacy, work_sent = packet.is_legacy(referral), sent_work(referral.sent_values)
    gen = anonymise.at_steps(target, rows, config.get_k(session), referral.generalised, earlier,
                             work_sent=work_sent and not legacy)
    overridden = bool(referral.override_reason)
    if check_k and not gen.met and not overridden:
        return None
    build = packet.build_v1 if legacy else packet.build if work_sent else packet.build_v2
    return build(referral, gen, org=org, packet_id=packet_id, overridden=overridden)


def replace_after_leaving(session: Session) -> Path | None:
    """When a member leaves (they may have kept the signing key): the key replaced and the statement
    for CMM written beside the vault, in ``cmm-key-rotation/``; returns its path, or None when the
    organisation never made a signing key."""
    statement = rotate_org_key(session)
    if statement is None:
        return None
    folder = session.path.parent / STATEMENT_FOLDER
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise InvalidInput(_("{name} beside the vault is not a folder.").format(name=STATEMENT_FOLDER))
    folder.mkdir(mode=0o700, exist_ok=True)
    return write_statement(statement, folder)


def write_statement(statement: RotationStatement, folder: Path) -> Path:
    """Write the statement into ``folder`` whole or not at all; the name comes from the new key's id and
    the rotation time only (``cmm-key-rotation-20260504T102030Z-<8 hex>.json``)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.strptime(statement.revoke_from, "%Y-%m-%dT%H:%M:%SZ").strftime("%Y%m%dT%H%M%SZ")
    path = folder / f"cmm-key-rotation-{stamp}-{statement.new_key_id[:8]}.json"
    write_atomic(path, statement.to_bytes(), mode=0o644)
    return path

