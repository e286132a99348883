"""Reading a spreadsheet someone else made: a CSV file or an Excel workbook, as a table of text cells.

Every byte is hostile. The file is opened without following a link and never if it is a FIFO, device or
folder (``storage.atomic.read_untrusted``), and never past ``MAX_FILE_BYTES``. A workbook is a zip: its
members are counted and their unpacked sizes and ratios checked before openpyxl opens it, and openpyxl parses
its XML through defusedxml (no entity expansion, no external entities). The source is read into memory
once and never copied anywhere.

A CSV file's encoding is detected (a BOM, else UTF-8, else Windows-1252, as Danish Excel writes it) and so is
its delimiter (``;`` in Danish Excel, ``,``, tab or ``|``). Cells that cannot be trusted as values carry a
problem instead: a formula (in CSV, the formula's text; in a workbook, one never calculated, which openpyxl
reads as empty), or a cell inside a merged range, whose value sits only in the range's first cell.
"""

from __future__ import annotations

import codecs
import csv
import errno
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from fieldapp.errors import InvalidInput
from fieldapp.i18n import _
from fieldapp.storage.atomic import NotAPlainFile, TooLarge, read_untrusted

MAX_FILE_BYTES = 50 * 1024 * 1024          # a larger spreadsheet is split first
MAX_UNPACKED_BYTES = 400 * 1024 * 1024     # a workbook's members, unpacked, all together
MAX_RATIO = 200                            # unpacked / packed for one member: beyond it, a zip bomb
MAX_MEMBERS = 2_000
MAX_ROWS = 200_000
MAX_COLUMNS = 200
MAX_CELL_CHARS = 5_000
_SNIFF_BYTES = 64 * 1024
_DELIMITERS = ";,\t|"
_SNIFF_RECORDS = 50
# What Excel reads as a formula: "=" and a name, number, bracket, sign, text or reference; or a sign or "@" and a
# function ("+SUM(A1)", "@HYPERLINK(...)"), as older spreadsheets and CSV injection write them.
_FORMULA = re.compile(r"^(?:=[\w(+\-\"'$@.!]|[+\-@][A-Za-z_][\w.]*\()")
# The errors a cell shows, as Excel writes them into a CSV file in English and in Danish.
_EXCEL_ERROR = re.compile(r"^#(?:NULL!|DIV/0!|VALUE!|REF!|NAME\?|NUM!|N/A|SPILL!|CALC!|GETTING_DATA|FIELD!|BLOCKED!"
                          r"|CONNECT!|BUSY!|UNKNOWN!|NUL!|DIVISION/0!|VÆRDI!|REFERENCE!|NAVN\?|I/T|SPILD!|BEREGN!)$",
                          re.IGNORECASE)
EXCEL_ROWS, EXCEL_COLUMNS = 1_048_576, 16_384     # a sheet's size in Excel: more is no spreadsheet it wrote
_MAX_MERGED_CELLS = MAX_COLUMNS * 1000     # all merged ranges of a sheet together: more is no table of records


class SourceRefused(InvalidInput):
    """The file cannot be read as a spreadsheet: nothing is imported."""


@dataclass(frozen=True, slots=True)
class Cell:
    """A cell as text ("" for an empty one), or with ``problem`` set when its value cannot be trusted.
    ``value`` keeps a workbook's typed value (a date, a number) for the conversions."""
    text: str = ""
    problem: str = ""
    value: object = None


_EMPTY = Cell()                            # shared by every empty cell: a sheet of empty cells costs no memory


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: list[tuple[int, tuple[Cell, ...]]]            # (the row's number as the spreadsheet shows it, its cells)
    sheets: tuple[str, ...] = ()                        # a workbook's sheets
    sheet: str = ""
    notes: tuple[str, ...] = field(default=())          # how it was read: the encoding and delimiter


