"""Which periods figures may be released for, so that no two released tables can be differenced.

Suppressed tables (for funders, the public, the screen of someone without exact counts) hide small
counts, but two tables of overlapping periods — three months and their quarter, a year and a year
less one day — give the hidden cells back by subtraction. So suppressed figures are released only on
one fixed grid of calendar periods that the organisation chooses (months, quarters, half years or
years), and a whole year on a finer grid is the cell-by-cell sum of its released parts: it adds
nothing that the parts did not already show. Any other range is refused.

The figures sealed to CMM are exact (CMM compiles the national statistics), for whole calendar
periods; an organisation without a data agreement with CMM switches that off, and its figures for CMM
are then suppressed on the grid like any others.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, timedelta

from fieldapp.errors import InvalidInput, ValidationError
from fieldapp.i18n import N_, _
from fieldapp.security.session import Session
from fieldapp.storage import audit_repo, settings_repo

SETTINGS_KEY = "reports.release"
# Months per grid period.
GRIDS = {"month": 1, "quarter": 3, "half": 6, "year": 12}
GRID_LABELS = {
    "month": N_("Calendar months"),
    "quarter": N_("Calendar quarters"),
    "half": N_("Half years"),
    "year": N_("Calendar years"),
}
DEFAULT_GRID = "year"


@dataclass(frozen=True)
class ReleaseSettings:
    grid: str = DEFAULT_GRID      # a GRIDS key
    cmm_exact: bool = True        # exact figures to CMM (under a data agreement)


def load(session: Session) -> ReleaseSettings:
    session.require("records")
    data = settings_repo.get(session.conn, SETTINGS_KEY)
    if not isinstance(data, dict):
        return ReleaseSettings()
    grid = data.get("grid") if data.get("grid") in GRIDS else DEFAULT_GRID
    return ReleaseSettings(grid=grid, cmm_exact=data.get("cmm_exact") is not False)


def save(session: Session, settings: ReleaseSettings) -> None:
    session.require("settings")
    if settings.grid not in GRIDS:
        raise ValidationError({"grid": _("Choose one of the periods in the list.")})
    with session.write() as conn:
        settings_repo.put(conn, SETTINGS_KEY, asdict(settings))
        audit_repo.append(conn, session.user.id, "reports.release_settings")


def _month_start(day: date, months: int) -> date:
    return date(day.year, (day.month - 1) // months * months + 1, 1)


def _period_end(start: date, months: int) -> date:
    month = start.month - 1 + months
    return date(start.year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


def is_grid_period(grid: str, start: date, end: date) -> bool:
    """True when ``[start, end]`` is exactly one period of the grid (a whole calendar quarter, ...)."""
    months = GRIDS[grid]
    return start == _month_start(start, months) and end == _period_end(start, months)


def is_calendar_period(start: date, end: date) -> bool:
    """A whole calendar month, quarter, half year or year."""
    return any(is_grid_period(grid, start, end) for grid in GRIDS)


def parts(grid: str, start: date, end: date) -> list[tuple[date, date]]:
    """The released periods that make up ``[start, end]``: itself when it is one period of the grid, the
    grid's periods of a whole calendar year on a finer grid; else ``InvalidInput`` naming the grid."""
    if is_grid_period(grid, start, end):
        return [(start, end)]
    if is_grid_period("year", start, end):
        months = GRIDS[grid]
        return [(date(start.year, first, 1), _period_end(date(start.year, first, 1), months))
                for first in range(1, 13, months)]
    raise InvalidInput(period_rule(grid))


def period_rule(grid: str) -> str:
    """What a user is told when a range is off the grid."""
    rules = {
        "month": _("Figures with small counts hidden are released for whole calendar months or whole years "
                   "only. Choose a month or a year."),
        "quarter": _("Figures with small counts hidden are released for whole calendar quarters or whole years "
                     "only. Choose a quarter or a year."),
        "half": _("Figures with small counts hidden are released for whole half years or whole years only. "
                  "Choose January to June, July to December or a year."),
        "year": _("Figures with small counts hidden are released for whole calendar years only. Choose 1 "
                  "January to 31 December."),
    }
    return rules[grid]


def grid_choices(grid: str, today: date, years: int = 3) -> list[tuple[date, date]]:
    """The released periods of the last ``years`` calendar years, newest first: each year, then its parts."""
    months = GRIDS[grid]
    found = []
    for year in range(today.year, today.year - years, -1):
        found.append((date(year, 1, 1), date(year, 12, 31)))
        if months < 12:
            starts = [date(year, first, 1) for first in range(1, 13, months)]
            found += [(first, _period_end(first, months)) for first in reversed(starts) if first <= today]
    return found


def period_name(start: date, end: date) -> str:
    """A released period in words, in the interface language: "2026", "2nd quarter 2026", "March 2026"."""
    from babel.dates import format_date

    from fieldapp.i18n import date_locale

    if is_grid_period("year", start, end):
        return str(start.year)
    if is_grid_period("half", start, end):
        return (_("First half of {year}") if start.month == 1 else _("Second half of {year}")).format(year=start.year)
    if is_grid_period("quarter", start, end):
        return _("Quarter {number}, {year}").format(number=(start.month - 1) // 3 + 1, year=start.year)
    if is_grid_period("month", start, end):
        return format_date(start, "LLLL y", locale=date_locale())
    return f"{start.isoformat()} – {end.isoformat()}"
