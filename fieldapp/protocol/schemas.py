"""The published JSON Schemas (``resources/schemas``): checked when a packet is built and when it
is received. Problems are reported by place and rule only, never with the offending value.

Every ``pattern`` in these schemas describes the whole value, so it is applied with ``re.fullmatch``:
Python's ``$`` also matches before a final newline, and an id ending in ``\\n`` must not pass."""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

from jsonschema import Draft202012Validator, ValidationError, validators

from fieldapp.resources import resource

SCHEMAS = resource("schemas")
PACKET_FILE = SCHEMAS / "cmm-referral-3.json"
# Every version CMM's intake still accepts, each checked against its own schema (a packet sealed before an
# update may arrive long after it).
PACKET_FILES = {"cmm-referral/1": SCHEMAS / "cmm-referral-1.json", "cmm-referral/2": SCHEMAS / "cmm-referral-2.json",
                "cmm-referral/3": PACKET_FILE}
RECEIPT_FILE = SCHEMAS / "cmm-receipt-2.json"
AGGREGATE_FILE = SCHEMAS / "cmm-aggregate-1.json"
WITHDRAWAL_FILE = SCHEMAS / "cmm-withdrawal-1.json"
WITHDRAWAL_SCHEMA = "cmm-withdrawal/1"
REPLY_FILE = SCHEMAS / "cmm-reply-1.json"


@functools.cache
def _compiled(pattern: str) -> re.Pattern:
    return re.compile(pattern)


def _whole_value_pattern(validator, pattern, instance, schema):
    if validator.is_type(instance, "string") and not _compiled(pattern).fullmatch(instance):
        yield ValidationError("does not match the pattern as a whole")


def _integer(_checker, instance) -> bool:
    """An integer is written as one (``5``, never ``5.0`` or ``true``): one value, one encoding."""
    return isinstance(instance, int) and not isinstance(instance, bool)


_Strict = validators.extend(Draft202012Validator, {"pattern": _whole_value_pattern},
                            type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _integer))


@functools.cache
def _validator(path: Path):
    schema = json.loads(path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return _Strict(schema)


def _problems(path: Path, document: object) -> list[str]:
    found = []
    for error in _validator(path).iter_errors(document):
        place = "/".join(str(p) for p in error.absolute_path) or "(document)"
        found.append(f"{place}: {error.validator}")
    return sorted(found)


def packet_problems(packet: object) -> list[str]:
    """Empty when ``packet`` is a valid cmm-referral document of a version the intake accepts (/1, /2 or /3),
    checked against that version's schema."""
    version = packet.get("schema") if isinstance(packet, dict) else None
    path = PACKET_FILES.get(version) if isinstance(version, str) else None
    if path is None:
        return ["schema: const"]
    return _problems(path, packet)


def receipt_problems(receipt: object) -> list[str]:
    """Empty when ``receipt`` is a valid cmm-receipt/2 document."""
    return _problems(RECEIPT_FILE, receipt)


def aggregate_problems(aggregate: object) -> list[str]:
    """Empty when ``aggregate`` is a valid cmm-aggregate/1 document (the sealed figures)."""
    return _problems(AGGREGATE_FILE, aggregate)


def withdrawal_problems(notice: object) -> list[str]:
    """Empty when ``notice`` is a valid cmm-withdrawal/1 document (consent withdrawn after sending)."""
    return _problems(WITHDRAWAL_FILE, notice)


def reply_problems(reply: object) -> list[str]:
    """Empty when ``reply`` is a valid cmm-reply/1 document (CMM's answer about a referral)."""
    return _problems(REPLY_FILE, reply)
