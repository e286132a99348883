"""How record values are written as text (in the vault and in exports) and read back.

Multi-valued codes are space-separated; moments are UTC ISO 8601 to the second, so text order is
time order; dates are ISO dates. A naive ``datetime`` is taken as local time (what a form gives).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time

_SEPARATORS = re.compile(r"[,;\s]+")


def join_codes(codes: Iterable[str]) -> str:
    return " ".join(codes)


def split_codes(text: str | None) -> tuple[str, ...]:
    """Codes stored as text, separated by spaces or commas; empty text gives ()."""
    if not text:
        return ()
    return tuple(code for code in _SEPARATORS.split(text.strip()) if code)


def as_utc(moment: datetime) -> datetime:
    """The same moment in UTC; a naive value is read as local time."""
    return moment.astimezone(UTC)


def moment_text(moment: datetime | None) -> str | None:
    return None if moment is None else as_utc(moment).isoformat(timespec="seconds")


def moment_from_text(text: str | None) -> datetime | None:
    return None if not text else datetime.fromisoformat(text)


def date_text(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def date_from_text(text: str | None) -> date | None:
    return None if not text else date.fromisoformat(text[:10])


def local_day_start(day: date) -> datetime:
    """Midnight at the start of ``day`` in local time, as a UTC moment."""
    return as_utc(datetime.combine(day, time.min))
