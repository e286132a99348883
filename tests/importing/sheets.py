"""Spreadsheets as an NGO's old records look: Danish headings, ``;``, a BOM or Windows-1252, dd-mm-yyyy."""

from __future__ import annotations

import codecs
from datetime import date
from pathlib import Path

from fieldapp.importing.mapping import Mapping

HEADINGS = ["Navn", "Fødselsår", "Nationalitet", "Køn", "Dato", "Type", "Noter"]
TODAY = date(2026, 12, 2)

MAPPING = Mapping(
    person=("Navn", "Fødselsår", "Nationalitet"),
    columns={"person.alias": "Navn", "person.birth_year": "Fødselsår", "person.nationality": "Nationalitet",
             "person.gender": "Køn", "contact.occurred_at": "Dato", "contact.kind": "Type", "contact.note": "Noter"},
    values={"contact.kind": {"gade": "street", "klinik": "venue"}},
)


def rows(n: int, *, start_year: int = 2025) -> list[list[str]]:
    """``n`` contact rows for n // 2 people, two contacts each, in the past year."""
    found = []
    for i in range(n):
        person = i // 2
        found.append([f"Mia {person}", str(1990 + person % 15), "Rumænien" if person % 2 else "Thailand",
                      "Kvinde", f"{1 + i % 28:02d}-{1 + i % 11:02d}-{start_year}", "gade" if i % 3 else "klinik",
                      f"note {i}"])
    return found


def write_csv(path: Path, body: list[list[str]], *, headings: list[str] = HEADINGS, encoding: str = "utf-8-sig",
              delimiter: str = ";") -> Path:
    text = "\r\n".join(delimiter.join(row) for row in [headings, *body]) + "\r\n"
    data = text.encode("cp1252") if encoding == "cp1252" else text.encode("utf-8")
    path.write_bytes((codecs.BOM_UTF8 if encoding == "utf-8-sig" else b"") + data)
    return path


def write_xlsx(path: Path, body: list[list[object]], *, headings: list[str] = HEADINGS, sheet: str = "Kontakter"):
    import openpyxl

    book = openpyxl.Workbook()
    work = book.active
    work.title = sheet
    work.append(headings)
    for row in body:
        work.append(row)
    book.save(path)
    return path
