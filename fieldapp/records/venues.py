"""Venues: create, change, find and delete the places that are visited."""

from __future__ import annotations

from fieldapp.domain.queries import VenueFilter
from fieldapp.domain.records import Venue
from fieldapp.errors import InvalidInput
from fieldapp.i18n import _
from fieldapp.records.common import DEFAULT_PAGE, Pager, audit, missing, validate
from fieldapp.security.session import Session
from fieldapp.storage import venues_repo

_ALL = VenueFilter()


def create_venue(session: Session, venue: Venue) -> Venue:
    session.require("records")
    validate(venue)
    with session.write() as conn:
        stored = venues_repo.insert_venue(conn, venue)
        audit(session, conn, "venue.create", "venue", stored.id)
    return stored


def update_venue(session: Session, venue: Venue) -> Venue:
    session.require("records")
    validate(venue)
    with session.write() as conn:
        stored = venues_repo.update_venue(conn, venue)
        if stored is None:
            raise missing()
        audit(session, conn, "venue.update", "venue", venue.id)
    return stored


def delete_venue(session: Session, venue_id: str) -> None:
    """Delete a venue that has no visits (a venue with a history is closed instead)."""
    session.require("records")
    with session.write() as conn:
        if venues_repo.visit_count(conn, venue_id):
            raise InvalidInput(_("This venue has visits logged. Mark it closed instead of deleting it."))
        if not venues_repo.delete_venue(conn, venue_id):
            raise missing()
        audit(session, conn, "venue.delete", "venue", venue_id)


def get_venue(session: Session, venue_id: str) -> Venue | None:
    session.require("records")
    return venues_repo.get_venue(session.conn, venue_id)


def count_venues(session: Session, filt: VenueFilter | None = None) -> int:
    session.require("records")
    return venues_repo.count_venues(session.conn, filt or _ALL)


def list_venues(session: Session, filt: VenueFilter | None = None, offset: int = 0,
                limit: int = DEFAULT_PAGE) -> list[Venue]:
    session.require("records")
    return venues_repo.list_venues(session.conn, filt or _ALL, offset, limit)


def venue_names(session: Session, filt: VenueFilter | None = None, limit: int = DEFAULT_PAGE) -> dict[str, str]:
    """Id -> name of the venues, in name order: what a venue picker lists."""
    session.require("records")
    return venues_repo.venue_names(session.conn, filt or _ALL, limit)


def venues_pager(session: Session, filt: VenueFilter | None = None) -> Pager[Venue]:
    session.require("records")
    return Pager(lambda: venues_repo.count_venues(session.conn, filt or _ALL),
                 lambda offset, limit: venues_repo.list_venues(session.conn, filt or _ALL, offset, limit))
