"""Unique sentinels in every record type, then every feature that writes files: leaflet PDF, report
PDF and CSV, backup, data-subject export, referral packet and sync. No sentinel may appear in
plaintext in any file the app wrote (data, config, temp, export, backup and outbox folders)."""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from fieldapp.domain.organisation import ContactLine, Organisation
from fieldapp.domain.records import Contact, HealthContact, LegalSession, Person, Venue, Visit
from fieldapp.lifecycle import backup, subject_export
from fieldapp.records import contacts, health, legal, organisation, people, venues, visits
from fieldapp.referral import config, service, sync
from fieldapp.reports import export as report_export
from fieldapp.reports import service as report_service
from fieldapp.security import vault
from tests.conftest import AGREED, PASSPHRASE
from tests.referral.helpers import cmm_public_bytes
from tests.security.test_no_plaintext import files_containing

S = "Zq9Sentinel"                     # prefix of every sentinel; each record gets its own
SENTINELS = {kind: f"{S}{kind}" for kind in ("venue", "visitnote", "alias", "phone", "contactnote",
                                             "healthnote", "reason")}


def _records(session, when: datetime) -> int:
    venue = venues.create_venue(session, Venue(name=SENTINELS["venue"], kind="massage_clinic",
                                               municipality="Odense", region="syddanmark", notes=SENTINELS["venue"]))
    visit = visits.create_visit(session, Visit(venue_id=venue.id, started_at=when, ended_at=when + timedelta(hours=1),
                                               team=(session.user.id,), note=SENTINELS["visitnote"]))
    person = people.create_person(session, Person(**AGREED, alias=SENTINELS["alias"], gender="woman", age_estimate=29,
                                                  nationality="TH", phone="+45 " + "2" * 8, phone_consent=True))
    people.update_person(session, replace(people.get_person(session, person.id), phone="+45 2" + "9" * 7))
    contacts.create_contact(session, Contact(person_id=person.id, kind="venue", occurred_at=when, visit_id=visit.id,
                                             indicators=("debt", "documents_withheld"), note=SENTINELS["contactnote"]))
    health.save_health_contact(session, Contact(person_id=person.id, kind="health", occurred_at=when),
                               HealthContact(contact_id=0, reason="sti_test", note=SENTINELS["healthnote"]))
    return person.id


def _legal(path: Path, person_id: int, when: datetime) -> None:
    adviser = vault.unlock(path, "Adviser", "adviser passphrase one")
    legal.save_legal_session(adviser, Contact(person_id=person_id, kind="legal", occurred_at=when,
                                              note=SENTINELS["contactnote"] + "legal"),
                             LegalSession(contact_id=0, adviser_id=adviser.user.id, topics=("residence",)))
    adviser.close()


def _refer(session, person_id: int, outbox: Path) -> None:
    config.ensure_org_key(session)
    config.import_cmm_key(session, cmm_public_bytes())
    config.set_transport(session, replace(config.transport(session), kind="folder", folder=str(outbox)))
    draft = service.create_draft(session, person_id)
    service.update_draft(session, replace(draft, region="syddanmark", contact_setting="venue",
                                          help_requested=("safe_housing",), exploitation_forms=("sexual",)))
    service.record_consent(session, draft.id, "anonymous_notice", "th", "2026.1", notice_read=True)
    view = service.preview(session, draft.id)
    service.seal_and_queue(session, draft.id, reason=SENTINELS["reason"], seen=view)
    sync.sync(session)


def test_no_sentinel_in_any_file_the_app_wrote(tmp_path: Path, qapp) -> None:
    start = time.time() - 1
    path = tmp_path / "data" / "vault.fieldapp"
    admin, _ = vault.create_vault(path, "Admin", "admin", PASSPHRASE)
    vault.add_user(admin, "Nurse", "health", "nurse passphrase one", PASSPHRASE)
    vault.add_user(admin, "Adviser", "legal", "adviser passphrase one", PASSPHRASE)
    organisation.save(admin, Organisation(name="Test Outreach", region="syddanmark",
                                          contact_lines=(ContactLine("Hotline", "+45 12 34 56 78"),),
                                          hotline="+45 12 34 56 78"))
    admin.close()
    session = vault.unlock(path, "Nurse", "nurse passphrase one")
    when = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
    person_id = _records(session, when)
    session.close()
    _legal(path, person_id, when)
    session = vault.unlock(path, "Nurse", "nurse passphrase one")
    exports, usb, outbox = (tmp_path / name for name in ("exports", "usb", "outbox"))
    for folder in (exports, usb, outbox):
        folder.mkdir()

    from fieldapp.leaflets.qt_render import render_leaflet

    render_leaflet(organisation.load(session), "th", "a4", exports / "leaflet.pdf")
    report = report_service.build_report(session, date(when.year, 1, 1), date(when.year, 12, 31))
    report_export.write_pdf(session, report, exports / "report.pdf")
    report_export.write_csv(session, report, exports / "report.csv")
    subject_export.export_person(session, person_id, exports, "export passphrase words")
    subject_export.printable(session, person_id)           # made in memory for the print dialog only
    session.close()
    admin = vault.unlock(path, "Admin", PASSPHRASE)
    backup.backup_to(admin, usb)                          # the admin's backup holds every compartment
    _refer(admin, person_id, outbox)
    admin.close()

    roots = [tmp_path, Path(os.environ["XDG_CONFIG_HOME"]), Path(os.environ["XDG_DATA_HOME"]),
             Path(tempfile.gettempdir())]
    assert len(list(exports.iterdir())) == 4 and list(usb.iterdir()) and list(outbox.glob("*.cmmpkt"))
    assert files_containing(roots, S, since=start) == []
    control = exports / "control.txt"                                    # the scan does find a plain copy
    control.write_text(SENTINELS["alias"], encoding="utf-8")
    assert set(files_containing(roots, S, since=start)) == {control}
    reopened = vault.unlock(path, "Admin", PASSPHRASE)                  # and they really were saved
    assert reopened.conn.execute("SELECT count(*) FROM people WHERE alias = ?", (SENTINELS["alias"],)).fetchone()[0]
    reopened.close()
