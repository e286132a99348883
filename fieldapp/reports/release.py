"""Which periods figures may be released for, so that no two released tables can be differenced.

Suppressed tables (for funders, the public, the screen of someone without exact counts) hide small
counts, but two tables of overlapping periods — three months and their quarter, a year and a year
less one day — give the hidden cells back by subtraction. So suppressed figures are released only on
one fixed grid of calendar periods that the organisation chooses (months, quarters, half years or
years), and a whole year on a finer grid is the cell-by-cell sum of its released parts: it adds
nothing that the parts did not already show. Any other range is refused. A new grid applies from the
next calendar year, so a year's figures stay on the grid they were released on.

The figures sealed to CMM are exact (CMM compiles the national statistics), for whole calendar
periods; an organisation without a data agreement with CMM switches that off, and its figures for CMM
are then suppressed on the grid like any others.
"""

from __future__ import annotations

from dataclasses import dataclass
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
    grid: str = DEFAULT_GRID      # a GRIDS key: the grid chosen, in force from ``since``
    cmm_exact: bool = True        # exact figures to CMM (under a data agreement)
    since: int = 0                # the first calendar year on this grid (0: every year)
    # (first year, grid) of every grid in force, oldest first: figures of a year keep the grid they were
    # released on, so a change never lets a new table be subtracted from one released before.
    history: tuple[tuple[int, str], ...] = ((0, DEFAULT_GRID),)


def _history(data: dict) -> tuple[tuple[int, str], ...]:
    found = []
    for entry in data.get("grids") or ():
        if (isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], int) and entry[1] in GRIDS
                and (not found or entry[0] > found[-1][0])):
            found.append((entry[0], entry[1]))
    if not found and data.get("grid") in GRIDS:        # written before grids had years
        found.append((0, data["grid"]))
    return tuple(found) if found and found[0][0] == 0 else ((0, DEFAULT_GRID), *found)


def load(session: Session) -> ReleaseSettings:
    session.require("records")
    data = settings_repo.get(session.conn, SETTINGS_KEY)
    data = data if isinstance(data, dict) else {}
    history = _history(data)
    return ReleaseSettings(grid=history[-1][1], cmm_exact=data.get("cmm_exact") is not False, since=history[-1][0],
                           history=history)


def grid_for(session: Session, year: int) -> str:
    """The grid that figures of ``year`` are released on."""
    return grid_in(load(session).history, year)


def grid_in(history: tuple[tuple[int, str], ...], year: int) -> str:
    """The grid of ``year`` in a history of grids (``ReleaseSettings.history``)."""
    return [grid for first, grid in history if first <= year][-1]


def save(session: Session, settings: ReleaseSettings, today: date | None = None) -> ReleaseSettings:
    """Keep the choice of grid and of exact figures for CMM. A new grid applies from 1 January of next year:
    the figures of this year were released, or may have been, on the grid in force."""
    session.require("settings")
    if settings.grid not in GRIDS:
        raise ValidationError({"grid": _("Choose one of the periods in the list.")})
    history = list(load(session).history)
    next_year = (today or date.today()).year + 1
    if grid_in(tuple(history), next_year) != settings.grid:
        history = [entry for entry in history if entry[0] < next_year]
        if history[-1][1] != settings.grid:
            history.append((next_year, settings.grid))
    data = {"grids": [list(entry) for entry in history], "cmm_exact": bool(settings.cmm_exact)}
    with session.write() as conn:
        settings_repo.put(conn, SETTINGS_KEY, data)
        audit_repo.append(conn, session.user.id, "reports.release_settings")
    return load(session)


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


def grid_choices(history: tuple[tuple[int, str], ...], today: date, years: int = 3) -> list[tuple[date, date]]:
    """The released periods of the last ``years`` calendar years, newest first: each year, then its parts on
    the grid of that year."""
    found = []
    for year in range(today.year, today.year - years, -1):
        months = GRIDS[grid_in(history, year)]
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
