"""Reading a spreadsheet someone else made: every byte is hostile. Links, FIFOs, folders, huge files, zip bombs,
entity expansion, odd encodings, binaries, formulas, merged cells, errors and monster cells are refused or
flagged, and never crash, hang or fill the memory."""

from __future__ import annotations

import codecs
import io
import os
import threading
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest

from fieldapp.importing import sources, values
from fieldapp.importing.sources import (
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_FILE_BYTES,
    Cell,
    SourceRefused,
    Table,
    read_table,
)
from tests.importing.sheets import HEADINGS, rows, write_csv, write_xlsx

posix_only = pytest.mark.skipif(os.name != "posix", reason="links and FIFOs as POSIX makes them")

# A "billion laughs": each entity ten of the one before; expanded, a few hundred bytes become gigabytes.
LAUGHS = ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
          + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">' for i in range(1, 10))
          + "]>\n")


def texts(table: Table) -> list[tuple[int, list[str]]]:
    return [(number, [cell.text for cell in cells]) for number, cells in table.rows]


def write_bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def rewrite_member(path: Path, member: str, change) -> Path:
    """The workbook at ``path`` with one member's text changed by ``change``."""
    with zipfile.ZipFile(path) as source:
        parts = [(info.filename, source.read(info.filename)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts:
            target.writestr(name, change(data.decode("utf-8")).encode("utf-8") if name == member else data)
    return path


@pytest.fixture
def openpyxl_opens(monkeypatch) -> list[object]:
    """Every time openpyxl is asked to open a workbook (the test says whether it may be)."""
    import openpyxl

    opened: list[object] = []
    real = openpyxl.load_workbook

    def spy(*args, **kwargs):
        opened.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(openpyxl, "load_workbook", spy)
    return opened


# -- not a plain file --------------------------------------------------------------------------------------------

@posix_only
def test_a_link_to_a_good_csv_is_refused(tmp_path) -> None:
    good = write_csv(tmp_path / "good.csv", rows(2))
    assert len(read_table(good).rows) == 2                          # the file itself reads
    link = tmp_path / "link.csv"
    link.symlink_to(good)
    with pytest.raises(SourceRefused) as refused:
        read_table(link)
    assert str(refused.value) == "This is a link, not a file: choose the spreadsheet itself."


@posix_only
@pytest.mark.timeout(20)
def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path) -> None:
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    outcome: list[BaseException | Table] = []

    def read() -> None:
        try:
            outcome.append(read_table(fifo))
        except BaseException as exc:  # noqa: BLE001 - the test looks at what it was
            outcome.append(exc)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout=5)
    if reader.is_alive():                                            # blocked in open(): free it, then fail
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        reader.join(timeout=5)
        pytest.fail("reading a FIFO waited for a writer")
    assert len(outcome) == 1 and isinstance(outcome[0], SourceRefused), outcome
    assert "not a plain file" in str(outcome[0])


def test_a_folder_is_refused(tmp_path) -> None:
    (tmp_path / "records.csv").mkdir()
    with pytest.raises(SourceRefused, match="not a plain file"):
        read_table(tmp_path / "records.csv")


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path) -> None:
    huge = tmp_path / "huge.csv"
    with open(huge, "wb") as handle:                                  # sparse: no disk, no time
        handle.truncate(MAX_FILE_BYTES + 1)
    with pytest.raises(SourceRefused, match="larger than 50 MB"):
        read_table(huge)
    with open(huge, "r+b") as handle:                                 # at the limit it is read (and is no text)
        handle.truncate(MAX_FILE_BYTES)
    with pytest.raises(SourceRefused) as refused:
        read_table(huge)
    assert "larger than" not in str(refused.value)


def test_a_missing_file_and_a_foreign_suffix_are_refused(tmp_path) -> None:
    with pytest.raises(SourceRefused, match="could not be read"):
        read_table(tmp_path / "gone.csv")
    with pytest.raises(SourceRefused, match=r"Choose a \.csv or \.xlsx file"):
        read_table(write_csv(tmp_path / "records.ods", rows(2)))


