"""Suppressed figures are released only on the organisation's grid of calendar periods, so that no two
released tables can be differenced: months against their quarter, a year against a year less a day.

The attack test first shows that the data is one where differencing works (suppressing the three months
and their quarter separately gives hidden monthly cells back), then that every table the app is willing to
release for the year gives back none."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from fieldapp.errors import InvalidInput, PermissionDenied
from fieldapp.reports import release, service
from fieldapp.reports.suppression import protect
from fieldapp.storage import settings_repo
from fieldapp.storage.connection import transaction

YEAR = 2026


def on_grid(session, grid: str) -> None:
    """The vault as one configured in an earlier year: ``grid`` in force for every year (a change made
    today applies only from next year)."""
    with session.write() as conn:
        settings_repo.put(conn, release.SETTINGS_KEY, {"grids": [[0, grid]], "cmm_exact": True})


def _fill(session, seed: int = 3) -> None:
    """A year of street contacts: a few people a month in each of several kinds, some months thin."""
    rng = random.Random(seed)
    kinds = ("street", "venue", "health", "legal", "phone_online")
    with transaction(session.conn):
        people = [session.conn.execute(
            "INSERT INTO people (reference, alias, alias_key, gender, nationality) VALUES (?, ?, ?, 'woman', 'RO')"
            " RETURNING id", (f"R{i}", f"r{i}", f"r{i}")).fetchone()[0] for i in range(60)]
        for month in range(1, 13):
            for kind in kinds:
                for _ in range(rng.choice((0, 1, 2, 3, 6, 8))):
                    day = date(YEAR, month, rng.randint(1, 28))
                    session.conn.execute("INSERT INTO contacts (person_id, kind, occurred_at) VALUES (?, ?, ?)",
                                         (rng.choice(people), kind, f"{day.isoformat()}T12:00:00+00:00"))


def _kinds(session, start: date, end: date):
    """The exact 'contacts by kind' table of a period (this period's column)."""
    report = service.build_report(session, start, end, ("activity",))
    return next(table for table in report.tables() if table.key == "contacts_by_kind")


def _quarter(q: int) -> tuple[date, date]:
    first = date(YEAR, 3 * q - 2, 1)
    after = date(YEAR + (q == 4), 1 if q == 4 else 3 * q + 1, 1)
    return first, after - timedelta(days=1)


def _month(m: int) -> tuple[date, date]:
    first = date(YEAR, m, 1)
    return first, (date(YEAR + (m == 12), 1 if m == 12 else m + 1, 1) - timedelta(days=1))


def _recovered(parts: list[list[str]], whole: list[str]) -> int:
    """Hidden part cells worked out from a whole whose figure is shown and whose other parts are all shown."""
    found = 0
    for row, total in enumerate(whole):
        if not total.isdigit():
            continue
        hidden = [p for p in parts if not p[row].isdigit()]
        if len(hidden) == 1:
            found += 1
    return found


def test_months_against_their_quarter_give_cells_back_but_nothing_released_does(session) -> None:
    _fill(session)
    on_grid(session, "quarter")
    # The attack, on tables suppressed one by one as before the grid: it works on this data.
    attack = 0
    for q in range(1, 5):
        months = [[row[0] for row in protect(_kinds(session, *_month(m))).cells] for m in range(3 * q - 2, 3 * q + 1)]
        attack += _recovered(months, [row[0] for row in protect(_kinds(session, *_quarter(q))).cells])
    assert attack > 0

    # What the app releases: months are refused, quarters are released, the year is the sum of the quarters.
    for m in range(1, 13):
        with pytest.raises(InvalidInput):
            service.shown(session, service.build_report(session, *_month(m), ("activity",)))
    quarters = []
    for q in range(1, 5):
        parts = service.shown(session, service.build_report(session, *_quarter(q), ("activity",)))
        quarters.append(next(t for t in parts[0].tables if t.table.key == "contacts_by_kind"))
    year = next(t for t in service.shown(session, service.build_report(
        session, date(YEAR, 1, 1), date(YEAR, 12, 31), ("activity",)))[0].tables if t.table.key == "contacts_by_kind")
    assert _recovered([[row[0] for row in q.cells] for q in quarters], [row[0] for row in year.cells]) == 0
    for row, label in enumerate(year.table.row_labels):
        values = [q.cells[q.table.row_labels.index(label)][0] for q in quarters]
        if all(v.isdigit() for v in values):
            assert year.cells[row][0] == str(sum(int(v) for v in values))
        else:
            assert year.cells[row][0] == "x"
    assert all(v == 0 for line in year.table.cells for v in line)        # no exact counts carried along


@pytest.mark.parametrize("grid, start, end", [
    ("year", "2026-01-01", "2026-12-30"), ("year", "2026-04-01", "2026-06-30"), ("year", "2026-06-15", "2026-06-15"),
    ("quarter", "2026-02-01", "2026-04-30"), ("quarter", "2026-01-01", "2026-02-28"), ("quarter", "2025-01-01",
                                                                                       "2026-12-31"),
    ("month", "2026-03-02", "2026-03-31"), ("half", "2026-04-01", "2026-09-30"),
])
def test_a_range_off_the_grid_is_refused_for_suppressed_figures(session, grid, start, end) -> None:
    on_grid(session, grid)
    report = service.build_report(session, date.fromisoformat(start), date.fromisoformat(end))
    with pytest.raises(InvalidInput) as refused:
        service.shown(session, report)
    assert refused.value.message == release.period_rule(grid)


@pytest.mark.parametrize("grid, start, end, parts", [
    ("year", "2026-01-01", "2026-12-31", 1), ("quarter", "2026-04-01", "2026-06-30", 1),
    ("quarter", "2026-01-01", "2026-12-31", 4), ("half", "2026-07-01", "2026-12-31", 1),
    ("month", "2026-02-01", "2026-02-28", 1), ("month", "2024-01-01", "2024-12-31", 12),
])
def test_grid_periods_are_released(grid, start, end, parts) -> None:
    assert len(release.parts(grid, date.fromisoformat(start), date.fromisoformat(end))) == parts


def test_exact_counts_on_screen_are_not_bound_to_the_grid(session) -> None:
    import dataclasses

    _fill(session)
    session.user = dataclasses.replace(session.user, role="coordinator")
    report = service.build_report(session, date(YEAR, 2, 3), date(YEAR, 2, 9), ("activity",))
    assert service.shown(session, report, exact_counts=True)[0].tables[0].exact


def test_only_an_administrator_chooses_the_grid(session) -> None:
    import dataclasses

    session.user = dataclasses.replace(session.user, role="outreach")
    with pytest.raises(PermissionDenied):
        release.save(session, release.ReleaseSettings(grid="month"))
    assert release.load(session) == release.ReleaseSettings()


def test_a_new_grid_applies_from_next_year_so_released_figures_cannot_be_subtracted(session) -> None:
    with transaction(session.conn):
        person = session.conn.execute("INSERT INTO people (reference, alias, alias_key, gender) VALUES"
                                      " ('R', 'r', 'r', 'woman') RETURNING id").fetchone()[0]
        for month in range(1, 13):                    # 17 street contacts, two of them in the last quarter
            for _ in range(2 if month in (3, 6, 9) else 1 if month < 10 else 0):
                session.conn.execute("INSERT INTO contacts (person_id, kind, occurred_at) VALUES (?, 'street', ?)",
                                     (person, f"{YEAR}-{month:02d}-10T12:00:00+00:00"))
        session.conn.execute("INSERT INTO contacts (person_id, kind, occurred_at) VALUES (?, 'street', ?)",
                             (person, f"{YEAR}-11-10T12:00:00+00:00"))
        session.conn.execute("INSERT INTO contacts (person_id, kind, occurred_at) VALUES (?, 'street', ?)",
                             (person, f"{YEAR}-12-10T12:00:00+00:00"))
    year = service.shown(session, service.build_report(session, date(YEAR, 1, 1), date(YEAR, 12, 31), ("activity",)))
    saved = release.save(session, release.ReleaseSettings(grid="quarter"), today=date(YEAR, 12, 1))
    assert saved.grid == "quarter" and saved.since == YEAR + 1
    assert release.grid_for(session, YEAR) == "year" and release.grid_for(session, YEAR + 1) == "quarter"
    with pytest.raises(InvalidInput):                # the year's quarters stay unreleased: Q4 = year - Q1..Q3
        service.shown(session, service.build_report(session, *_quarter(4), ("activity",)))
    again = service.shown(session, service.build_report(session, date(YEAR, 1, 1), date(YEAR, 12, 31), ("activity",)))
    assert [t.cells for t in again[0].tables] == [t.cells for t in year[0].tables]
    # Back to years before next year begins: nothing changes, next year stays on years.
    assert release.save(session, release.ReleaseSettings(grid="year"), today=date(YEAR, 12, 2)).history == (
        (0, "year"),)


def test_february_after_a_leap_year_is_compared_with_the_whole_february_before() -> None:
    assert service.previous_period(date(2025, 2, 1), date(2025, 2, 28)) == (date(2024, 2, 1), date(2024, 2, 29))
    assert service.previous_period(date(2025, 1, 1), date(2025, 12, 31)) == (date(2024, 1, 1), date(2024, 12, 31))
    assert service.previous_period(date(2024, 2, 1), date(2024, 2, 29)) == (date(2023, 2, 1), date(2023, 2, 28))
    assert service.previous_period(date(2025, 3, 5), date(2025, 3, 20)) == (date(2024, 3, 5), date(2024, 3, 20))


def test_grid_choices_list_whole_periods_newest_first() -> None:
    found = release.grid_choices(((0, "year"), (2026, "quarter")), date(2026, 5, 2), years=2)
    assert (date(2025, 1, 1), date(2025, 12, 31)) in found and (date(2025, 1, 1), date(2025, 3, 31)) not in found
    assert found[:3] == [(date(2026, 1, 1), date(2026, 12, 31)), (date(2026, 4, 1), date(2026, 6, 30)),
                         (date(2026, 1, 1), date(2026, 3, 31))]
    assert all(release.parts("quarter", *period) for period in found)
