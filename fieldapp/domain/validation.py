"""Checks on field records before they are saved: every problem at once, one translated message
per field (the form shows it beside the field).

``problems(record)`` returns ``{field: message}``, empty when the record is fine; the services
raise it as ``ValidationError`` (the domain does not import our errors). ``now`` can be given for
tests; times a few minutes ahead are accepted (clock skew).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta

from fieldapp.domain import codes
from fieldapp.domain.ids import is_record_id
from fieldapp.domain.places import language_codes, nationality_codes
from fieldapp.domain.record_codes import HEALTH_TESTS, LEGAL_OUTCOMES
from fieldapp.domain.records import Contact, HealthContact, LegalSession, Person, Venue, Visit
from fieldapp.domain.values import as_utc
from fieldapp.i18n import _, ngettext

AGE_MIN, AGE_MAX = 12, 90
CLOCK_SKEW = timedelta(minutes=5)
LONGEST_VISIT = timedelta(hours=24)
MAX_PEOPLE_MET = 1000
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

    def text(self, field: str, value: str, limit: int, *, required: str = "") -> None:
        if required and not value.strip():
            self.add(field, required)
        elif len(value) > limit:
            self.add(field, _("Keep this under {limit} characters.").format(limit=limit))

    def code(self, field: str, value: str, allowed: Iterable[str], *, optional: bool = False) -> None:
        if optional and value == "":
            return
        if value not in allowed:
            self.add(field, _("Unknown code: {code}.").format(code=value or "—"))

    def codes(self, field: str, values: Iterable[str], allowed: Iterable[str]) -> None:
        allowed = set(allowed)
        unknown = [value for value in values if value not in allowed]
        if unknown:
            self.add(field, ngettext("Unknown code: {codes}.", "Unknown codes: {codes}.", len(unknown))
                     .format(codes=", ".join(unknown)))

    def past(self, field: str, moment: datetime | None) -> None:
        if moment is not None and as_utc(moment) > self.now + CLOCK_SKEW:
            self.add(field, _("This time is in the future."))

    def past_day(self, field: str, day: date | None) -> None:
        if day is not None and day > (self.now + CLOCK_SKEW).astimezone().date():
            self.add(field, _("This date is in the future."))

    def reference(self, field: str, value: str | None, message: str) -> None:
        """A record id (random, ``fieldapp.domain.ids``)."""
        if not is_record_id(value):
            self.add(field, message)

    def member(self, field: str, value: int | None, message: str) -> None:
        """A user id (a small number the vault gives)."""
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            self.add(field, message)


def _venue(venue: Venue, check: _Checker) -> None:
    check.text("name", venue.name, 80, required=_("Give the venue a name."))
    check.code("kind", venue.kind, codes.VENUE_KINDS)
    check.code("region", venue.region, codes.REGIONS, optional=True)
    check.text("municipality", venue.municipality, 60)
    check.text("notes", venue.notes, 500)


def _visit(visit: Visit, check: _Checker) -> None:
    check.reference("venue_id", visit.venue_id, _("Choose a venue."))
    check.past("started_at", visit.started_at)
    _visit_end(visit, check)
    if visit.people_met < 0:
        check.add("people_met", _("The number of people met cannot be negative."))
    elif visit.people_met > MAX_PEOPLE_MET:
        check.add("people_met", _("More than {count} people in one visit is not plausible.").format(
            count=MAX_PEOPLE_MET))
    check.codes("languages", visit.languages, language_codes())
    check.codes("observations", visit.observations, codes.INDICATORS)
    _materials(visit, check)
    if len(set(visit.team)) != len(visit.team) or any(not isinstance(u, int) or u <= 0 for u in visit.team):
        check.add("team", _("Each team member can be listed once."))
    check.text("note", visit.note, 500)


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
        if material.kind not in codes.MATERIAL_KINDS or material.language not in language_codes():
            check.add("materials", _("Unknown code: {code}.").format(code=f"{material.kind}/{material.language}"))
        elif material.quantity <= 0:
            check.add("materials", _("A quantity handed out must be more than 0."))
        elif (material.kind, material.language) in seen:
            check.add("materials", _("Each kind of material and language can be listed once."))
        seen.add((material.kind, material.language))


def _person(person: Person, check: _Checker) -> None:
    check.text("alias", person.alias, 60, required=_("Give an alias (a nickname, never the real name)."))
    check.code("gender", person.gender, codes.GENDERS)
    _ages(person, check)
    check.code("nationality", person.nationality, nationality_codes(), optional=True)
    check.codes("languages", person.languages, language_codes())
    _phone(person, check)
    check.past_day("first_contact", person.first_contact)
    check.past_day("last_contact", person.last_contact)


def _ages(person: Person, check: _Checker) -> None:
    if person.age_estimate is not None and not AGE_MIN <= person.age_estimate <= AGE_MAX:
        check.add("age_estimate", _("An age estimate must be between {low} and {high}.").format(
            low=AGE_MIN, high=AGE_MAX))
    if person.birth_year is None:
        return
    age = check.now.year - person.birth_year
    if not AGE_MIN <= age <= AGE_MAX:
        check.add("birth_year", _("This year of birth gives an age of {age}; it must be between {low} and {high}.")
                  .format(age=age, low=AGE_MIN, high=AGE_MAX))
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
    check.reference("person_id", contact.person_id, _("Choose the person."))
    check.code("kind", contact.kind, codes.CONTACT_KINDS)
    check.past("occurred_at", contact.occurred_at)
    check.codes("topics", contact.topics, codes.TOPICS)
    check.codes("services", contact.services, codes.SERVICES)
    check.codes("indicators", contact.indicators, codes.INDICATORS)
    check.codes("exploitation", contact.exploitation, codes.EXPLOITATION_FORMS)
    if contact.visit_id is not None:
        check.reference("visit_id", contact.visit_id, _("Choose the visit."))
    if contact.follow_up is not None and contact.follow_up < as_utc(contact.occurred_at).astimezone().date():
        check.add("follow_up", _("The follow-up date is before the contact."))
    check.text("note", contact.note, 1000)


def _health(health: HealthContact, check: _Checker) -> None:
    check.code("reason", health.reason, codes.HEALTH_REASONS)
    check.codes("tests_offered", health.tests_offered, HEALTH_TESTS)
    check.codes("tests_taken", health.tests_taken, HEALTH_TESTS)
    if not set(health.tests_taken) <= set(health.tests_offered):
        check.add("tests_taken", _("A test can only be taken if it was offered."))
    check.codes("assaults", health.assaults, codes.ASSAULT_KINDS)
    check.codes("assault_by", health.assault_by, codes.ASSAULT_BY)
    if health.assault_by and not health.assaults:
        check.add("assault_by", _("Say which assault was disclosed before saying by whom."))
    check.text("note", health.note, 1000)


def _legal(legal: LegalSession, check: _Checker) -> None:
    check.member("adviser_id", legal.adviser_id, _("Choose the adviser."))
    check.codes("topics", legal.topics, codes.LEGAL_TOPICS)
    check.code("outcome", legal.outcome, LEGAL_OUTCOMES, optional=True)


_CHECKS: dict[type, Callable[[object, _Checker], None]] = {
    Venue: _venue, Visit: _visit, Person: _person, Contact: _contact,
    HealthContact: _health, LegalSession: _legal,
}


def problems(record: object, now: datetime | None = None) -> Problems:
    """``{field: translated message}`` for every field with a problem; empty when the record is fine."""
    check = _Checker(now or datetime.now(UTC))
    _CHECKS[type(record)](record, check)
    return check.found
