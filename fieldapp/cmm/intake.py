"""CMM's side: key pair, registered organisations and receiving packets.

Every packet goes through the shared handler (``fieldapp.protocol.packet``) and then the store, in one
transaction per packet; the first step that fails names the reason. A refused packet changes nothing
but the refusal log, and never affects another packet; a packet is counted once however often it
arrives. Only a packet whose signature verified gets a receipt signed by CMM, naming the packet id
from inside it and the SHA-256 of the bytes received.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from nacl.public import SealedBox

from fieldapp.cmm import store
from fieldapp.cmm.errors import FingerprintMismatch, KeyRevoked, RotationRefused, UnknownOrg
from fieldapp.cmm.store import IntakeStore
from fieldapp.errors import StorageIOError, VaultExists
from fieldapp.i18n import _
from fieldapp.protocol import crypto, packet, receipt, rotation
from fieldapp.protocol.crypto import MAX_PACKET_BYTES, CmmPublic, CmmSecret
from fieldapp.protocol.errors import BadKeyFile
from fieldapp.protocol.packet import SignerKey
from fieldapp.protocol.reasons import AUTHENTICATED, Rejected
from fieldapp.storage.atomic import read_untrusted, write_atomic

log = logging.getLogger(__name__)

PUBLIC_FILE = "cmm-public.json"
SECRET_FILE = "cmm-secret.key"


def keygen(out_dir: Path, passphrase: str) -> CmmPublic:
    """Write CMM's public key file (for NGOs) and the passphrase-protected secret key file."""
    out_dir = Path(out_dir)
    public_path, secret_path = out_dir / PUBLIC_FILE, out_dir / SECRET_FILE
    if public_path.exists() or secret_path.exists():
        raise VaultExists(_("Key files already exist in this folder. Nothing was overwritten."))
    out_dir.mkdir(parents=True, exist_ok=True)
    secret = crypto.new_cmm_secret()
    write_atomic(secret_path, crypto.secret_key_file(secret, passphrase))
    text = json.dumps(secret.public.to_json(), indent=1, sort_keys=True) + "\n"
    write_atomic(public_path, text.encode("utf-8"), mode=0o644)
    return secret.public


def load_secret(path: Path, passphrase: str) -> CmmSecret:
    try:                                    # perhaps from a stick out of the safe: no link, no FIFO, bounded
        raw = read_untrusted(path, MAX_PACKET_BYTES)
    except OSError as exc:
        raise BadKeyFile(_("CMM's secret key file could not be read. It must be a plain file: not a link, a "
                           "folder or a pipe.")) from exc
    return crypto.open_secret_key_file(raw, passphrase)


def register(conn: IntakeStore, raw: bytes) -> tuple[str, str, str, bool]:
    """Trust an organisation's signing key: (org id, name, fingerprint, newly registered). A revoked key
    is never trusted again (``KeyRevoked``)."""
    name, public = crypto.read_org_key_file(raw)
    org = crypto.key_id(public).hex()

    def work() -> bool:
        found = store.org_key(conn, org)
        if found is not None and found[1]:
            raise KeyRevoked()
        return store.put_org(conn, org, name, public)

    return org, name, crypto.fingerprint(public), conn.run_transaction(work)


def revoke(conn: IntakeStore, org: str) -> bool:
    """Refuse every packet signed with this key from now on (packets already received stay counted);
    False if it was revoked already. ``UnknownOrg`` if no such key is registered."""

    def work() -> bool:
        if store.org_key(conn, org) is None:
            raise UnknownOrg()
        return store.revoke_org(conn, org)

    return conn.run_transaction(work)


def register_rotation(conn: IntakeStore, raw: bytes, typed_fingerprint: str) -> rotation.Rotation:
    """Trust the new key of a rotation statement, and revoke the old one, in one transaction.

    Only when the statement's signature verifies with the new key, the old key is registered here, and the
    fingerprint the operator typed (as the organisation read it out by phone) is the new key's."""
    statement = rotation.read(raw)
    if not rotation.same_fingerprint(typed_fingerprint, statement.new_public):
        raise FingerprintMismatch()

    def work() -> None:
        name = store.org_name(conn, statement.old_key_id)
        if name is None:
            raise UnknownOrg()
        if statement.new_key_id == statement.old_key_id or store.org_key(conn, statement.new_key_id) is not None:
            raise RotationRefused(_("The new key in this statement is already registered here (perhaps to "
                                    "another organisation). Nothing was changed."))
        if store.replaced_by(conn, statement.old_key_id) is not None:
            raise RotationRefused(_("This organisation's key was already replaced by another key. Nothing was "
                                    "changed; call the organisation."))
        store.put_org(conn, statement.new_key_id, name, statement.new_public)
        store.revoke_org(conn, statement.old_key_id, replaced_by=statement.new_key_id)
        store.quarantine_since(conn, statement.old_key_id, statement.revoke_from)

    conn.run_transaction(work)
    return statement


@dataclass(frozen=True)
class Outcome:
    """What became of one packet. ``packet_id`` and ``receipt`` come only from a packet whose signature
    verified; everything else gets an unsigned ``error`` answer."""

    source: str            # file name, or "https"
    accepted: bool
    packet_id: str = ""
    reason_code: str = ""
    reason: str = ""
    receipt: bytes | None = None
    sha256: str = ""       # of the bytes received (what the receipt names)

    @property
    def duplicate(self) -> bool:
        return self.reason_code == "duplicate"

    @property
    def http_status(self) -> int:
        if self.accepted or self.duplicate:
            return 200
        if self.receipt is not None:
            return 422
        return 413 if self.reason_code == "too_large" else 400

    @property
    def http_body(self) -> bytes:
        return self.receipt if self.receipt is not None else receipt.error(self.reason_code)


