"""Receiving the packet files in a folder (a USB stick, a shared drive) and answering with receipt files.

The folder and its receipts folder are opened once, never through a link, and every file is then read and
written relative to them (``UntrustedFolder``): a link planted on the stick cannot send a read or a write
elsewhere. Each packet file is read as hostile (a regular file, never followed, never blocking, never past
the size limit) and received in its own transaction. A receipt is written only for a packet whose signature
verified, named by the packet id from inside it, never by the file's name.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from fieldapp.cmm.intake import Intake, Outcome
from fieldapp.protocol import receipt
from fieldapp.protocol.crypto import MAX_PACKET_BYTES, CmmPublic
from fieldapp.protocol.files import PACKET_SUFFIX, RECEIPT_SUFFIX
from fieldapp.protocol.packet import PACKET_ID
from fieldapp.storage.atomic import TooLarge
from fieldapp.storage.untrusted_dir import MAX_ENTRIES, UntrustedFolder


class FolderOutcomes(list[Outcome]):
    """The outcomes of one run in name order. ``more``: the folder held more than ``MAX_ENTRIES`` packet
    files, and only the first were looked at; ``unwritten``: packet ids whose receipt could not be written
    (it is written again when the packet arrives again)."""

    def __init__(self, more: bool = False) -> None:
        super().__init__()
        self.more = more
        self.unwritten: list[str] = []


def receive_folder(intake: Intake, folder: Path, receipts: Path | None = None) -> FolderOutcomes:
    """Every ``*.cmmpkt`` in ``folder``, in name order; receipts go to ``receipts`` (default: ``folder/receipts``).

    Raises ``FolderRefused`` (nothing received) when either folder is a link or not a folder."""
    with UntrustedFolder.open(folder) as source, _receipts_folder(source, receipts) as answers:
        listing = source.names(PACKET_SUFFIX, MAX_ENTRIES)
        outcomes = FolderOutcomes(listing.more)
        for name in listing.names:
            outcome = _receive(intake, source, name)
            if not _write_receipt(answers, outcome, intake.secret.public):
                outcomes.unwritten.append(outcome.packet_id)
            outcomes.append(outcome)
    return outcomes


class _NoFolder:
    """Where the receipts folder cannot be made (a write-protected stick): packets are still received, and
    every receipt is reported as not written."""

    def __enter__(self) -> _NoFolder:
        return self

    def __exit__(self, *_exc) -> None:
        return None


def _receipts_folder(source: UntrustedFolder, receipts: Path | None) -> UntrustedFolder:
    """The receipts folder, made if missing; never through a link, whether on the stick or named by the user."""
    try:
        if receipts is None:
            return source.subfolder("receipts", create=True)
        receipts = Path(os.path.abspath(receipts))
        receipts.parent.mkdir(parents=True, exist_ok=True)
        with UntrustedFolder.open(receipts.parent) as parent:
            return parent.subfolder(receipts.name, create=True)
    except OSError as exc:          # read-only, full, or gone; a link or a file there is refused, not this
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOSPC):
            return _NoFolder()
        raise


def _receive(intake: Intake, source: UntrustedFolder, name: str) -> Outcome:
    try:
        data = source.read(name, MAX_PACKET_BYTES)
    except TooLarge:
        return intake.refuse(name, "too_large")
    except OSError:                 # a link, a FIFO, a device, a folder, or unreadable
        return intake.refuse(name, "not_a_packet")
    return intake.receive_one(data, name)


def receipt_name(outcome: Outcome) -> str:
    """``<packet id>.<first 16 hex of the bytes' SHA-256>.cmmrcpt``: each copy of a packet (a copy re-signed
    after a key rotation has other bytes) has a receipt of its own, and none overwrites another's."""
    return f"{outcome.packet_id}.{outcome.sha256[:16]}{RECEIPT_SUFFIX}"


def _write_receipt(folder: UntrustedFolder | _NoFolder, outcome: Outcome, cmm: CmmPublic) -> bool:
    """Written over whatever is at its name (a planted file included), except over CMM's own acceptance of
    the same bytes with a refusal. False when a receipt was due but could not be written (a folder in its
    place, a full or write-protected disk)."""
    if outcome.receipt is None or not PACKET_ID.fullmatch(outcome.packet_id):
        return True
    if isinstance(folder, _NoFolder):
        return False
    name = receipt_name(outcome)
    if not (outcome.accepted or outcome.duplicate) and _holds_acceptance(folder, name, cmm):
        return True
    try:
        folder.write(name, outcome.receipt, mode=0o644)
    except OSError:
        return False
    return True


def _holds_acceptance(folder: UntrustedFolder, name: str, cmm: CmmPublic) -> bool:
    try:
        found = receipt.verify(folder.read(name, MAX_PACKET_BYTES), cmm)
    except OSError:
        return False
    return found is not None and found["outcome"] in ("accepted", "duplicate")
