"""Receiving the packet files in a folder (a USB stick, a shared drive) and answering with receipt files.

The folder and its receipts folder are opened once, never through a link, and every file is then read and
written relative to them (``UntrustedFolder``): a link planted on the stick cannot send a read or a write
elsewhere. Each packet file is read as hostile (a regular file, never followed, never blocking, never past
the size limit) and received in its own transaction. A receipt is written only for a packet whose signature
verified, named by the packet id from inside it, never by the file's name.
"""

from __future__ import annotations

import os
from pathlib import Path

from fieldapp.cmm.intake import Intake, Outcome
from fieldapp.protocol.crypto import MAX_PACKET_BYTES
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
            if not _write_receipt(answers, outcome):
                outcomes.unwritten.append(outcome.packet_id)
            outcomes.append(outcome)
    return outcomes


def _receipts_folder(source: UntrustedFolder, receipts: Path | None) -> UntrustedFolder:
    """The receipts folder, made if missing; never through a link, whether on the stick or named by the user."""
    if receipts is None:
        return source.subfolder("receipts", create=True)
    receipts = Path(os.path.abspath(receipts))
    receipts.parent.mkdir(parents=True, exist_ok=True)
    with UntrustedFolder.open(receipts.parent) as parent:
        return parent.subfolder(receipts.name, create=True)


def _receive(intake: Intake, source: UntrustedFolder, name: str) -> Outcome:
    try:
        data = source.read(name, MAX_PACKET_BYTES)
    except TooLarge:
        return intake.refuse(name, "too_large")
    except OSError:                 # a link, a FIFO, a device, a folder, or unreadable
        return intake.refuse(name, "not_a_packet")
    return intake.receive_one(data, name)


def _write_receipt(folder: UntrustedFolder, outcome: Outcome) -> bool:
    """An acceptance always (over an earlier refusal); otherwise never over an existing receipt. False when a
    receipt was due but could not be written (a folder in its place, a full disk)."""
    if outcome.receipt is None or not PACKET_ID.fullmatch(outcome.packet_id):
        return True
    name = f"{outcome.packet_id}{RECEIPT_SUFFIX}"
    if not outcome.accepted and folder.is_file(name):
        return True
    try:
        folder.write(name, outcome.receipt, mode=0o644)
    except OSError:
        return False
    return True
