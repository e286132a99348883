"""Synthetic field records for the demo, tests and benchmarks: deterministic from a seed.

``generate`` builds the records in memory (same seed, same day and same users give the same data);
``synthetic_store.populate`` stores them in an open vault with a few bulk statements. Aliases, venue names and notes
are made up from syllables and stock phrases; no real person or place of work is described.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from fieldapp.demo import distributions as dist
from fieldapp.demo.distributions import pick, pick_some
from fieldapp.demo.synthetic_base import Ids, Staff
from fieldapp.demo.synthetic_people import PeopleMaker
from fieldapp.domain.records import (
    Contact,
    HealthContact,
    LegalSession,
    Material,
    OnlineSession,
    Person,
    Venue,
    Visit,
)
from fieldapp.domain.validation import problems

HISTORY_DAYS = 3 * 365


@dataclass
class SyntheticData:
    venues: list[Venue] = field(default_factory=list)
    visits: list[Visit] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    health: list[HealthContact] = field(default_factory=list)
    legal: list[LegalSession] = field(default_factory=list)
    refusals: list[tuple[date, str, str]] = field(default_factory=list)  # day, gender, age class: counted only
    online: list[OnlineSession] = field(default_factory=list)

    def records(self) -> list:
        return [*self.venues, *self.visits, *self.people, *self.contacts, *self.health, *self.legal, *self.online]


class _Places:
    """Venues and the visits made to them."""

    def __init__(self, rng: random.Random, anchor: datetime, staff: Staff, ids: Ids) -> None:
        self.rng, self.anchor, self.staff, self.ids = rng, anchor, staff, ids
        self.venue_language: dict[str, tuple[str, ...]] = {}

    def venues(self, count: int) -> list[Venue]:
        return [self._venue(self.ids.next(), i + 1) for i in range(count)]

    def _venue(self, venue_id: str, number: int) -> Venue:
        rng = self.rng
        kind, region = pick(rng, dist.VENUE_KINDS), pick(rng, dist.REGIONS)
        municipality = rng.choice(dist.MUNICIPALITIES[region])
        noun = rng.choice(dist.VENUE_NOUNS[kind])
        name = f"{rng.choice(dist.VENUE_WORDS)} {noun}" if kind == "massage_clinic" else f"{municipality} {noun}"
        nationality = pick(rng, dist.WOMEN_NATIONALITIES)
        self.venue_language[venue_id] = dist.LANGUAGES[nationality]
        return Venue(id=venue_id, name=f"{name} {number}", kind=kind, municipality=municipality, region=region,
                     is_open=rng.random() < 0.85, notes="")

    def visits(self, venues: list[Venue], count: int) -> list[Visit]:
        busy = [3 if v.kind in ("massage_clinic", "street_area") else 1 for v in venues]
        chosen = self.rng.choices(venues, busy, k=count)
        visits = [self._visit(self.ids.next(), venue) for venue in chosen]
        visits.sort(key=lambda v: (v.started_at, v.id))
        return visits

    def _visit(self, visit_id: str, venue: Venue) -> Visit:
        rng = self.rng
        day = self.anchor - timedelta(days=rng.randint(1, HISTORY_DAYS))
        start = day + timedelta(hours=rng.randint(8, 20), minutes=rng.choice((0, 15, 30, 45)))
        languages = self.venue_language[venue.id]
        team = tuple(sorted({self.staff.author, rng.choice(self.staff.team)}))
        return Visit(id=visit_id, venue_id=venue.id, started_at=start,
                     ended_at=start + timedelta(minutes=rng.randint(30, 180)), team=team,
                     people_met=rng.randint(0, 8), languages=languages, interpreter=rng.random() < 0.15,
                     materials=self._materials(languages), observations=self._observations(),
                     note=rng.choice(dist.VISIT_NOTES) if rng.random() < 0.2 else "", created_by=self.staff.author)

    def _materials(self, languages: tuple[str, ...]) -> tuple[Material, ...]:
        kinds = pick_some(self.rng, dist.MATERIALS, 3)
        return tuple(Material(kind, languages[0], self.rng.randint(1, 20)) for kind in kinds)

    def _observations(self) -> tuple[str, ...]:
        return pick_some(self.rng, dist.INDICATORS, 2) if self.rng.random() < 0.05 else ()


def _anchor(today: date) -> datetime:
    """Midnight UTC at the start of ``today``: every generated moment lies before it."""
    return datetime.combine(today, time.min, UTC)


def generate(people: int, seed: int = 0, *, today: date | None = None, staff: Staff | None = None,
             salt: str = "") -> SyntheticData:
    """Venues (people/40, at least 10), visits (= people), people and contacts (5 per person on
    average) with health and legal parts, all before ``today`` and all valid."""
    rng = random.Random(seed)
    anchor, staff, ids = _anchor(today or date.today()), staff or Staff(1, (1,), 1), Ids(seed, salt)
    places = _Places(rng, anchor, staff, ids)
    data = SyntheticData()
    data.venues = places.venues(max(10, people // 40))
    data.visits = places.visits(data.venues, people)
    maker = PeopleMaker(rng, anchor, staff, ids)
    data.people = maker.people(people)
    data.contacts, data.health, data.legal = maker.contacts(data.people, data.venues, data.visits, 5 * people)
    data.refusals = _refusals(random.Random(seed + 1), anchor.date(), round(people * dist.REFUSED_PER_PERSON))
    data.online = _online(random.Random(seed + 2), anchor, staff, max(5, round(people * dist.ONLINE_PER_PERSON)))
    return data


def _online(rng: random.Random, anchor: datetime, staff: Staff, count: int) -> list[OnlineSession]:
    """Online outreach sessions over the last three years (a generator of their own, see ``_refusals``)."""
    sessions = []
    for _ in range(count):
        screened = rng.randint(10, 60)
        flagged = rng.randint(0, screened // 6)
        sent = rng.randint(flagged, flagged + 10)
        replies = rng.randint(0, sent // 2)
        sessions.append(OnlineSession(
            started_at=anchor - timedelta(days=rng.randint(1, 1095), hours=rng.randint(1, 12)),
            platform=pick(rng, dist.PLATFORMS), ads_screened=screened, ads_flagged=flagged, messages_sent=sent,
            replies=replies, people_reached=rng.randint(0, replies), created_by=staff.author))
    return sessions


def _refusals(rng: random.Random, today: date, count: int) -> list[tuple[date, str, str]]:
    """People met who refused to be recorded, over the last three years (a generator of their own, so the
    records above stay as they were for a seed)."""
    return [(today - timedelta(days=rng.randint(1, 1095)), pick(rng, dist.GENDERS),
             "child" if rng.random() < 0.03 else "adult") for _ in range(count)]


def invalid_records(data: SyntheticData, now: datetime | None = None) -> list[tuple[object, dict[str, str]]]:
    """Every generated record that fails validation, with its problems (empty when all are valid)."""
    now = now or datetime.now(UTC)
    found = ((record, problems(record, now)) for record in data.records())
    return [(record, issues) for record, issues in found if issues]