def read_table(path: Path | str, *, sheet: str = "", progress: Callable[[int], None] | None = None) -> Table:
    """The table in ``path`` (.csv, .txt, .xlsx or .xlsm): the first non-empty row gives the headings."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".txt", ".tsv", ".xlsx", ".xlsm"):
        raise SourceRefused(_("Choose a .csv or .xlsx file."))
    data = _read(path)
    if suffix in (".xlsx", ".xlsm"):
        return _workbook(data, sheet, progress)
    return _csv(data, progress)


def _read(path: Path) -> bytes:
    try:
        return read_untrusted(path, MAX_FILE_BYTES)
    except TooLarge:
        raise SourceRefused(_("The file is larger than {size} MB: split it into smaller files first.").format(
            size=MAX_FILE_BYTES // (1024 * 1024))) from None
    except NotAPlainFile:
        raise SourceRefused(_("This is not a plain file (a link, folder or device): choose the spreadsheet "
                              "itself.")) from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:                      # O_NOFOLLOW refuses a link so (os has no ELOOP)
            raise SourceRefused(_("This is a link, not a file: choose the spreadsheet itself.")) from None
        raise SourceRefused(_("The file could not be read: {reason}").format(
            reason=exc.strerror or exc.__class__.__name__)) from None


# -- CSV ----------------------------------------------------------------------------------------

def _decode(data: bytes) -> tuple[str, str]:
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                      (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(name), name
            except UnicodeDecodeError:
                break
    else:
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            try:
                return data.decode("cp1252"), "cp1252"
            except UnicodeDecodeError:
                pass
    raise SourceRefused(_("The file's text encoding is not UTF-8 nor Windows-1252: save it again from the "
                          "spreadsheet program as CSV (UTF-8)."))


def _delimiter(text: str) -> str:
    """The delimiter that splits the first records into the most columns, the same number in each (";" when none
    splits them). Read with the csv module, in time linear in the sample: ``csv.Sniffer``'s regular expressions
    take minutes on a hostile line of quotes and delimiters."""
    sample = text[:_SNIFF_BYTES]
    best, best_score = ";", (0, 0)
    for delimiter in _DELIMITERS:
        reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter, strict=False)
        counts = []
        try:
            for raw in reader:
                if any(value.strip() for value in raw):
                    counts.append(len(raw))
                if len(counts) > _SNIFF_RECORDS:
                    break
        except csv.Error:
            continue
        if len(text) > len(sample) and len(counts) > 1:
            counts.pop()                                 # the last record may be cut off by the sample
        if not counts or counts[0] < 2:
            continue
        score = (sum(1 for count in counts if count == counts[0]), counts[0])
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _csv(data: bytes, progress: Callable[[int], None] | None) -> Table:
    if b"\x00" in data[:_SNIFF_BYTES] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise SourceRefused(_("This is not a text file: choose a .csv or .xlsx file."))
    text, encoding = _decode(data)
    if "\x00" in text:
        raise SourceRefused(_("This is not a text file: choose a .csv or .xlsx file."))
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    rows = []
    try:
        # A row's number is its record's, as a spreadsheet program shows it: a quoted line break inside a cell
        # starts no new row (``reader.line_num`` counts lines, and is the record's last one).
        for number, raw in enumerate(reader, start=1):
            if not any(value.strip() for value in raw):
                continue                                 # Excel writes formatted empty rows as ";;;": no row
            _limit(len(rows) + 1, len(raw))
            rows.append((number, tuple(_text_cell(value) for value in raw)))
            if progress is not None and len(rows) % 2000 == 0:
                progress(len(rows))
    except csv.Error as exc:
        raise SourceRefused(_("Line {line} of the file cannot be read as CSV: {reason}").format(
            line=reader.line_num, reason=str(exc))) from None
    shown = {";": ";", ",": ",", "\t": _("tab"), "|": "|"}[delimiter]
    note = _("Read as CSV: encoding {encoding}, columns separated by {delimiter}").format(
        encoding=encoding.upper().replace("-SIG", " (BOM)"), delimiter=shown)
    return _table(rows, notes=(note,))


def _text_cell(value: str) -> Cell:
    value = value.strip()
    if not value:
        return _EMPTY
    if len(value) > MAX_CELL_CHARS:
        return Cell(problem=_("The cell holds more than {n} characters.").format(n=MAX_CELL_CHARS))
    if _FORMULA.match(value):
        return Cell(text=value, problem=_("The cell holds a formula ({formula}), not a value: export the values "
                                          "from the spreadsheet program.").format(formula=value[:40]))
    if _EXCEL_ERROR.match(value):
        return Cell(problem=_error(value))
    return Cell(text=value)


def _error(text: str) -> str:
    return _("The cell shows a spreadsheet error ({error}), not a value.").format(error=text)


def _limit(rows: int, columns: int) -> None:
    if rows > MAX_ROWS:
        raise SourceRefused(_("The file has more than {n} rows: split it into smaller files first.").format(
            n=MAX_ROWS))
    if columns > MAX_COLUMNS:
        raise SourceRefused(_("A row has more than {n} columns: this is not a table of records.").format(
            n=MAX_COLUMNS))


def _table(rows: list[tuple[int, tuple[Cell, ...]]], *, sheets: tuple[str, ...] = (), sheet: str = "",
           notes: tuple[str, ...] = ()) -> Table:
    rows = [(number, cells) for number, cells in rows if any(c.text or c.problem for c in cells)]
    if not rows:
        raise SourceRefused(_("The sheet is empty: there is nothing to import."))
    (_number, heading), body = rows[0], rows[1:]
    headers = tuple(cell.text for cell in heading)
    named = [h for h in headers if h]
    if len(set(named)) != len(named):
        twice = sorted({h for h in named if named.count(h) > 1})
        raise SourceRefused(_("Two columns have the same heading ({headings}): rename one.").format(
            headings=", ".join(twice)))
    if not body:
        raise SourceRefused(_("The sheet has headings but no rows: there is nothing to import."))
    return Table(headers=headers, rows=body, sheets=sheets, sheet=sheet, notes=notes)


# -- Excel workbooks -----------------------------------------------------------------------------

def _checked_zip(data: bytes) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise SourceRefused(_("This is not an Excel workbook (.xlsx), or it is damaged.")) from None
    if len(members) > MAX_MEMBERS:
        raise SourceRefused(_("The workbook has too many parts to be a spreadsheet of records."))
    total = 0
    for member in members:
        total += member.file_size
        ratio = member.file_size / max(member.compress_size, 1)
        if total > MAX_UNPACKED_BYTES or (member.file_size > 1024 * 1024 and ratio > MAX_RATIO):
            raise SourceRefused(_("The workbook unpacks to far more than its size (a zip bomb?): it is not "
                                  "opened."))
    return archive


def _out_of_order() -> SourceRefused:
    return SourceRefused(_("The sheet's rows or cells are out of order, repeated or past a sheet's last row or "
                           "column, as no spreadsheet program writes them: open the file in one, save it, and "
                           "import again."))


class _InOrder:
    """Rows, and the cells of each row, in order and at most once, within Excel's size: openpyxl's read-only mode
    silently drops a row or cell that comes after a later one, and pads every row number skipped with an empty
    row (a hostile row number in the billions would take hours)."""

    def __init__(self) -> None:
        self.row = self.column = 0

    def start(self, tag: str, element) -> None:
        from openpyxl.utils.cell import column_index_from_string

        if tag == "row":
            number = int(element.get("r") or self.row + 1)
            if number <= self.row or number > EXCEL_ROWS:
                raise _out_of_order()
            self.row, self.column = number, 0
        elif tag == "c":
            reference = element.get("r")
            column = column_index_from_string(reference.rstrip("0123456789")) if reference else self.column + 1
            if column <= self.column or column > EXCEL_COLUMNS:
                raise _out_of_order()
            self.column = column


def _merged_ranges(archive: zipfile.ZipFile, member: str | None) -> list[tuple[int, int, int, int]]:
    """The merged ranges of a sheet, as (first row, first column, last row, last column), streamed from its XML
    (openpyxl's read-only mode does not report them); its rows and cells checked to be in order (``_InOrder``)."""
    from defusedxml.ElementTree import iterparse
    from openpyxl.utils.cell import range_boundaries

    if not member:
        return []
    found = []
    order = _InOrder()
    with archive.open(member.lstrip("/")) as stream:
        for event, element in iterparse(stream, events=("start", "end")):
            tag = element.tag.rsplit("}", 1)[-1]
            if event == "start":
                order.start(tag, element)
                continue
            if tag == "mergeCell":
                low_col, low_row, high_col, high_row = range_boundaries(element.get("ref", ""))
                found.append((low_row, low_col, high_row, high_col))
                if len(found) > _MAX_MERGED_CELLS:
                    raise _enormous_merge()
            if tag in ("row", "c", "v", "f", "is", "t", "mergeCell"):
                element.clear()
    return found


def _entities(exc: BaseException) -> bool:
    """Whether defusedxml refused the XML behind ``exc`` (openpyxl wraps it in a ValueError of its own)."""
    from defusedxml.common import DefusedXmlException

    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, DefusedXmlException):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def _damaged(exc: BaseException) -> SourceRefused:
    if _entities(exc):
        return SourceRefused(_("The workbook's XML holds entity declarations: it is not opened."))
    return SourceRefused(_("This is not an Excel workbook (.xlsx), or it is damaged."))


