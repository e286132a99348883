"""The published JSON Schemas (``resources/schemas``): checked when a packet is built and when it
is received. Problems are reported by place and rule only, never with the offending value."""

from __future__ import annotations

import functools
import json
from pathlib import Path

from jsonschema import Draft202012Validator

from fieldapp.resources import resource

SCHEMAS = resource("schemas")
PACKET_FILE = SCHEMAS / "cmm-referral-1.json"
RECEIPT_FILE = SCHEMAS / "cmm-receipt-1.json"


@functools.cache
def _validator(path: Path) -> Draft202012Validator:
    schema = json.loads(path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _problems(path: Path, document: object) -> list[str]:
    found = []
    for error in _validator(path).iter_errors(document):
        place = "/".join(str(p) for p in error.absolute_path) or "(document)"
        found.append(f"{place}: {error.validator}")
    return sorted(found)


def packet_problems(packet: object) -> list[str]:
    """Empty when ``packet`` is a valid cmm-referral/1 document."""
    return _problems(PACKET_FILE, packet)


def receipt_problems(receipt: object) -> list[str]:
    return _problems(RECEIPT_FILE, receipt)
