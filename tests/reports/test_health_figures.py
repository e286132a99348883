"""AmiAmi's health figures: people with a health contact in the period, the women among them, those who
disclosed an assault, those referred on to public health care, those in contact with the health service for
more than two years, and their nationalities, beside the same period a year before. Counts of people (the
reader computes the shares), a person once per row; only health staff get them."""

from __future__ import annotations

import contextlib
import dataclasses
from datetime import date, datetime

import pytest
import sqlcipher3

from fieldapp.domain.records import Contact, HealthContact, Person
from fieldapp.errors import PermissionDenied
from fieldapp.records import contacts, health, people
from fieldapp.reports import export, service
from tests.conftest import AGREED

PERIOD = (date(2025, 1, 1), date(2025, 12, 31))
ROWS = ("People with a health contact", "of them women", "of them who disclosed an assault",
        "of them referred on to public health care",
        "of them in contact with the health service for more than two years", "Nationalities among them")


def _as(session, role: str):
    return dataclasses.replace(session, user=dataclasses.replace(session.user, role=role))


def _when(day: str) -> datetime:
    return datetime.fromisoformat(day + "T12:00:00+00:00")


def _health(nurse, person: Person, day: str, *, assaults=(), referred: bool = False) -> None:
    health.save_health_contact(nurse, Contact(person_id=person.id, kind="health", occurred_at=_when(day)),
                               HealthContact(contact_id=0, reason="sti_test", assaults=assaults,
                                             referred_public_care=referred))


@pytest.fixture
def nurse(session):
    nurse = _as(session, "health")

    def add(alias: str, gender: str, nationality: str) -> Person:
        return people.create_person(nurse, Person(**AGREED, alias=alias, gender=gender, nationality=nationality))

    anna, bea, cleo = add("Anna", "woman", "TH"), add("Bea", "woman", "RO"), add("Cleo", "woman", "TH")
    dan, gus, eve = add("Dan", "man", ""), add("Gus", "transgender", "VN"), add("Eve", "woman", "NG")
    _health(nurse, anna, "2025-03-01", assaults=("sexual",))           # two contacts: counted once in each row
    _health(nurse, anna, "2025-05-01", assaults=("robbery", "threats"), referred=True)
    _health(nurse, bea, "2022-03-01")                                  # first health contact 3 years before
    _health(nurse, bea, "2025-04-01")
    _health(nurse, cleo, "2024-06-01", referred=True)                  # 1 year before; the year-before column
    _health(nurse, cleo, "2025-06-01")
    contacts.create_contact(nurse, Contact(person_id=cleo.id, kind="street", occurred_at=_when("2021-01-01")))
    _health(nurse, dan, "2025-07-01", assaults=("physical",), referred=True)
    _health(nurse, gus, "2023-01-10")                                  # 726 days before: not two years
    _health(nurse, gus, "2025-01-05")
    contacts.create_contact(nurse, Contact(person_id=eve.id, kind="street", occurred_at=_when("2025-02-01")))
    _health(nurse, eve, "2026-01-02", assaults=("sexual",), referred=True)  # after the period
    return nurse


def _figures(session, col: int = 0) -> dict[str, int]:
    report = service.build_report(session, *PERIOD, ("health",))
    table = {table.key: table for table in report.tables()}["health_clients"]
    assert table.title == "Health clients: key figures"
    assert table.col_labels == ("This period", "Same period a year before")
    return dict(zip(table.row_labels, (row[col] for row in table.cells), strict=True))


def test_each_figure_counts_people_once(nurse) -> None:
    assert _figures(nurse) == dict(zip(ROWS, (5, 3, 2, 2, 1, 3), strict=True))


def test_the_same_period_a_year_before(nurse) -> None:
    assert _figures(nurse, 1) == dict(zip(ROWS, (1, 1, 0, 1, 0, 1), strict=True))


def test_two_years_counts_the_first_health_contact_up_to_the_last_in_the_period(nurse) -> None:
    mia = people.create_person(nurse, Person(**AGREED, alias="Mia", gender="woman", nationality="TH"))
    _health(nurse, mia, "2023-01-01")
    _health(nurse, mia, "2025-01-01")           # 731 days after the first
    _health(nurse, mia, "2026-06-01")           # after the period: not its last contact
    assert _figures(nurse)["of them in contact with the health service for more than two years"] == 2


def test_the_health_section_keeps_contacts_by_reason(nurse) -> None:
    report = service.build_report(nurse, *PERIOD, ("health",))
    assert [table.key for table in report.tables()] == ["health", "health_clients"]
    by_reason = report.tables()[0]
    assert by_reason.cells[by_reason.row_labels.index("STI test")] == (6, 2, 1)


def test_an_empty_vault_gives_zeros(session) -> None:
    assert _figures(_as(session, "health")) == dict.fromkeys(ROWS, 0)


@contextlib.contextmanager
def _tables_read(session):
    seen: set[str] = set()

    def authorizer(action, table, _column, _db, _trigger):
        if action == sqlcipher3.SQLITE_READ and table:
            seen.add(table)
        return sqlcipher3.SQLITE_OK

    session.conn.set_authorizer(authorizer)
    try:
        yield seen
    finally:
        session.conn.set_authorizer(None)


@pytest.mark.parametrize("role", ["outreach", "coordinator", "admin", "legal"])
def test_without_the_health_role_there_is_no_section_and_no_health_row_is_read(nurse, role) -> None:
    other = _as(nurse, role)
    assert "health" not in service.available_sections(other)
    with _tables_read(other) as seen, pytest.raises(PermissionDenied):
        service.build_report(other, *PERIOD, ("health",))
    assert "health_contacts" not in seen
    with _tables_read(other) as seen:
        report = service.build_report(other, *PERIOD)
    assert "health_contacts" not in seen
    assert "health_clients" not in {table.key for table in report.tables()}


def test_small_counts_are_hidden_in_files(nurse, tmp_path) -> None:
    report = service.build_report(nurse, *PERIOD, ("health",))
    [part] = service.shown(nurse, report)
    clients = next(table for table in part.tables if table.table.key == "health_clients")
    assert clients.cells[0] == ("5", "<5")
    assert all(cell in ("0", "<5", "x") or int(cell) >= 5 for row in clients.cells for cell in row)
    out = tmp_path / "health.csv"
    export.write_csv(nurse, report, out)
    lines = out.read_bytes().decode("utf-8-sig").splitlines()
    assert "Health,Health clients: key figures" in lines
    assert "People with a health contact,5,<5" in lines
    pdf = tmp_path / "health.pdf"
    export.write_pdf(nurse, report, pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