class Intake:
    """Receives packets into an open intake store with CMM's secret key, each in its own transaction
    (run again if it lost a conflict with another desk on the same database)."""

    def __init__(self, conn: IntakeStore, secret: CmmSecret) -> None:
        self.conn = conn
        self.secret = secret
        self._box = SealedBox(secret.box_key)

    def lookup(self, org: str) -> SignerKey | None:
        found = store.org_key(self.conn, org)
        return SignerKey(*found) if found else None

    def _take(self, data: bytes, digest: str) -> tuple[str, Rejected | None]:
        """(packet id, refusal or None), inside the caller's transaction; a refusal is logged in it."""
        packet_id, refusal = self._check_and_store(data)
        if refusal is not None:
            store.add_rejection(self.conn, refusal.code, digest)
        return packet_id, refusal

    def _check_and_store(self, data: bytes) -> tuple[str, Rejected | None]:
        try:
            opened = packet.open_referral(data, self.secret, self.lookup, self._box)
        except Rejected as refusal:
            if refusal.code == "revoked_signer" and self._already_have(refusal.packet_id, refusal.signer):
                # These bytes (or others signed with the same key under this id) were received before the
                # key was revoked: CMM has the referral, so the answer is "duplicate", never "rejected".
                return refusal.packet_id, Rejected("duplicate", packet_id=refusal.packet_id)
            return refusal.packet_id, refusal
        except StorageIOError:     # the store failed (or lost a conflict), not the packet: nothing is logged
            raise
        except Exception as exc:   # noqa: BLE001 - one hostile packet must never stop the intake
            log.warning("packet could not be checked: %s", type(exc).__name__)
            return "", Rejected("unprocessable")
        if packet.is_withdrawal(opened.document):
            return opened.packet_id, self._withdraw(opened.document, opened.signer)
        return opened.packet_id, self._store(opened)

    def _store(self, opened: packet.Opened) -> Rejected | None:
        """Keep a verified referral once; None when it was stored."""
        document = opened.document
        # Withdrawn by its own organisation before it came: kept out. Another's notice naming this id counts
        # for nothing here.
        if any(self._same_organisation(org, opened.signer)
               for org, _notice in store.withdrawals_of(self.conn, opened.packet_id)):
            return Rejected("withdrawn", packet_id=opened.packet_id)
        if store.insert_packet(self.conn, document, crypto.canonical_json(document).decode("ascii")):
            return None
        # A packet id is the sender's: another organisation that read it (a file name on a shared stick)
        # must not make CMM answer "duplicate" to the real packet while holding content of its own.
        origin = store.packet_origin(self.conn, opened.packet_id)
        if origin is not None and not origin[1] and self._same_organisation(origin[0], opened.signer):
            return Rejected("duplicate", packet_id=opened.packet_id)
        return Rejected("id_taken", packet_id=opened.packet_id)

    def _withdraw(self, notice: dict, signer: str) -> Rejected | None:
        """Erase the referral a withdrawal notice names, if this organisation sent it (under this key or one
        it replaced); a notice that comes before its packet keeps that organisation's packet out when it
        comes. The same notice again is a duplicate; a notice id already used for something else, or a notice
        for another organisation's packet, is refused and changes nothing."""
        packet_id, notice_id = notice["packet_id"], notice["notice_id"]
        seen = store.notice(self.conn, notice_id)
        if seen is not None:
            same = seen[0] == packet_id and self._same_organisation(seen[1], signer)
            return Rejected("duplicate" if same else "id_taken", packet_id=notice_id)
        if any(self._same_organisation(org, signer) for org, _notice in store.withdrawals_of(self.conn, packet_id)):
            return Rejected("duplicate", packet_id=notice_id)
        origin = store.packet_origin(self.conn, packet_id)
        if origin is not None and not self._same_organisation(origin[0], signer):
            return Rejected("id_taken", packet_id=notice_id)
        store.withdraw(self.conn, packet_id, signer, notice_id, erase=origin is not None)
        return None

    def _already_have(self, packet_id: str, signer: str) -> bool:
        return bool(packet_id) and store.packet_origin(self.conn, packet_id) == (signer, False)

    def _same_organisation(self, stored: str | None, signer: str) -> bool:
        """The packet on file was signed by this key, or by a key it replaced (a packet re-signed after a
        rotation keeps its id)."""
        for _step in range(64):                  # a chain of rotations, never a loop
            if stored is None or stored == signer:
                return stored == signer
            stored = store.replaced_by(self.conn, stored)
        return False

    def refuse(self, source: str, code: str) -> Outcome:
        """A refusal before any byte was checked (a file too large to read, or not a plain file), logged."""
        self.conn.run_transaction(lambda: store.add_rejection(self.conn, code, ""))
        refusal = Rejected(code)
        return Outcome(source, False, reason_code=refusal.code, reason=refusal.message)

    def receive_one(self, data: bytes, source: str = "https") -> Outcome:
        """Check and store one packet in its own transaction: a bad packet is refused with a reason and a
        logged refusal, and never affects another. Storage faults (a full disk) raise ``StorageIOError``
        with nothing saved; there is then no receipt either."""
        digest = receipt.digest(data)
        packet_id, refusal = self.conn.run_transaction(lambda: self._take(data, digest))
        if refusal is None:
            signed = receipt.sign(receipt.build(packet_id, digest, "accepted"), self.secret)
            return Outcome(source, True, packet_id, receipt=signed, sha256=digest)
        signed = None
        if packet_id and refusal.code in AUTHENTICATED:
            outcome = "duplicate" if refusal.code == "duplicate" else "rejected"
            signed = receipt.sign(receipt.build(packet_id, digest, outcome, refusal.code), self.secret)
        return Outcome(source, False, packet_id, refusal.code, refusal.message, signed, digest)
