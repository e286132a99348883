"""A mapping: which column of a spreadsheet is which field, which cell text is which code, and what to do
with people who look like ones already kept and with rows past the retention period. Kept as a TOML
file, so that it can be written by hand, saved by the wizard and used again for next year's sheet::

    records = "contacts"                 # one row per contact with a person ("visits": one per visit)
    date_order = "dmy"                   # 15-03-2019 is the 15th of March (ISO dates read either way)
    person = ["Navn", "Fødselsår"]       # the columns that together name one person
    on_match = "ask"                     # like someone already kept: "ask" (stop), "merge" or "new"
    expired = "skip"                     # past the retention period: "skip", or "count" anonymously

    [columns]
    "person.alias" = "Navn"
    "contact.occurred_at" = "Dato"

    [fixed]                              # one value for every row
    "contact.kind" = "street"

    [values."person.nationality"]        # cell text -> code
    "Rumænien" = "RO"

Target fields are the records' described fields (``domain.fields``), so an import checks the same
limits and codes as the forms.
"""

from __future__ import annotations

import errno
import functools
import re
import tomllib
from collections.abc import Callable
from collections.abc import Mapping as MappingType
from dataclasses import dataclass, field
from pathlib import Path

import tomli_w

from fieldapp.domain.fields import (
    BOOL,
    CODE,
    CODES,
    DAY,
    INT,
    MOMENT,
    NOTE,
    TEXT,
    ContactFields,
    Field,
    HealthFields,
    LegalFields,
    PersonFields,
    VenueFields,
    VisitFields,
)
from fieldapp.errors import InvalidInput
from fieldapp.i18n import _
from fieldapp.importing.values import DATE_ORDERS, Lookup
from fieldapp.storage.atomic import NotAPlainFile, TooLarge, read_untrusted

MAX_MAPPING_BYTES = 256 * 1024
RECORDS = ("contacts", "visits")
ON_MATCH = ("ask", "merge", "new")
EXPIRED = ("skip", "count")
_IMPORTABLE = (TEXT, NOTE, INT, CODE, CODES, BOOL, DAY, MOMENT)

# What each kind of file can fill, by target name ("person.alias"): the fields a worker fills in a form,
# less what an import cannot know (consent, the sheet given, a phone's consent, follow-up owners, steps
# taken for a child, links to other records).
_SKIPPED = {"record_consent", "consent_reason", "sheet_language", "sheet_version", "phone", "phone_consent",
            "key_worker", "follow_up_owner", "follow_up_text", "child_steps", "first_contact", "last_contact",
            "is_open", "ended_at"}


def _targets(prefix: str, fields) -> dict[str, Field]:
    return {f"{prefix}.{f.name}": f for f in fields.fields if f.kind in _IMPORTABLE and f.name not in _SKIPPED}


TARGETS: dict[str, dict[str, Field]] = {
    "contacts": {**_targets("person", PersonFields), **_targets("contact", ContactFields),
                 **_targets("health", HealthFields), **_targets("legal", LegalFields)},
    "visits": {**_targets("venue", VenueFields), **_targets("visit", VisitFields)},
}
# The parts only health staff and legal advisers may write, and the contact kind each belongs to.
RESTRICTED_PARTS = {"health": "health", "legal": "legal"}


def targets_for(records: str, can: Callable[[str], bool]) -> dict[str, Field]:
    """The targets a user may fill: health and legal parts only with their capability."""
    return {target: field for target, field in TARGETS[records].items()
            if target.split(".", 1)[0] not in RESTRICTED_PARTS or can(RESTRICTED_PARTS[target.split(".", 1)[0]])}
# Without these a row is no record.
REQUIRED: dict[str, tuple[str, ...]] = {
    "contacts": ("person.alias", "contact.occurred_at", "contact.kind"),
    "visits": ("venue.name", "venue.kind", "visit.started_at"),
}


def label(target: str, records: str = "contacts") -> str:
    """A target's label in the UI language, without its mnemonic ("Alias", "When")."""
    found = TARGETS.get(records, {}).get(target) or next(
        (fields[target] for fields in TARGETS.values() if target in fields), None)
    return _(found.label).replace("&", "") if found is not None and found.label else target


def label_of_code(target: str, code: str, records: str = "contacts") -> str:
    """A code's label in the UI language ("Health" for the contact kind "health")."""
    codes = TARGETS[records][target].codes
    return _(codes[code]).replace("&", "") if isinstance(codes, MappingType) and code in codes else code


