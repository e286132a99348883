"""The anonymised aggregate for CMM, sealed like a referral: signed with the organisation's key,
sealed to CMM's key, written whole or not at all, and opened only by CMM's intake.

The figures come from ``reports.service.aggregate_packet`` (suppressed: no count from 1 to k-1, no
health or legal details).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from fieldapp.i18n import _
from fieldapp.referral import config, crypto, packet
from fieldapp.referral.crypto import CmmSecret, Rejected
from fieldapp.security.session import Session
from fieldapp.storage.atomic import write_atomic

SCHEMA = "cmm-aggregate/1"
SUFFIX = ".cmmagg"


def build(session: Session, start: date, end: date) -> dict:
    from fieldapp.reports.service import aggregate_packet

    session.require("records")
    body = aggregate_packet(session, start, end)
    return {"schema": SCHEMA, "packet_id": packet.new_packet_id(), "org": config.org_id(session), **body}


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
    sealed = crypto.sign_and_seal(crypto.canonical_json(data), config.org_seed(session), cmm)
    path = target / f"{data['packet_id']}{SUFFIX}"
    write_atomic(path, sealed, mode=0o644)
    session.audit("report.aggregate_sealed", "report")
    return path


def open_aggregate(data: bytes, secret: CmmSecret, org_keys: dict[str, bytes]) -> dict:
    """CMM's side: the aggregate inside a sealed file, or ``Rejected`` with the reason."""
    signer, signature, body = crypto.split_signed(crypto.open_packet(data, secret))
    public = org_keys.get(signer.hex())
    if public is None:
        raise Rejected("unknown_signer")
    crypto.verify_body(public, signature, body)
    try:
        content = json.loads(body.decode("ascii"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise Rejected("malformed") from exc
    if not isinstance(content, dict) or content.get("schema") != SCHEMA or not isinstance(content.get("tables"), list):
        raise Rejected("schema")
    if content.get("org") != signer.hex():
        raise Rejected("signer_mismatch")
    return content


def as_text(content: dict) -> str:
    """A plain, printable rendering of the tables (CMM's intake prints it)."""
    lines = [_("Figures from {org}, {start} to {end} (counts under {k} hidden)").format(
        org=content["org"][:8], start=content["period"]["from"], end=content["period"]["to"], k=content["k"])]
    for table in content["tables"]:
        lines.append("")
        lines.append(table["key"])
        if table.get("withheld"):
            lines.append("  " + _("(withheld: too few to show)"))
            continue
        lines.append("\t" + "\t".join(table["columns"]))
        for label, row in zip(table["rows"], table["cells"], strict=False):
            lines.append(f"{label}\t" + "\t".join(str(v) for v in row))
    return "\n".join(lines)
