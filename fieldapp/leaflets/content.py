"""What a leaflet says, in one language, for one organisation: plain dataclasses, ready to lay out.

Contact lines and the hotline come only from the organisation's configuration. Thai text carries U+200B at
word boundaries (pythainlp, engine ``newmm``), so a renderer can break Thai lines there without libthai.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass, replace
from datetime import date
from functools import cache

from babel.dates import get_month_names
from babel.numbers import format_decimal
from babel.units import format_unit

from fieldapp.domain.organisation import OFFERED_SERVICES, ContactLine, Organisation
from fieldapp.leaflets import facts
from fieldapp.leaflets.catalogue import Catalogue, load
from fieldapp.leaflets.languages import DEFAULT_VARIANT, Language, check_variant, language
from fieldapp.leaflets.pictograms import glyph

ZWSP = "\u200b"
WJ = "\u2060"
_THAI = re.compile(r"[\u0e00-\u0e7f]")
_PHONE = re.compile(r"\+?[0-9][0-9 ()\-]{2,}")


@dataclass(frozen=True)
class Section:
    heading: str
    paragraphs: tuple[str, ...] = ()
    bullets: tuple[str, ...] = ()
    contacts: tuple[ContactLine, ...] = ()
    after: tuple[str, ...] = ()  # paragraphs after the bullets
    icon: str = ""               # the heading's pictogram (a glyph of pictograms.FAMILY)
    bullet_icons: tuple[str, ...] = ()  # a pictogram per bullet, or "" for a plain bullet


@dataclass(frozen=True)
class LeafletContent:
    """Every text of a leaflet and its card in one language; ``draft`` when the translation is not reviewed."""

    language: Language
    title: str
    intro: str
    sections: tuple[Section, ...]
    footer: str
    card_title: str
    card_body: str
    card_scan: str
    card_contacts: tuple[ContactLine, ...]
    qr_payload: str  # "tel:<hotline>", or "" when no usable hotline is configured
    version: str
    draft: bool
    variant: str = DEFAULT_VARIANT
    accent: str = "#222222"  # the organisation's accent colour for headings and pictograms
    services_set: bool = True  # False: the organisation has not said what it offers (the worker is told)
    logo: bool = False       # the organisation has a logo (qt_logo.RESOURCE) to print at the top

    def key_phrases(self) -> tuple[str, ...]:
        """Short texts every printed leaflet in this language shows (used to check the PDF's text)."""
        return (self.title, *(section.heading for section in self.sections))

    def all_text(self) -> str:
        parts = [self.title, self.intro, self.footer, self.card_title, self.card_body, self.card_scan]
        for section in self.sections:
            parts += [section.heading, *section.paragraphs, *section.bullets, *section.after]
            parts += [f"{line.label}: {line.value}" for line in section.contacts]
        return "\n".join(parts)


def format_amount(value: int, lang: Language) -> str:
    """A number with the language's grouping, always in Latin digits (they stay left-to-right in Arabic)."""
    return format_decimal(value, locale=lang.babel_locale)


def format_content_date(when: date, lang: Language) -> str:
    """The content date in the language's long form; Thai counts years in the Buddhist era (+543)."""
    if lang.tag == "th":
        month = get_month_names("wide", locale="th")[when.month]
        return f"{when.day} {month} พ.ศ. {when.year + 543}"
    from babel.dates import format_date

    return format_date(when, "long", locale=lang.babel_locale)


def _one_full_stop(text: str, when: str) -> str:
    """A date whose long form ends in an abbreviation's full stop (Bulgarian "г.", Ukrainian "р.") at the
    end of a sentence takes no second one."""
    return text.replace(when + ".", when) if when.endswith(".") else text


# Words pythainlp's dictionary lacks, which it would otherwise split mid-syllable (โครน = krone).
EXTRA_THAI_WORDS = frozenset({"โครน"})


def _pythainlp_read_only() -> None:
    """pythainlp reads its bundled word lists only: no ~/pythainlp-data folder, no download."""
    if "PYTHAINLP_READ_MODE" not in os.environ:          # its older name; both at once is an error there
        os.environ.setdefault("PYTHAINLP_READ_ONLY", "1")
    os.environ.setdefault("PYTHAINLP_OFFLINE", "1")


_DICTIONARY_LOCK = threading.Lock()      # built once: a second caller waits for the first, never builds it again


def _thai_dictionary():
    with _DICTIONARY_LOCK:
        return _built_thai_dictionary()


@cache
def _built_thai_dictionary():
    _pythainlp_read_only()
    from pythainlp.corpus import thai_words
    from pythainlp.util import dict_trie

    return dict_trie(set(thai_words()) | EXTRA_THAI_WORDS)


@cache
def _tokenize_thai(text: str) -> tuple[str, ...]:
    _pythainlp_read_only()
    from pythainlp.tokenize import word_tokenize

    return tuple(word_tokenize(text, custom_dict=_thai_dictionary(), engine="newmm", keep_whitespace=True))


def mark_thai_word_boundaries(text: str) -> str:
    """``text`` with U+200B between two Thai words (never inside a word, never beside a space)."""
    if not _THAI.search(text):
        return text
    out: list[str] = []
    for token in _tokenize_thai(text):
        if out and _THAI.match(out[-1][-1]) and _THAI.match(token[0]):
            out.append(ZWSP)
        out.append(token)
    return "".join(out)


def strip_invisible(text: str) -> str:
    """``text`` without the invisible break controls (U+200B, U+2060)."""
    return text.replace(ZWSP, "").replace(WJ, "")


def qr_payload(org: Organisation) -> str:
    """``tel:`` and the configured hotline without spaces, or "" if none (or not a phone number) is set."""
    hotline = org.hotline.strip()
    if not _PHONE.fullmatch(hotline):
        return ""
    return "tel:" + re.sub(r"[ ()\-]", "", hotline)


def format_duration(value: int, unit: str, lang: Language) -> str:
    """A period with its unit in the language's own plural form ("30 днів", "24 місяці", "30 يومًا")."""
    return format_unit(value, f"duration-{unit.removesuffix('s')}", length="long", locale=lang.babel_locale)


def _figure(figure: facts.Figure, lang: Language, catalogue: Catalogue) -> str:
    if figure.unit == "DKK":
        return catalogue.text("money.dkk").format(amount=format_amount(figure.value, lang))
    if figure.unit in ("days", "months"):
        return format_duration(figure.value, figure.unit, lang)
    return format_amount(figure.value, lang)


def _values(org: Organisation, lang: Language, catalogue: Catalogue) -> dict[str, str]:
    values = {name: _figure(figure, lang, catalogue) for name, figure in facts.FIGURES.items()}
    values.update(org_name=org.name, rules_year=str(facts.RULES_YEAR), rates_year=str(facts.RATES_YEAR),
                  retention_months=format_duration(org.retention_months, "months", lang), union=facts.UNION,
                  version=catalogue.version, date=format_content_date(catalogue.date, lang))
    if lang.tag == "th":
        values.update(rules_year=str(facts.RULES_YEAR + 543), rates_year=str(facts.RATES_YEAR + 543))
    return values


CONTACT_KINDS = ("phone", "address", "web", "email", "hours")


def _printed(lines: tuple[ContactLine, ...], text) -> tuple[ContactLine, ...]:
    """Contact lines as a leaflet prints them: the value as configured, and a label in the leaflet's own
    language for its kind (the organisation's own label is in its language, not the reader's)."""
    return tuple(replace(line, label=text(f"contact.{line.kind}")) if line.kind in CONTACT_KINDS else line
                 for line in lines)


# Which rights apply to whom: every reader learns how the assessment works and what does not depend on the
# police; adults learn about the prepared return's money; men about the union; children about their own
# protection. Each key has its source in facts.SOURCES.
_RIGHTS = {
    "women": ("rights.reflection", "rights.extension", "rights.support", "rights.housing_women", "rights.police",
              "rights.report", "rights.lawyer", "rights.permit", "rights.punish", "rights.return",
              "rights.return_cash", "rights.return_plan"),
    "men": ("rights.reflection", "rights.extension", "rights.support", "rights.housing_men", "rights.police",
            "rights.report", "rights.lawyer", "rights.permit", "rights.punish", "rights.union", "rights.return",
            "rights.return_cash", "rights.return_plan"),
    "minor": ("minor.protect", "minor.representative", "rights.reflection", "rights.extension", "rights.support",
              "rights.police", "rights.report", "rights.lawyer", "rights.permit", "rights.punish",
              "rights.return"),
}
RIGHTS_KEYS = ("rights.assessment", *dict.fromkeys(key for keys in _RIGHTS.values() for key in keys))

# What the vault records about a person, in the reader's words, with the fields each line stands for
# (tests/leaflets check that every column of those tables is named here or is technical, and that every table
# named whole, "table.*", exists in the vault). Health and legal lines print only where the organisation offers
# that service.
RECORDED: dict[str, tuple[str, ...]] = {
    "record.alias": ("people.alias",),
    # consent to be recorded (agreed, not asked yet and why, or an old import) and the information sheet the
    # person was given (its language and content version). Someone who refuses is not recorded: the vault keeps
    # an anonymous count (anonymous_counts: the day, gender and adult or child), which is about no one, so no
    # line here names it.
    "record.consent": ("people.record_consent", "people.consent_reason", "people.sheet_language",
                       "people.sheet_version"),
    "record.profile": ("people.gender", "people.age_estimate", "people.birth_year", "people.nationality",
                       "people.languages"),
    "record.phone": ("people.phone", "people.phone_consent"),
    # a follow-up's short plan is part of the help agreed at a meeting (its owner, and a person's key worker, are
    # the team's user numbers: technical, as who wrote a contact is)
    "record.meetings": ("people.first_contact", "people.last_contact", "contacts.kind", "contacts.occurred_at",
                        "contacts.visit_id", "contacts.topics", "contacts.services", "contacts.follow_up",
                        "contacts.follow_up_done", "contacts.follow_up_text", "contacts.child_steps"),
    # the forms of exploitation the worker notes include the industry of forced labour and the forms of forced crime
    "record.indicators": ("contacts.indicators", "contacts.exploitation", "contacts.industry", "contacts.crime_forms"),
    "record.notes": ("contacts.note",),
    "record.health": ("health_contacts.*",),
    "record.legal": ("legal_sessions.*",),
    # a referral to CMM (only with consent): what the person agreed to share, the assessment (residence status,
    # whether they want to go to the police) and CMM's replies
    "record.referral": ("referrals.*", "referral_consents.*", "referral_assessments.*", "referral_replies.*"),
}
_SERVICE_OF_RECORD = {"record.health": "health", "record.legal": "legal"}


def _offer(org: Organisation) -> tuple[str, ...]:
    return ("service.talk", *(f"service.{code}" for code in OFFERED_SERVICES if code in org.services),
            "service.cmm")


def _recorded(org: Organisation) -> tuple[str, ...]:
    return tuple(key for key in RECORDED if _SERVICE_OF_RECORD.get(key, "") in ("", *org.services))


def _sections(text, org: Organisation, variant: str) -> tuple[Section, ...]:
    rights = _RIGHTS[variant]
    return (
        Section(text("who.heading"), (text("who.body"),), icon=glyph("who.heading")),
        Section(text("offer.heading"), (text("offer.intro"),), tuple(text(key) for key in _offer(org)),
                icon=glyph("offer.heading")),
        Section(text("rights.heading"), (text("rights.assessment"),), tuple(text(key) for key in rights),
                icon=glyph("rights.heading"), bullet_icons=tuple(glyph(key) for key in rights)),
        Section(text("help.heading"), (text("help.body"),), contacts=_printed(org.contact_lines, text),
                icon=glyph("help.heading")),
        Section(text("privacy.heading"), (text("privacy.intro"),), tuple(text(key) for key in _recorded(org)),
                after=(text("privacy.body"), *([text("privacy.retention")] if org.retention_months else []),
                       text("privacy.rights")),
                icon=glyph("privacy.heading")),
    )


_WARM: set[str] = set()


def warm(org: Organisation, tag: str, variant: str = DEFAULT_VARIANT) -> None:
    """Make the leaflet's content once so the caches behind it (the catalogue, the Thai dictionary, about a
    second, and the word breaks) are filled: a window runs this off its thread before it lays a language out."""
    try:
        leaflet_content(org, tag, variant)
    finally:
        _WARM.add(tag)


def is_warm(tag: str) -> bool:
    return tag in _WARM


def leaflet_content(org: Organisation, tag: str, variant: str = DEFAULT_VARIANT) -> LeafletContent:
    """The leaflet for ``org`` in language ``tag`` for one reader (``VARIANTS``); raises for an unknown
    language or variant, or a broken catalogue."""
    lang, variant = language(tag), check_variant(variant)
    catalogue = load(lang.tag)
    values = _values(org, lang, catalogue)

    def text(key: str) -> str:
        raw = catalogue.text(key, variant).format(**values)
        return mark_thai_word_boundaries(_one_full_stop(raw, values["date"]))

    phones = _printed(tuple(line for line in org.contact_lines if line.kind == "phone"), text)
    return LeafletContent(
        language=lang, title=text("leaflet.title"), intro=f"{text(f'intro.{variant}')} {text('leaflet.reassure')}",
        sections=_sections(text, org, variant), variant=variant, accent=org.accent_colour, logo=bool(org.logo_png),
        services_set=org.services_set or org.is_sample,
        footer=text("leaflet.footer"), card_title=text("card.title"), card_body=text("card.body"),
        card_scan=text("card.scan"), card_contacts=phones, qr_payload=qr_payload(org),
        version=catalogue.version, draft=catalogue.is_draft)


def printed_text(org: Organisation, tag: str, variant: str = DEFAULT_VARIANT) -> str:
    """Everything a sheet in ``tag`` for ``variant`` says, without the invisible break marks."""
    return strip_invisible(leaflet_content(org, tag, variant).all_text())
