"""The legal pilot's figures on crimes: sessions and clients by crime type and by who committed the crime,
police reports assisted, clients referred to CMM, and clients first reached through legal advice; each client
once per row, beside the same period a year before, and small counts hidden in files."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime

import pytest

from fieldapp.domain.records import Contact, LegalSession, Person
from fieldapp.records import contacts, legal, people
from fieldapp.reports import export, service
from tests.conftest import AGREED

PERIOD = (date(2025, 1, 1), date(2025, 12, 31))
KEY_ROWS = ("Legal advice sessions", "Unique clients", "Repeat clients (two or more sessions)",
            "Police reports assisted", "Police reports filed", "Victim's lawyer requested",
            "Clients who disclosed a crime", "Clients referred to CMM", "Clients first reached through legal advice")


def _as(session, role: str):
    return dataclasses.replace(session, user=dataclasses.replace(session.user, role=role))


def _when(day: str) -> datetime:
    return datetime.fromisoformat(day + "T12:00:00+00:00")


def _session(adviser, person: Person, day: str, services: tuple[str, ...] = (), **part) -> None:
    legal.save_legal_session(adviser, Contact(person_id=person.id, kind="legal", occurred_at=_when(day),
                                              services=services),
                             LegalSession(contact_id="", adviser_id=0, **part))


@pytest.fixture
def adviser(session):
    adviser = _as(session, "legal")
    ada, bea, cleo, dora, eva, fay, gia, hana = (
        people.create_person(adviser, Person(**AGREED, alias=alias, gender="woman", nationality="TH"))
        for alias in ("Ada", "Bea", "Cleo", "Dora", "Eva", "Fay", "Gia", "Hana"))
    _session(adviser, ada, "2025-03-01", crimes=("sexual", "physical"), perpetrators=("customer",),
             police_report_assisted=True, first_reached_here=True)
    _session(adviser, ada, "2025-05-01", crimes=("threats",), perpetrators=("trafficker",), outcome="referred_cmm")
    contacts.create_contact(adviser, Contact(person_id=bea.id, kind="street", occurred_at=_when("2025-01-10")))
    _session(adviser, bea, "2025-04-01", services=("referral_cmm",), crimes=("robbery",), perpetrators=("customer",))
    _session(adviser, cleo, "2025-06-01", crimes=("sexual",), perpetrators=("customer", "other"),
             first_reached_here=True)
    _session(adviser, dora, "2025-07-01", topics=("residence",))
    _session(adviser, eva, "2025-08-01", crimes=("sexual",), perpetrators=("customer",), first_reached_here=True)
    _session(adviser, eva, "2025-11-01", crimes=("sexual",), perpetrators=("customer",))
    _session(adviser, fay, "2025-09-01", crimes=("exploitation", "withheld_pay"), perpetrators=("trafficker",),
             police_report_assisted=True, first_reached_here=True)
    _session(adviser, gia, "2025-10-01", crimes=("physical",), perpetrators=("customer",), first_reached_here=True)
    _session(adviser, hana, "2024-06-01", crimes=("sexual",), perpetrators=("customer",), first_reached_here=True)
    return adviser


def _tables(session) -> dict:
    return {table.key: table for table in service.build_report(session, *PERIOD, ("legal",)).tables()}


def _rows(table) -> dict[str, tuple[int, ...]]:
    return {label: cells for label, cells in zip(table.row_labels, table.cells, strict=True) if any(cells)}


def test_key_figures_count_each_client_once(adviser) -> None:
    figures = _tables(adviser)["legal_figures"]
    assert figures.row_labels == KEY_ROWS
    assert dict(zip(KEY_ROWS, figures.cells, strict=True)) == {
        "Legal advice sessions": (9, 1), "Unique clients": (7, 1), "Repeat clients (two or more sessions)": (2, 0),
        "Police reports assisted": (2, 0), "Police reports filed": (0, 0), "Victim's lawyer requested": (0, 0),
        "Clients who disclosed a crime": (6, 1), "Clients referred to CMM": (2, 0),
        "Clients first reached through legal advice": (5, 1)}


def test_sessions_and_clients_by_crime_type_and_by_perpetrator(adviser) -> None:
    tables = _tables(adviser)
    crimes, perpetrators = tables["legal_crimes"], tables["legal_perpetrators"]
    assert crimes.title == "Crimes disclosed by type"
    assert crimes.col_labels == ("Sessions", "Clients", "Clients a year before")
    assert _rows(crimes) == {"Rape or sexual assault": (4, 3, 1), "Physical violence": (2, 2, 0),
                             "Threats": (1, 1, 0), "Robbery or theft": (1, 1, 0),
                             "Trafficking or exploitation": (1, 1, 0), "Pay withheld or taken": (1, 1, 0)}
    assert "Other crime" in crimes.row_labels                 # every code has its row, counted or not
    assert _rows(perpetrators) == {"Customer": (6, 5, 1), "Trafficker or pimp": (2, 2, 0), "Other": (1, 1, 0)}


def test_an_empty_vault_gives_zeros(session) -> None:
    tables = _tables(_as(session, "legal"))
    for key in ("legal_figures", "legal_crimes", "legal_perpetrators"):
        assert all(cell == 0 for row in tables[key].cells for cell in row)


def test_small_counts_are_hidden_in_the_csv(adviser, tmp_path) -> None:
    report = service.build_report(adviser, *PERIOD, ("legal",))
    out = tmp_path / "legal.csv"
    export.write_csv(adviser, report, out)
    lines = out.read_bytes().decode("utf-8-sig").splitlines()
    assert "Legal pilot,Legal pilot: key figures" in lines
    assert "Legal advice sessions,9,<5" in lines
    assert "Clients who disclosed a crime,6,<5" in lines
    assert "Clients referred to CMM,<5,0" in lines
    assert "Clients first reached through legal advice,5,<5" in lines
    assert "Police reports assisted,<5,0" in lines
    assert "Legal pilot,Crimes disclosed by type" in lines
    assert "Rape or sexual assault,<5,<5,<5" in lines
    assert "Other crime,0,0,0" in lines
    assert "Legal pilot,Crimes disclosed by who committed them" in lines
    assert "Customer,6,5,<5" in lines
    cells = [cell for line in lines[3:] for cell in line.split(",")]
    assert not any(cell.isdigit() and 1 <= int(cell) < 5 for cell in cells)


def test_exact_counts_for_a_coordinator_keep_the_small_ones(adviser) -> None:
    report = service.build_report(adviser, *PERIOD, ("legal",))
    [part] = service.shown(_as(adviser, "coordinator"), report, exact_counts=True)
    crimes = next(table for table in part.tables if table.table.key == "legal_crimes")
    assert crimes.cells[0] == ("4", "3", "1")