# -- workbooks as archives and XML ----------------------------------------------------------------------------

def test_a_zip_bomb_disguised_as_a_workbook_is_refused_before_openpyxl_opens_it(tmp_path, openpyxl_opens) -> None:
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bomb:
        bomb.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        bomb.writestr("xl/worksheets/sheet1.xml", bytes(50 * 1024 * 1024))
    assert len(packed.getvalue()) < 200 * 1024                       # 50 MB of zeros in a small file
    source = write_bytes(tmp_path / "records.xlsx", packed.getvalue())

    with pytest.raises(SourceRefused, match="zip bomb"):
        read_table(source)
    assert openpyxl_opens == []


def test_a_workbook_that_unpacks_to_more_than_the_limit_in_all_is_refused(tmp_path, monkeypatch,
                                                                          openpyxl_opens) -> None:
    monkeypatch.setattr(sources, "MAX_UNPACKED_BYTES", 3 * 1024 * 1024)
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as bomb:
        for i in range(4):                                           # each small enough to pass the ratio check
            bomb.writestr(f"xl/worksheets/sheet{i}.xml", bytes(1024 * 1024))
    with pytest.raises(SourceRefused, match="zip bomb"):
        read_table(write_bytes(tmp_path / "records.xlsx", packed.getvalue()))
    assert openpyxl_opens == []


def test_an_xlsx_that_is_no_zip_is_refused(tmp_path, openpyxl_opens) -> None:
    text_in_disguise = write_csv(tmp_path / "records.xlsx", rows(2))
    with pytest.raises(SourceRefused, match=r"not an Excel workbook \(\.xlsx\), or it is damaged"):
        read_table(text_in_disguise)
    assert openpyxl_opens == []


@pytest.mark.timeout(20)
@pytest.mark.parametrize("member", ["xl/worksheets/sheet1.xml", "xl/workbook.xml"])
def test_entity_declarations_in_a_workbooks_xml_are_refused_by_defusedxml(tmp_path, member) -> None:
    source = write_xlsx(tmp_path / "records.xlsx", [["Mia", 1990, "Thailand", "Kvinde", "01-02-2025", "gade", ""]])
    rewrite_member(source, member, lambda xml: LAUGHS + xml.split("?>", 1)[-1].replace("Mia", "&lol9;"))

    with pytest.raises(SourceRefused, match="entity declarations"):
        read_table(source)


def test_the_sheets_of_a_workbook_are_listed_with_the_same_checks(tmp_path, openpyxl_opens) -> None:
    good = write_xlsx(tmp_path / "records.xlsx", rows(2), sheet="2024")
    assert sources.workbook_sheets(good) == ("2024",)
    assert sources.workbook_sheets(write_csv(tmp_path / "records.csv", rows(2))) == ()
    rewrite_member(good, "xl/workbook.xml", lambda xml: LAUGHS + xml.split("?>", 1)[-1].replace(
        'name="2024"', 'name="&lol9;"'))
    with pytest.raises(SourceRefused, match="entity declarations"):
        sources.workbook_sheets(good)
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as bomb:
        bomb.writestr("xl/workbook.xml", bytes(5 * 1024 * 1024))
    opened = len(openpyxl_opens)
    with pytest.raises(SourceRefused, match="zip bomb"):
        sources.workbook_sheets(write_bytes(tmp_path / "bomb.xlsx", packed.getvalue()))
    assert len(openpyxl_opens) == opened


@pytest.mark.parametrize("read", [read_table, sources.workbook_sheets])
def test_a_workbook_is_read_only_through_defusedxml(tmp_path, monkeypatch, read) -> None:
    import openpyxl.xml

    monkeypatch.setattr(openpyxl.xml, "DEFUSEDXML", False)
    with pytest.raises(SourceRefused, match="defusedxml"):
        read(write_xlsx(tmp_path / "records.xlsx", rows(2)))


