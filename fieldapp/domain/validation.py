"""Checks on field records before they are saved: every problem at once, one translated message
per field (the form shows it beside the field).

Limits and code lists come from the field descriptions (``fieldapp.domain.fields``); the rules
across fields are written here. ``problems(record)`` returns ``{field: message}`` in the order the
form shows the fields, empty when the record is fine; the services raise it as ``ValidationError``
(the domain does not import our errors). ``now`` can be given for tests; times a few minutes ahead
are accepted (clock skew).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from typing import ClassVar

from fieldapp.domain.fields import (
    CODE,
    CODES,
    MEMBER,
    NOTE,
    REFERENCE,
    TEXT,
    ContactFields,
    Field,
    HealthFields,
    LegalFields,
    MaterialFields,
    OnlineFields,
    PersonFields,
    RecordFields,
    VenueFields,
    VisitFields,
)
from fieldapp.domain.ids import is_record_id
from fieldapp.domain.records import Contact, HealthContact, LegalSession, OnlineSession, Person, Venue, Visit
from fieldapp.domain.values import as_utc
from fieldapp.i18n import _, ngettext

CLOCK_SKEW = timedelta(minutes=5)
LONGEST_VISIT = timedelta(hours=24)
AGE_AND_YEAR_TOLERANCE = 2
_PHONE = re.compile(r"^\+?[0-9][0-9 ()-]*$")
_PHONE_DIGITS = (6, 15)

Problems = dict[str, str]


class _Checker:
    """Collects the first problem found for each field."""

    def __init__(self, now: datetime) -> None:
        self.now = as_utc(now)
        self.found: Problems = {}

    def add(self, field: str, message: str) -> None:
        self.found.setdefault(field, message)

    def described(self, fields: type[RecordFields], record: object) -> None:
        """Every limit and code list the descriptions give (the rules across fields come after)."""
        for field in fields.fields:
            value = getattr(record, field.name)
            check = self._BY_KIND.get(field.kind)
            if check is not None and not (field.optional and value in ("", None)):
                check(self, field, value)

    def text(self, field: Field, value: str) -> None:
        if field.required and not value.strip():
            self.add(field.name, _(field.required))
        elif field.max_length is not None and len(value) > field.max_length:
            self.add(field.name, _("Keep this under {limit} characters.").format(limit=field.max_length))

    def code(self, field: Field, value: str) -> None:
        if not value and field.required:
            self.add(field.name, _(field.required))
        elif value not in field.allowed():
            self.add(field.name, _("Unknown code: {code}.").format(code=value or "—"))

    def codes(self, field: Field, values: Iterable[str]) -> None:
        allowed = set(field.allowed())
        unknown = [value for value in values if value not in allowed]
        if unknown:
            self.add(field.name, ngettext("Unknown code: {codes}.", "Unknown codes: {codes}.", len(unknown))
                     .format(codes=", ".join(unknown)))

    def reference(self, field: Field, value: str | None) -> None:
        """A record id (random, ``fieldapp.domain.ids``)."""
        if not is_record_id(value):
            self.add(field.name, _(field.required))

    def member(self, field: Field, value: int | None) -> None:
        """A user id (a small number the vault gives)."""
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            self.add(field.name, _(field.required))

    _BY_KIND: ClassVar[dict[str, Callable[[_Checker, Field, object], None]]] = {
        TEXT: text, NOTE: text, CODE: code, CODES: codes, REFERENCE: reference, MEMBER: member}

    def past(self, field: str, moment: datetime | None) -> None:
        if moment is not None and as_utc(moment) > self.now + CLOCK_SKEW:
            self.add(field, _("This time is in the future."))

    def past_day(self, field: str, day: date | None) -> None:
        if day is not None and day > (self.now + CLOCK_SKEW).astimezone().date():
            self.add(field, _("This date is in the future."))


def _visit(visit: Visit, check: _Checker) -> None:
    check.past("started_at", visit.started_at)
    _visit_end(visit, check)
    people_met = VisitFields.people_met
    if visit.people_met < people_met.low:
        check.add("people_met", _("The number of people met cannot be negative."))
    elif visit.people_met > people_met.high:
        check.add("people_met", _("More than {count} people in one visit is not plausible.").format(
            count=people_met.high))
    _materials(visit, check)
    if len(set(visit.team)) != len(visit.team) or any(not isinstance(u, int) or u <= 0 for u in visit.team):
        check.add("team", _("Each team member can be listed once."))


def _visit_end(visit: Visit, check: _Checker) -> None:
    if visit.ended_at is None:
        return
    start, end = as_utc(visit.started_at), as_utc(visit.ended_at)
    if end < start:
        check.add("ended_at", _("The visit ends before it starts."))
    elif end - start > LONGEST_VISIT:
        check.add("ended_at", _("A visit cannot last more than 24 hours."))
    check.past("ended_at", visit.ended_at)


def _materials(visit: Visit, check: _Checker) -> None:
    seen: set[tuple[str, str]] = set()
    for material in visit.materials:
        if material.kind not in MaterialFields.kind.allowed() \
                or material.language not in MaterialFields.language.allowed():
            check.add("materials", _("Unknown code: {code}.").format(code=f"{material.kind}/{material.language}"))
        elif material.quantity < MaterialFields.quantity.low:
            check.add("materials", _("A quantity handed out must be more than 0."))
        elif (material.kind, material.language) in seen:
            check.add("materials", _("Each kind of material and language can be listed once."))
        seen.add((material.kind, material.language))


# A sheet's content version as its footer prints it (leaflets.catalogue.content_hash), or a numbered one from
# before content versions were computed: the same rule for a person's consent to be recorded and a referral's.
SHEET_VERSION = re.compile(r"[0-9a-f]{10}|[0-9]{1,4}(\.[0-9]{1,4}){0,2}")


def _person(person: Person, check: _Checker) -> None:
    _ages(person, check)
    _phone(person, check)
    _record_consent(person, check)
    check.past_day("first_contact", person.first_contact)
    check.past_day("last_contact", person.last_contact)


def _record_consent(person: Person, check: _Checker) -> None:
    """Consent to be recorded: someone who refused is never a record (an anonymous count is kept instead); not
    asked needs its reason; agreed needs the sheet the person was given."""
    consent = person.record_consent
    if consent == "refused":
        check.add("record_consent", _("Someone who refuses is not recorded: count them anonymously instead."))
    if consent == "not_asked" and not person.consent_reason:
        check.add("consent_reason", _("Say why the person was not asked yet."))
    if consent != "not_asked" and person.consent_reason:
        check.add("consent_reason", _("A reason is given only when the person was not asked."))
    if consent == "given":
        if not person.sheet_language:
            check.add("sheet_language", _("Choose the language of the information sheet the person was given."))
        elif not SHEET_VERSION.fullmatch(person.sheet_version):
            check.add("sheet_language", _("This information sheet has no version: print it again from Leaflets."))


def _ages(person: Person, check: _Checker) -> None:
    low, high = PersonFields.age_estimate.low, PersonFields.age_estimate.high
    if person.age_estimate is not None and not low <= person.age_estimate <= high:
        check.add("age_estimate", _("An age estimate must be between {low} and {high}.").format(low=low, high=high))
    if person.birth_year is None:
        return
    age = check.now.year - person.birth_year
    if not low <= age <= high:
        check.add("birth_year", _("This year of birth gives an age of {age}; it must be between {low} and {high}.")
                  .format(age=age, low=low, high=high))
    elif person.age_estimate is not None and abs(age - person.age_estimate) > AGE_AND_YEAR_TOLERANCE:
        check.add("birth_year", _("The year of birth does not match the age estimate."))


def _phone(person: Person, check: _Checker) -> None:
    phone = person.phone.strip()
    if not phone:
        return
    if not person.phone_consent:
        check.add("phone", _("A phone number can only be saved when the person has agreed to it."))
        return
    digits = sum(char.isdigit() for char in phone)
    if not _PHONE.match(phone) or not _PHONE_DIGITS[0] <= digits <= _PHONE_DIGITS[1]:
        check.add("phone", _("This does not look like a phone number."))


def _contact(contact: Contact, check: _Checker) -> None:
    check.past("occurred_at", contact.occurred_at)
    if contact.follow_up is not None and contact.follow_up < as_utc(contact.occurred_at).astimezone().date():
        check.add("follow_up", _("The follow-up date is before the contact."))
    if contact.follow_up is None and (contact.follow_up_text.strip() or contact.follow_up_owner is not None):
        check.add("follow_up", _("Give the day of the follow-up, or leave its plan and owner empty."))
    if contact.crime_forms and "criminal_activities" not in contact.exploitation:
        check.add("crime_forms", _("Tick “Forced criminal activities” under suspected exploitation first."))


def _health(health: HealthContact, check: _Checker) -> None:
    if not set(health.tests_taken) <= set(health.tests_offered):
        check.add("tests_taken", _("A test can only be taken if it was offered."))
    if health.assault_by and not health.assaults:
        check.add("assault_by", _("Say which assault was disclosed before saying by whom."))


def _legal(legal: LegalSession, check: _Checker) -> None:
    if legal.perpetrators and not legal.crimes:
        check.add("perpetrators", _("Say which crime was disclosed before saying who committed it."))


def _online(online: OnlineSession, check: _Checker) -> None:
    check.past("started_at", online.started_at)
    for field in (OnlineFields.ads_screened, OnlineFields.ads_flagged, OnlineFields.messages_sent,
                  OnlineFields.replies, OnlineFields.people_reached):
        value = getattr(online, field.name)
        if not isinstance(value, int) or isinstance(value, bool) or not field.low <= value <= field.high:
            check.add(field.name, _("Give a number from {low} to {high}.").format(low=field.low, high=field.high))
    if online.ads_flagged > online.ads_screened:
        check.add("ads_flagged", _("More ads with signs of exploitation than ads screened."))
    if online.replies > online.messages_sent:
        check.add("replies", _("More replies than messages sent."))


def _no_rules(_record: object, _check: _Checker) -> None:
    pass


# Each record kind: its described fields, then the rules across fields.
_CHECKS: dict[type, tuple[type[RecordFields], Callable[[object, _Checker], None]]] = {
    Venue: (VenueFields, _no_rules), Visit: (VisitFields, _visit), Person: (PersonFields, _person),
    Contact: (ContactFields, _contact), HealthContact: (HealthFields, _health), LegalSession: (LegalFields, _legal),
    OnlineSession: (OnlineFields, _online),
}


def problems(record: object, now: datetime | None = None) -> Problems:
    """``{field: translated message}`` for every field with a problem, in the fields' order; empty when the
    record is fine."""
    fields, rules = _CHECKS[type(record)]
    check = _Checker(now or datetime.now(UTC))
    check.described(fields, record)
    rules(record, check)
    order = {field.name: place for place, field in enumerate(fields.fields)}
    return dict(sorted(check.found.items(), key=lambda item: order.get(item[0], len(order))))
