"""The synthetic data generator: deterministic, valid, shaped like the domain facts, and able to
fill a vault at benchmark scale."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

import pytest

from fieldapp.demo import distributions as dist
from fieldapp.demo.synthetic import generate, invalid_records
from fieldapp.demo.synthetic_store import populate
from fieldapp.domain.queries import PeopleFilter
from fieldapp.records import contacts, people
from fieldapp.security.vault import create_vault
from fieldapp.storage import audit_repo
from tests.conftest import PASSPHRASE

TODAY = date(2026, 11, 2)
NOW = datetime(2026, 11, 2, 0, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def sample():
    return generate(2000, seed=7, today=TODAY)


def test_same_seed_same_data() -> None:
    assert generate(300, seed=11, today=TODAY) == generate(300, seed=11, today=TODAY)
    assert generate(300, seed=11, today=TODAY).people != generate(300, seed=12, today=TODAY).people


def test_every_record_passes_validation(sample) -> None:
    assert invalid_records(sample, NOW) == []


def test_default_proportions(sample) -> None:
    assert (len(sample.people), len(sample.visits), len(sample.contacts), len(sample.venues)) == (2000, 2000, 10000,
                                                                                                   50)
    assert len(generate(100, seed=1, today=TODAY).venues) == 10
    assert len({p.reference for p in sample.people}) == 2000
    assert {c.person_id for c in sample.contacts} == {p.id for p in sample.people}   # everyone met at least once


def test_people_look_like_the_domain_facts(sample) -> None:
    genders = Counter(p.gender for p in sample.people)
    assert 0.86 <= genders["woman"] / 2000 <= 0.94
    top = [code for code, _n in Counter(p.nationality for p in sample.people if p.nationality).most_common(4)]
    assert set(top[:2]) == {"TH", "RO"} and {"NG", "BG"} & set(top)
    for person in sample.people:
        if person.nationality:
            assert person.languages[0] in dist.LANGUAGES[person.nationality]
        assert person.phone == "" or person.phone_consent
    men = Counter(p.nationality for p in sample.people if p.gender == "man")
    assert "MA" in dict(men.most_common(3))


def test_contacts_look_like_the_domain_facts(sample) -> None:
    kinds = Counter(c.kind for c in sample.contacts)
    assert kinds["venue"] > kinds["street"] > 0 and 0.05 < kinds["health"] / 10000 < 0.25 and kinds["legal"] > 0
    assert len(sample.health) == kinds["health"] and len(sample.legal) == kinds["legal"]
    assert 0.03 < sum(1 for c in sample.contacts if c.indicators) / 10000 < 0.12      # sparse
    assert Counter(h.reason for h in sample.health).most_common(1)[0][0] == "sti_test"
    assert 0 < sum(1 for h in sample.health if h.assaults) / len(sample.health) < 0.08
    legal_days = [c.occurred_at.date() for c in sample.contacts if c.kind == "legal"]
    assert min(legal_days) >= dist.LEGAL_PILOT_START                                 # the pilot began in 2026
    visit_ids = {v.id for v in sample.visits}
    assert all(c.visit_id in visit_ids for c in sample.contacts if c.visit_id is not None)
    assert {c.kind for c in sample.contacts if c.visit_id is not None} <= {"venue", "street"}


def test_legal_sessions_record_crimes_perpetrators_and_first_contacts(sample) -> None:
    sessions = sample.legal
    with_crime = [s for s in sessions if s.crimes]
    assert 0.2 < len(with_crime) / len(sessions) < 0.5                # the pilot is there to report violence
    crimes = Counter(code for s in sessions for code in s.crimes)
    assert crimes.most_common(1)[0][0] in ("sexual", "physical", "threats")
    by = Counter(code for s in sessions for code in s.perpetrators)
    assert by["customer"] > by["trafficker"] > by["other"] > 0
    assert all(s.crimes for s in sessions if s.perpetrators or s.police_report_assisted)
    first = {s.contact_id for s in sessions if s.first_reached_here}
    contacts = {c.id: c for c in sample.contacts}
    clients = {contacts[s.contact_id].person_id for s in sessions}
    assert 0.05 < len(first) / len(clients) < 0.7
    for contact_id in first:                                           # truly the person's first contact
        person = contacts[contact_id].person_id
        assert contacts[contact_id].occurred_at == min(c.occurred_at for c in sample.contacts if c.person_id == person)


def test_men_in_forced_labour_and_crime_and_the_workplaces_they_are_met_at(sample) -> None:
    men = {p.id for p in sample.people if p.gender == "man"}
    labour = [c for c in sample.contacts if "forced_labour" in c.exploitation]
    crime = [c for c in sample.contacts if "criminal_activities" in c.exploitation]
    assert labour and all(c.industry for c in labour) and {c.industry for c in labour} >= {"construction"}
    assert crime and all(c.crime_forms for c in crime) and all(c.person_id in men for c in crime)
    assert not any(c.industry for c in sample.contacts if "forced_labour" not in c.exploitation)
    workplaces = {"construction_site", "farm_greenhouse", "restaurant_kitchen", "car_wash", "cleaning", "warehouse"}
    assert workplaces & {v.kind for v in sample.venues}


def test_a_few_children_with_the_child_protection_step_at_every_contact(sample) -> None:
    from fieldapp.domain.records import age_class

    children = {p.id for p in sample.people if age_class(p, TODAY) == "child"}
    assert 0 < len(children) < 0.03 * len(sample.people)
    for contact in sample.contacts:
        assert bool(contact.child_steps) == (contact.person_id in children)
        if "municipality_to_tell" in contact.child_steps:
            assert contact.follow_up is not None


def test_online_outreach_sessions_and_anonymous_refusals_in_realistic_numbers(sample) -> None:
    assert 50 <= len(sample.online) <= 150 and {s.platform for s in sample.online} >= {"escort_sites", "classifieds"}
    assert all(s.ads_flagged <= s.ads_screened and s.replies <= s.messages_sent for s in sample.online)
    assert 0 < len(sample.refusals) < 0.1 * len(sample.people)
    assert sum(p.record_consent == "given" for p in sample.people) > 0.7 * len(sample.people)


def test_full_scale_generation() -> None:
    data = generate(20000, seed=3, today=TODAY)
    assert (len(data.people), len(data.visits), len(data.contacts)) == (20000, 20000, 100000)
    assert len({c.id for c in data.contacts}) == 100000


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    session, _recovery = create_vault(tmp_path_factory.mktemp("demo") / "demo.fieldapp", "Demo", "admin", PASSPHRASE)
    steps: list[tuple[int, int]] = []
    data = populate(session, people=600, seed=4, progress=lambda done, total: steps.append((done, total)))
    yield session, data, steps
    session.close(audit_lock=False)


def test_populate_stores_everything(filled) -> None:
    session, data, steps = filled
    counts = {table: session.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
              for table in ("venues", "visits", "people", "contacts", "health_contacts", "legal_sessions")}
    assert counts == {"venues": len(data.venues), "visits": 600, "people": 600, "contacts": 3000,
                      "health_contacts": len(data.health), "legal_sessions": len(data.legal)}
    assert steps[-1][0] == steps[-1][1] and [s[0] for s in steps] == sorted(s[0] for s in steps)
    assert "demo.populate" in [e.action for e in audit_repo.events(session.conn, 5)]


def test_populated_people_have_first_and_last_contact(filled) -> None:
    session, data, _steps = filled
    person = data.people[0]
    stored = people.get_person(session, person.id)
    days = [c.occurred_at.astimezone().date() for c in data.contacts if c.person_id == person.id]
    assert (stored.first_contact, stored.last_contact) == (min(days), max(days))
    assert len(contacts.timeline(session, person.id)) == len(days)
    assert people.count_people(session, PeopleFilter(text=person.alias)) >= 1


def _indexes(session) -> list[tuple[str, str]]:
    return session.conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name").fetchall()


def test_populate_twice_adds_to_what_is_there(tmp_path) -> None:
    session, _recovery = create_vault(tmp_path / "twice.fieldapp", "Demo", "admin", PASSPHRASE)
    try:
        indexes = _indexes(session)
        populate(session, people=50, seed=1)
        assert _indexes(session) == indexes                  # dropped for the bulk load, built again
        populate(session, people=50, seed=2)
        assert session.conn.execute("SELECT count(*) FROM contacts").fetchone()[0] == 500
        assert session.conn.execute("SELECT count(*) FROM people").fetchone()[0] == 100
    finally:
        session.close(audit_lock=False)
