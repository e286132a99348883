"""Reports over a period: which sections a user may see, exact or suppressed figures, and the
anonymised aggregate packet for CMM.

Roles (checked here, not only in the UI): everyone with the ``records`` capability sees the
activity, people, referral and material sections; the health section needs ``health``; the legal
pilot section needs ``reports_legal`` (legal advisers, and coordinators who evaluate the pilot).
Exact counts need ``reports_exact`` (coordinators) and are only for the screen: every file is
suppressed (an ``--exact`` file carries an INTERNAL mark), and suppressed figures are released only
for the periods of the organisation's grid (``release``). The figures sealed to CMM are exact, for
whole calendar periods, unless the organisation switched that off.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import date, timedelta

from fieldapp.domain.values import local_day_start, moment_text
from fieldapp.errors import InvalidInput, PermissionDenied
from fieldapp.i18n import _
from fieldapp.reports import release
from fieldapp.reports import sections as build
from fieldapp.reports.model import Report, Section, Table
from fieldapp.reports.suppression import DEFAULT_K, SECONDARY_MARK, Shown, exact, protect
from fieldapp.security.session import Session
from fieldapp.storage import report_repo

SECTION_KEYS = ("activity", "people", "exploitation", "referrals", "materials", "health", "legal")
PACKET_VERSION = 1


def section_titles() -> dict[str, str]:
    return {"activity": _("Outreach activity"), "people": _("People and indicators"),
            "exploitation": _("Exploitation, work and crime"), "referrals": _("Referrals to CMM"),
            "materials": _("Materials"), "health": _("Health"),
            "legal": _("Legal pilot")}


def may_see_legal(session: Session) -> bool:
    session.require("records")
    return session.can("reports_legal")


def available_sections(session: Session) -> tuple[str, ...]:
    """The sections this user may see, in report order."""
    session.require("records")
    allowed = {"activity", "people", "exploitation", "materials"}
    if report_repo.has_table(session.conn, "referrals"):
        allowed.add("referrals")
    if session.can("health"):
        allowed.add("health")
    if may_see_legal(session):
        allowed.add("legal")
    return tuple(key for key in SECTION_KEYS if key in allowed)


def previous_period(start: date, end: date) -> tuple[date, date]:
    """The same period one year earlier (29 February becomes the 28th). A period that ends on the last day of a
    month ends a year earlier on the last day of that month: February 2025 is compared with the whole of
    February 2024, 29th included, as released for February 2024 (else the two could be differenced)."""
    def back(day: date) -> date:
        return day.replace(year=day.year - 1, day=min(day.day, 28) if day.month == 2 and day.day == 29 else day.day)
    before_end = back(end)
    if (end + timedelta(days=1)).day == 1:
        before_end = before_end.replace(day=calendar.monthrange(before_end.year, before_end.month)[1])
    return back(start), before_end


def _period(start: date, end: date) -> build.Period:
    return build.Period(start, end, moment_text(local_day_start(start)),
                        moment_text(local_day_start(end + timedelta(days=1))))


def _check(session: Session, start: date, end: date, wanted: tuple[str, ...]) -> None:
    session.require("records")
    if end < start:
        raise InvalidInput(_("The period ends before it starts."))
    if "health" in wanted and not session.can("health"):
        raise PermissionDenied(_("Only health staff may see health figures."))
    if "legal" in wanted and not may_see_legal(session):
        raise PermissionDenied(_("Only legal advisers and coordinators may see the legal pilot's figures."))
    unknown = set(wanted) - set(SECTION_KEYS)
    if unknown or ("referrals" in wanted and not report_repo.has_table(session.conn, "referrals")):
        raise InvalidInput(_("There is no such report."))


def build_report(session: Session, start: date, end: date, sections: tuple[str, ...] | None = None,
                 *, k: int = DEFAULT_K) -> Report:
    """Exact counts for the period and the same period a year earlier, for the sections asked
    (default: every section the user may see). Raises PermissionDenied for a restricted section."""
    session.require("records")
    wanted = available_sections(session) if sections is None else tuple(sections)
    _check(session, start, end, wanted)
    prev_start, prev_end = previous_period(start, end)
    now, before = _period(start, end), _period(prev_start, prev_end)
    builders = {
        "activity": lambda: build.activity(session.conn, now, before, "referrals" in available_sections(session)),
        "people": lambda: build.people(session.conn, now, before),
        "exploitation": lambda: build.exploitation(session.conn, now, before),
        "referrals": lambda: build.referrals(session.conn, now),
        "materials": lambda: build.materials(session.conn, now),
        "health": lambda: build.health(session.conn, now, before),
        "legal": lambda: build.legal(session.conn, now, before),
    }
    chosen = tuple(builders[key]() for key in SECTION_KEYS if key in wanted)
    return Report(start, end, prev_start, prev_end, chosen, k=k)


@dataclass(frozen=True)
class ShownSection:
    section: Section
    tables: tuple[Shown, ...]


def shown(session: Session, report: Report, *, exact_counts: bool = False) -> list[ShownSection]:
    """The report's tables as they may be shown: exact for a coordinator on screen, else suppressed, and then
    only for a period of the organisation's release grid (``release``): one grid period as it is, a whole
    year on a finer grid as the sum of its released parts. Any other period raises ``InvalidInput``."""
    session.require("records")
    if exact_counts:
        session.require("reports_exact")
        return [ShownSection(section, tuple(exact(table) for table in section.tables))
                for section in report.sections]
    periods = release.parts(release.grid_for(session, report.start.year), report.start, report.end)
    if len(periods) == 1:
        return [ShownSection(section, tuple(protect(table, report.k) for table in section.tables))
                for section in report.sections]
    keys = tuple(section.key for section in report.sections)
    released = [shown(session, build_report(session, start, end, keys, k=report.k))
                for start, end in periods]
    return [ShownSection(section, tuple(summed([part[index].tables[number] for part in released], table)
                                        for number, table in enumerate(section.tables)))
            for index, section in enumerate(report.sections)]


def summed(parts: list[Shown], whole: Table) -> Shown:
    """The cell-by-cell sum of released tables (one per part of a year), aligned by their labels: a figure is
    shown only where every part showed its own (a row missing from a part is a zero there), else hidden as
    ``x``. Nothing in it is new to a reader of the parts. The exact counts are not carried along."""
    rows = list(dict.fromkeys(label for part in parts for label in part.table.row_labels))
    cols = list(dict.fromkeys(label for part in parts for label in part.table.col_labels))

    def add(values: list[str]) -> str:
        return str(sum(int(v) for v in values)) if all(v.isdigit() for v in values) else SECONDARY_MARK

    def cell(part: Shown, row: str, col: str) -> str:
        t = part.table
        if row not in t.row_labels or col not in t.col_labels:
            return "0"
        return part.cells[t.row_labels.index(row)][t.col_labels.index(col)]

    def line(values: tuple[str, ...], labels: tuple[str, ...], label: str) -> str:
        return values[labels.index(label)] if label in labels else "0"

    note = " ".join(filter(None, (whole.note, _("Each figure is the sum of those released for the parts of the "
                                                  "year; x: a part was hidden. A person met in several parts "
                                                  "counts in each."))))
    table = replace(whole, row_labels=tuple(rows), col_labels=tuple(cols),
                    cells=tuple(tuple(0 for _col in cols) for _row in rows), note=note)
    return Shown(
        table=table,
        cells=tuple(tuple(add([cell(p, r, c) for p in parts]) for c in cols) for r in rows),
        row_totals=tuple(add([line(p.row_totals, p.table.row_labels, r) for p in parts]) for r in rows)
        if whole.row_totals else (),
        col_totals=tuple(add([line(p.col_totals, p.table.col_labels, c) for p in parts]) for c in cols)
        if whole.col_totals else (),
        grand=add([p.grand for p in parts]) if whole.shows_grand else "",
        withheld=all(p.withheld for p in parts))


def aggregate_packet(session: Session, start: date, end: date, *, k: int = DEFAULT_K) -> dict:
    """The figures for CMM (JSON-able): the activity, people, referral and material sections, never health or
    legal details. Exact, for a whole calendar period, when the organisation sends CMM exact figures (the
    default, under a data agreement); else suppressed on the release grid, each hidden figure as ``"<k"`` or
    ``"x"``."""
    session.require("records")
    settings = release.load(session)
    if settings.cmm_exact and not release.is_calendar_period(start, end):
        raise InvalidInput(_("Figures for CMM are for a whole calendar month, quarter, half year or year."))
    wanted = tuple(key for key in ("activity", "people", "referrals", "materials")
                   if key in available_sections(session))
    report = build_report(session, start, end, wanted, k=k)
    parts = ([ShownSection(section, tuple(exact(table) for table in section.tables)) for section in report.sections]
             if settings.cmm_exact else shown(session, report))
    session.audit("report_packet", "report")
    return {
        "kind": "fieldapp-aggregate", "version": PACKET_VERSION, "k": k, "exact": settings.cmm_exact,
        "period": {"from": start.isoformat(), "to": end.isoformat()},
        "previous_period": {"from": report.previous_start.isoformat(), "to": report.previous_end.isoformat()},
        "tables": [_packet_table(table) for part in parts for table in part.tables],
    }


def _packet_table(table: Shown) -> dict:
    return {
        "key": table.table.key, "withheld": table.withheld,
        "rows": list(table.table.row_labels), "columns": list(table.table.col_labels),
        "cells": [list(_packet_value(v) for v in row) for row in table.cells],
        "row_totals": [_packet_value(v) for v in table.row_totals],
        "column_totals": [_packet_value(v) for v in table.col_totals],
        "total": _packet_value(table.grand) if table.grand else None,
    }


def _packet_value(text: str) -> int | str | None:
    if text == "":
        return None
    return int(text) if text.isdigit() else text
