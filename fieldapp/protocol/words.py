"""Codes of the wire format in plain words, in the UI language: used by the NGO's summary before
sealing, by CMM's desk and by CMM's national table."""

from __future__ import annotations

from datetime import date

from babel.dates import format_date

from fieldapp.domain.referral import (
    AGE_GROUP_LABELS,
    ASSESSMENT_OUTCOMES,
    CONTACT_ROLES,
    INTERPRETER_LANGUAGES,
    M49_NUMERIC,
    REPLY_STATUSES,
)
from fieldapp.i18n import _, babel_locale, date_locale


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


def labels_words(values, table: dict[str, str]) -> str:
    """Codes by their (translated) labels, or "none"."""
    return ", ".join(_(table[v]) for v in values if v in table) or _("none")


def language_words(values) -> str:
    names = babel_locale().languages
    return ", ".join(names.get(v, v) for v in values) or _("none")


def interpreter_words(values) -> str:
    """ISO 639-3 interpreter languages by name in the UI language (Edo, Nigerian Pidgin, Darija ...)."""
    names = babel_locale().languages
    words = []
    for code in values:
        locale_code, label = INTERPRETER_LANGUAGES.get(code, ("", code))
        words.append(names.get(locale_code) if locale_code and names.get(locale_code) else _(label) if label
                     else code)
    return ", ".join(words) or _("none")


def day_words(text: str) -> str:
    """A YYYY-MM-DD day in the medium format of the date locale (Danish order in Danish)."""
    try:
        return format_date(date.fromisoformat(text), "medium", locale=date_locale())
    except ValueError:
        return text


def answer_words(status: str, window_from: str | None = None, window_to: str | None = None, assessment: str = "",
                 contact_role: str = "") -> str:
    """One of CMM's answers in words: "Interview booked: 8 Dec 2026 – 10 Dec 2026", "Assessed: a victim of
    trafficking"."""
    text = _(REPLY_STATUSES.get(status, status))
    if window_from and window_to:
        return _("{status}: {first} – {last}").format(status=text, first=day_words(window_from),
                                                       last=day_words(window_to))
    if assessment in ASSESSMENT_OUTCOMES:
        return _("{status}: {detail}").format(status=text, detail=_(ASSESSMENT_OUTCOMES[assessment]))
    if contact_role in CONTACT_ROLES:
        return _("{status}: {detail}").format(status=text, detail=_(CONTACT_ROLES[contact_role]))
    return text
