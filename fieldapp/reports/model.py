"""What a report is made of: tables of counts with their labels, and the report around them.

A ``Table`` holds exact counts. What may be shown of it — all of it inside the app for a
coordinator, a suppressed version everywhere else — is decided by ``suppression.protect``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Table:
    """Counts ``cells[row][col]``; totals are sums of the cells and are shown where the flags say."""

    key: str
    title: str
    row_labels: tuple[str, ...]
    col_labels: tuple[str, ...]
    cells: tuple[tuple[int, ...], ...]
    row_totals: bool = False          # a total per row (only meaningful when the columns add up)
    col_totals: bool = False          # a total per column (only when the rows add up)
    chart: str = "bar"                # "bar", "line" or "" (no chart)
    note: str = ""

    @property
    def shows_grand(self) -> bool:
        return self.row_totals and self.col_totals

    def row_total(self, row: int) -> int:
        return sum(self.cells[row])

    def col_total(self, col: int) -> int:
        return sum(line[col] for line in self.cells)

    def grand_total(self) -> int:
        return sum(sum(line) for line in self.cells)


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    tables: tuple[Table, ...]


@dataclass(frozen=True)
class Report:
    start: date
    end: date
    previous_start: date
    previous_end: date
    sections: tuple[Section, ...]
    exact: bool = False
    k: int = 5
    meta: dict = field(default_factory=dict)

    def tables(self) -> list[Table]:
        return [table for section in self.sections for table in section.tables]
