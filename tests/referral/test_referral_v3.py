"""cmm-referral/3: the industry of the work and the forms of forced crime, taken from the person's contacts,
k-gated like the nationality, sent only with forced criminal activities (forms of crime), stored and counted at
CMM; packets of /1 and /2 still accepted, hostile values refused by the schema."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldapp.cmm import accounts, desk, intake, table
from fieldapp.cmm import store as intake_store
from fieldapp.cmm.folder import receive_folder
from fieldapp.domain.referral import STEPS, Levels, QuasiRow, quasi_identifiers, sent_values_read, with_work
from fieldapp.protocol import crypto, schemas
from fieldapp.referral import anonymise, config, org_rotation, packet, service, sync
from fieldapp.storage import outbox_repo, referral_repo
from fieldapp.storage.connection import transaction
from tests.referral.helpers import (
    CMM_SEED,
    ORG_SEED,
    add_contact,
    add_person,
    cmm_secret,
    crowd,
    sealed,
    valid_packet,
)
from tests.referral.test_referral_v2 import SHARED

CMM_PASS = "cmm passphrase for the v3 tests"


def _person(session, *, industry: str = "", crime_forms: str = "", exploitation: str = "", **person) -> str:
    pid = add_person(session.conn, **person)
    add_contact(session.conn, pid, kind="street", indicators="debt", exploitation=exploitation, industry=industry,
                crime_forms=crime_forms)
    return pid


def _referral(session, pid: str, scope: str = "anonymous_notice", **fields):
    draft = service.create_draft(session, pid)
    draft = service.update_draft(session, replace(draft, region="hovedstaden", **fields))
    service.record_consent(session, draft.id, scope, "en", "2026.1", notice_read=True,
                           assessment=SHARED if scope == "assessment" else None)
    return draft


def _opened(session, cmm, packet_id: str) -> dict:
    service.queue(session, outbox_repo.get(session.conn, packet_id).referral_id)
    plaintext = crypto.open_packet(outbox_repo.sealed_bytes(session.conn, packet_id), cmm)
    return json.loads(crypto.split_signed(plaintext)[2])


def v3_packet(**changes) -> dict:
    body = {**valid_packet(), "schema": "cmm-referral/3", "consent": {"scope": "anonymous_notice", "notice_read": True},
            "exploitation_forms": ["criminal_activities", "forced_labour"], "industries": ["agriculture"],
            "crime_forms": ["cannabis"]}
    body.update(changes)
    return body


# -- the organisation's side --------------------------------------------------------------------------------

def test_the_draft_takes_industry_and_crime_from_the_contacts_and_the_packet_names_them(ready, cmm) -> None:
    crowd(ready.conn, 6, gender="man", nationality="VN", industry="agriculture", crime_forms="cannabis",
          exploitation="criminal_activities")
    pid = _person(ready, gender="man", nationality="VN", industry="agriculture", crime_forms="cannabis",
                  exploitation="criminal_activities forced_labour")
    draft = service.create_draft(ready, pid)
    assert draft.industries == ("agriculture",) and draft.crime_forms == ("cannabis",)
    assert set(draft.exploitation_forms) == {"criminal_activities", "forced_labour"}
    draft = _referral(ready, pid)
    view = service.preview(ready, draft.id)
    assert view.packet["schema"] == "cmm-referral/3" and not view.needs_reason
    assert view.packet["industries"] == ["agriculture"] and view.packet["crime_forms"] == ["cannabis"]
    assert "Industry of the work: Agriculture and horticulture" in view.lines
    assert "Forms of forced crime: Cannabis cultivation" in view.lines
    body = _opened(ready, cmm, service.seal(ready, draft.id, seen=view))
    assert body == {**view.packet, "packet_id": body["packet_id"]} and schemas.packet_problems(body) == []
    kept = referral_repo.get(ready.conn, draft.id).sent_values
    assert kept["industries"] == ["agriculture"] and kept["levels"]["work"] == 0


def test_a_rare_industry_is_left_out_and_said_so(ready) -> None:
    crowd(ready.conn, 6, gender="man", nationality="RO", industry="construction")
    pid = _person(ready, gender="man", nationality="RO", industry="car_wash")
    view = service.preview(ready, _referral(ready, pid, exploitation_forms=("forced_labour",)).id)
    assert view.packet["industries"] == [] and view.packet["crime_forms"] == []
    assert "industry_crime_left_out" in view.packet["anonymisation"]["generalised"]
    assert view.generalisation.met and view.packet["age_group"] != "18_plus"     # given up before adult/child
    assert "Industry of the work: left out to protect the person" in view.lines
    assert any("industry of the work and forms of forced crime left out" in line
               for line in view.generalisation_lines)


def test_a_shared_industry_is_sent(ready) -> None:
    crowd(ready.conn, 6, gender="man", nationality="RO", industry="construction")
    pid = _person(ready, gender="man", nationality="RO", industry="construction")
    view = service.preview(ready, _referral(ready, pid, exploitation_forms=("forced_labour",)).id)
    assert view.packet["industries"] == ["construction"] and view.packet["anonymisation"]["generalised"] == []


def test_forms_of_crime_go_only_with_forced_criminal_activities(ready) -> None:
    crowd(ready.conn, 6, gender="man", nationality="VN", industry="agriculture", crime_forms="cannabis")
    pid = _person(ready, gender="man", nationality="VN", industry="agriculture", crime_forms="cannabis",
                  exploitation="criminal_activities")
    view = service.preview(ready, _referral(ready, pid, exploitation_forms=("forced_labour",)).id)
    assert view.packet["crime_forms"] == [] and not any("forced crime:" in line for line in view.lines)
    assert schemas.packet_problems(view.packet) == []


def test_a_referral_for_assessment_sends_them_exactly_and_a_legacy_consent_never(ready) -> None:
    pid = _person(ready, gender="man", nationality="VN", industry="car_wash", crime_forms="theft drugs",
                  exploitation="criminal_activities")
    draft = _referral(ready, pid, "assessment")
    view = service.preview(ready, draft.id)          # alone in the records, but the person agreed
    assert view.packet["industries"] == ["car_wash"] and view.packet["crime_forms"] == ["drugs", "theft"]
    # A consent recorded before the two scopes is re-signed in its own format, which has no such fields.
    referral = referral_repo.get(ready.conn, draft.id)
    legacy = replace(referral, consent=replace(referral.consent, scope="contact_through_us", notice_read=False))
    body = packet.build_v1(legacy, view.generalisation, org=view.packet["org"], packet_id=view.packet["packet_id"],
                           overridden=True)
    assert body["schema"] == "cmm-referral/1" and "industries" not in body and "crime_forms" not in body


def test_a_packet_sealed_as_v2_is_signed_again_as_v2(ready) -> None:
    crowd(ready.conn, 6, gender="man", nationality="RO", industry="construction")
    pid = _person(ready, gender="man", nationality="RO", industry="construction")
    draft = _referral(ready, pid, exploitation_forms=("forced_labour",))
    service.seal(ready, draft.id)
    referral = referral_repo.get(ready.conn, draft.id)
    old = {key: value for key, value in referral.sent_values.items() if key not in ("industries", "crime_forms")}
    old["levels"] = {key: value for key, value in old["levels"].items() if key != "work"}
    with transaction(ready.conn):             # what a vault of the version before kept at sealing
        ready.conn.execute("UPDATE referrals SET sent_values = ? WHERE id = ?", (json.dumps(old), draft.id))
    values, levels = sent_values_read(old)
    assert levels.work == 1 and values.industries == ()
    body = org_rotation._rebuilt(ready, referral_repo.get(ready.conn, draft.id), "ab" * 16, "cd" * 16, check_k=True)
    assert body["schema"] == "cmm-referral/2" and "industries" not in body and schemas.packet_problems(body) == []


INDUSTRY_SETS = [(), ("construction",), ("car_wash",), ("agriculture", "construction")]
MONTHS = [f"2026-{m:02d}" for m in range(1, 7)]
people = st.lists(st.tuples(st.one_of(st.none(), st.integers(15, 70)), st.sampled_from(["NG", "RO", "VN"]),
                            st.sampled_from(MONTHS), st.sampled_from(["woman", "man"]),
                            st.sampled_from(INDUSTRY_SETS)), max_size=50)


@settings(max_examples=100, deadline=None)
@given(people, st.integers(15, 70), st.sampled_from(INDUSTRY_SETS), st.sampled_from(MONTHS),
       st.lists(st.tuples(st.sampled_from(MONTHS), st.integers(0, len(STEPS))), max_size=2), st.integers(2, 6))
def test_industries_are_counted_with_every_earlier_packet(population, age, industries, month, sent, k) -> None:
    rows = [QuasiRow(i, g, a, n, "hovedstaden", m, (), ind) for i, (a, n, m, g, ind) in enumerate(population)]
    target = QuasiRow(10_000, "man", age, "RO", "hovedstaden", month, (), industries)

    def brute(row: QuasiRow, levels: Levels) -> set:
        def qi(r: QuasiRow):
            return with_work(quasi_identifiers(r.gender, r.age, r.nationality, r.region, r.month, levels,
                                               r.languages), levels, r.industries, r.crime_forms)
        return {r.person_id for r in [*rows, row] if qi(r) == qi(row)}

    released = [brute(replace(target, month=m), anonymise.levels_of(tuple(c for c, _l in STEPS[:d]))) for m, d in sent]
    gen = anonymise.generalise(target, rows, k, released)
    found = brute(target, gen.levels)
    for known in released:
        found &= known
    assert gen.count == len(found) and gen.met == (gen.count >= k)
    if gen.levels.work:
        assert gen.result.industries == ()


# -- CMM's side -----------------------------------------------------------------------------------------------

def test_cmm_stores_lists_reads_and_counts_them(ready, tmp_path) -> None:
    crowd(ready.conn, 6, gender="man", nationality="VN", industry="agriculture", crime_forms="cannabis",
          exploitation="criminal_activities")
    pid = _person(ready, gender="man", nationality="VN", industry="agriculture", crime_forms="cannabis",
                  exploitation="criminal_activities")
    draft = _referral(ready, pid)
    service.seal_and_queue(ready, draft.id)
    usb = tmp_path / "usb"
    usb.mkdir()
    sync.sync(ready, to_folder=usb)
    store = intake_store.create(tmp_path / "cmm" / "intake.store", CMM_PASS)
    try:
        accounts.adopt_intake_seed(store, CMM_SEED)
        intake.register(store, config.export_org_key(ready))
        assert all(r.accepted for r in receive_folder(intake.Intake(store, cmm_secret()), usb))
        (row,) = intake_store.desk_rows(store)
        assert row.industries == ("agriculture",) and row.crime_forms == ("cannabis",)
        words = dict(desk.read(store, row.packet_id).lines)
        assert words["Industry of the work"] == "Agriculture and horticulture"
        assert words["Forms of forced crime"] == "Cannabis cultivation"
        assert [(r.code, r.gender, r.count) for r in intake_store.code_table(store, "industry")] == [
            ("agriculture", "man", 1)]
        text = table.text_table(store)
        assert "Industry of the work" in text and "Cannabis cultivation" in text
        assert table.work_csv_bytes(store).decode().splitlines() == [
            "field,code,gender,age_group,count", f"industry,agriculture,man,{row.age_group},1",
            f"crime_form,cannabis,man,{row.age_group},1"]
        assert table.csv_bytes(store).decode().splitlines()[0] == ",".join(table.CSV_HEADER)   # unchanged
        intake_store.withdraw(store, row.packet_id, row.org, "ef" * 16, erase=True)
        assert intake_store.code_table(store, "industry") == []
    finally:
        intake_store.close(store)


@pytest.fixture
def cmm_desk(tmp_path):
    store = intake_store.create(tmp_path / "cmm" / "intake.store", CMM_PASS)
    intake.register(store, crypto.org_key_file(ORG_SEED, "Test NGO"))
    yield intake.Intake(store, cmm_secret())
    intake_store.close(store)


def test_packets_of_v1_and_v2_are_still_accepted(cmm_desk) -> None:
    v2 = {**valid_packet(), "schema": "cmm-referral/2", "consent": {"scope": "anonymous_notice", "notice_read": True}}
    for body in (valid_packet(), v2):
        assert schemas.packet_problems(body) == []
        assert cmm_desk.receive_one(sealed(body, cmm_desk.secret)).accepted
    rows = intake_store.desk_rows(cmm_desk.conn)
    assert len(rows) == 2 and all(r.industries == () == r.crime_forms for r in rows)
    assert "Industry of the work" not in dict(desk.describe(v2))
    assert cmm_desk.receive_one(sealed(v3_packet(), cmm_desk.secret)).accepted


@pytest.mark.parametrize("change", [
    {"industries": ["brothel_keeping"]},                         # an unknown code
    {"industries": "construction"},                             # a string, not a list
    {"industries": [1]},
    {"crime_forms": [{"code": "theft"}]},
    {"industries": ["construction"] * 11},                     # repeated, and longer than the list of codes
    {"industries": ["other"] * 5000},
    {"crime_forms": ["theft", "theft"]},
    {"industries": ["construction\n"]},
    {"exploitation_forms": ["forced_labour"]},                  # forms of crime without forced criminal activities
    {"anonymisation": {"k": 5, "rule": "met", "generalised": ["age_10_years", "nationality_subregion",
                                                               "month_to_quarter", "industry_crime_left_out"]}},
    {"schema": "cmm-referral/2"},                               # /2 has no such fields
    {"industries": None},
])
def test_hostile_values_are_refused_by_the_schema(cmm_desk, change) -> None:
    assert schemas.packet_problems(v3_packet()) == []
    body = v3_packet(**change)
    assert schemas.packet_problems(body)
    result = cmm_desk.receive_one(sealed(body, cmm_desk.secret))
    assert not result.accepted and result.reason_code in ("schema", "too_large", "malformed")


@pytest.mark.parametrize("missing", ["industries", "crime_forms"])
def test_a_v3_packet_must_name_both_lists(missing) -> None:
    body = v3_packet()
    del body[missing]
    assert schemas.packet_problems(body)


def test_the_table_counts_nothing_for_a_packet_of_an_older_format(cmm_desk) -> None:
    assert cmm_desk.receive_one(sealed(valid_packet(), cmm_desk.secret)).accepted
    assert intake_store.code_table(cmm_desk.conn, "industry") == []
    assert "Total" in table.work_table(cmm_desk.conn, "crime_form")
    assert cmm_desk.conn.schema_version() == len(intake_store.MIGRATIONS)
