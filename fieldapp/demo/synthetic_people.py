"""Synthetic people and their contacts (with health and legal parts), over time."""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from fieldapp.demo import distributions as dist
from fieldapp.demo.distributions import pick, pick_some
from fieldapp.demo.synthetic_base import Ids, Staff
from fieldapp.domain.records import Contact, HealthContact, LegalSession, Person, Venue, Visit, age_class

MAX_ACTIVE_DAYS = 720


@dataclass
class _Life:
    """What shapes one person's contacts: where they are met, when, and which services they use."""
    person: Person
    home: Venue
    first: datetime
    last: datetime
    health_client: bool
    legal_client: bool


class PeopleMaker:
    def __init__(self, rng: random.Random, anchor: datetime, staff: Staff, ids: Ids) -> None:
        self.rng, self.anchor, self.staff, self.ids = rng, anchor, staff, ids
        self.pilot_start = datetime.combine(dist.LEGAL_PILOT_START, anchor.timetz())
        self._references: set[str] = set()
        self._visits_at: dict[str, list[Visit]] = {}
        self._starts_at: dict[str, list[datetime]] = {}

    # -- people ------------------------------------------------------------------------------

    def people(self, count: int) -> list[Person]:
        return [self._person(self.ids.next()) for _ in range(count)]

    def _person(self, person_id: str) -> Person:
        rng = self.rng
        gender = pick(rng, dist.GENDERS)
        nationality = pick(rng, dist.MEN_NATIONALITIES if gender == "man" else dist.WOMEN_NATIONALITIES)
        age = max(dist.AGE_RANGE[0], min(dist.AGE_RANGE[1], round(rng.gauss(dist.AGE_MEAN, dist.AGE_SD))))
        if rng.random() < dist.CHILDREN:
            age = rng.randint(15, 17)
        which = rng.random()
        phone = f"+45 00{rng.randint(0, 999999):06d}" if rng.random() < dist.PHONE_WITH_CONSENT else ""
        languages = self._languages(nationality)
        consent = pick(rng, dist.RECORD_CONSENT)
        sheet = next((code for code in languages if code in dist.SHEETS), "en") if consent == "given" else ""
        return Person(id=person_id, reference=self._reference(), alias=self._alias(), gender=gender,
                      age_estimate=age if which < 0.7 else None,
                      birth_year=self.anchor.year - age if 0.7 <= which < 0.9 else None,
                      nationality=nationality if rng.random() > 0.05 else "",
                      languages=languages, phone=phone, phone_consent=bool(phone), record_consent=consent,
                      consent_reason=pick(rng, dist.NOT_ASKED_REASONS) if consent == "not_asked" else "",
                      sheet_language=sheet, sheet_version=dist.SHEET_VERSION if sheet else "",
                      key_worker=rng.choice(self.staff.team) if rng.random() < dist.WITH_KEY_WORKER else None)

    def _alias(self) -> str:
        rng = self.rng
        alias = "".join(rng.choice(dist.SYLLABLES) for _ in range(rng.choice((2, 2, 3)))).capitalize()
        return f"{alias} {chr(rng.randint(65, 90))}." if rng.random() < 0.25 else alias

    def _reference(self) -> str:
        while True:
            reference = f"P-{self.rng.getrandbits(40):010X}"
            if reference not in self._references:
                self._references.add(reference)
                return reference

    def _languages(self, nationality: str) -> tuple[str, ...]:
        own = dist.LANGUAGES[nationality][: self.rng.randint(1, 2)]
        return own + ("en",) if "en" not in own and self.rng.random() < 0.35 else own

    # -- contacts ----------------------------------------------------------------------------

    def contacts(self, people: list[Person], venues: list[Venue], visits: list[Visit], total: int):
        """``total`` contacts (at least one each), with their health and legal parts."""
        for visit in visits:  # visits come sorted by start
            self._visits_at.setdefault(visit.venue_id, []).append(visit)
            self._starts_at.setdefault(visit.venue_id, []).append(visit.started_at)
        counts = self._counts(len(people), total)
        contacts, health, legal = [], [], []
        for person, count in zip(people, counts, strict=True):
            life = self._life(person, venues)
            sessions: dict[str, LegalSession] = {}
            for _ in range(count):
                contact = self._contact(life)
                contacts.append(contact)
                if contact.kind == "health":
                    health.append(self._health(contact))
                elif contact.kind == "legal":
                    legal.append(self._legal(contact))
                    sessions[contact.id] = legal[-1]
                    if legal[-1].follow_up and contact.follow_up is None:  # as the legal service does
                        contact.follow_up = legal[-1].follow_up
            first = min(contacts[len(contacts) - count:], key=lambda c: c.occurred_at)
            if first.id in sessions:                 # legal advice was the first contact with this person
                sessions[first.id].first_reached_here = True
        return contacts, health, legal

    def _counts(self, people: int, total: int) -> list[int]:
        """One contact each, the rest spread unevenly: a few people are met very often."""
        counts = [1] * people
        weights = [self.rng.paretovariate(1.6) for _ in range(people)]
        for index in self.rng.choices(range(people), weights, k=max(0, total - people)):
            counts[index] += 1
        return counts

    def _life(self, person: Person, venues: list[Venue]) -> _Life:
        rng = self.rng
        start_days = rng.randint(1, 1095)
        active = rng.randint(0, min(start_days - 1, MAX_ACTIVE_DAYS))
        first = self.anchor - timedelta(days=start_days)
        return _Life(person, rng.choice(venues), first, first + timedelta(days=active),
                     rng.random() < dist.HEALTH_CLIENTS,
                     person.gender == "woman" and rng.random() < dist.LEGAL_CLIENTS)

    def _kind(self, life: _Life) -> str:
        rng = self.rng
        if life.health_client and rng.random() < 0.5:
            return "health"
        if life.legal_client and life.last >= self.pilot_start and rng.random() < 0.4:
            return "legal"
        kind = pick(rng, dist.CONTACT_KINDS)
        return "drop_in" if kind in ("health", "legal") else kind

    def _contact(self, life: _Life) -> Contact:
        rng = self.rng
        kind = self._kind(life)
        visit, moment = self._when(life, kind)
        indicators = pick_some(rng, dist.INDICATORS, 3) if rng.random() < dist.INDICATORS_SEEN else ()
        exploitation = ()
        if indicators and rng.random() < 0.6:
            exploitation = (pick(rng, dist.EXPLOITATION["man" if life.person.gender == "man" else "woman"]),)
        industry = pick(rng, dist.INDUSTRIES) if "forced_labour" in exploitation else ""
        crime_forms = (pick(rng, dist.CRIME_FORMS),) if "criminal_activities" in exploitation else ()
        follow_up, done = self._follow_up(moment)
        child_steps: tuple[str, ...] = ()
        if age_class(life.person, self.anchor.date()) == "child":     # the duty to protect children, every time
            child_steps = (pick(rng, dist.CHILD_STEPS), "child_heard")
            if "municipality_to_tell" in child_steps and follow_up is None:
                follow_up, done = moment.astimezone().date() + timedelta(days=1), True
        plan = rng.choice(dist.FOLLOW_UP_PLANS) if follow_up else ""
        return Contact(id=self.ids.next(), person_id=life.person.id, kind=kind, occurred_at=moment,
                       visit_id=visit.id if visit else None, topics=pick_some(rng, dist.TOPICS, 2),
                       services=pick_some(rng, dist.SERVICES, 2), indicators=indicators, exploitation=exploitation,
                       industry=industry, crime_forms=crime_forms, follow_up_text=plan, child_steps=child_steps,
                       follow_up=follow_up, follow_up_done=done, created_by=self.staff.author,
                       note=rng.choice(dist.CONTACT_NOTES) if rng.random() < 0.15 else "")

    def _when(self, life: _Life, kind: str) -> tuple[Visit | None, datetime]:
        rng = self.rng
        if kind in ("venue", "street") and life.home.id in self._visits_at:
            visit = self._visit_near(life)
            minutes = int((visit.ended_at - visit.started_at).total_seconds() // 60)
            return visit, visit.started_at + timedelta(minutes=rng.randint(0, minutes))
        first = max(life.first, self.pilot_start) if kind == "legal" else life.first
        last = max(first, life.last)
        day = first + timedelta(days=rng.randint(0, (last - first).days))
        return None, day + timedelta(hours=rng.randint(8, 21), minutes=rng.randint(0, 59))

    def _visit_near(self, life: _Life) -> Visit:
        """A visit to the person's home venue during their active time (or the nearest one)."""
        visits, starts = self._visits_at[life.home.id], self._starts_at[life.home.id]
        low, high = bisect.bisect_left(starts, life.first), bisect.bisect_right(starts, life.last)
        if low < high:
            return visits[self.rng.randrange(low, high)]
        return visits[min(low, len(visits) - 1)]

    def _follow_up(self, moment: datetime):
        if self.rng.random() >= dist.FOLLOW_UP:
            return None, False
        due = moment.astimezone().date() + timedelta(days=self.rng.randint(3, 30))
        overdue = due < self.anchor.date() - timedelta(days=7)
        return due, overdue and self.rng.random() < 0.9

    # -- health and legal parts --------------------------------------------------------------

    def _health(self, contact: Contact) -> HealthContact:
        rng = self.rng
        reason = pick(rng, dist.HEALTH_REASONS)
        offered: tuple[str, ...] = ()
        if reason == "sti_test":
            offered = tuple(t for t in dist.STI_TESTS if t in set(rng.sample(dist.STI_TESTS, rng.randint(2, 4))))
        elif reason == "pregnancy" and rng.random() < 0.7:
            offered = ("pregnancy",)
        taken = offered if rng.random() < 0.8 else offered[:-1]
        assaulted = rng.random() < dist.ASSAULT_DISCLOSED
        return HealthContact(contact_id=contact.id, reason=reason, tests_offered=offered, tests_taken=taken,
                             referred_public_care=rng.random() < dist.REFERRED_PUBLIC_CARE,
                             assaults=pick_some(rng, dist.ASSAULT_KINDS, 2) if assaulted else (),
                             assault_by=pick_some(rng, dist.ASSAULT_BY, 1) if assaulted else ())

    def _legal(self, contact: Contact) -> LegalSession:
        rng = self.rng
        crimes = pick_some(rng, dist.LEGAL_CRIMES, 2) if rng.random() < dist.CRIME_DISCLOSED else ()
        assisted = bool(crimes) and rng.random() < dist.POLICE_REPORT_ASSISTED
        follow_up = contact.occurred_at.astimezone().date() + timedelta(days=rng.randint(7, 60))
        return LegalSession(contact_id=contact.id, adviser_id=self.staff.adviser,
                            topics=pick_some(rng, dist.LEGAL_TOPICS, 3), interpreter=rng.random() < 0.4,
                            police_report_assisted=assisted, police_report_filed=assisted and rng.random() < 0.6,
                            victims_lawyer_requested=rng.random() < 0.08, outcome=pick(rng, dist.LEGAL_OUTCOMES),
                            follow_up=follow_up if rng.random() < 0.3 else None, crimes=crimes,
                            perpetrators=self._perpetrators(crimes))

    def _perpetrators(self, crimes: tuple[str, ...]) -> tuple[str, ...]:
        """Who committed the crimes disclosed: trafficking by a trafficker; not always said."""
        if not crimes or self.rng.random() < 0.1:
            return ()
        found = set(pick_some(self.rng, dist.PERPETRATORS, 2 if self.rng.random() < 0.2 else 1))
        if "exploitation" in crimes or "withheld_pay" in crimes:
            found.add("trafficker")
        return tuple(code for code in dist.PERPETRATORS if code in found)
