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


def test_outreach_workers_can_name_colleagues_on_a_visit(vault_path) -> None:
    from fieldapp.records import team
    from fieldapp.security import vault
    from tests.conftest import PASSPHRASE

    admin, _ = vault.create_vault(vault_path, "Admin", "admin", PASSPHRASE)
    vault.add_user(admin, "Ola", "outreach", "ola passphrase one", PASSPHRASE)
    vault.add_user(admin, "Kim", "outreach", "kim passphrase one", PASSPHRASE)
    admin.close()
    ola = vault.unlock(vault_path, "Ola", "ola passphrase one")
    assert sorted(u.name for u in team.team_members(ola)) == ["Admin", "Kim", "Ola"]
    ola.close()