@dataclass(frozen=True)
class Mapping:
    records: str = "contacts"
    sheet: str = ""
    date_order: str = "dmy"
    person: tuple[str, ...] = ()                             # columns naming one person (contacts)
    on_match: str = "ask"
    expired: str = "skip"
    columns: dict[str, str] = field(default_factory=dict)    # target -> column heading
    fixed: dict[str, str] = field(default_factory=dict)      # target -> one text for every row
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # target -> {cell text: code}

    @property
    def targets(self) -> dict[str, Field]:
        return TARGETS[self.records]

    @functools.cached_property
    def lookups(self) -> dict[str, Lookup]:
        """The [values] tables, indexed once for the conversions of every cell."""
        return {target: Lookup(table) for target, table in self.values.items()}

    def problems(self, headers: tuple[str, ...] | None = None) -> list[str]:
        """What is wrong with the mapping itself (and, given the headings, with the file's columns)."""
        if self.records not in RECORDS:
            return [_("“records” must be “contacts” or “visits”.")]
        found = [*self._setting_problems(), *self._target_problems()]
        for target in REQUIRED[self.records]:
            if target not in self.columns and target not in self.fixed:
                found.append(_("Choose the column for “{field}” (or one value for every row).").format(
                    field=label(target, self.records)))
        if self.records == "contacts" and not self.person:
            found.append(_("Choose the column(s) that name one person (“person”), for example the alias."))
        present = set(headers or ())
        for column in [*self.columns.values(), *self.person] if headers is not None else ():
            if column not in present:
                found.append(_("The file has no column “{column}”.").format(column=column))
        return list(dict.fromkeys(found))

    def _target_problems(self) -> list[str]:
        found = []
        for target in [*self.columns, *self.fixed, *self.values]:
            if target not in self.targets:
                found.append(_("“{target}” is not a field this import can fill. It can fill: {fields}").format(
                    target=target, fields=", ".join(self.targets)))
            elif target in self.values and self.targets[target].kind not in (CODE, CODES):
                found.append(_("“{target}” holds no codes: it has no [values] table.").format(target=target))
            elif target in self.values:
                found.extend(_unknown_codes(target, self.targets[target], self.values[target]))
        return found

    def _setting_problems(self) -> list[str]:
        found = []
        if self.date_order not in DATE_ORDERS:
            found.append(_("“date_order” must be “dmy” (15-03-2019) or “mdy” (03-15-2019)."))
        if self.on_match not in ON_MATCH:
            found.append(_("“on_match” must be “ask”, “merge” or “new”."))
        if self.expired not in EXPIRED:
            found.append(_("“expired” must be “skip” or “count”."))
        return found


def _unknown_codes(target: str, spec: Field, table: dict[str, str]) -> list[str]:
    """The problems of a [values] table that names codes the field does not have ("gade" = "streeet")."""
    allowed = set(spec.allowed())
    found = []
    for text, given in table.items():
        named = [c for c in re.split(r"[\s,]+", given) if c] if spec.kind == CODES else [given.strip()]
        wrong = [c for c in named if c not in allowed] if named else [given]
        if wrong:
            found.append(_("Under [values.\"{target}\"], “{text}” = “{given}”: {wrong} is not one of its codes.")
                         .format(target=target, text=text, given=given, wrong=", ".join(f"“{c}”" for c in wrong)))
    return found


def _strings(data: object, what: str) -> dict[str, str]:
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        raise InvalidInput(_("In the mapping, “{what}” must be a table of texts.").format(what=what))
    return dict(data)


def from_dict(data: dict) -> Mapping:
    known = {"records", "sheet", "date_order", "person", "on_match", "expired", "columns", "fixed", "values"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise InvalidInput(_("The mapping has unknown settings: {names}").format(names=", ".join(unknown)))
    for name in ("records", "sheet", "date_order", "on_match", "expired"):
        if name in data and not isinstance(data[name], str):
            raise InvalidInput(_("In the mapping, “{what}” must be a text.").format(what=name))
    person = data.get("person", [])
    if isinstance(person, str):
        person = [person]
    if not isinstance(person, list) or not all(isinstance(p, str) for p in person):
        raise InvalidInput(_("In the mapping, “person” must be a list of column headings."))
    values = data.get("values", {})
    if not isinstance(values, dict):
        raise InvalidInput(_("In the mapping, “{what}” must be a table of texts.").format(what="values"))
    return Mapping(records=data.get("records", "contacts"), sheet=data.get("sheet", ""),
                   date_order=data.get("date_order", "dmy"), person=tuple(person),
                   on_match=data.get("on_match", "ask"), expired=data.get("expired", "skip"),
                   columns=_strings(data.get("columns", {}), "columns"),
                   fixed=_strings(data.get("fixed", {}), "fixed"),
                   values={target: _strings(table, f"values.{target}") for target, table in values.items()})


def to_dict(mapping: Mapping) -> dict:
    data = {"records": mapping.records, "date_order": mapping.date_order, "person": list(mapping.person),
            "on_match": mapping.on_match, "expired": mapping.expired, "columns": dict(mapping.columns)}
    if mapping.sheet:
        data["sheet"] = mapping.sheet
    if mapping.fixed:
        data["fixed"] = dict(mapping.fixed)
    values = {target: dict(table) for target, table in mapping.values.items() if table}
    if values:
        data["values"] = values
    return data


def load(path: Path | str) -> Mapping:
    """The mapping in the TOML file ``path``, read as hostile (no link, FIFO or device; at most
    ``MAX_MAPPING_BYTES``). Raises ``InvalidInput`` with a message for the person running the import."""
    try:
        raw = read_untrusted(path, MAX_MAPPING_BYTES)
    except TooLarge:
        raise InvalidInput(_("The mapping file is larger than {n} KB: it cannot be a mapping.").format(
            n=MAX_MAPPING_BYTES // 1024)) from None
    except NotAPlainFile:
        raise InvalidInput(_("The mapping is not a plain file (a folder or device): choose the .toml file "
                             "itself.")) from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise InvalidInput(_("The mapping is a link, not a file: choose the .toml file itself.")) from None
        raise InvalidInput(_("The mapping could not be read: {reason}").format(
            reason=exc.strerror or exc.__class__.__name__)) from None
    try:
        data = tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise InvalidInput(_("The mapping is not valid TOML: it is not UTF-8 text.")) from None
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(_("The mapping is not valid TOML: {reason}").format(reason=str(exc))) from None
    except RecursionError:                               # tomllib parses nested arrays and tables recursively
        raise InvalidInput(_("The mapping is not valid TOML: it is nested too deeply.")) from None
    return from_dict(data)


def dumps(mapping: Mapping) -> str:
    return tomli_w.dumps(to_dict(mapping))
