"""Record ids: random 128-bit values, written as 32 lowercase hex digits.

Ids are made where a record is made, never counted up: an id is never reused after a delete, and
ids made on two laptops do not collide, so a later team sync can merge records by id. They carry
no time, order or content. Users and audit events keep small local numbers: users are added only by
an admin under the vouched member list, and audit events are identified by their signer's chain.
"""

from __future__ import annotations

import re
import secrets

ID_BYTES = 16
_ID = re.compile(r"[0-9a-f]{32}")

RecordId = str


def new_id() -> RecordId:
    return secrets.token_hex(ID_BYTES)


def is_record_id(value: object) -> bool:
    return isinstance(value, str) and _ID.fullmatch(value) is not None