@pytest.mark.timeout(20)
def test_deeply_nested_xml_in_a_cell_neither_crashes_nor_becomes_a_value(tmp_path) -> None:
    source = write_xlsx(tmp_path / "records.xlsx", [["Mia", 1990, "Thailand", "Kvinde", "01-02-2025", "gade", "x"]])
    depth = 20_000
    rewrite_member(source, "xl/worksheets/sheet1.xml", lambda xml: xml.replace(
        "<is><t>x</t></is>", "<is>" + "<r>" * depth + "<t>x</t>" + "</r>" * depth + "</is>"))
    try:
        table = read_table(source)
    except SourceRefused:
        return
    assert texts(table) == [(2, ["Mia", "1990", "Thailand", "Kvinde", "01-02-2025", "gade"])]


# -- CSV encodings and delimiters -------------------------------------------------------------------------------

def test_a_csv_in_windows_1252_with_danish_letters_and_semicolons(tmp_path) -> None:
    body = [["Søren Ærø", "1990", "Rumænien", "Kvinde", "01-02-2025", "gade", "Åben, men træt"]]
    source = write_csv(tmp_path / "records.csv", body, encoding="cp1252")
    assert "ø".encode("cp1252") in source.read_bytes()               # really not UTF-8

    table = read_table(source)

    assert table.headers == tuple(HEADINGS)
    assert texts(table) == [(2, body[0])]
    assert table.notes == ("Read as CSV: encoding CP1252, columns separated by ;",)


def test_a_csv_in_utf8_with_a_bom(tmp_path) -> None:
    table = read_table(write_csv(tmp_path / "records.csv", rows(2), encoding="utf-8-sig", delimiter=","))
    assert table.headers[0] == "Navn"                                # no BOM glued to the first heading
    assert texts(table)[0] == (2, rows(2)[0])
    assert table.notes == ("Read as CSV: encoding UTF-8 (BOM), columns separated by ,",)


@pytest.mark.parametrize("suffix", [".txt", ".csv"])
def test_excel_unicode_text_utf16_with_a_bom_and_tabs(tmp_path, suffix) -> None:
    body = [["Ána-Maria Ştefan", "1990", "Rumænien", "Kvinde", "01-02-2025", "gade", "smilede; sagde hej, tak"]]
    text = "\r\n".join("\t".join(row) for row in [HEADINGS, *body]) + "\r\n"
    source = write_bytes(tmp_path / f"records{suffix}", codecs.BOM_UTF16_LE + text.encode("utf-16-le"))

    table = read_table(source)

    assert table.headers == tuple(HEADINGS)
    assert texts(table) == [(2, body[0])]
    assert table.notes == ("Read as CSV: encoding UTF-16, columns separated by tab",)


@pytest.mark.parametrize("where", [10, 100_000])
def test_nul_bytes_in_a_text_file_are_refused(tmp_path, where) -> None:
    data = bytearray(("Navn;Dato\r\n" + "Mia;01-02-2025\r\n" * 10_000).encode())
    data[where] = 0
    with pytest.raises(SourceRefused, match="not a text file"):
        read_table(write_bytes(tmp_path / "records.csv", bytes(data)))


@pytest.mark.parametrize("kind", ["workbook", "png", "no-nul"])
def test_a_binary_file_renamed_csv_is_refused(tmp_path, kind) -> None:
    if kind == "workbook":
        data = write_xlsx(tmp_path / "real.xlsx", rows(2)).read_bytes()
    elif kind == "png":
        data = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8
    else:                                                            # no NUL, and no Windows-1252 either
        data = bytes(range(1, 256)) * 8
    with pytest.raises(SourceRefused, match="not a text file|encoding is not UTF-8 nor Windows-1252"):
        read_table(write_bytes(tmp_path / "records.csv", data))


