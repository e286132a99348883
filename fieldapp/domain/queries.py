"""What the lists ask for (filters) and what they show (rows that join several records)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from fieldapp.domain.records import Contact, HealthContact, LegalSession, Visit


@dataclass(frozen=True)
class VenueFilter:
    text: str = ""                       # part of the name or municipality
    kind: str = ""                       # a VENUE_KINDS code, "" for all
    region: str = ""                     # a REGIONS code, "" for all
    is_open: bool | None = None          # None for open and closed


@dataclass(frozen=True)
class VisitFilter:
    since: date | None = None            # local dates, both ends included
    until: date | None = None
    venue_id: str | None = None
    worker_id: int | None = None         # a user in the visit's team


@dataclass(frozen=True)
class PeopleFilter:
    text: str = ""                       # typed text: part of the alias or reference, or a nationality's name
    nationality: str = ""                # an ISO code, "" for all
    gender: str = ""                     # a GENDERS code, "" for all


@dataclass(frozen=True)
class PeopleQuery:
    """A ``PeopleFilter`` made ready for storage: the text folded with ``alias_key`` and the
    nationalities whose names match it."""
    text_key: str = ""
    reference: str = ""                  # the typed text as a reference ("P-1A2B3C4D5E")
    name_nationalities: tuple[str, ...] = ()
    nationality: str = ""
    gender: str = ""


@dataclass(frozen=True)
class VisitRow:
    visit: Visit
    venue_name: str


@dataclass(frozen=True)
class TimelineEntry:
    """One contact in a person's timeline. ``restricted`` marks a health or legal contact the reader
    may not see the details of: its note, topics and services are blank and no parts are attached."""
    contact: Contact
    health: HealthContact | None = None
    legal: LegalSession | None = None
    restricted: bool = False


@dataclass(frozen=True)
class FollowUp:
    contact_id: str
    person_id: str
    alias: str
    kind: str                            # the contact's kind
    due: date
    occurred_on: date                    # the day of the contact that asked for it
    reply_id: str = ""                   # an interview CMM booked (then contact_id is "")
    what: str = ""                       # what to do, in words (a contact's follow-up plan, or an interview's)
    owner: int | None = None             # the user whose follow-up it is
