"""CMM's side: key pair, registered organisations, receiving packets, receipts and the national table.

Every packet goes through the same steps, and the first that fails names the reason:
size -> header -> unseal -> signer registered -> signature -> JSON -> schema -> signer matches
``org`` -> not seen before. A refused packet changes nothing but the refusal log; a packet is
counted once however often it arrives.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from nacl.public import SealedBox

from fieldapp.cmm import store
from fieldapp.errors import VaultExists
from fieldapp.i18n import _
from fieldapp.protocol import crypto
from fieldapp.protocol import schemas as schema
from fieldapp.protocol.crypto import CmmPublic, CmmSecret
from fieldapp.protocol.errors import BadKeyFile
from fieldapp.protocol.files import PACKET_SUFFIX, RECEIPT_SUFFIX
from fieldapp.protocol.reasons import Rejected
from fieldapp.storage.atomic import write_atomic
from fieldapp.storage.connection import Connection, transaction

PUBLIC_FILE = "cmm-public.json"
SECRET_FILE = "cmm-secret.key"
PACKET_ID = re.compile(r"[0-9a-f]{32}")
BATCH = 500


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
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise BadKeyFile(_("CMM's secret key file could not be read.")) from exc
    return crypto.open_secret_key_file(raw, passphrase)


def register(conn: Connection, raw: bytes) -> tuple[str, str, str, bool]:
    """Trust an organisation's signing key: (org id, name, fingerprint, newly registered)."""
    name, public = crypto.read_org_key_file(raw)
    org = crypto.key_id(public).hex()
    with transaction(conn):
        new = store.put_org(conn, org, name, public)
    return org, name, crypto.fingerprint(public), new


@dataclass(frozen=True)
class IntakeResult:
    source: str            # file name, or "https"
    accepted: bool
    packet_id: str = ""
    reason_code: str = ""
    reason: str = ""


def _strict_object(pairs):
    keys = [k for k, _v in pairs]
    if len(keys) != len(set(keys)):
        raise ValueError("duplicate key")
    return dict(pairs)


def _no_constants(name):
    raise ValueError(name)


def parse_body(body: bytes) -> dict:
    """The packet JSON: strict (no duplicate keys, no NaN), an object, valid against the schema."""
    try:
        packet = json.loads(body.decode("utf-8"), object_pairs_hook=_strict_object, parse_constant=_no_constants)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise Rejected("malformed") from exc
    if not isinstance(packet, dict):
        raise Rejected("malformed")
    problems = schema.packet_problems(packet)
    if problems:
        raise Rejected("schema", problems[0])
    return packet


class Intake:
    """Receives packets into an open intake store with CMM's secret key."""

    def __init__(self, conn: Connection, secret: CmmSecret) -> None:
        self.conn = conn
        self.secret = secret
        self._box = SealedBox(secret.box_key)
        self._org_keys = store.all_org_keys(conn)

    def _verified(self, data: bytes) -> dict:
        plaintext = crypto.open_packet(data, self.secret, self._box)
        signer, signature, body = crypto.split_signed(plaintext)
        public = self._org_keys.get(signer.hex())
        if public is None:
            raise Rejected("unknown_signer")
        crypto.verify_body(public, signature, body)
        packet = parse_body(body)
        if packet["org"] != signer.hex():
            raise Rejected("signer_mismatch")
        return packet

    def _take(self, data: bytes, source: str, hint: str) -> IntakeResult:
        """Check and store one packet inside the caller's transaction."""
        packet_id = ""
        try:
            packet = self._verified(data)
            packet_id = packet["packet_id"]
            if not store.insert_packet(self.conn, packet, crypto.canonical_json(packet).decode("ascii")):
                raise Rejected("duplicate")
        except Rejected as refusal:
            store.add_rejection(self.conn, refusal.code, hashlib.sha256(data).hexdigest())
            known = hint if PACKET_ID.fullmatch(hint or "") else ""
            return IntakeResult(source, False, packet_id or known, refusal.code, refusal.message)
        return IntakeResult(source, True, packet_id)

    def receive_one(self, data: bytes, source: str = "https", hint: str = "") -> tuple[IntakeResult, bytes | None]:
        """Receive one packet in its own transaction; returns the result and the signed receipt."""
        with transaction(self.conn):
            result = self._take(data, source, hint)
        return result, self.receipt(result)

    def receipt(self, result: IntakeResult) -> bytes | None:
        if not result.packet_id:
            return None
        outcome = "accepted" if result.accepted else ("duplicate" if result.reason_code == "duplicate" else "rejected")
        receipt = {"schema": "cmm-receipt/1", "packet_id": result.packet_id, "outcome": outcome,
                   "reason": "" if outcome != "rejected" else result.reason_code,
                   "received": datetime.now(UTC).date().isoformat()}
        return crypto.sign_receipt(receipt, self.secret)

    def receive_folder(self, folder: Path, receipts: Path | None = None) -> list[IntakeResult]:
        """Every ``*.cmmpkt`` in the folder, in batches of one transaction each; receipts are
        written after the batch that they report on was saved."""
        receipts = Path(receipts) if receipts else Path(folder) / "receipts"
        receipts.mkdir(parents=True, exist_ok=True)
        paths = sorted(Path(folder).glob(f"*{PACKET_SUFFIX}"))
        results: list[IntakeResult] = []
        for start in range(0, len(paths), BATCH):
            with transaction(self.conn):
                batch = [self._take(_read_limited(p), p.name, p.name[:-len(PACKET_SUFFIX)])
                         for p in paths[start:start + BATCH]]
            for result in batch:
                _write_receipt(receipts, result, self.receipt(result))
            results += batch
        return results


def _read_limited(path: Path) -> bytes:
    """At most one byte more than the limit, so a huge file is refused without reading it all."""
    try:
        with path.open("rb") as handle:
            return handle.read(crypto.MAX_PACKET_BYTES + 1)
    except OSError:
        return b""


def _write_receipt(folder: Path, result: IntakeResult, receipt: bytes | None) -> None:
    """An acceptance always (over an earlier refusal); otherwise never over an existing receipt."""
    if receipt is None:
        return
    path = folder / f"{result.packet_id}{RECEIPT_SUFFIX}"
    if result.accepted or not path.exists():
        write_atomic(path, receipt, mode=0o644)
