"""Review: defects found in the import (each test fails before its fix)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from fieldapp.importing import service, values
from tests.importing.sheets import HEADINGS, MAPPING, TODAY, rows, write_csv


def _count(session, table: str, where: str = "1") -> int:
    return session.conn.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchone()[0]


def test_a_child_today_is_not_imported_without_the_child_protection_steps(session, tmp_path) -> None:
    """The form refuses a contact with a child that does not say whether the municipality was told; an import
    cannot know it, so a person who is a child today is a problem, not a contact without the steps."""
    year = date.today().year
    body = [["Lina", str(year - 15), "Rumænien", "Kvinde", f"01-03-{year - 1}", "gade", ""]]
    source = write_csv(tmp_path / "k.csv", body)
    with pytest.raises(service.ImportRefused) as refused:
        service.import_file(session, source, MAPPING, dry_run=False)
    assert any("child" in problem for problem in refused.value.plan.rows[0].problems)
    assert _count(session, "people") == _count(session, "contacts") == 0


LEGAL_MAPPING = replace(MAPPING, columns={**MAPPING.columns, "legal.follow_up": "Opfølgning"},
                        values={"contact.kind": {"jura": "legal"}})


def _legal_sheet(tmp_path, follow_up: str):
    body = [[*rows(1)[0][:5], "jura", "", follow_up]]
    return write_csv(tmp_path / "jura.csv", body, headings=[*HEADINGS, "Opfølgning"])


def test_a_legal_follow_up_before_its_contact_is_a_problem_as_in_the_form(session, act_as, tmp_path) -> None:
    adviser = act_as("legal")                   # the contact is on 01-01-2025
    plan = service.import_file(adviser, _legal_sheet(tmp_path, "01-12-2024"), LEGAL_MAPPING, dry_run=True,
                               today=TODAY)
    assert not plan.ok
    assert any("before the contact" in problem for problem in plan.rows[0].problems)


def test_a_legal_follow_up_becomes_the_contacts_follow_up_as_in_the_form(session, act_as, tmp_path) -> None:
    adviser = act_as("legal")
    service.import_file(adviser, _legal_sheet(tmp_path, "01-02-2025"), LEGAL_MAPPING, dry_run=False, today=TODAY)
    assert session.conn.execute("SELECT follow_up FROM contacts").fetchone() == ("2025-02-01",)


@pytest.mark.timeout(30)
def test_a_list_cell_of_many_spaces_is_read_in_linear_time(session, tmp_path) -> None:
    """_LIST_SEPARATORS backtracks quadratically on whitespace: one 5,000-character cell took a second, so a
    hostile file of 10,000 such cells hung the dry run for hours (and cancel is checked only every 500 rows)."""
    field = MAPPING.targets["person.languages"]
    cell = "dansk" + " " * 200_000 + "engelsk"        # quadratic: hours; linear: milliseconds (the timeout)
    with pytest.raises(values.Bad):
        values.codes(field, cell, {})
    assert values.codes(field, "rumænsk og engelsk; Thai", {}) == ("ro", "en", "th")


@pytest.mark.timeout(30)
def test_a_large_values_table_is_looked_up_in_constant_time() -> None:
    """A cell not in the table exactly was compared with every entry (case folded each time): with a 256 KB
    mapping's ~15,000 entries, 1.6 ms a cell, minutes for a file of 100,000 rows."""
    field = MAPPING.targets["person.nationality"]
    table = {f"tekst {i}": "RO" for i in range(200_000)}     # a scan per cell: hours (the timeout)
    table["RUMÆN"] = "RO"
    lookup = values.Lookup(table)             # built once per mapping (Mapping.lookups)
    for _ in range(20_000):
        assert values.code(field, "rumæn", lookup) == "RO"
        assert values.code(field, "Thailand", lookup) == "TH"


