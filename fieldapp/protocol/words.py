"""Codes of the wire format in plain words, in the UI language: used by the NGO's summary before
sealing and by CMM's national table."""

from __future__ import annotations

from datetime import date

from babel.dates import format_date

from fieldapp.domain.referral import AGE_GROUP_LABELS, M49_NUMERIC
from fieldapp.i18n import _, babel_locale


def period_words(period: str) -> str:
    year, part = period.split("-")
    if part.startswith("Q"):
        return _("quarter {quarter} of {year}").format(quarter=part[1:], year=year)
    return format_date(date(int(year), int(part), 1), "MMMM y", locale=babel_locale())


def nationality_words(value: str) -> str:
    if value == "unknown":
        return _("unknown")
    territories = babel_locale().territories
    return territories.get(M49_NUMERIC.get(value, value), value)


def age_words(value: str) -> str:
    return _(AGE_GROUP_LABELS[value]) if value in AGE_GROUP_LABELS else value.replace("-", "–")
