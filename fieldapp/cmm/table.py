"""CMM's national table of received referrals: nationality x gender x age group x exploitation
form, as CSV and as a printable text table (like CMM's annual report); and referrals by industry of the
work and by form of forced crime, with CMM's groupings (gender, children and adults)."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from pathlib import Path

from fieldapp.cmm import store
from fieldapp.cmm.store import IntakeStore
from fieldapp.domain import codes
from fieldapp.i18n import _
from fieldapp.protocol.words import age_words, nationality_words
from fieldapp.storage.atomic import write_atomic

CSV_HEADER = ("nationality", "gender", "age_group", "exploitation_form", "count")
# A second file, so that the first keeps its columns: field "industry" or "crime_form", and its code.
WORK_CSV_HEADER = ("field", "code", "gender", "age_group", "count")
WORK_FIELDS = ("industry", "crime_form")


def csv_bytes(conn: IntakeStore, period_prefix: str = "") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for row in store.table(conn, period_prefix):
        writer.writerow((row.nationality, row.gender, row.age_group, row.form, row.count))
    return out.getvalue().encode("utf-8")


def work_csv_bytes(conn: IntakeStore, period_prefix: str = "") -> bytes:
    """Referrals by industry and by form of forced crime x gender x age group (a referral naming two is counted
    under each; a packet of a format before ``cmm-referral/3`` names none)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(WORK_CSV_HEADER)
    for field in WORK_FIELDS:
        for row in store.code_table(conn, field, period_prefix):
            writer.writerow((field, row.code, row.gender, row.age_group, row.count))
    return out.getvalue().encode("utf-8")


def write_csv(conn: IntakeStore, path: Path, period_prefix: str = "", work_path: Path | None = None) -> int:
    """Write the table atomically (and, with ``work_path``, the table by industry and form of forced crime);
    returns the number of data rows of the first."""
    data = csv_bytes(conn, period_prefix)
    write_atomic(Path(path), data, mode=0o644)
    if work_path is not None:
        write_atomic(Path(work_path), work_csv_bytes(conn, period_prefix), mode=0o644)
    return data.count(b"\n") - 1


def _render(head: list[str], body: list[list[str]], totals: list[str], left: int) -> str:
    widths = [max(len(r[i]) for r in [head, *body, totals]) for i in range(len(head))]

    def line(cols: list[str]) -> str:
        pairs = enumerate(zip(cols, widths, strict=True))
        return "  ".join(c.ljust(w) if i < left else c.rjust(w) for i, (c, w) in pairs).rstrip()

    rule = "-" * len(line(head))
    return "\n".join([line(head), rule, *map(line, body), rule, line(totals)]) + "\n"


def text_table(conn: IntakeStore, period_prefix: str = "") -> str:
    """Rows: nationality, gender, age group; columns: exploitation forms. A referral naming two
    forms is counted in both columns. Then the tables by industry and by form of forced crime."""
    forms = list(codes.EXPLOITATION_FORMS)
    cells: dict[tuple[str, str, str], dict[str, int]] = defaultdict(lambda: dict.fromkeys(forms, 0))
    for row in store.table(conn, period_prefix):
        cells[(row.nationality, row.gender, row.age_group)][row.form] += row.count
    head = [_("Nationality"), _("Gender"), _("Age group")] + [_(codes.EXPLOITATION_FORMS[f]) for f in forms]
    body = [[nationality_words(n), _(codes.GENDERS.get(g, g)), age_words(a)] + [str(c[f]) for f in forms]
            for (n, g, a), c in sorted(cells.items())]
    totals = [_("Total"), "", ""] + [str(sum(c[f] for c in cells.values())) for f in forms]
    return "\n".join([_render(head, body, totals, 3),
                      work_table(conn, "industry", period_prefix), work_table(conn, "crime_form", period_prefix)])


def _age_class(age_group: str) -> str:
    return "unknown" if age_group == "unknown" else "child" if age_group == "under_18" else "adult"


def work_table(conn: IntakeStore, field: str, period_prefix: str = "") -> str:
    """Rows: industries (``field`` "industry") or forms of forced crime ("crime_form"); columns: CMM's groupings,
    gender, then children and adults (an unknown age counts in the total only), then the total."""
    labels = codes.INDUSTRIES if field == "industry" else codes.CRIME_FORMS
    columns = [*codes.GENDERS, "child", "adult", "total"]
    cells: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(columns, 0))
    for row in store.code_table(conn, field, period_prefix):
        cell = cells[row.code]
        cell[row.gender] = cell.get(row.gender, 0) + row.count
        cell[_age_class(row.age_group)] = cell.get(_age_class(row.age_group), 0) + row.count
        cell["total"] += row.count
    title = _("Industry of the work") if field == "industry" else _("Form of forced crime")
    head = [title] + [_(codes.GENDERS[g]) for g in codes.GENDERS] + [_("Children"), _("Adults"), _("Total")]
    body = [[_(labels.get(code, code))] + [str(cells[code][c]) for c in columns]
            for code in [*labels, *sorted(set(cells) - set(labels))] if code in cells]
    totals = [_("Total")] + [str(sum(c[col] for c in cells.values())) for col in columns]
    return _render(head, body, totals, 1)
