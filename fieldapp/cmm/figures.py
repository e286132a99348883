"""The NGOs' sealed figures (``cmm-aggregate/1``), opened at CMM: checked like a packet (recipient,
registered signer, signature, strict JSON) and printed as plain tables."""

from __future__ import annotations

from fieldapp.i18n import _
from fieldapp.protocol import packet, schemas
from fieldapp.protocol.crypto import CmmSecret
from fieldapp.protocol.packet import SignerLookup
from fieldapp.protocol.reasons import Rejected
from fieldapp.storage.untrusted_dir import printable


def open_aggregate(data: bytes, secret: CmmSecret, lookup: SignerLookup) -> dict:
    """CMM's side: the aggregate inside a sealed file, or ``Rejected`` with the reason."""
    opened = packet.open_signed(data, secret, lookup)
    content = opened.document
    problems = schemas.aggregate_problems(content)
    if problems:
        raise Rejected("schema", problems[0])
    if content.get("org") != opened.signer:
        raise Rejected("signer_mismatch")
    return content


def as_text(content: dict) -> str:
    """A plain, printable rendering of the tables (CMM's intake prints it); the labels come from outside, so
    escape sequences and line breaks in them are shown, never acted on."""
    heading = (_("Exact figures from {org}, {start} to {end}") if content.get("exact") is True
               else _("Figures from {org}, {start} to {end} (counts under {k} hidden)"))
    lines = [heading.format(org=content["org"][:8], start=printable(content["period"]["from"]),
                            end=printable(content["period"]["to"]), k=printable(content["k"]))]
    for table in content["tables"]:
        lines.append("")
        lines.append(printable(table["key"]))
        if table.get("withheld"):
            lines.append("  " + _("(withheld: too few to show)"))
            continue
        lines.append("\t" + "\t".join(printable(column) for column in table["columns"]))
        for label, row in zip(table["rows"], table["cells"], strict=False):
            lines.append(f"{printable(label)}\t" + "\t".join(printable(v) for v in row))
    return "\n".join(lines)
