"""Importing old records: the dry run's report, all or nothing, people already kept, retention, and the
spreadsheets as Danish Excel writes them."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from fieldapp.cancel import Cancelled, CancelToken
from fieldapp.domain.records import Person
from fieldapp.errors import InvalidInput
from fieldapp.importing import service
from fieldapp.importing.mapping import Mapping
from fieldapp.records import people
from fieldapp.reports.service import build_report
from tests.importing.sheets import HEADINGS, MAPPING, TODAY, rows, write_csv, write_xlsx


def _count(session, table: str, where: str = "1") -> int:
    return session.conn.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchone()[0]


def _imported(session) -> list[tuple]:
    return session.conn.execute("SELECT alias, birth_year, nationality, gender, record_consent FROM people"
                                " ORDER BY alias").fetchall()


def test_a_dry_run_reports_every_row_and_writes_nothing(session, tmp_path) -> None:
    source = write_csv(tmp_path / "kontakter.csv", rows(6))
    audit_before = _count(session, "audit_events")

    plan = service.import_file(session, source, MAPPING, dry_run=True, today=TODAY)

    assert plan.ok and not plan.imported
    assert [row.row for row in plan.rows] == [2, 3, 4, 5, 6, 7]
    assert [row.outcome for row in plan.rows[:2]] == ["a new person", "the same person as row 2"]
    assert (len(plan.people), len(plan.contacts)) == (3, 6)
    assert "6 rows read; 3 new people; 6 contacts." == plan.summary()
    assert any("UTF-8 (BOM)" in note and ";" in note for note in plan.notes)
    assert _count(session, "people") == _count(session, "contacts") == 0
    assert _count(session, "audit_events") == audit_before


def test_the_import_keeps_people_as_historic_records_with_their_contacts(session, tmp_path) -> None:
    source = write_csv(tmp_path / "kontakter.csv", rows(4), encoding="cp1252")

    plan = service.import_file(session, source, MAPPING, dry_run=False, today=TODAY)

    assert plan.imported
    assert _imported(session) == [("Mia 0", 1990, "TH", "woman", "historic_import"),
                                  ("Mia 1", 1991, "RO", "woman", "historic_import")]
    assert session.conn.execute("SELECT kind, date(occurred_at) FROM contacts ORDER BY occurred_at").fetchall() == [
        ("venue", "2025-01-01"), ("street", "2025-02-02"), ("street", "2025-03-03"), ("venue", "2025-04-04")]
    assert session.conn.execute("SELECT first_contact, last_contact FROM people WHERE alias = 'Mia 1'").fetchone() == (
        "2025-03-03", "2025-04-04")
    events = session.conn.execute("SELECT action, entity_id FROM audit_events WHERE action = 'import.run'").fetchall()
    assert events == [("import.run", 4)]


def test_one_bad_row_imports_nothing_and_the_report_names_row_and_column(session, tmp_path) -> None:
    body = rows(4)
    body[2][4] = "31-02-2025"                     # no such day
    body[3][2] = "Rumæn"                          # a country only started
    body[1][4] = "01-01-2031"                     # in the future
    source = write_csv(tmp_path / "kontakter.csv", body)

    with pytest.raises(service.ImportRefused) as refused:
        service.import_file(session, source, MAPPING, dry_run=False, today=TODAY)

    report = {row.row: row.problems for row in refused.value.plan.rows if row.problems}
    assert set(report) == {3, 4, 5}
    assert "Dato: “31-02-2025” is not a date that exists." in report[4]
    assert "Dato: “01-01-2031” is in the future." in report[3]
    assert any(p.startswith("Nationalitet: “Rumæn” is not a known code here. Perhaps RO") for p in report[5])
    assert refused.value.plan.suggestions["person.nationality"] == {"Rumæn": "RO"}
    assert _count(session, "people") == _count(session, "contacts") == 0
    assert _count(session, "audit_events", "action = 'import.run'") == 0


def test_the_same_person_with_two_nationalities_is_a_problem_not_a_guess(session, tmp_path) -> None:
    body = rows(2)
    mapping = replace(MAPPING, person=("Navn",))
    body[1][2] = "Bulgarien"
    plan = service.import_file(session, write_csv(tmp_path / "k.csv", body), mapping, dry_run=True, today=TODAY)
    assert plan.rows[1].problems == ["Nationality differs from row 2, which names the same person."]


@pytest.mark.parametrize("on_match", ["ask", "merge", "new"])
def test_someone_already_kept_is_never_silently_duplicated(session, tmp_path, on_match) -> None:
    from tests.conftest import AGREED

    kept = people.create_person(session, Person(**AGREED, alias="Mia 0", birth_year=1990, nationality="TH"))
    source = write_csv(tmp_path / "kontakter.csv", rows(4))
    mapping = replace(MAPPING, on_match=on_match)

    if on_match == "ask":
        with pytest.raises(service.ImportRefused) as refused:
            service.import_file(session, source, mapping, dry_run=False, today=TODAY)
        assert f"Looks like Mia 0 ({kept.reference}), already kept" in refused.value.plan.rows[0].problems[0]
        assert _count(session, "people") == 1
        return
    plan = service.import_file(session, source, mapping, dry_run=False, today=TODAY)
    assert plan.matches == 1
    if on_match == "merge":
        assert _count(session, "people") == 2
        assert _count(session, "contacts", f"person_id = '{kept.id}'") == 2
        assert people.get_person(session, kept.id).record_consent == "given"     # a kept person stays theirs
    else:
        assert _count(session, "people") == 3
        assert _count(session, "contacts", f"person_id = '{kept.id}'") == 0
        assert plan.rows[0].outcome.startswith("a new person, though like Mia 0")


@pytest.mark.parametrize("expired", ["skip", "count"])
def test_rows_past_the_retention_period_are_not_kept_as_people(session, tmp_path, expired) -> None:
    old = rows(4, start_year=2019)                # the policy keeps people 24 months after their last contact
    recent = [["Ny", *row[1:]] for row in rows(2)]
    source = write_csv(tmp_path / "kontakter.csv", [*old, *recent])
    mapping = replace(MAPPING, expired=expired)

    plan = service.import_file(session, source, mapping, dry_run=False, today=TODAY)

    assert plan.expired_rows == 4
    assert "4 rows are past the retention period and are not imported" in plan.summary()
    assert [alias for alias, *_rest in _imported(session)] == ["Ny"]
    historic = _count(session, "anonymous_counts", "reason = 'historic'")
    assert historic == (2 if expired == "count" else 0)
    assert _count(session, "anonymous_counts", "reason = 'refused'") == 0
    report = build_report(session, date(2019, 1, 1), date(2019, 12, 31))
    key = next(table for table in report.tables() if table.key == "key_figures")
    labels = list(key.row_labels)
    if expired == "count":
        assert key.cells[labels.index("People of old records past their time when imported (counted only)")][0] == 2
        assert key.cells[labels.index("People who did not want to be recorded (counted only)")][0] == 0
    else:
        assert "People of old records past their time when imported (counted only)" not in labels


def test_an_age_is_the_age_then_and_the_person_is_older_now(session, tmp_path) -> None:
    mapping = replace(MAPPING, columns={**MAPPING.columns, "person.age_estimate": "Alder"})
    mapping = replace(mapping, columns={k: v for k, v in mapping.columns.items() if k != "person.birth_year"},
                      person=("Navn",))
    body = [["Ana", "", "Nigeria", "Kvinde", "10-10-2025", "gade", "", "17"],
            ["Ana", "", "Nigeria", "Kvinde", "01-06-2024", "gade", "", "16"]]
    source = write_csv(tmp_path / "k.csv", body, headings=[*HEADINGS, "Alder"])
    service.import_file(session, source, mapping, dry_run=False, today=TODAY)
    assert session.conn.execute("SELECT age_estimate, nationality FROM people").fetchone() == (18, "NG")


def test_an_excel_workbook_with_real_dates_and_a_chosen_sheet(session, tmp_path) -> None:
    body = [["Mia", 1990, "Thailand", "kvinde", date(2025, 3, 15), "Gade", "første"],
            ["Mia", 1990, "Thailand", "kvinde", "16-03-2025", "klinik", ""]]
    source = write_xlsx(tmp_path / "gamle.xlsx", body, sheet="2025")
    plan = service.import_file(session, source, replace(MAPPING, sheet="2025"), dry_run=False, today=TODAY)
    assert plan.ok and len(plan.contacts) == 2
    assert session.conn.execute("SELECT date(occurred_at), note FROM contacts ORDER BY occurred_at").fetchall() == [
        ("2025-03-15", "første"), ("2025-03-16", "")]
    with pytest.raises(InvalidInput, match="no sheet called Ark1. Its sheets: 2025"):
        service.import_file(session, source, replace(MAPPING, sheet="Ark1"), dry_run=True, today=TODAY)


def test_a_health_contact_needs_health_staff(session, tmp_path) -> None:
    body = rows(2)
    body[0][5] = "health"
    plan = service.import_file(session, write_csv(tmp_path / "k.csv", body), MAPPING, dry_run=True, today=TODAY)
    assert plan.rows[0].problems == ["Only health staff import health contacts, and only legal advisers legal ones."]


def test_a_mapping_that_does_not_fit_the_file_is_refused_before_any_row(session, tmp_path) -> None:
    source = write_csv(tmp_path / "k.csv", rows(2))
    broken = replace(MAPPING, columns={**MAPPING.columns, "person.phone": "Telefon", "contact.note": "Bemærkning"})
    with pytest.raises(InvalidInput) as refused:
        service.import_file(session, source, broken, dry_run=True, today=TODAY)
    message = str(refused.value)
    assert "“person.phone” is not a field this import can fill" in message
    assert "The file has no column “Bemærkning”." in message


def test_a_long_import_can_be_stopped_and_writes_nothing(session, tmp_path) -> None:
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        service.import_file(session, write_csv(tmp_path / "k.csv", rows(600)), MAPPING, dry_run=False,
                            today=TODAY, cancel=token)
    assert _count(session, "people") == 0


def test_visits_make_each_venue_once(session, tmp_path) -> None:
    mapping = Mapping(records="visits", columns={"venue.name": "Sted", "venue.kind": "Type",
                                                 "visit.started_at": "Dato", "visit.people_met": "Antal"},
                      values={"venue.kind": {"klinik": "massage_clinic"}})
    body = [["Rosen", "klinik", "02-05-2025", "3"], ["Rosen", "klinik", "09-05-2025", "2"],
            ["Vesterbro", "Street area", "10-05-2025", "7"]]
    source = write_csv(tmp_path / "besøg.csv", body, headings=["Sted", "Type", "Dato", "Antal"])
    plan = service.import_file(session, source, mapping, dry_run=False, today=TODAY)
    assert (len(plan.venues), len(plan.visits)) == (2, 3)
    assert session.conn.execute("SELECT name, kind FROM venues ORDER BY name").fetchall() == [
        ("Rosen", "massage_clinic"), ("Vesterbro", "street_area")]
    assert session.conn.execute("SELECT sum(people_met) FROM visits").fetchone() == (12,)
    again = service.import_file(session, source, mapping, dry_run=True, today=TODAY)
    assert not again.venues and again.rows[0].outcome == "a visit to Rosen, already kept"


def test_the_vault_folder_holds_no_plaintext_of_an_import(session, tmp_path) -> None:
    body = rows(2)
    body[0][6] = "SENTINEL-IMPORT-4711"
    (tmp_path / "stick").mkdir()
    service.import_file(session, write_csv(tmp_path / "stick" / "k.csv", body), MAPPING, dry_run=False, today=TODAY)
    assert session.conn.execute("SELECT note FROM contacts WHERE note LIKE 'SENTINEL%'").fetchone()
    session.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for file in session.path.parent.rglob("*"):
        if file.is_file():
            assert b"SENTINEL-IMPORT" not in file.read_bytes(), file


HEALTH_MAPPING = replace(MAPPING, columns={**MAPPING.columns, "health.reason": "Årsag",
                                           "health.assaults": "Overgreb",
                                           "health.referred_public_care": "Henvist"},
                         values={"contact.kind": {"sundhed": "health", "gade": "street"},
                                 "health.reason": {"test": "sti_test"}})


def _health_sheet(tmp_path):
    body = [[*row[:5], "sundhed", row[6], "test", "Fysisk vold, Trusler", "ja"] for row in rows(2)]
    return write_csv(tmp_path / "sundhed.csv", body, headings=[*HEADINGS, "Årsag", "Overgreb", "Henvist"])


def test_health_staff_import_health_parts_into_their_compartment(session, act_as, tmp_path) -> None:
    nurse = act_as("health")
    plan = service.import_file(nurse, _health_sheet(tmp_path), HEALTH_MAPPING, dry_run=False, today=TODAY)
    assert (len(plan.contacts), len(plan.health)) == (2, 2)
    stored = session.conn.execute("SELECT reason, assaults, referred_public_care FROM health_contacts").fetchall()
    assert stored == [("sti_test", "physical threats", 1)] * 2
    assert _count(session, "contacts", "kind = 'health'") == 2


@pytest.mark.parametrize("role", ["admin", "coordinator"])
def test_only_health_staff_import_health_parts(session, act_as, tmp_path, role) -> None:
    other = session if role == "admin" else act_as(role)
    with pytest.raises(InvalidInput, match="Only health staff import health details"):
        service.import_file(other, _health_sheet(tmp_path), HEALTH_MAPPING, dry_run=True, today=TODAY)


def test_a_health_part_on_a_street_contact_is_a_problem(session, act_as, tmp_path) -> None:
    nurse = act_as("health")
    mapping = replace(HEALTH_MAPPING, values={**HEALTH_MAPPING.values, "contact.kind": {"sundhed": "street"}})
    plan = service.import_file(nurse, _health_sheet(tmp_path), mapping, dry_run=True, today=TODAY)
    assert plan.rows[0].problems == ["Health details belong to a contact of the kind Health."]