def _workbook_rows_reordered(tmp_path):
    """A workbook whose sheet XML lists row 4 before rows 2 and 3 (a hostile or broken generator)."""
    import re
    import zipfile

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Navn", "Dato", "Type"])
    for i in range(3):
        sheet.append([f"Mia{i}", "01-01-2025", "gade"])
    book.save(tmp_path / "plain.xlsx")
    with zipfile.ZipFile(tmp_path / "plain.xlsx") as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    xml = members["xl/worksheets/sheet1.xml"].decode()
    found = re.findall(r'<row r="\d+".*?</row>', xml)
    reordered = found[0] + found[3] + found[1] + found[2]
    members["xl/worksheets/sheet1.xml"] = xml.replace("".join(found), reordered).encode()
    with zipfile.ZipFile(tmp_path / "reordered.xlsx", "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return tmp_path / "reordered.xlsx"


def test_rows_out_of_order_in_a_workbook_are_refused_not_silently_dropped(tmp_path) -> None:
    from fieldapp.importing.sources import SourceRefused, read_table

    source = _workbook_rows_reordered(tmp_path)
    try:
        table = read_table(source)
    except SourceRefused:
        return
    assert [cells[0].text for _number, cells in table.rows] == ["Mia0", "Mia1", "Mia2"]


@pytest.mark.timeout(60)
def test_a_small_sheet_with_many_empty_rows_below_is_read(tmp_path) -> None:
    """Excel writes formatted empty rows as ";;" lines, and a stray cell far below makes openpyxl yield every
    row above it: only rows with content count against MAX_ROWS (the rows' numbers are capped instead)."""
    import openpyxl

    from fieldapp.importing.sources import SourceRefused, read_table

    text = "Navn;Dato;Type\r\n" + "Mia;01-01-2025;gade\r\n" * 5 + ";;\r\n" * 250_000
    (tmp_path / "a.csv").write_text(text, encoding="utf-8")
    assert len(read_table(tmp_path / "a.csv").rows) == 5
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Navn", "Dato", "Type"])
    for _ in range(5):
        sheet.append(["Mia", "01-01-2025", "gade"])
    sheet.cell(row=1_048_576, column=4, value="x")
    book.save(tmp_path / "b.xlsx")
    assert [number for number, _cells in read_table(tmp_path / "b.xlsx").rows] == [2, 3, 4, 5, 6, 1_048_576]
    sheet.cell(row=1_048_576, column=4, value=None)
    book.save(tmp_path / "c.xlsx")
    # a row number past Excel's last is no sheet a spreadsheet program wrote (and would take ages to pad)
    import zipfile
    with zipfile.ZipFile(tmp_path / "c.xlsx") as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    xml = members["xl/worksheets/sheet1.xml"].decode()
    xml = xml.replace("</sheetData>", '<row r="2000000000"><c r="A2000000000" t="inlineStr"><is><t>x</t></is></c>'
                                      "</row></sheetData>")
    members["xl/worksheets/sheet1.xml"] = xml.encode()
    with zipfile.ZipFile(tmp_path / "d.xlsx", "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with pytest.raises(SourceRefused):                # at once, not after padding two billion rows (the timeout)
        read_table(tmp_path / "d.xlsx")


def test_rows_added_to_a_child_already_kept_are_a_problem(session, tmp_path) -> None:
    from fieldapp.domain.records import Person
    from fieldapp.records import people
    from tests.conftest import AGREED

    year = date.today().year
    people.create_person(session, Person(**AGREED, alias="Lina", birth_year=year - 15, nationality="RO"))
    body = [["Lina", str(year - 15), "Rumænien", "Kvinde", f"01-03-{year - 1}", "gade", ""]]
    with pytest.raises(service.ImportRefused):
        service.import_file(session, write_csv(tmp_path / "k.csv", body), replace(MAPPING, on_match="merge"),
                            dry_run=False)
    assert _count(session, "contacts") == 0


FOLLOW_MAPPING = replace(MAPPING, columns={**MAPPING.columns, "contact.follow_up": "Opfølgning"})


def test_a_follow_up_planned_for_next_month_is_not_a_date_in_the_future_problem(session, tmp_path) -> None:
    """A team switching to the app brings last month's sheet with its open follow-ups: a follow-up lies ahead by
    nature, as the form allows; only the day of a contact cannot be in the future."""
    body = [[*rows(1)[0][:4], "15-11-2026", "gade", "", "05-01-2027"]]
    source = write_csv(tmp_path / "k.csv", body, headings=[*HEADINGS, "Opfølgning"])
    plan = service.import_file(session, source, FOLLOW_MAPPING, dry_run=True, today=TODAY)
    assert plan.ok, plan.rows[0].problems


def test_a_contact_dated_today_before_noon_is_not_in_the_future(session, tmp_path, monkeypatch) -> None:
    """A day without a time is taken as noon; imported at 08:00 that day, the form's check ("This time is in the
    future") refused the row, though the day itself was fine."""
    from datetime import datetime as real_datetime

    from fieldapp.domain import validation

    morning = real_datetime(TODAY.year, TODAY.month, TODAY.day, 8, 0).astimezone()

    class Morning(real_datetime):
        @classmethod
        def now(cls, tz=None):
            return morning.astimezone(tz) if tz is not None else morning.replace(tzinfo=None)

    monkeypatch.setattr(validation, "datetime", Morning)
    monkeypatch.setattr(values, "datetime", Morning)
    body = [[*rows(1)[0][:4], TODAY.strftime("%d-%m-%Y"), "gade", ""]]
    plan = service.import_file(session, write_csv(tmp_path / "k.csv", body), MAPPING, dry_run=True, today=TODAY)
    assert plan.ok, plan.rows[0].problems


def test_past_follow_ups_of_old_records_do_not_land_as_overdue_on_the_importer(session, tmp_path) -> None:
    """An import cannot know a follow-up's owner nor whether it was done: every past follow-up of an old sheet
    became an open, overdue follow-up of the person importing (the owner falls back to the contact's author)."""
    from fieldapp.records import contacts

    body = [[*row, "28-12-2025"] for row in rows(40)]
    source = write_csv(tmp_path / "k.csv", body, headings=[*HEADINGS, "Opfølgning"])
    service.import_file(session, source, FOLLOW_MAPPING, dry_run=False, today=TODAY)
    assert _count(session, "contacts", "follow_up IS NOT NULL") == 40        # the day is kept
    assert contacts.count_follow_ups(session, TODAY, TODAY, mine=True) == (0, 0)
