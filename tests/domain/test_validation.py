"""Validation: each bad value gets its own translated message, all problems come at once."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from fieldapp.domain import validation
from fieldapp.domain.ids import new_id
from fieldapp.domain.records import Contact, HealthContact, LegalSession, Material, Person, Venue, Visit
from fieldapp.domain.validation import problems
from tests.conftest import AGREED

RID = {n: new_id() for n in range(1, 10)}      # record ids, by a short name
V1, C1 = RID[1], RID[1]

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
EARLIER = NOW - timedelta(days=2)

GOOD = {
    "venue": Venue(name="Lotus Massage", kind="massage_clinic", municipality="Odense", region="syddanmark"),
    "visit": Visit(venue_id=V1, started_at=EARLIER, ended_at=EARLIER + timedelta(hours=2), team=(1, 2), people_met=4,
                   languages=("th", "en"), materials=(Material("leaflet", "th", 5), Material("health_kit", "th", 3)),
                   observations=("lives_at_work",)),
    "person": Person(**AGREED, alias="Mali", gender="woman", age_estimate=30, nationality="TH", languages=("th", "en"),
                     phone="+45 12 34 56 78", phone_consent=True),
    "contact": Contact(person_id=RID[1], kind="venue", occurred_at=EARLIER, visit_id=RID[2], topics=("rights",),
                       services=("leaflet",), indicators=("debt",), exploitation=("sexual",),
                       follow_up=EARLIER.date() + timedelta(days=7)),
    "health": HealthContact(contact_id=C1, reason="sti_test", tests_offered=("hiv", "syphilis"), tests_taken=("hiv",),
                            assaults=("robbery",), assault_by=("customer",)),
    "legal": LegalSession(contact_id=C1, adviser_id=3, topics=("report_violence", "residence"), outcome="advice_given",
                          follow_up=NOW.date() + timedelta(days=14), crimes=("sexual", "threats"),
                          perpetrators=("customer",), first_reached_here=True),
}


@pytest.mark.parametrize("name", sorted(GOOD))
def test_good_records_have_no_problems(name: str) -> None:
    assert problems(GOOD[name], NOW) == {}


BAD = [
    # (record, field changes, field expected to be reported)
    ("person", {"age_estimate": 9}, "age_estimate"),
    ("person", {"age_estimate": 91}, "age_estimate"),
    ("person", {"age_estimate": None, "birth_year": 2020}, "birth_year"),
    ("person", {"age_estimate": None, "birth_year": 1920}, "birth_year"),
    ("person", {"age_estimate": None, "birth_year": 2030}, "birth_year"),
    ("person", {"age_estimate": 30, "birth_year": 1970}, "birth_year"),
    ("person", {"alias": ""}, "alias"),
    ("person", {"alias": "   "}, "alias"),
    ("person", {"alias": "x" * 61}, "alias"),
    ("person", {"gender": "female"}, "gender"),
    ("person", {"nationality": "XX"}, "nationality"),
    ("person", {"nationality": "EU"}, "nationality"),
    ("person", {"nationality": "tha"}, "nationality"),
    ("person", {"languages": ("th", "klingon")}, "languages"),
    ("person", {"languages": ("en_US",)}, "languages"),
    ("person", {"phone_consent": False}, "phone"),
    ("person", {"phone": "call me maybe"}, "phone"),
    ("person", {"phone": "123"}, "phone"),
    ("person", {"first_contact": NOW.date() + timedelta(days=3)}, "first_contact"),
    ("venue", {"name": ""}, "name"),
    ("venue", {"kind": "brothel"}, "kind"),
    ("venue", {"region": "skaane"}, "region"),
    ("visit", {"started_at": NOW + timedelta(hours=1), "ended_at": None}, "started_at"),
    ("visit", {"ended_at": EARLIER - timedelta(minutes=1)}, "ended_at"),
    ("visit", {"ended_at": EARLIER + timedelta(hours=25)}, "ended_at"),
    ("visit", {"people_met": -1}, "people_met"),
    ("visit", {"languages": ("xx1",)}, "languages"),
    ("visit", {"observations": ("bad_vibes",)}, "observations"),
    ("visit", {"materials": (Material("leaflet", "th", 0),)}, "materials"),
    ("visit", {"materials": (Material("leaflet", "th", -5),)}, "materials"),
    ("visit", {"materials": (Material("flyer", "th", 2),)}, "materials"),
    ("visit", {"materials": (Material("leaflet", "th", 2), Material("leaflet", "th", 3))}, "materials"),
    ("visit", {"team": (1, 1)}, "team"),
    ("visit", {"venue_id": None}, "venue_id"),
    ("contact", {"occurred_at": NOW + timedelta(minutes=30)}, "occurred_at"),
    ("contact", {"kind": "email"}, "kind"),
    ("contact", {"topics": ("weather",)}, "topics"),
    ("contact", {"services": ("taxi",)}, "services"),
    ("contact", {"indicators": ("tattoo",)}, "indicators"),
    ("contact", {"exploitation": ("begging_ring",)}, "exploitation"),
    ("contact", {"follow_up": EARLIER.date() - timedelta(days=1)}, "follow_up"),
    ("contact", {"person_id": 0}, "person_id"),
    ("health", {"reason": "checkup"}, "reason"),
    ("health", {"tests_offered": ("blood_type",)}, "tests_offered"),
    ("health", {"tests_taken": ("syphilis", "chlamydia")}, "tests_taken"),
    ("health", {"assaults": ("mugging",)}, "assaults"),
    ("health", {"assaults": (), "assault_by": ("customer",)}, "assault_by"),
    ("health", {"assault_by": ("neighbour",)}, "assault_by"),
    ("legal", {"topics": ("parking_fine",)}, "topics"),
    ("legal", {"outcome": "won"}, "outcome"),
    ("legal", {"adviser_id": 0}, "adviser_id"),
    ("legal", {"crimes": ("parking",)}, "crimes"),
    ("legal", {"crimes": (), "perpetrators": ("customer",)}, "perpetrators"),
    ("legal", {"perpetrators": ("neighbour",)}, "perpetrators"),
]


def test_a_crime_may_be_recorded_without_saying_who_committed_it() -> None:
    assert problems(replace(GOOD["legal"], perpetrators=()), NOW) == {}
    found = problems(replace(GOOD["legal"], crimes=()), NOW)
    assert found == {"perpetrators": "Say which crime was disclosed before saying who committed it."}


@pytest.mark.parametrize(("name", "changes", "field"), BAD, ids=[f"{b[0]}-{b[2]}-{i}" for i, b in enumerate(BAD)])
def test_each_bad_value_is_reported_on_its_field(name: str, changes: dict, field: str) -> None:
    found = problems(replace(GOOD[name], **changes), NOW)
    assert field in found, found
    assert found[field].strip()


def test_every_problem_is_reported_at_once() -> None:
    person = replace(GOOD["person"], alias="", age_estimate=7, nationality="QQ", languages=("zz9",),
                     phone_consent=False)
    assert set(problems(person, NOW)) == {"alias", "age_estimate", "nationality", "languages", "phone"}


def test_small_clock_skew_is_tolerated() -> None:
    contact = replace(GOOD["contact"], occurred_at=NOW + timedelta(minutes=2), follow_up=None)
    assert problems(contact, NOW) == {}


def test_unknown_codes_are_named_in_the_message() -> None:
    found = problems(replace(GOOD["contact"], indicators=("debt", "tattoo", "hat")), NOW)
    assert "tattoo" in found["indicators"] and "hat" in found["indicators"] and "debt" not in found["indicators"]


def test_age_limits_are_inclusive() -> None:
    assert problems(replace(GOOD["person"], age_estimate=12), NOW) == {}
    assert problems(replace(GOOD["person"], age_estimate=90), NOW) == {}
    assert problems(replace(GOOD["person"], age_estimate=None, birth_year=NOW.year - 12), NOW) == {}


def test_an_empty_nationality_means_unknown_and_is_fine() -> None:
    assert problems(replace(GOOD["person"], nationality=""), NOW) == {}


def test_naive_times_are_read_as_local_time() -> None:
    naive = (NOW - timedelta(hours=1)).astimezone().replace(tzinfo=None)
    assert problems(replace(GOOD["contact"], occurred_at=naive, follow_up=None), NOW) == {}


def test_messages_go_through_the_translation_function(monkeypatch) -> None:
    monkeypatch.setattr(validation, "_", lambda text: f"«{text}»")
    found = problems(replace(GOOD["person"], alias="", age_estimate=200), NOW)
    assert all(message.startswith("«") for message in found.values())


def test_today_is_not_the_future() -> None:
    assert problems(replace(GOOD["person"], first_contact=date.today()), datetime.now(UTC)) == {}
