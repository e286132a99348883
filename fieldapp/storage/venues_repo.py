"""Venues: places visited again and again (massage clinics, street areas, houses ...)."""

from __future__ import annotations

from collections.abc import Iterable

from fieldapp.domain import custom_codes
from fieldapp.domain.aliases import alias_key
from fieldapp.domain.ids import new_id
from fieldapp.domain.queries import VenueFilter
from fieldapp.domain.records import Venue
from fieldapp.storage.connection import Connection

_COLUMNS = "id, name, kind, municipality, region, is_open, notes"


def _row(row) -> Venue:
    return Venue(id=row[0], name=row[1], kind=row[2], municipality=row[3], region=row[4],
                 is_open=bool(row[5]), notes=row[6])


def _values(venue: Venue) -> tuple:
    key = search_key(venue.name, venue.municipality)
    return (venue.name.strip(), venue.kind, venue.municipality.strip(), venue.region, int(venue.is_open),
            venue.notes, key)


def insert_venue(conn: Connection, venue: Venue) -> Venue:
    venue_id = venue.id or new_id()
    conn.execute(
        "INSERT INTO venues (id, name, kind, municipality, region, is_open, notes, search_key)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (venue_id, *_values(venue)))
    return get_venue(conn, venue_id)


def bulk_insert_venues(conn: Connection, venues: Iterable[Venue]) -> None:
    """Many venues at once (ids given or made here); no read-back."""
    conn.executemany(
        "INSERT INTO venues (id, name, kind, municipality, region, is_open, notes, search_key)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", ((v.id or new_id(), *_values(v)) for v in venues))


def update_venue(conn: Connection, venue: Venue) -> Venue | None:
    """The stored venue after the change, or None if there is no venue with this id."""
    cur = conn.execute(
        "UPDATE venues SET name = ?, kind = ?, municipality = ?, region = ?, is_open = ?, notes = ?,"
        " search_key = ? WHERE id = ?", (*_values(venue), venue.id))
    return get_venue(conn, venue.id) if cur.rowcount else None


def get_venue(conn: Connection, venue_id: str) -> Venue | None:
    row = conn.execute(f"SELECT {_COLUMNS} FROM venues WHERE id = ?", (venue_id,)).fetchone()
    return _row(row) if row else None


def delete_venue(conn: Connection, venue_id: str) -> bool:
    return conn.execute("DELETE FROM venues WHERE id = ?", (venue_id,)).rowcount > 0


def visit_count(conn: Connection, venue_id: str) -> int:
    return conn.execute("SELECT count(*) FROM visits WHERE venue_id = ?", (venue_id,)).fetchone()[0]


def _where(filt: VenueFilter) -> tuple[str, list]:
    clauses, args = ["1"], []
    text = alias_key(filt.text)
    if text:
        clauses.append("instr(search_key, ?) > 0")
        args.append(text)
    if filt.kind:                        # a standard kind takes in the organisation's own kinds under it
        kinds = [filt.kind, *(own.code for own in custom_codes.installed("venue_kinds") if own.parent == filt.kind)]
        clauses.append(f"kind IN ({', '.join('?' * len(kinds))})")
        args.extend(kinds)
    if filt.region:
        clauses.append("region = ?")
        args.append(filt.region)
    if filt.is_open is not None:
        clauses.append("is_open = ?")
        args.append(int(filt.is_open))
    return " AND ".join(clauses), args


def count_venues(conn: Connection, filt: VenueFilter) -> int:
    where, args = _where(filt)
    return conn.execute(f"SELECT count(*) FROM venues WHERE {where}", args).fetchone()[0]


def venue_names(conn: Connection, filt: VenueFilter, limit: int) -> dict[str, str]:
    """Id -> name of the venues a filter finds, in name order (for a venue picker: no notes, no records)."""
    where, args = _where(filt)
    return dict(conn.execute(f"SELECT id, name FROM venues WHERE {where} ORDER BY search_key, id LIMIT ?",
                             (*args, limit)).fetchall())


def list_venues(conn: Connection, filt: VenueFilter, offset: int = 0, limit: int = 100) -> list[Venue]:
    """Venues by name, one page at a time."""
    where, args = _where(filt)
    rows = conn.execute(f"SELECT {_COLUMNS} FROM venues WHERE {where} ORDER BY search_key, id LIMIT ? OFFSET ?",
                        (*args, limit, offset))
    return [_row(r) for r in rows]


def search_keys(conn: Connection) -> dict[str, tuple[str, str]]:
    """Every venue by its search key (name and municipality): its (id, kind), to find an imported venue."""
    return {key: (venue_id, kind) for venue_id, kind, key in
            conn.execute("SELECT id, kind, search_key FROM venues ORDER BY id")}


def search_key(name: str, municipality: str = "") -> str:
    return alias_key(f"{name} {municipality}")
