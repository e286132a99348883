"""Receiving the packet files in a folder (a USB stick, a shared drive) and answering with receipt files.

Each file is read as hostile (``read_untrusted``: a regular file, never followed, never blocking, never
past the size limit) and received in its own transaction. A receipt is written only for a packet whose
signature verified, named by the packet id from inside it, never by the file's name.
"""

from __future__ import annotations

from pathlib import Path

from fieldapp.cmm.intake import Intake, Outcome
from fieldapp.protocol.crypto import MAX_PACKET_BYTES
from fieldapp.protocol.files import PACKET_SUFFIX, RECEIPT_SUFFIX
from fieldapp.storage.atomic import TooLarge, read_untrusted, write_atomic


def receive_folder(intake: Intake, folder: Path, receipts: Path | None = None) -> list[Outcome]:
    """Every ``*.cmmpkt`` in ``folder``, in name order; receipts go to ``receipts`` (default: ``folder/receipts``)."""
    folder = Path(folder)
    receipts = Path(receipts) if receipts else folder / "receipts"
    receipts.mkdir(parents=True, exist_ok=True)
    outcomes = []
    for path in sorted(folder.glob(f"*{PACKET_SUFFIX}")):
        try:
            data = read_untrusted(path, MAX_PACKET_BYTES)
        except TooLarge:
            outcomes.append(intake.refuse(path.name, "too_large"))
            continue
        except OSError:                 # a link, a FIFO, a device, a folder, or unreadable
            outcomes.append(intake.refuse(path.name, "not_a_packet"))
            continue
        outcome = intake.receive_one(data, path.name)
        _write_receipt(receipts, outcome)
        outcomes.append(outcome)
    return outcomes


def _write_receipt(folder: Path, outcome: Outcome) -> None:
    """An acceptance always (over an earlier refusal); otherwise never over an existing receipt."""
    if outcome.receipt is None:
        return
    path = folder / f"{outcome.packet_id}{RECEIPT_SUFFIX}"
    if outcome.accepted or not path.exists():
        write_atomic(path, outcome.receipt, mode=0o644)