@pytest.mark.parametrize("data", [b"", codecs.BOM_UTF8, b"\r\n\r\n", b";;;\r\n ; ;\r\n"])
def test_an_empty_file_is_refused(tmp_path, data) -> None:
    with pytest.raises(SourceRefused, match="The sheet is empty"):
        read_table(write_bytes(tmp_path / "records.csv", data))


def test_an_empty_workbook_is_refused(tmp_path) -> None:
    with pytest.raises(SourceRefused, match="The sheet is empty"):
        read_table(write_xlsx(tmp_path / "records.xlsx", [], headings=[]))


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_headings_without_rows_are_refused(tmp_path, suffix) -> None:
    writer = write_csv if suffix == ".csv" else write_xlsx
    with pytest.raises(SourceRefused, match="headings but no rows"):
        read_table(writer(tmp_path / f"records{suffix}", []))


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_two_columns_with_the_same_heading_are_refused(tmp_path, suffix) -> None:
    writer = write_csv if suffix == ".csv" else write_xlsx
    headings = ["Navn", "Dato", "Navn ", "Noter"]                     # the same once trimmed
    with pytest.raises(SourceRefused, match=r"Two columns have the same heading \(Navn\)"):
        read_table(writer(tmp_path / f"records{suffix}", [["Mia", "01-02-2025", "Mia", ""]], headings=headings))


@pytest.mark.timeout(20)
def test_delimiters_are_found_in_linear_time_on_a_hostile_line(tmp_path) -> None:
    """csv.Sniffer's regular expressions need minutes for a line of quotes and delimiters like this one."""
    line = ';"a' * 22_000
    source = write_bytes(tmp_path / "records.csv", ("Navn;Dato\r\n" + line + "\r\nMia;01-02-2025\r\n").encode())
    try:                                               # minutes with csv.Sniffer; the timeout is the check
        read_table(source)
    except SourceRefused:
        pass


def test_the_delimiter_is_the_one_that_splits_every_row_alike(tmp_path) -> None:
    body = [["Mia", "01-02-2025", "træt, men glad"], ["Ana", "02-02-2025", "hej, hej"]]
    table = read_table(write_csv(tmp_path / "records.csv", body, headings=["Navn", "Dato", "Noter"]))
    assert texts(table) == [(2, body[0]), (3, body[1])]
    quoted = write_bytes(tmp_path / "quoted.csv", b'Navn,Noter\r\n"Mia","a; b; c"\r\n"Ana","d; e"\r\n')
    assert texts(read_table(quoted)) == [(2, ["Mia", "a; b; c"]), (3, ["Ana", "d; e"])]


# -- cells that are no values -----------------------------------------------------------------------------------

@pytest.mark.parametrize("formula", ["=SUM(A1:A3)", '=HYPERLINK("http://example.org/x","Klik")', "=1+2",
                                     '="0045"', "  =A1", "+SUM(A1:A3)", "@SUM(A1)",
                                     "-SUM(A1:A3)"])
def test_a_formula_in_a_csv_cell_is_flagged_not_taken_as_a_value(tmp_path, formula) -> None:
    quoted = '"' + formula.replace('"', '""') + '"'
    source = write_bytes(tmp_path / "records.csv", f"Navn;Antal\r\nMia;{quoted}\r\nAna;7\r\n".encode())

    table = read_table(source)

    (_row, (name, count)), (_next, (_name, seven)) = table.rows
    assert name == Cell(text="Mia")
    assert count.problem.startswith(f"The cell holds a formula ({formula.strip()[:40]}), not a value")
    assert seven == Cell(text="7")


@pytest.mark.parametrize("text", ["-", "+45 12 34 56 78", "a=b", "= ", "=", "#1 i køen", "Mia (Ana)"])
def test_texts_like_formulas_or_errors_stay_values(tmp_path, text) -> None:
    source = write_bytes(tmp_path / "records.csv", f"Navn;Svar\r\nMia;{text}\r\n".encode())
    assert read_table(source).rows[0][1][1] == Cell(text=text.strip())


