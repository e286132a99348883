"""Consent to be recorded: a person kept says whether they agreed (with the sheet they were given), were not asked
yet (and why), or came from an old spreadsheet; someone who refused is counted anonymously and never kept."""

from __future__ import annotations

from datetime import date

import pytest

from fieldapp.domain.records import Person, age_class
from fieldapp.errors import InvalidInput, ValidationError
from fieldapp.records import people
from fieldapp.reports import service

NEW = {"alias": "Dara", "gender": "woman", "age_estimate": 26, "nationality": "TH"}


def _refused(session, **consent) -> dict[str, str]:
    with pytest.raises(ValidationError) as refused:
        people.create_person(session, Person(**NEW, **consent))
    assert people.count_people(session) == 0
    return refused.value.problems


def test_a_person_is_not_kept_without_a_consent_status_and_its_details(session) -> None:
    assert _refused(session) == {"record_consent": "Say whether the person agreed that we keep a record."}
    assert set(_refused(session, record_consent="refused")) == {"record_consent"}
    assert set(_refused(session, record_consent="not_asked")) == {"consent_reason"}
    assert set(_refused(session, record_consent="given")) == {"sheet_language"}
    assert set(_refused(session, record_consent="given", sheet_language="th", sheet_version="v1")) == {
        "sheet_language"}
    assert set(_refused(session, record_consent="given", sheet_language="th", sheet_version="1.0",
                        consent_reason="no_time")) == {"consent_reason"}
    assert set(_refused(session, record_consent="maybe")) == {"record_consent"}


def test_agreed_or_not_asked_yet_are_kept_with_what_was_said(session) -> None:
    agreed = people.create_person(session, Person(**NEW, record_consent="given", sheet_language="th",
                                                  sheet_version="0123456789"))
    later = people.create_person(session, Person(**{**NEW, "alias": "Noi"}, record_consent="not_asked",
                                                 consent_reason="not_safe"))
    assert people.get_person(session, agreed.id).sheet_version == "0123456789"
    assert (people.get_person(session, later.id).record_consent, people.get_person(session, later.id)
            .consent_reason) == ("not_asked", "not_safe")


def test_only_an_import_marks_a_record_historic(session) -> None:
    with pytest.raises(InvalidInput):
        people.create_person(session, Person(**NEW, record_consent="historic_import"))
    assert people.count_people(session) == 0


def test_a_refusal_is_an_anonymous_count_in_the_report_and_nothing_else(session) -> None:
    people.count_refusal(session, "woman", "adult", date(2025, 3, 1))
    people.count_refusal(session, "man", "child", date(2025, 7, 1))
    people.count_refusal(session, "woman", "adult", date(2024, 3, 1))
    with pytest.raises(InvalidInput):
        people.count_refusal(session, "woman", "teenager")
    assert people.count_people(session) == 0
    assert people.count_refusals(session, date(2025, 1, 1), date(2025, 12, 31)) == 2
    report = service.build_report(session, date(2025, 1, 1), date(2025, 12, 31), ("activity",))
    [key] = [table for table in report.tables() if table.key == "key_figures"]
    row = key.row_labels.index("People who did not want to be recorded (counted only)")
    assert key.cells[row] == (2, 1)
    stored = session.conn.execute("SELECT * FROM anonymous_counts").fetchall()
    assert all("Dara" not in str(values) for values in stored) and len(stored) == 3


def test_the_age_class_of_a_refusal_comes_from_the_age_or_the_year_of_birth() -> None:
    assert age_class(Person(alias="", age_estimate=16)) == "child"
    assert age_class(Person(alias="", birth_year=2000), date(2026, 1, 1)) == "adult"
    assert age_class(Person(alias="")) == "unknown"


def test_a_refusal_count_has_no_author_no_order_and_no_audit_event(session) -> None:
    before = session.conn.execute("SELECT count(*) FROM audit_events").fetchone()[0]
    people.count_refusal(session, "man", "adult", date(2025, 3, 1))
    columns = [row[1] for row in session.conn.execute("PRAGMA table_info(anonymous_counts)")]
    assert columns == ["id", "counted_on", "gender", "age_class", "reason"]      # reason: refused or historic
    with pytest.raises(Exception, match="rowid"):
        session.conn.execute("SELECT rowid FROM anonymous_counts").fetchall()
    assert session.conn.execute("SELECT count(*) FROM audit_events").fetchone()[0] == before


def test_only_an_import_marks_a_kept_person_historic_too(session) -> None:
    from dataclasses import replace

    kept = people.create_person(session, Person(**NEW, record_consent="not_asked", consent_reason="no_time"))
    with pytest.raises(InvalidInput):
        people.update_person(session, replace(kept, record_consent="historic_import", consent_reason=""))
    assert people.get_person(session, kept.id).record_consent == "not_asked"
