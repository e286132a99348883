"""The k-gate against what the referral review found: the population counted in the wrong region,
languages that give back a hidden nationality, and two packets about one person that together point
at her. Each case runs against a real vault; the composition rule is also checked as a property over
random populations."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from fieldapp.domain.referral import STEPS, Levels, QuasiRow, quasi_identifiers
from fieldapp.protocol import crypto
from fieldapp.records import organisation
from fieldapp.referral import anonymise, service
from fieldapp.storage import outbox_repo
from fieldapp.storage.connection import transaction
from tests.leaflets.helpers import complete_org
from tests.referral.helpers import add_contact, add_person, add_venue, add_visit


def _draft(session, pid: str, month: str | None = None):
    draft = service.create_draft(session, pid)
    draft = service.update_draft(session, replace(draft, region="hovedstaden", exploitation_forms=("sexual",)))
    if month:
        with transaction(session.conn):
            session.conn.execute("UPDATE referrals SET month = ? WHERE id = ?", (month, draft.id))
    service.record_consent(session, draft.id, "anonymous_notice", "en", "2026.1", notice_read=True)
    return draft


def _met_at(session, at: datetime, region: str = "hovedstaden", **person) -> str:
    visit = add_visit(session.conn, add_venue(session.conn, region), at)
    pid = add_person(session.conn, seen=at, **person)
    add_contact(session.conn, pid, at=at, visit_id=visit)
    return pid


def _body(session, cmm, packet_id: str) -> dict:
    service.queue(session, outbox_repo.get(session.conn, packet_id).referral_id)
    opened = crypto.open_packet(outbox_repo.sealed_bytes(session.conn, packet_id), cmm)
    return json.loads(crypto.split_signed(opened)[2])


# -- 1. the population: contacts with no venue region count in the organisation's region --------------

def test_contacts_without_a_region_do_not_count_in_the_referrals_region(ready) -> None:
    organisation.save(ready, replace(complete_org(), region="nordjylland"))
    now = datetime.now(UTC)
    for i in range(4):                       # met on the street: no venue, so no region of their own
        add_contact(ready.conn, add_person(ready.conn, alias=f"street{i}", seen=now), kind="street", at=now)
    target = _met_at(ready, now)             # the only one met in hovedstaden
    view = service.preview(ready, _draft(ready, target).id)
    assert view.generalisation.count == 1 and view.needs_reason
    assert view.generalisation.steps == tuple(code for code, _levels in STEPS)


def test_contacts_without_a_region_count_in_the_organisations_own_region(ready) -> None:
    organisation.save(ready, replace(complete_org(), region="hovedstaden"))
    now = datetime.now(UTC)
    for i in range(4):
        add_contact(ready.conn, add_person(ready.conn, alias=f"street{i}", seen=now), kind="street", at=now)
    view = service.preview(ready, _draft(ready, _met_at(ready, now)).id)
    assert view.generalisation.met and view.generalisation.steps == () and view.generalisation.count == 5


# -- 2. languages are quasi-identifiers, given up with the exact nationality ---------------------------

def test_languages_are_left_out_when_nationality_is_generalised(ready, cmm) -> None:
    now = datetime.now(UTC)
    for i in range(4):
        _met_at(ready, now, alias=f"th{i}", nationality="TH", languages="th")
    draft = _draft(ready, _met_at(ready, now, nationality="VN", languages="vi"))
    view = service.preview(ready, draft.id)
    assert view.generalisation.met and "nationality_subregion" in view.generalisation.steps
    assert view.packet["nationality"] == "south_eastern_asia" and view.packet["languages"] == []
    body = _body(ready, cmm, service.seal(ready, draft.id))
    assert body["languages"] == [] and "VN" not in json.dumps(body) and "vi" not in body["languages"]


def test_a_rare_language_makes_the_exact_values_too_few(ready) -> None:
    now = datetime.now(UTC)
    for i in range(4):
        _met_at(ready, now, alias=f"ng{i}", nationality="NG", languages="en")
    view = service.preview(ready, _draft(ready, _met_at(ready, now, nationality="NG", languages="en ig")).id)
    assert view.generalisation.exact_count == 1
    assert view.generalisation.steps[:2] == ("age_10_years", "nationality_subregion")
    assert view.packet["languages"] == []
    same = service.preview(ready, _draft(ready, _met_at(ready, now, alias="Joy", nationality="NG", languages="en")).id)
    assert same.generalisation.steps == () and same.packet["languages"] == ["en"]


# -- 3. composition: two packets about one person ----------------------------------------------------------

def test_a_second_packet_is_counted_together_with_the_first(ready, cmm) -> None:
    january, february = datetime(2026, 1, 14, 20, tzinfo=UTC), datetime(2026, 2, 11, 20, tzinfo=UTC)
    for i in range(4):
        _met_at(ready, january, alias=f"jan{i}")
        _met_at(ready, february, alias=f"feb{i}")
    target = _met_at(ready, january)
    add_contact(ready.conn, target, at=february,
                visit_id=add_visit(ready.conn, add_venue(ready.conn, "hovedstaden"), february))
    first = _draft(ready, target, "2026-01")
    first_view = service.preview(ready, first.id)
    assert first_view.generalisation.steps == () and first_view.generalisation.count == 5
    _body(ready, cmm, service.seal(ready, first.id))

    second = _draft(ready, target, "2026-02")
    view = service.preview(ready, second.id)
    # Alone, February's exact values are shared by five; together with January's packet only she fits both.
    # A quarter covers both months, and the people consistent with both packets are five again.
    assert view.generalisation.earlier == 1
    assert view.generalisation.steps == ("age_10_years", "nationality_subregion", "month_to_quarter")
    assert view.packet["period"] == "2026-Q1" and view.generalisation.count == 5
    assert "earlier" in "\n".join(view.generalisation_lines)


def test_a_withdrawn_draft_is_not_an_earlier_packet(ready) -> None:
    january, february = datetime(2026, 1, 14, 20, tzinfo=UTC), datetime(2026, 2, 11, 20, tzinfo=UTC)
    for i in range(4):
        _met_at(ready, february, alias=f"feb{i}")
    target = _met_at(ready, january)
    add_contact(ready.conn, target, at=february,
                visit_id=add_visit(ready.conn, add_venue(ready.conn, "hovedstaden"), february))
    first = _draft(ready, target, "2026-01")
    service.withdraw(ready, first.id)        # never sealed, never sent: CMM holds nothing
    view = service.preview(ready, _draft(ready, target, "2026-02").id)
    assert view.generalisation.earlier == 0 and view.generalisation.steps == ()


# -- the composition rule as a property --------------------------------------------------------------------

MONTHS = [f"2026-{m:02d}" for m in range(1, 13)]
NATIONS = ["NG", "GH", "TH", "VN", "RO", "BG", ""]
LANGUAGE_SETS = [(), ("en",), ("en", "yo"), ("th",), ("vi",), ("ro",)]

people = st.lists(st.tuples(st.one_of(st.none(), st.integers(15, 70)), st.sampled_from(NATIONS),
                            st.sampled_from(MONTHS), st.sampled_from(["hovedstaden", "sjaelland"]),
                            st.sampled_from(["woman", "man"]), st.sampled_from(LANGUAGE_SETS)), max_size=60)
earlier_packets = st.lists(st.tuples(st.sampled_from(MONTHS), st.integers(0, len(STEPS))), max_size=3)


def _brute(rows: list[QuasiRow], target: QuasiRow, levels: Levels) -> set:
    def qi(r: QuasiRow):
        return quasi_identifiers(r.gender, r.age, r.nationality, r.region, r.month, levels, r.languages)

    return {r.person_id for r in [*rows, target] if qi(r) == qi(target)}


@settings(max_examples=200, deadline=None)
@given(people, st.integers(15, 70), st.sampled_from(NATIONS), st.sampled_from(LANGUAGE_SETS),
       st.sampled_from(MONTHS), earlier_packets, st.integers(2, 8))
def test_people_consistent_with_every_packet_number_at_least_k(population, age, nat, langs, month, sent, k) -> None:
    rows = [QuasiRow(i, g, a, n, reg, m, ls) for i, (a, n, m, reg, g, ls) in enumerate(population)]
    target = QuasiRow(10_000, "woman", age, nat, "hovedstaden", month, langs)
    # Earlier packets about the same person, each in its own month and at its own detail.
    released = []
    for sent_month, depth in sent:
        before = replace(target, month=sent_month)
        steps = tuple(code for code, _levels in STEPS[:depth])
        released.append(_brute(rows, before, anonymise.levels_of(steps)))
    fits = [anonymise.fitting(replace(target, month=m), rows, tuple(c for c, _l in STEPS[:d])) for m, d in sent]
    assert fits == released

    gen = anonymise.generalise(target, rows, k, fits)

    def consistent(levels: Levels) -> int:
        found = _brute(rows, target, levels)
        for known in released:
            found &= known
        return len(found)

    assert gen.count == consistent(gen.levels)
    assert gen.met == (gen.count >= k)
    assert gen.count <= len(_brute(rows, target, gen.levels))     # never more than the packet alone
    # It stopped at the first level that was enough: every earlier level left fewer than k.
    tried = [Levels()] + [levels for _code, levels in STEPS]
    assert all(consistent(levels) < k for levels in tried[:len(gen.steps)])
    # What the packet names is what was counted: no languages once the nationality is generalised.
    if gen.levels.nationality:
        assert gen.result.languages == ()


# -- what an attack review found ---------------------------------------------------------------------------

def test_an_anonymous_notice_does_not_name_the_sheets_language(ready, cmm) -> None:
    now = datetime.now(UTC)
    for i in range(4):
        _met_at(ready, now, alias=f"th{i}", nationality="TH", languages="th")
    draft = service.create_draft(ready, _met_at(ready, now, nationality="VN", languages="vi"))
    service.update_draft(ready, replace(draft, region="hovedstaden", exploitation_forms=("sexual",)))
    service.record_consent(ready, draft.id, "anonymous_notice", "vi", "2026.1", notice_read=True)
    body = _body(ready, cmm, service.seal(ready, draft.id))
    assert body["nationality"] == "south_eastern_asia" and body["languages"] == []
    assert body["consent"] == {"scope": "anonymous_notice", "notice_read": True}


def test_a_contact_on_a_visit_begun_weeks_before_counts_in_the_venues_region(ready) -> None:
    organisation.save(ready, replace(complete_org(), region="hovedstaden"))
    visit = add_visit(ready.conn, add_venue(ready.conn, "sjaelland"), datetime(2026, 3, 20, 18, tzinfo=UTC))
    met = datetime(2026, 4, 2, 12, tzinfo=UTC)                  # logged in the next quarter, on that visit
    for i in range(4):
        add_contact(ready.conn, add_person(ready.conn, alias=f"s{i}", seen=met), at=met, visit_id=visit)
    view = service.preview(ready, _draft(ready, _met_at(ready, met), "2026-04").id)
    assert view.generalisation.count == 1 and view.needs_reason


def test_a_packet_sealed_before_languages_were_counted_is_taken_as_naming_them(ready) -> None:
    january = datetime(2026, 1, 14, 20, tzinfo=UTC)
    for i in range(4):
        _met_at(ready, january, alias=f"th{i}", nationality="TH", languages="th", age=31)
    target = _met_at(ready, january, nationality="VN", languages="vi", age=31)
    old = _draft(ready, target, "2026-01")
    with transaction(ready.conn):           # as an earlier version left it: sent at sub-region, "vi" named
        ready.conn.execute("UPDATE referrals SET status = 'sent', generalised = 'age_10_years nationality_subregion'"
                           " WHERE id = ?", (old.id,))
    view = service.preview(ready, _draft(ready, target, "2026-01").id)
    assert view.generalisation.earlier == 1 and view.generalisation.count == 1 and view.needs_reason


def test_an_earlier_packet_is_counted_as_it_was_sent_not_as_the_record_is_today(ready) -> None:
    january, february = datetime(2026, 1, 14, 20, tzinfo=UTC), datetime(2026, 2, 11, 20, tzinfo=UTC)
    venue = add_venue(ready.conn, "hovedstaden")
    in_january, in_february = add_visit(ready.conn, venue, january), add_visit(ready.conn, venue, february)
    for i in range(4):                       # four who speak English and Yoruba, met in both months
        pid = add_person(ready.conn, alias=f"ng{i}", seen=january, languages="en yo")
        add_contact(ready.conn, pid, at=january, visit_id=in_january)
        add_contact(ready.conn, pid, at=february, visit_id=in_february)
    for i in range(4):                       # four who speak English only, met in January
        pid = add_person(ready.conn, alias=f"en{i}", seen=january, languages="en")
        add_contact(ready.conn, pid, at=january, visit_id=in_january)
    target = add_person(ready.conn, alias="Joy", seen=january, languages="en")
    add_contact(ready.conn, target, at=january, visit_id=in_january)
    add_contact(ready.conn, target, at=february, visit_id=in_february)
    first = _draft(ready, target, "2026-01")
    assert service.preview(ready, first.id).packet["languages"] == ["en"]
    service.seal(ready, first.id)                                  # CMM holds "en" for her
    with transaction(ready.conn):                                  # later the worker learns she speaks Yoruba
        ready.conn.execute("UPDATE people SET languages = 'en yo' WHERE id = ?", (target,))
    view = service.preview(ready, _draft(ready, target, "2026-02").id)
    # "en" in January and "en yo" in February: by the records only she fits both, so the exact values do not go.
    assert view.generalisation.steps != () and view.packet["languages"] == []