def test_a_workbook_formula_never_calculated_is_flagged(tmp_path) -> None:
    """openpyxl writes formulas without their values, as a program that never opens Excel would."""
    source = write_xlsx(tmp_path / "records.xlsx", [["Mia", "=1989+1"], ["Ana", 1990]], headings=["Navn", "År"])
    table = read_table(source)
    (_row, (_mia, year)), (_next, (_ana, plain)) = table.rows
    assert year.problem.startswith("The cell's formula (=1989+1) was never calculated, so it has no value")
    assert not year.text and plain == Cell(text="1990", value=1990)


def test_a_workbook_formula_with_its_calculated_value_gives_the_value(tmp_path) -> None:
    source = write_xlsx(tmp_path / "records.xlsx", [["Mia", "=1989+1"]], headings=["Navn", "År"])
    rewrite_member(source, "xl/worksheets/sheet1.xml",
                   lambda xml: xml.replace("<f>1989+1</f><v></v>", "<f>1989+1</f><v>1990</v>")
                   .replace("<f>1989+1</f><v />", "<f>1989+1</f><v>1990</v>"))
    assert read_table(source).rows[0][1][1] == Cell(text="1990", value=1990)


def test_merged_cells_are_flagged_on_every_cell_inside_the_range(tmp_path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for row in (["Navn", "Dato", "Type", "Noter"], ["Mia", "01-02-2025", "gade", "a"],
                ["Ana", "02-02-2025", "gade", "b"], ["Eva", "03-02-2025", "klinik", "c"]):
        sheet.append(row)
    sheet.merge_cells("B2:C3")                                       # Mia's date and type, Ana's as well
    book.save(tmp_path / "records.xlsx")

    table = read_table(tmp_path / "records.xlsx")

    flagged = {(number, column) for number, cells in table.rows for column, cell in enumerate(cells, start=1)
               if cell.problem}
    assert flagged == {(2, 3), (3, 2), (3, 3)}
    assert all("part of merged cells" in cells[column - 1].problem
               for number, cells in table.rows for column in (2, 3) if (number, column) in flagged)
    assert texts(table)[0] == (2, ["Mia", "01-02-2025", "", "a"])
    assert texts(table)[2] == (4, ["Eva", "03-02-2025", "klinik", "c"])


def test_merged_cells_at_the_end_of_a_row_are_flagged_though_the_sheet_has_no_cell_there(tmp_path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for row in (["Navn", "Dato", "Noter"], ["Mia", "01-02-2025", "lang note"], ["Ana", "02-02-2025"],
                ["Eva", "03-02-2025", "x"]):
        sheet.append(row)
    sheet.merge_cells("C2:C3")                                       # Ana's note is Mia's, shown once
    book.save(tmp_path / "records.xlsx")
    with zipfile.ZipFile(tmp_path / "records.xlsx") as written:
        assert 'r="C3"' not in written.read("xl/worksheets/sheet1.xml").decode()

    (_mia, _first), (number, (ana, day, note)), _eva = read_table(tmp_path / "records.xlsx").rows

    assert (number, ana.text, day.text) == (3, "Ana", "02-02-2025")
    assert note.problem.startswith("The cell is part of merged cells")


@pytest.mark.parametrize("claimed", ["A1:B2", "A1", "A1:XFD1048576"])
def test_a_sheets_claimed_dimension_neither_drops_rows_nor_widens_them(tmp_path, claimed) -> None:
    body = [["Mia", "01-02-2025"], ["Ana", "02-02-2025"], ["Eva", "03-02-2025"]]
    source = write_xlsx(tmp_path / "records.xlsx", body, headings=["Navn", "Dato"])
    rewrite_member(source, "xl/worksheets/sheet1.xml",
                   lambda xml: xml.replace('<dimension ref="A1:B4" />', f'<dimension ref="{claimed}" />'))
    assert texts(read_table(source)) == [(2, body[0]), (3, body[1]), (4, body[2])]


def test_a_row_far_down_a_sheet_is_not_lost(tmp_path) -> None:
    source = write_xlsx(tmp_path / "records.xlsx", [["Mia", "01-02-2025"]], headings=["Navn", "Dato"])
    far = '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>Ana</t></is></c></row>'
    rewrite_member(source, "xl/worksheets/sheet1.xml", lambda xml: xml.replace("</sheetData>", far + "</sheetData>"))
    assert [(number, cells[0].text) for number, cells in read_table(source).rows] == [(2, "Mia"), (1048576, "Ana")]


def test_many_large_merged_ranges_are_refused_not_expanded(tmp_path) -> None:
    source = write_xlsx(tmp_path / "records.xlsx", [["Mia", "01-02-2025"]], headings=["Navn", "Dato"])
    ranges = "".join(f'<mergeCell ref="A{2 + 10_000 * i}:T{10_001 + 10_000 * i}"/>' for i in range(8))
    rewrite_member(source, "xl/worksheets/sheet1.xml", lambda xml: xml.replace(
        "</sheetData>", f'</sheetData><mergeCells count="8">{ranges}</mergeCells>'))
    with pytest.raises(SourceRefused, match="merges an enormous range"):
        read_table(source)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_more_columns_than_a_table_of_records_has_are_refused(tmp_path, suffix) -> None:
    writer = write_csv if suffix == ".csv" else write_xlsx
    wide = [f"K{i}" for i in range(MAX_COLUMNS)]
    table = read_table(writer(tmp_path / f"ok{suffix}", [[str(i) for i in range(MAX_COLUMNS)]], headings=wide))
    assert len(table.headers) == MAX_COLUMNS
    with pytest.raises(SourceRefused, match=f"more than {MAX_COLUMNS} columns"):
        read_table(writer(tmp_path / f"wide{suffix}", [[str(i) for i in range(MAX_COLUMNS + 1)]],
                          headings=[*wide, "one more"]))


def test_row_numbers_are_the_spreadsheets_when_cells_hold_line_breaks(tmp_path) -> None:
    source = write_bytes(tmp_path / "records.csv", (
        b'Navn;Noter;Dato\r\n'
        b'Mia;"linje 1\r\nlinje 2";01-02-2025\r\n'
        b'Ana;kort;02-02-2025\r\n'
        b'\r\n'
        b'Eva;"a\nb\nc";03-02-2025\r\n'
        b'Ida;"""citat""";04-02-2025\r\n'))

    table = read_table(source)

    assert [number for number, _cells in table.rows] == [2, 3, 5, 6]  # as a spreadsheet program numbers them
    assert texts(table)[0] == (2, ["Mia", "linje 1\r\nlinje 2", "01-02-2025"])
    assert texts(table)[2] == (5, ["Eva", "a\nb\nc", "03-02-2025"])
    assert texts(table)[3] == (6, ["Ida", '"citat"', "04-02-2025"])


@pytest.mark.parametrize("error", ["#REF!", "#N/A", "#DIV/0!", "#VALUE!", "#NAME?",
                                  "#REFERENCE!", "#I/T", "#DIVISION/0!", "#VÆRDI!", "#NAVN?"])
def test_a_spreadsheet_error_in_a_csv_cell_is_flagged(tmp_path, error) -> None:
    source = write_bytes(tmp_path / "records.csv", f"Navn;Dato\r\nMia;{error}\r\n".encode())
    cell = read_table(source).rows[0][1][1]
    assert cell == Cell(problem=f"The cell shows a spreadsheet error ({error}), not a value.")


def test_a_spreadsheet_error_in_a_workbook_cell_is_flagged(tmp_path) -> None:
    source = write_xlsx(tmp_path / "records.xlsx", [["Mia", "#REF!"], ["Ana", "#DIV/0!"]], headings=["Navn", "År"])
    with zipfile.ZipFile(source) as book:                            # written as errors (t="e"), not as texts
        assert 't="e"' in book.read("xl/worksheets/sheet1.xml").decode()
    cells = [cells[1] for _number, cells in read_table(source).rows]
    assert cells == [Cell(problem="The cell shows a spreadsheet error (#REF!), not a value."),
                     Cell(problem="The cell shows a spreadsheet error (#DIV/0!), not a value.")]


def test_real_excel_dates_and_numbers_keep_their_typed_values(tmp_path) -> None:
    body = [["Mia", 1990, date(2025, 3, 4), datetime(2025, 3, 4, 14, 30), 1990.0]]
    source = write_xlsx(tmp_path / "records.xlsx", body, headings=["Navn", "År", "Dato", "Tid", "Tal"])

    (number, (name, year, day, moment, number_)), = read_table(source).rows

    assert number == 2 and name == Cell(text="Mia", value="Mia")
    assert year == Cell(text="1990", value=1990)
    assert day.value == datetime(2025, 3, 4) and day.text == "2025-03-04 00:00:00"
    assert moment.value == datetime(2025, 3, 4, 14, 30)
    assert number_.text == "1990"
    # The typed value decides, whatever order the mapping reads typed dates in: the 4th of March, not 3rd of April.
    assert values.day(day.text, "mdy", day.value, today=date(2026, 1, 1)) == date(2025, 3, 4)
    assert values.day(day.text, "dmy", day.value, today=date(2026, 1, 1)) == date(2025, 3, 4)


@pytest.mark.parametrize("cell", ["x" * (MAX_CELL_CHARS + 1), "=" + "(" * 3000 + "1" + ")" * 3000,
                                  "æ" * (MAX_CELL_CHARS + 1)])
def test_a_monster_cell_in_a_csv_is_flagged(tmp_path, cell) -> None:
    source = write_bytes(tmp_path / "records.csv", f"Navn;Noter\r\nMia;{cell}\r\nAna;kort\r\n".encode())
    table = read_table(source)
    assert table.rows[0][1][1] == Cell(problem=f"The cell holds more than {MAX_CELL_CHARS} characters.")
    assert table.rows[1] == (3, (Cell(text="Ana"), Cell(text="kort")))


def test_a_cell_at_the_limit_is_a_value(tmp_path) -> None:
    cell = "x" * MAX_CELL_CHARS
    source = write_bytes(tmp_path / "records.csv", f"Navn;Noter\r\nMia;{cell}\r\n".encode())
    assert read_table(source).rows[0][1][1] == Cell(text=cell)


def test_a_nested_formula_under_the_length_limit_is_a_formula(tmp_path) -> None:
    nested = "=" + "(" * 1000 + "1" + ")" * 1000
    source = write_bytes(tmp_path / "records.csv", f"Navn;Tal\r\nMia;{nested}\r\n".encode())
    assert read_table(source).rows[0][1][1].problem.startswith("The cell holds a formula")


def test_a_monster_cell_in_a_workbook_is_flagged(tmp_path) -> None:
    source = write_xlsx(tmp_path / "records.xlsx", [["Mia", "y" * (MAX_CELL_CHARS + 1)]], headings=["Navn", "Noter"])
    assert read_table(source).rows[0][1][1] == Cell(problem=f"The cell holds more than {MAX_CELL_CHARS} characters.")


def test_a_cell_past_the_csv_modules_field_limit_refuses_the_file_with_its_line(tmp_path) -> None:
    source = write_bytes(tmp_path / "records.csv", ("Navn;Noter\r\nAna;kort\r\nMia;" + "x" * 200_000).encode())
    with pytest.raises(SourceRefused, match="Line 3 of the file cannot be read as CSV"):
        read_table(source)


def test_a_chosen_sheet_that_is_not_there_names_the_sheets(tmp_path) -> None:
    source = write_xlsx(tmp_path / "records.xlsx", rows(2), sheet="2024")
    assert read_table(source, sheet="2024").sheets == ("2024",)
    with pytest.raises(SourceRefused, match="no sheet called 2025. Its sheets: 2024"):
        read_table(source, sheet="2025")