def _defused() -> None:
    """Refuses to go on unless openpyxl parses with defusedxml (it does only when it finds it installed)."""
    from openpyxl.xml import DEFUSEDXML

    if not DEFUSEDXML:
        raise SourceRefused(_("Excel workbooks cannot be opened safely here (defusedxml is missing): save the "
                              "sheet as CSV and import that."))


def _workbook(data: bytes, sheet: str, progress: Callable[[int], None] | None) -> Table:
    import openpyxl

    archive = _checked_zip(data)
    _defused()
    try:
        values = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        formulas = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:                             # openpyxl raises many kinds for a damaged file
        raise _damaged(exc) from None
    try:
        names = tuple(values.sheetnames)
        chosen = sheet or names[0]
        if chosen not in names:
            raise SourceRefused(_("The workbook has no sheet called {sheet}. Its sheets: {sheets}").format(
                sheet=sheet, sheets=", ".join(names)))
        value_sheet, formula_sheet = values[chosen], formulas[chosen]
        # The sheet's own <dimension> is only a claim: openpyxl would stop reading at its last row (rows past it
        # silently lost) and pad every row to its last column. Read every row, as long as its cells.
        value_sheet.reset_dimensions()
        formula_sheet.reset_dimensions()
        try:
            merged = _merged_ranges(archive, getattr(value_sheet, "_worksheet_path", None))
            rows = _sheet_rows(value_sheet, formula_sheet, merged, progress)
        except SourceRefused:
            raise
        except Exception as exc:
            raise _damaged(exc) from None
    finally:
        values.close()
        formulas.close()
    note = _("Read sheet {sheet} of the workbook").format(sheet=chosen)
    return _table(rows, sheets=names, sheet=chosen, notes=(note,))


