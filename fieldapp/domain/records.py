"""The field records: venues, visits, people and their contacts.

Plain dataclasses; ``id`` is None until the record is stored. Times are timezone-aware UTC
``datetime``s; dates are ``date``s. Code fields hold codes from ``fieldapp.domain.codes``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from fieldapp.domain.codes import CHILD_UNDER


@dataclass
class Venue:
    name: str
    kind: str
    municipality: str = ""
    region: str = ""
    is_open: bool = True
    notes: str = ""
    id: str | None = None


@dataclass
class Material:
    kind: str
    language: str
    quantity: int


@dataclass
class Visit:
    venue_id: str
    started_at: datetime
    ended_at: datetime | None = None
    team: tuple[int, ...] = ()            # user ids
    people_met: int = 0
    languages: tuple[str, ...] = ()
    interpreter: bool = False
    materials: tuple[Material, ...] = ()
    observations: tuple[str, ...] = ()   # indicator codes seen at venue level
    note: str = ""
    created_by: int | None = None
    id: str | None = None


@dataclass
class Person:
    alias: str
    gender: str = "unknown"
    age_estimate: int | None = None
    birth_year: int | None = None
    nationality: str = ""                # ISO 3166-1 alpha-2, "" when unknown
    languages: tuple[str, ...] = ()
    phone: str = ""
    phone_consent: bool = False
    first_contact: date | None = None
    last_contact: date | None = None
    reference: str = ""                  # stable opaque internal reference
    id: str | None = None
    record_consent: str = ""             # RECORD_CONSENT code; required
    consent_reason: str = ""             # NOT_ASKED_REASONS code, with "not_asked" only
    sheet_language: str = ""             # the information sheet the person was given (with "given")
    sheet_version: str = ""              # and its content version, as printed at its foot
    key_worker: int | None = None        # the user who looks after this person (None: nobody in particular)


@dataclass
class OnlineSession:
    """An online outreach session: ads screened on a platform, those that showed signs of exploitation, messages
    sent with information, replies, and people reached. Counts only: nobody's name, number or profile is kept."""

    started_at: datetime
    platform: str
    ads_screened: int = 0
    ads_flagged: int = 0
    messages_sent: int = 0
    replies: int = 0
    people_reached: int = 0
    note: str = ""
    created_by: int | None = None
    id: str | None = None


def age_class(person: Person, today: date | None = None) -> str:
    """``child`` under 18, ``adult``, or ``unknown``. A child when either the age estimate or the year of birth says
    under 18 (the two may differ by a little, and a child's protection must not depend on which one was typed)."""
    ages = [age for age in (person.age_estimate, None if person.birth_year is None
                            else (today or date.today()).year - person.birth_year) if age is not None]
    if not ages:
        return "unknown"
    return "child" if min(ages) < CHILD_UNDER else "adult"


@dataclass
class Contact:
    person_id: str
    kind: str
    occurred_at: datetime
    visit_id: str | None = None
    topics: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    indicators: tuple[str, ...] = ()
    follow_up: date | None = None
    note: str = ""
    created_by: int | None = None
    id: str | None = None
    exploitation: tuple[str, ...] = ()   # suspected EXPLOITATION_FORMS codes
    follow_up_done: bool = False
    industry: str = ""                   # INDUSTRIES code of the work, "" when not known or not relevant
    crime_forms: tuple[str, ...] = ()    # CRIME_FORMS codes, with suspected forced criminal activities only
    follow_up_text: str = ""             # what to do by the follow-up date, in a few words
    follow_up_owner: int | None = None   # the user who follows it up (None: the person's key worker, else the author)
    child_steps: tuple[str, ...] = ()    # CHILD_STEPS codes: what was done to protect a child


@dataclass
class HealthContact:
    contact_id: str
    reason: str
    tests_offered: tuple[str, ...] = ()
    tests_taken: tuple[str, ...] = ()
    referred_public_care: bool = False
    assaults: tuple[str, ...] = ()       # ASSAULT_KINDS codes
    assault_by: tuple[str, ...] = ()     # ASSAULT_BY codes
    note: str = ""
    id: str | None = None


@dataclass
class LegalSession:
    contact_id: str
    adviser_id: int
    topics: tuple[str, ...] = ()
    interpreter: bool = False
    police_report_assisted: bool = False
    police_report_filed: bool = False
    victims_lawyer_requested: bool = False
    outcome: str = ""
    follow_up: date | None = None
    id: str | None = None
    crimes: tuple[str, ...] = ()         # LEGAL_CRIMES codes: crimes against the client, as disclosed
    perpetrators: tuple[str, ...] = ()   # ASSAULT_BY codes: who committed them
    first_reached_here: bool = False     # legal advice was the first contact with the person


@dataclass
class User:
    name: str
    role: str
    active: bool = True
    id: int | None = None
    created_at: datetime | None = None
