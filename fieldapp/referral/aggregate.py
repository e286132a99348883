"""The anonymised aggregate for CMM, sealed like a referral: signed with the organisation's key,
sealed to CMM's key, written whole or not at all, and opened only by CMM's intake.

The figures come from ``reports.service.aggregate_packet`` (suppressed: no count from 1 to k-1, no
health or legal details).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from fieldapp.errors import InvalidInput
from fieldapp.i18n import _
from fieldapp.protocol import crypto
from fieldapp.protocol.files import AGGREGATE_SCHEMA, AGGREGATE_SUFFIX
from fieldapp.referral import config, packet
from fieldapp.security.session import Session
from fieldapp.storage.atomic import write_atomic


def build(session: Session, start: date, end: date) -> dict:
    from fieldapp.reports.service import aggregate_packet

    session.require("records")
    body = aggregate_packet(session, start, end)
    return {"schema": AGGREGATE_SCHEMA, "packet_id": packet.new_packet_id(), "org": config.org_id(session), **body}


def seal_to_folder(session: Session, start: date, end: date, folder: Path | None = None) -> Path:
    """Seal the aggregate for ``[start, end]`` and write ``<id>.cmmagg`` into ``folder`` (default: the
    configured delivery folder). Raises our errors when CMM's key or the folder is missing."""
    session.require("records")
    cmm = config.require_cmm_key(session)
    target = Path(folder) if folder else Path(config.transport(session).folder or "")
    if not str(target) or not target.is_dir():
        from fieldapp.errors import StorageIOError

        raise StorageIOError(_("Choose an existing folder for the sealed figures (for example a USB stick)."))
    data = build(session, start, end)
    try:
        sealed = crypto.sign_and_seal(crypto.canonical_json(data), config.org_seed(session), cmm)
    except crypto.TooLarge as exc:
        raise InvalidInput(_("The figures are too many for one sealed file. Choose a shorter period.")) from exc
    path = target / f"{data['packet_id']}{AGGREGATE_SUFFIX}"
    write_atomic(path, sealed, mode=0o644)
    session.audit("report.aggregate_sealed", "report")
    return path
