"""Reports over a period: which sections a user may see, exact or suppressed figures, and the
anonymised aggregate packet for CMM.

Roles (checked here, not only in the UI): everyone with the ``records`` capability sees the
activity, people, referral and material sections; the health section needs ``health``; the legal
pilot section needs ``reports_legal`` (legal advisers, and coordinators who evaluate the pilot).
Exact counts need ``reports_exact`` (coordinators) and are only for the screen: every file and
packet is suppressed (an ``--exact`` file carries an INTERNAL mark).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from fieldapp.domain.values import local_day_start, moment_text
from fieldapp.errors import InvalidInput, PermissionDenied
from fieldapp.i18n import _
from fieldapp.reports import sections as build
from fieldapp.reports.model import Report, Section
from fieldapp.reports.suppression import DEFAULT_K, Shown, exact, protect
from fieldapp.security.session import Session
from fieldapp.storage import report_repo

SECTION_KEYS = ("activity", "people", "referrals", "materials", "health", "legal")
PACKET_VERSION = 1


def section_titles() -> dict[str, str]:
    return {"activity": _("Outreach activity"), "people": _("People and indicators"),
            "referrals": _("Referrals to CMM"), "materials": _("Materials"), "health": _("Health"),
            "legal": _("Legal pilot")}


def may_see_legal(session: Session) -> bool:
    session.require("records")
    return session.can("reports_legal")


def available_sections(session: Session) -> tuple[str, ...]:
    """The sections this user may see, in report order."""
    session.require("records")
    allowed = {"activity", "people", "materials"}
    if report_repo.has_table(session.conn, "referrals"):
        allowed.add("referrals")
    if session.can("health"):
        allowed.add("health")
    if may_see_legal(session):
        allowed.add("legal")
    return tuple(key for key in SECTION_KEYS if key in allowed)


def previous_period(start: date, end: date) -> tuple[date, date]:
    """The same period one year earlier (29 February becomes the 28th)."""
    def back(day: date) -> date:
        return day.replace(year=day.year - 1, day=min(day.day, 28) if day.month == 2 and day.day == 29 else day.day)
    return back(start), back(end)


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
    """The report's tables as they may be shown: suppressed, or exact for a coordinator on screen."""
    session.require("records")
    if exact_counts:
        session.require("reports_exact")
    show = exact if exact_counts else (lambda table: protect(table, report.k))
    return [ShownSection(section, tuple(show(table) for table in section.tables)) for section in report.sections]


def aggregate_packet(session: Session, start: date, end: date, *, k: int = DEFAULT_K) -> dict:
    """An anonymised, suppressed aggregate for CMM (JSON-able): the activity, people, referral and
    material sections, never health or legal details, each hidden figure as ``"<k"`` or ``"x"``."""
    session.require("records")
    wanted = tuple(key for key in ("activity", "people", "referrals", "materials")
                   if key in available_sections(session))
    report = build_report(session, start, end, wanted, k=k)
    session.audit("report_packet", "report")
    return {
        "kind": "fieldapp-aggregate", "version": PACKET_VERSION, "k": k,
        "period": {"from": start.isoformat(), "to": end.isoformat()},
        "previous_period": {"from": report.previous_start.isoformat(), "to": report.previous_end.isoformat()},
        "tables": [_packet_table(table) for part in shown(session, report) for table in part.tables],
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
