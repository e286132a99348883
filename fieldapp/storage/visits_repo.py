"""Outreach visits with their team and the materials handed out."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import timedelta

from fieldapp.domain.ids import new_id
from fieldapp.domain.queries import VisitFilter, VisitRow
from fieldapp.domain.records import Material, Visit
from fieldapp.domain.values import join_codes, local_day_start, moment_from_text, moment_text, split_codes
from fieldapp.storage.connection import Connection

_COLUMNS = ("v.id, v.venue_id, v.started_at, v.ended_at, v.people_met, v.languages, v.interpreter,"
            " v.observations, v.note, v.created_by")
_INSERT = ("INSERT INTO visits (id, venue_id, started_at, ended_at, people_met, languages, interpreter,"
           " observations, note, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")


def _values(visit: Visit) -> tuple:
    return (visit.venue_id, moment_text(visit.started_at), moment_text(visit.ended_at), visit.people_met,
            join_codes(visit.languages), int(visit.interpreter), join_codes(visit.observations), visit.note,
            visit.created_by)


def _row(row, team: tuple[int, ...] = (), materials: tuple[Material, ...] = ()) -> Visit:
    return Visit(id=row[0], venue_id=row[1], started_at=moment_from_text(row[2]), ended_at=moment_from_text(row[3]),
                 people_met=row[4], languages=split_codes(row[5]), interpreter=bool(row[6]),
                 observations=split_codes(row[7]), note=row[8], created_by=row[9], team=team, materials=materials)


def _write_parts(conn: Connection, visits: Iterable[Visit]) -> None:
    team, materials = [], []
    for visit in visits:
        team += [(visit.id, user_id) for user_id in visit.team]
        materials += [(visit.id, m.kind, m.language, m.quantity) for m in visit.materials]
    conn.executemany("INSERT INTO visit_team (visit_id, user_id) VALUES (?, ?)", team)
    conn.executemany("INSERT INTO visit_materials (visit_id, kind, language, quantity) VALUES (?, ?, ?, ?)",
                     materials)


def insert_visit(conn: Connection, visit: Visit) -> Visit:
    visit_id = visit.id or new_id()
    conn.execute(_INSERT, (visit_id, *_values(visit)))
    _write_parts(conn, [replace(visit, id=visit_id)])
    return get_visit(conn, visit_id)


def bulk_insert_visits(conn: Connection, visits: list[Visit]) -> None:
    """Many visits with their parts; every visit must carry its id."""
    conn.executemany(_INSERT, ((v.id, *_values(v)) for v in visits))
    _write_parts(conn, visits)


def update_visit(conn: Connection, visit: Visit) -> Visit | None:
    """The stored visit after the change (team and materials replaced), or None if it does not exist."""
    cur = conn.execute(
        "UPDATE visits SET venue_id = ?, started_at = ?, ended_at = ?, people_met = ?, languages = ?,"
        " interpreter = ?, observations = ?, note = ?, created_by = ? WHERE id = ?", (*_values(visit), visit.id))
    if not cur.rowcount:
        return None
    conn.execute("DELETE FROM visit_team WHERE visit_id = ?", (visit.id,))
    conn.execute("DELETE FROM visit_materials WHERE visit_id = ?", (visit.id,))
    _write_parts(conn, [visit])
    return get_visit(conn, visit.id)


def delete_visit(conn: Connection, visit_id: str) -> bool:
    """Delete a visit with its team and materials; its contacts stay, unlinked."""
    return conn.execute("DELETE FROM visits WHERE id = ?", (visit_id,)).rowcount > 0


def get_visit(conn: Connection, visit_id: str) -> Visit | None:
    row = conn.execute(f"SELECT {_COLUMNS} FROM visits v WHERE v.id = ?", (visit_id,)).fetchone()
    if row is None:
        return None
    teams, materials = _parts(conn, [visit_id])
    return _row(row, teams.get(visit_id, ()), materials.get(visit_id, ()))


def _parts(conn: Connection, ids: list[str]) -> tuple[dict, dict]:
    marks = ",".join("?" * len(ids))
    teams: dict[str, tuple[int, ...]] = {}
    for visit_id, user_id in conn.execute(
            f"SELECT visit_id, user_id FROM visit_team WHERE visit_id IN ({marks}) ORDER BY user_id", ids):
        teams[visit_id] = (*teams.get(visit_id, ()), user_id)
    materials: dict[str, tuple[Material, ...]] = {}
    for visit_id, kind, language, quantity in conn.execute(
            "SELECT visit_id, kind, language, quantity FROM visit_materials"
            f" WHERE visit_id IN ({marks}) ORDER BY kind, language", ids):
        materials[visit_id] = (*materials.get(visit_id, ()), Material(kind, language, quantity))
    return teams, materials


def _where(filt: VisitFilter) -> tuple[str, list]:
    clauses, args = ["1"], []
    if filt.since is not None:
        clauses.append("v.started_at >= ?")
        args.append(moment_text(local_day_start(filt.since)))
    if filt.until is not None:
        clauses.append("v.started_at < ?")
        args.append(moment_text(local_day_start(filt.until + timedelta(days=1))))
    if filt.venue_id is not None:
        clauses.append("v.venue_id = ?")
        args.append(filt.venue_id)
    if filt.worker_id is not None:
        clauses.append("v.id IN (SELECT visit_id FROM visit_team WHERE user_id = ?)")
        args.append(filt.worker_id)
    return " AND ".join(clauses), args


def count_visits(conn: Connection, filt: VisitFilter) -> int:
    where, args = _where(filt)
    return conn.execute(f"SELECT count(*) FROM visits v WHERE {where}", args).fetchone()[0]


def list_visits(conn: Connection, filt: VisitFilter, offset: int = 0, limit: int = 100) -> list[VisitRow]:
    """Visits, newest first, one page at a time, each with its venue's name."""
    where, args = _where(filt)
    # CROSS JOIN keeps visits the outer loop, so the newest page is read off the started_at index: left to
    # itself, SQLite walked every venue's visits and sorted all of them (26 ms at 20,000 visits, now 1 ms).
    rows = conn.execute(
        f"SELECT {_COLUMNS}, ve.name FROM visits v CROSS JOIN venues ve ON ve.id = v.venue_id WHERE {where}"
        " ORDER BY v.started_at DESC, v.id DESC LIMIT ? OFFSET ?", (*args, limit, offset)).fetchall()
    teams, materials = _parts(conn, [r[0] for r in rows]) if rows else ({}, {})
    return [VisitRow(_row(r, teams.get(r[0], ()), materials.get(r[0], ())), r[10]) for r in rows]