def _enormous_merge() -> SourceRefused:
    return SourceRefused(_("The sheet merges an enormous range of cells: this is not a table of records."))


def _inside_merged(merged: list[tuple[int, int, int, int]]) -> set[tuple[int, int]]:
    """The cells of merged ranges that hold no value (all but each range's first). All ranges together are
    counted against one budget: each under it, many ranges could still fill the memory."""
    inside: set[tuple[int, int]] = set()
    total = 0
    for low_row, low_col, high_row, high_col in merged:
        total += max(high_row - low_row + 1, 0) * max(high_col - low_col + 1, 0)
        if total > _MAX_MERGED_CELLS:
            raise _enormous_merge()
        inside.update((row, col) for row in range(low_row, high_row + 1) for col in range(low_col, high_col + 1))
        inside.discard((low_row, low_col))
    return inside


def _sheet_rows(value_sheet, formula_sheet, merged, progress) -> list[tuple[int, tuple[Cell, ...]]]:
    inside = _inside_merged(merged)
    widest: dict[int, int] = {}                          # a row reaches at least the merged cells it has
    for row, column in inside:
        widest[row] = max(widest.get(row, 0), column)
    rows = []
    pairs = zip(value_sheet.iter_rows(min_row=1, values_only=True),
                formula_sheet.iter_rows(min_row=1, values_only=True), strict=False)
    for number, (value_row, formula_row) in enumerate(pairs, start=1):
        width = max(len(value_row), widest.get(number, 0))
        _limit(len(rows), width)
        cells = [_workbook_cell(value_row[column - 1] if column - 1 < len(value_row) else None,
                                formula_row[column - 1] if column - 1 < len(formula_row) else None,
                                (number, column) in inside)
                 for column in range(1, width + 1)]
        while cells and not (cells[-1].text or cells[-1].problem):
            cells.pop()
        if not cells:
            continue                                     # an empty row (a formatted one, or padding): no row
        rows.append((number, tuple(cells)))
        if progress is not None and len(rows) % 2000 == 0:
            progress(len(rows))
    _limit(len(rows), 0)
    return rows


def _workbook_cell(value: object, written: object, merged: bool) -> Cell:
    problem = ""
    if merged:
        problem = _("The cell is part of merged cells: its value sits only in the first of them. Unmerge the cells "
                    "and fill each one.")
    elif value is None and isinstance(written, str) and written.startswith("="):
        problem = _("The cell's formula ({formula}) was never calculated, so it has no value: open the file in a "
                    "spreadsheet program, save it, and import again.").format(formula=written[:40])
    if problem:
        return Cell(problem=problem)
    if value is None:
        return _EMPTY
    if isinstance(value, datetime):
        text = value.isoformat(sep=" ")
    elif isinstance(value, date | time):
        text = value.isoformat()
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    else:
        text = str(value).strip()
    if len(text) > MAX_CELL_CHARS:
        return Cell(problem=_("The cell holds more than {n} characters.").format(n=MAX_CELL_CHARS))
    if isinstance(value, str) and _EXCEL_ERROR.match(text):
        return Cell(problem=_error(text))
    return Cell(text=text, value=value)


def workbook_sheets(path: Path | str) -> tuple[str, ...]:
    """The sheets of a workbook, with the same checks as ``read_table``; () for a CSV file."""
    import openpyxl

    path = Path(path)
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return ()
    data = _read(path)
    _checked_zip(data)
    _defused()
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    except Exception as exc:                             # openpyxl raises many kinds for a damaged file
        raise _damaged(exc) from None
    try:
        return tuple(book.sheetnames)
    finally:
        book.close()
