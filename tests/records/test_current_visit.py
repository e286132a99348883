"""Printed leaflets are added to the worker's current visit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fieldapp.domain.records import Material, Venue, Visit
from fieldapp.records import current_visit, venues, visits


def test_materials_go_to_the_latest_visit_of_the_last_hours(session) -> None:
    venue = venues.create_venue(session, Venue(name="Clinic North", kind="massage_clinic", region="hovedstaden",
                                               municipality="København"))
    now = datetime.now(UTC).replace(microsecond=0)
    assert current_visit.add_materials(session, [("leaflet", "th", 3)], now) is None
    old = visits.create_visit(session, Visit(venue_id=venue.id, started_at=now - timedelta(days=2),
                                             ended_at=now - timedelta(days=2) + timedelta(hours=1),
                                             team=(session.user.id,)))
    latest = visits.create_visit(session, Visit(venue_id=venue.id, started_at=now - timedelta(hours=1),
                                                team=(session.user.id,),
                                                materials=(Material("leaflet", "th", 2),)))
    updated = current_visit.add_materials(session, [("leaflet", "th", 3), ("wallet_card", "ro", 5)], now)
    assert updated.id == latest.id
    stored = visits.get_visit(session, latest.id)
    assert {(m.kind, m.language): m.quantity for m in stored.materials} == {("leaflet", "th"): 5,
                                                                           ("wallet_card", "ro"): 5}
    assert visits.get_visit(session, old.id).materials == ()
