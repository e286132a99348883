"""Record ids are random 128-bit ids, and a vault of schema 5 (counted ids, compartment files) is
converted at its first unlock without losing a record or a link: the core file by whoever unlocks
first, each compartment file by the first user who holds its key."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from fieldapp.domain.ids import is_record_id, new_id
from fieldapp.domain.records import Contact, HealthContact, LegalSession, Person, Venue, Visit
from fieldapp.records import contacts, people, venues, visits
from fieldapp.records import health as health_records
from fieldapp.records import legal as legal_records
from fieldapp.referral import service
from fieldapp.security import audit, vault
from fieldapp.storage import compartments, migrations
from fieldapp.storage.connection import integrity_problems, transaction
from tests.conftest import AGREED, PASSPHRASE

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
V5 = "schema-v5.fieldapp"
ADMIN, ADMIN_PASS = "Fixture", "fixture passphrase v5"
HEALTH, HEALTH_PASS = "Helle", "helle passphrase v5"
OUTREACH, OUTREACH_PASS = "Otto", "otto passphrase v5"
LEGAL, LEGAL_PASS = "Lone", "lone passphrase v5"

_CONTACTS = """
SELECT p.reference, c.occurred_at, c.kind, vi.started_at, ve.name, h.reason, h.note, l.topics, l.outcome
FROM contacts c JOIN people p ON p.id = c.person_id LEFT JOIN visits vi ON vi.id = c.visit_id
LEFT JOIN venues ve ON ve.id = vi.venue_id LEFT JOIN health.health_contacts h ON h.contact_id = c.id
LEFT JOIN legal.legal_sessions l ON l.contact_id = c.id"""
_REFERRALS = """
SELECT p.reference, r.reference, r.status, rc.scope, o.packet_id FROM referrals r JOIN people p ON p.id = r.person_id
LEFT JOIN referral_consents rc ON rc.referral_id = r.id LEFT JOIN outbox o ON o.referral_id = r.id"""
_TEAM = """
SELECT vi.started_at, ve.name, t.user_id FROM visit_team t JOIN visits vi ON vi.id = t.visit_id
JOIN venues ve ON ve.id = vi.venue_id"""


def _copy(tmp_path: Path) -> Path:
    for source in FIXTURES.glob(V5 + "*"):
        if not source.name.endswith(".json"):
            shutil.copyfile(source, tmp_path / source.name)
    return tmp_path / V5


def _id_type(session, schema: str, table: str) -> str:
    return next(str(row[2]) for row in session.conn.execute(f"PRAGMA {schema}.table_info({table})") if row[1] == "id")


def _has_map(session) -> bool:
    return session.conn.execute("SELECT 1 FROM main.sqlite_master WHERE name = ?",
                                (compartments.ID_MAP,)).fetchone() is not None


# -- new records ---------------------------------------------------------------------------------

def test_every_new_record_gets_a_random_128_bit_id(session, vault_path: Path) -> None:
    now = datetime.now(UTC) - timedelta(hours=1)
    vault.add_user(session, "Nurse", "health", PASSPHRASE, PASSPHRASE)
    vault.add_user(session, "Lawyer", "legal", PASSPHRASE, PASSPHRASE)
    venue = venues.create_venue(session, Venue(name="Lotus", kind="massage_clinic", region="hovedstaden"))
    visit = visits.create_visit(session, Visit(venue_id=venue.id, started_at=now, team=(session.user.id,)))
    person = people.create_person(session, Person(**AGREED, alias="Joy"))
    draft = service.create_draft(session, person.id)
    session.close(audit_lock=False)
    nurse = vault.unlock(vault_path, "Nurse", PASSPHRASE)
    health, _part = health_records.save_health_contact(
        nurse, Contact(person_id=person.id, kind="health", occurred_at=now, visit_id=visit.id),
        HealthContact(contact_id="", reason="contraception"))
    nurse.close()
    lawyer = vault.unlock(vault_path, "Lawyer", PASSPHRASE)
    legal, _part = legal_records.save_legal_session(
        lawyer, Contact(person_id=person.id, kind="legal", occurred_at=now),
        LegalSession(contact_id="", adviser_id=lawyer.user.id, topics=("residence",)))
    lawyer.close()
    admin = vault.unlock(vault_path, "Admin", PASSPHRASE)
    try:
        ids = [venue.id, visit.id, person.id, health.id, legal.id, draft.id]
        for schema, table in (("health", "health_contacts"), ("legal", "legal_sessions")):
            ids += [row[0] for row in admin.conn.execute(f"SELECT id FROM {schema}.{table}")]
    finally:
        admin.close()
    assert len(ids) == 8 and all(is_record_id(i) for i in ids)
    assert len(set(ids)) == len(ids)
    assert visit.venue_id == venue.id and health.visit_id == visit.id and health.person_id == person.id


def test_a_deleted_id_is_never_given_again(session) -> None:
    gone = people.create_person(session, Person(**AGREED, alias="Mai")).id
    people.delete_person(session, gone)
    later = {people.create_person(session, Person(**AGREED, alias=f"P{i}")).id for i in range(50)}
    assert gone not in later


def test_sql_that_leaves_out_the_id_still_gets_a_random_one(session) -> None:
    with transaction(session.conn):
        made = session.conn.execute("INSERT INTO venues (name, kind) VALUES ('Street', 'street_area')"
                                    " RETURNING id").fetchone()[0]
    assert is_record_id(made)


def test_ids_look_random_and_are_not_ordered() -> None:
    made = [new_id() for _ in range(2000)]
    assert len(set(made)) == 2000 and all(is_record_id(i) for i in made)
    assert made != sorted(made)
    ones = sum(bin(int(i, 16)).count("1") for i in made)
    assert abs(ones / (2000 * 128) - 0.5) < 0.01          # no fixed bits (a counter or a time prefix)


def test_references_must_be_record_ids(session) -> None:
    from fieldapp.domain.validation import problems
    bad = Contact(person_id="1", kind="street", occurred_at=datetime.now(UTC) - timedelta(hours=1))
    assert "person_id" in problems(bad)
    assert "person_id" not in problems(Contact(person_id=new_id(), kind="street",
                                               occurred_at=datetime.now(UTC) - timedelta(hours=1)))


# -- the vault of schema 5 -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def expected() -> dict:
    return json.loads((FIXTURES / "schema-v5.expected.json").read_text(encoding="utf-8"))


def _rows(session, sql: str) -> list:
    return sorted(([*row] for row in session.conn.execute(sql)), key=lambda r: json.dumps(r))


def test_an_admin_unlock_converts_every_file_and_keeps_every_link(tmp_path: Path, expected: dict) -> None:
    path = _copy(tmp_path)
    session = vault.unlock(path, ADMIN, ADMIN_PASS)
    try:
        assert migrations.schema_version(session.conn) == migrations.LATEST
        assert [w for w in session.warnings if "upgraded to this version" not in w] == []
        for schema, table in (("main", "people"), ("main", "contacts"), ("main", "referrals"),
                              ("health", "health_contacts"), ("legal", "legal_sessions")):
            assert _id_type(session, schema, table) == "TEXT"
            assert all(is_record_id(row[0]) for row in session.conn.execute(f"SELECT id FROM {schema}.{table}"))
        assert _rows(session, _CONTACTS) == sorted(expected["contacts"], key=lambda r: json.dumps(r))
        assert _rows(session, _REFERRALS) == sorted(expected["referrals"], key=lambda r: json.dumps(r))
        assert _rows(session, _TEAM) == sorted(expected["visit_team"], key=lambda r: json.dumps(r))
        assert not _has_map(session)                   # every file converted: the map is gone
        for schema in ("main", "health", "legal"):
            assert integrity_problems(session.conn, schema=schema, full=True) == []
        report = audit.verify(session)                 # events keep the numbers they were signed with
        assert report.ok, report.describe()
        person = people.list_people(session)[0]
        assert contacts.timeline(session, person.id)     # the services read the converted records
    finally:
        session.close()


def test_each_compartment_is_converted_by_the_first_holder_of_its_key(tmp_path: Path, expected: dict) -> None:
    path = _copy(tmp_path)
    legal_file = compartments.compartment_path(path, "legal")
    legal_before = legal_file.read_bytes()
    outreach = vault.unlock(path, OUTREACH, OUTREACH_PASS)       # the core file only
    assert _id_type(outreach, "main", "contacts") == "TEXT" and _has_map(outreach)
    outreach.close()
    nurse = vault.unlock(path, HEALTH, HEALTH_PASS)
    try:
        assert _id_type(nurse, "health", "health_contacts") == "TEXT"
        linked = nurse.conn.execute("SELECT count(*) FROM health.health_contacts h JOIN contacts c"
                                    " ON c.id = h.contact_id").fetchone()[0]
        assert linked == sum(1 for row in expected["contacts"] if row[5] is not None) == 38
        assert _has_map(nurse)                         # the legal file still needs it
    finally:
        nurse.close()
    assert legal_file.read_bytes() == legal_before     # nobody who held its key has opened it yet
    admin = vault.unlock(path, ADMIN, ADMIN_PASS)
    try:
        assert _id_type(admin, "legal", "legal_sessions") == "TEXT"
        assert _rows(admin, _CONTACTS) == sorted(expected["contacts"], key=lambda r: json.dumps(r))
        assert not _has_map(admin)
    finally:
        admin.close()


def test_without_the_map_a_compartment_is_left_out_never_emptied(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    outreach = vault.unlock(path, OUTREACH, OUTREACH_PASS)
    with transaction(outreach.conn):                   # an insider with the core key drops the map
        outreach.conn.execute(f"DROP TABLE {compartments.ID_MAP}")
    outreach.close()
    health_file = compartments.compartment_path(path, "health")
    before = health_file.read_bytes()
    nurse = vault.unlock(path, HEALTH, HEALTH_PASS)
    try:
        assert "health" not in compartments.attached(nurse.conn)
        assert nurse.warnings and "not opened" in nurse.warnings[0]
    finally:
        nurse.close()
    assert health_file.read_bytes() == before           # not one health row was dropped as an orphan


def test_a_compartment_file_missing_for_a_while_keeps_the_map(tmp_path: Path, expected: dict) -> None:
    path = _copy(tmp_path)
    legal_file = compartments.compartment_path(path, "legal")
    aside = tmp_path / "aside.legal"
    legal_file.rename(aside)                           # on a stick, being copied, set aside by someone
    nurse = vault.unlock(path, HEALTH, HEALTH_PASS)
    assert _has_map(nurse)                             # the key file still grants the legal compartment
    nurse.close()
    aside.rename(legal_file)
    lawyer = vault.unlock(path, LEGAL, LEGAL_PASS)
    try:
        assert lawyer.warnings == []
        assert lawyer.conn.execute("SELECT count(*) FROM legal.legal_sessions s JOIN contacts c"
                                   " ON c.id = s.contact_id").fetchone()[0] == 10
    finally:
        lawyer.close()


def test_rows_the_map_no_longer_matches_are_reported_not_dropped_unseen(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    outreach = vault.unlock(path, OUTREACH, OUTREACH_PASS)
    with transaction(outreach.conn):                   # an insider with the core key deletes half the map
        outreach.conn.execute(f"DELETE FROM {compartments.ID_MAP} WHERE old % 2 = 0")
    outreach.close()
    nurse = vault.unlock(path, HEALTH, HEALTH_PASS)
    try:
        kept = nurse.conn.execute("SELECT count(*) FROM health.health_contacts").fetchone()[0]
        assert kept < 38
        assert any(f"{38 - kept} restricted records" in w and "not carried over" in w for w in nurse.warnings)
    finally:
        nurse.close()
