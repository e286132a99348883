"""CMM's national table of received referrals: nationality x gender x age group x exploitation
form, as CSV and as a printable text table (like CMM's annual report)."""

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


def csv_bytes(conn: IntakeStore, period_prefix: str = "") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for row in store.table(conn, period_prefix):
        writer.writerow((row.nationality, row.gender, row.age_group, row.form, row.count))
    return out.getvalue().encode("utf-8")


def write_csv(conn: IntakeStore, path: Path, period_prefix: str = "") -> int:
    """Write the table atomically; returns the number of data rows."""
    data = csv_bytes(conn, period_prefix)
    write_atomic(Path(path), data, mode=0o644)
    return data.count(b"\n") - 1


def text_table(conn: IntakeStore, period_prefix: str = "") -> str:
    """Rows: nationality, gender, age group; columns: exploitation forms. A referral naming two
    forms is counted in both columns."""
    forms = list(codes.EXPLOITATION_FORMS)
    cells: dict[tuple[str, str, str], dict[str, int]] = defaultdict(lambda: dict.fromkeys(forms, 0))
    for row in store.table(conn, period_prefix):
        cells[(row.nationality, row.gender, row.age_group)][row.form] += row.count
    head = [_("Nationality"), _("Gender"), _("Age group")] + [_(codes.EXPLOITATION_FORMS[f]) for f in forms]
    body = [[nationality_words(n), _(codes.GENDERS.get(g, g)), age_words(a)] + [str(c[f]) for f in forms]
            for (n, g, a), c in sorted(cells.items())]
    totals = [_("Total"), "", ""] + [str(sum(c[f] for c in cells.values())) for f in forms]
    widths = [max(len(r[i]) for r in [head, *body, totals]) for i in range(len(head))]

    def line(cols: list[str]) -> str:
        pairs = enumerate(zip(cols, widths, strict=True))
        return "  ".join(c.ljust(w) if i < 3 else c.rjust(w) for i, (c, w) in pairs).rstrip()

    rule = "-" * len(line(head))
    return "\n".join([line(head), rule, *map(line, body), rule, line(totals)]) + "\n"
