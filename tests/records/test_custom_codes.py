"""The organisation's own code lists in a real vault: an administrator adds, renames and removes codes with clear
refusals; records use them at once; reports count them under their parent, packets send the parent, the import
finds them by label; and locking the vault takes them away."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from fieldapp.domain import codes, custom_codes
from fieldapp.domain.records import OnlineSession, Venue
from fieldapp.errors import InvalidInput, PermissionDenied
from fieldapp.importing import service as importing
from fieldapp.importing.mapping import Mapping
from fieldapp.protocol import crypto
from fieldapp.records import custom_codes as own_codes
from fieldapp.records import online, venues
from fieldapp.referral import service as referral
from fieldapp.reports.service import build_report
from fieldapp.security import vault
from tests.conftest import PASSPHRASE
from tests.importing.sheets import TODAY, write_csv
from tests.referral.helpers import add_contact, add_person, add_visit, cmm_secret, setup_channel


def test_an_admin_adds_a_venue_kind_that_a_venue_then_uses(session) -> None:
    added = own_codes.add_code(session, "venue_kinds", "  Thai spa ", "massage_clinic")
    assert added.code == "x-thai-spa" and added.label == "Thai spa"
    assert codes.VENUE_KINDS["x-thai-spa"] == "Thai spa"
    venue = venues.create_venue(session, Venue(name="Lotus", kind="x-thai-spa", region="hovedstaden"))
    assert venues.get_venue(session, venue.id).kind == "x-thai-spa"
    assert own_codes.list_codes(session, "venue_kinds") == (added,)
    assert session.conn.execute("SELECT count(*) FROM audit_events WHERE action = 'custom_code.add'").fetchone() == (1,)


def test_filtering_venues_by_a_standard_kind_takes_in_the_own_kinds_under_it(session) -> None:
    from fieldapp.domain.queries import VenueFilter

    own_codes.add_code(session, "venue_kinds", "Thai spa", "massage_clinic")
    venues.create_venue(session, Venue(name="Lotus", kind="x-thai-spa", region="hovedstaden"))
    venues.create_venue(session, Venue(name="Rosen", kind="massage_clinic", region="hovedstaden"))
    venues.create_venue(session, Venue(name="Byggeplads", kind="construction_site", region="hovedstaden"))
    assert venues.count_venues(session, VenueFilter(kind="massage_clinic")) == 2
    assert venues.count_venues(session, VenueFilter(kind="x-thai-spa")) == 1
    assert venues.count_venues(session, VenueFilter(kind="construction_site", region="hovedstaden")) == 1


@pytest.mark.parametrize(("label", "parent", "message"), [
    ("", "massage_clinic", "Type a name for the code."),
    ("Massage clinic", "massage_clinic", "“Massage clinic” is already in this list: choose another name."),
    ("thai SPA", "massage_clinic", "“thai SPA” is already in this list: choose another name."),
    ("Bar", "x-thai-spa", "Choose the standard code this one counts under."),
    ("Bar", "", "Choose the standard code this one counts under."),
])
def test_bad_codes_are_refused_with_the_reason_and_change_nothing(session, label, parent, message) -> None:
    own_codes.add_code(session, "venue_kinds", "Thai spa", "massage_clinic")
    with pytest.raises(InvalidInput) as refused:
        own_codes.add_code(session, "venue_kinds", label, parent)
    assert refused.value.message == message
    assert [c.label for c in own_codes.list_codes(session, "venue_kinds")] == ["Thai spa"]


def test_an_unknown_list_is_refused(session) -> None:
    with pytest.raises(InvalidInput):
        own_codes.add_code(session, "genders", "Other", "unknown")


def test_only_a_role_with_settings_changes_the_lists(session, act_as) -> None:
    outreach = act_as("outreach")
    with pytest.raises(PermissionDenied):
        own_codes.add_code(outreach, "platforms", "Telegram", "messaging")
    own_codes.add_code(session, "platforms", "Telegram", "messaging")
    assert [c.label for c in own_codes.list_codes(outreach, "platforms")] == ["Telegram"]


def test_a_rename_keeps_the_code_and_a_used_code_cannot_be_removed(session) -> None:
    added = own_codes.add_code(session, "platforms", "Telegram", "messaging")
    online.create_online_session(session, OnlineSession(started_at=datetime.now(UTC), platform=added.code))
    renamed = own_codes.update_code(session, "platforms", added.code, "Telegram groups", "social_media")
    assert renamed.code == added.code and codes.PLATFORMS[added.code] == "Telegram groups"
    assert codes.PLATFORMS.parent(added.code) == "social_media"
    assert own_codes.uses(session, "platforms", added.code) == 1
    with pytest.raises(InvalidInput, match="One record uses this code"):
        own_codes.remove_code(session, "platforms", added.code)
    unused = own_codes.add_code(session, "platforms", "Signal", "messaging")
    own_codes.remove_code(session, "platforms", unused.code)
    assert unused.code not in codes.PLATFORMS
    with pytest.raises(InvalidInput):
        own_codes.update_code(session, "platforms", "messaging", "Chat", "messaging")    # a standard code


def test_uses_counts_codes_inside_lists(session) -> None:
    own = own_codes.add_code(session, "languages", "Darija", "ar")
    add_person(session.conn, languages=f"en {own.code}")
    add_person(session.conn, alias="Joy", languages=f"{own.code}-2 th")          # another code, not this one
    assert own_codes.uses(session, "languages", own.code) == 1
    with pytest.raises(InvalidInput, match="One record"):
        own_codes.remove_code(session, "languages", own.code)


def test_locking_takes_the_codes_away_and_another_vault_never_sees_them(session, tmp_path) -> None:
    own_codes.add_code(session, "venue_kinds", "Thai spa", "massage_clinic")
    other_path = tmp_path / "other" / "v.fieldapp"
    other_path.parent.mkdir()
    other, _recovery = vault.create_vault(other_path, "Admin", "admin", PASSPHRASE)
    assert "x-thai-spa" not in codes.VENUE_KINDS              # the vault opened last is the one shown
    other.close(audit_lock=False)
    assert "x-thai-spa" in codes.VENUE_KINDS                  # back to the one still open
    session.close(audit_lock=False)
    assert custom_codes.installed("venue_kinds") == ()
    again = vault.unlock(session.path, "Admin", PASSPHRASE)
    try:
        assert "x-thai-spa" in codes.VENUE_KINDS
    finally:
        again.close(audit_lock=False)
    assert "x-thai-spa" not in codes.VENUE_KINDS


def _cells(report, key: str) -> dict[str, tuple[int, ...]]:
    table = next(t for section in report.sections for t in section.tables if t.key == key)
    return dict(zip(table.row_labels, table.cells, strict=True))


def test_reports_count_an_own_code_under_its_parent(session) -> None:
    own_codes.add_code(session, "venue_kinds", "Thai spa", "massage_clinic")
    own_codes.add_code(session, "platforms", "Telegram", "messaging")
    now = datetime.now(UTC)
    for kind in ("x-thai-spa", "x-thai-spa", "massage_clinic"):
        venue = venues.create_venue(session, Venue(name=f"V {kind}", kind=kind, region="hovedstaden"))
        add_visit(session.conn, venue.id, now)
    online.create_online_session(session, OnlineSession(started_at=now, platform="x-telegram"))
    today = now.astimezone().date()
    report = build_report(session, date(today.year, 1, 1), date(today.year, 12, 31), ("activity",))
    kinds = _cells(report, "visits_by_kind_region")
    assert kinds["Massage clinic"][0] == 3                   # the Capital Region's column
    assert "Thai spa" not in kinds and "x-thai-spa" not in kinds
    assert _cells(report, "online_platforms")["Messaging apps"] == (1, 0)


def test_a_referral_packet_sends_the_parent_language(session) -> None:
    setup_channel(session)
    darija = own_codes.add_code(session, "languages", "Darija", "ar")
    person = add_person(session.conn, languages=f"{darija.code} en")
    add_contact(session.conn, person, kind="street", indicators="debt")
    draft = referral.create_draft(session, person)
    referral.update_draft(session, replace(draft, region="hovedstaden", exploitation_forms=("sexual",)))
    referral.record_consent(session, draft.id, "anonymous_notice", "en", "2026.1", notice_read=True)
    packet_id = referral.seal(session, draft.id, exact=True, reason="CMM asked for the exact details")
    sealed = session.conn.execute("SELECT sealed FROM outbox WHERE packet_id = ?", (packet_id,)).fetchone()[0]
    body = json.loads(crypto.split_signed(crypto.open_packet(bytes(sealed), cmm_secret()))[2])
    assert body["languages"] == ["ar", "en"]


def test_the_import_finds_own_codes_by_their_label(session, tmp_path) -> None:
    own_codes.add_code(session, "services", "Called the hotline together", "referral_cmm")
    own_codes.add_code(session, "languages", "Nigerian Pidgin", "pcm")
    mapping = Mapping(person=("Navn",), columns={"person.alias": "Navn", "person.languages": "Sprog",
                                                 "contact.occurred_at": "Dato", "contact.kind": "Type",
                                                 "contact.services": "Ydelser"})
    source = write_csv(tmp_path / "old.csv", [["Mia", "Nigerian Pidgin, engelsk", "02-03-2026", "street",
                                               "called the hotline together"]],
                       headings=["Navn", "Sprog", "Dato", "Type", "Ydelser"])
    plan = importing.import_file(session, source, mapping, dry_run=False, today=TODAY)
    assert plan.ok, plan.rows
    assert session.conn.execute("SELECT languages FROM people").fetchone() == ("x-nigerian-pidgin en",)
    assert session.conn.execute("SELECT services FROM contacts").fetchone() == ("x-called-the-hotline-together",)
