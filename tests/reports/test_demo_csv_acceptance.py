"""The acceptance of the coverage work: a CSV report of the demo vault has rows for men, workplaces, online
sessions, and the health and legal pilot's figures, suppressed as always (no published count from 1 to 4)."""

from __future__ import annotations

import csv
from datetime import date

import pytest

from fieldapp.demo.vault import DEMO_PASSPHRASE, create_demo_vault
from fieldapp.reports.export import write_csv
from fieldapp.reports.service import build_report
from fieldapp.security import vault

START = date(date.today().year - 1, 1, 1)             # figures are released for whole calendar years
END = date(START.year, 12, 31)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.fieldapp"
    create_demo_vault(path, people=400).close()
    return path


def _csv(path, user: str, out) -> list[list[str]]:
    session = vault.unlock(path, user, DEMO_PASSPHRASE)
    try:
        write_csv(session, build_report(session, START, END), out)
    finally:
        session.close()
    with out.open(encoding="utf-8-sig", newline="") as source:
        return list(csv.reader(source))


def _table(rows: list[list[str]], title: str) -> dict[str, list[str]]:
    """The rows of the table titled ``title``, by their label."""
    found, inside = {}, False
    for row in rows:
        if len(row) == 2 and row[1] == title:
            inside = True
            continue
        if inside and not row:
            break
        if inside:
            found[row[0]] = row[1:]
    assert found, f"no table {title!r}"
    return found


def _suppressed(rows: list[list[str]]) -> None:
    for row in rows[3:]:
        for cell in row[1:]:
            assert not (cell.isdigit() and 1 <= int(cell) <= 4), row


def test_the_health_staffs_csv_has_men_workplaces_online_and_health_figures(demo, tmp_path) -> None:
    rows = _csv(demo, "nurse", tmp_path / "nurse.csv")
    _suppressed(rows)
    by_form = _table(rows, "People by suspected form of exploitation, gender and age")
    assert any(label for label in by_form) and any("Man" in header for header in by_form[""])
    kinds = {label for table in ("Visits by venue kind and region",) for label in _table(rows, table)}
    assert kinds & {"Construction site", "Farm or greenhouse", "Restaurant or kitchen", "Car wash",
                    "Warehouse or transport"}
    online = _table(rows, "Online outreach")
    assert online["Online outreach sessions"][0] not in ("", "0")
    health = _table(rows, "Health clients: key figures")
    assert {"People with a health contact", "of them women", "of them referred on to public health care"} <= set(health)
    assert "Legal pilot: key figures" not in {row[1] for row in rows if len(row) == 2}


def test_the_legal_advisers_csv_has_the_legal_pilots_figures(demo, tmp_path) -> None:
    rows = _csv(demo, "adviser", tmp_path / "adviser.csv")
    _suppressed(rows)
    legal = _table(rows, "Legal pilot: key figures")
    assert {"Clients first reached through legal advice", "Clients referred to CMM"} <= set(legal)
    assert _table(rows, "Crimes disclosed by type")
    assert _table(rows, "Crimes disclosed by who committed them")
    assert "Health clients: key figures" not in {row[1] for row in rows if len(row) == 2}
