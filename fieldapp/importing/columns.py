"""Which column of a spreadsheet is likely which field: by the field's label in English or Danish, and by the
headings Danish outreach sheets use ("Navn", "Dato", "Køn", "Fødselsår"). Only a suggestion: the user sees it
in the wizard and can change every choice."""

from __future__ import annotations

from fieldapp.domain.aliases import alias_key
from fieldapp.importing.mapping import TARGETS
from fieldapp.importing.values import LABEL_LANGUAGES, translator

# Headings seen in NGOs' old sheets, beyond the fields' own labels (alias keys of the heading).
_HEADINGS: dict[str, dict[str, tuple[str, ...]]] = {
    "contacts": {
        "person.alias": ("navn", "name", "kaldenavn", "alias", "klient", "client", "initialer"),
        "person.gender": ("kon", "koen", "gender", "sex"),
        "person.age_estimate": ("alder", "age", "anslaet alder"),
        "person.birth_year": ("fodselsar", "foedselsaar", "fodt", "birth year", "year of birth", "arstal fodt"),
        "person.nationality": ("nationalitet", "nationality", "land", "country", "oprindelsesland"),
        "person.languages": ("sprog", "language", "languages"),
        "contact.occurred_at": ("dato", "date", "tidspunkt", "kontaktdato", "when"),
        "contact.kind": ("type", "kontakttype", "kind", "sted", "kontaktform"),
        "contact.note": ("noter", "note", "notes", "bemaerkning", "bemaerkninger", "kommentar", "comments"),
        "contact.indicators": ("indikatorer", "indicators", "tegn"),
        "contact.services": ("ydelser", "services", "hjaelp"),
        "contact.topics": ("emner", "topics"),
        "contact.follow_up": ("opfolgning", "follow up", "followup"),
        "contact.industry": ("branche", "industry"),
    },
    "visits": {
        "venue.name": ("sted", "venue", "klinik", "navn", "name", "adresse"),
        "venue.kind": ("stedtype", "type", "kind"),
        "venue.municipality": ("kommune", "municipality", "by", "city"),
        "venue.region": ("region",),
        "visit.started_at": ("dato", "date", "besog", "besoeg", "tidspunkt"),
        "visit.people_met": ("antal", "antal mott", "people met", "mott", "personer"),
        "visit.languages": ("sprog", "languages"),
        "visit.interpreter": ("tolk", "interpreter"),
        "visit.note": ("noter", "note", "notes", "bemaerkninger", "kommentar"),
    },
}


def _keys(records: str, target: str) -> set[str]:
    field = TARGETS[records][target]
    keys = {alias_key(word) for word in _HEADINGS[records].get(target, ())}
    if field.label:
        keys.update(alias_key(translator(language)(field.label).replace("&", "")) for language in LABEL_LANGUAGES)
    return keys


def suggest_columns(headers: tuple[str, ...], records: str) -> dict[str, str]:
    """target -> heading, each heading used once, in the order of the targets."""
    by_key = {alias_key(header): header for header in headers if header}
    chosen: dict[str, str] = {}
    for target in TARGETS[records]:
        for key in _keys(records, target):
            header = by_key.get(key)
            if header is not None and header not in chosen.values():
                chosen[target] = header
                break
    return chosen


def suggest_person(columns: dict[str, str]) -> tuple[str, ...]:
    """The columns that together name one person: the alias, with the year of birth and nationality if mapped."""
    return tuple(columns[target] for target in ("person.alias", "person.birth_year", "person.nationality")
                 if target in columns)
