"""Compartment files carry their own schema version and are brought up to date when a holder of their key
attaches them for writing: one transaction with the version bump, safe when two connections attach at once.
A new file starts at the latest version. A file attached read-only is left as it is and reads as if upgraded
(the newer columns as their defaults). The kept schema-5 vault still opens."""

from __future__ import annotations

import os
import shutil
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from fieldapp.domain.records import Contact, LegalSession
from fieldapp.errors import NotAVault
from fieldapp.records import legal as legal_records
from fieldapp.records import people
from fieldapp.security import vault
from fieldapp.storage import compartment_migrations, compartments, contacts_repo, legal_repo, migrations, report_repo
from fieldapp.storage.connection import connect, file_uri, integrity_problems

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
V5 = "schema-v5.fieldapp"
NEW_COLUMNS = ("crimes", "perpetrators", "first_reached_here")
PERSON, CONTACT = "a" * 32, "b" * 32

# The legal table as every release before the compartment steps made it (schema 6 to 15).
OLD_LEGAL = """CREATE TABLE legal.legal_sessions (
    id TEXT NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(16)))),
    contact_id TEXT NOT NULL UNIQUE,
    adviser_id INTEGER NOT NULL,
    topics TEXT NOT NULL DEFAULT '',
    interpreter INTEGER NOT NULL DEFAULT 0,
    police_report_assisted INTEGER NOT NULL DEFAULT 0,
    police_report_filed INTEGER NOT NULL DEFAULT 0,
    victims_lawyer_requested INTEGER NOT NULL DEFAULT 0,
    outcome TEXT NOT NULL DEFAULT '',
    follow_up TEXT
) STRICT"""


def _core(tmp_path: Path, name: str = "old.fieldapp"):
    """A core file at the latest schema, with one person and one legal contact, whose own compartment
    tables are gone (as after the move into compartment files)."""
    path = tmp_path / name
    core_key = os.urandom(32)
    conn = connect(path, core_key, create=True)
    migrations.migrate(conn)
    conn.execute("DROP TABLE main.legal_sessions")
    conn.execute("DROP TABLE main.health_contacts")
    conn.execute("INSERT INTO people (id, reference, alias, alias_key) VALUES (?, 'P-1', 'Mali', 'mali')", (PERSON,))
    conn.execute("INSERT INTO contacts (id, person_id, kind, occurred_at) VALUES (?, ?, 'legal',"
                 " '2025-03-01T12:00:00+00:00')", (CONTACT, PERSON))
    return path, conn, core_key


def _old_legal_file(conn, path: Path, key: bytes) -> None:
    """A legal file as releases before the steps wrote it: version 0, the old columns, one session."""
    uri = file_uri(compartments.compartment_path(path, "legal"), "rwc")
    conn.execute("ATTACH DATABASE ? AS legal KEY ?", (uri, compartments.key_literal(key)))
    conn.execute("PRAGMA legal.journal_mode = WAL")
    conn.execute(OLD_LEGAL)
    conn.execute("INSERT INTO legal.legal_sessions (contact_id, adviser_id, topics, police_report_assisted)"
                 " VALUES (?, 1, 'report_violence', 1)", (CONTACT,))
    conn.execute("DETACH DATABASE legal")


def _columns(conn, schema: str = "legal") -> list[tuple]:
    """Each column's name, type, not-null and default, in order."""
    return [tuple(row[1:5]) for row in conn.execute(f"PRAGMA {schema}.table_info(legal_sessions)")]


def _new_file_columns(tmp_path: Path) -> list[tuple]:
    path, conn, _core_key = _core(tmp_path, "new.fieldapp")
    compartments.attach(conn, path, "legal", os.urandom(32), create=True)
    try:
        assert compartment_migrations.version(conn, "legal") == compartment_migrations.latest("legal")
        return _columns(conn)
    finally:
        conn.close()


@pytest.fixture
def old(tmp_path: Path):
    path, conn, core_key = _core(tmp_path)
    key = os.urandom(32)
    _old_legal_file(conn, path, key)
    yield path, conn, key, core_key
    conn.close()


def test_a_new_legal_file_starts_at_the_latest_version_with_every_column(tmp_path: Path) -> None:
    names = [column[0] for column in _new_file_columns(tmp_path)]
    assert names[-3:] == list(NEW_COLUMNS)
    assert compartment_migrations.latest("legal") == 1 and compartment_migrations.latest("health") == 0


def test_a_new_vault_has_its_files_at_the_latest_version(session) -> None:
    for name in compartments.FILE_COMPARTMENTS:
        assert compartment_migrations.version(session.conn, name) == compartment_migrations.latest(name)


def test_an_old_legal_file_is_upgraded_at_attach_and_matches_a_new_one(old, tmp_path: Path) -> None:
    path, conn, key, _core_key = old
    compartments.attach(conn, path, "legal", key)
    assert compartment_migrations.version(conn, "legal") == 1
    assert _columns(conn) == _new_file_columns(tmp_path)        # _DDL and the steps agree, column by column
    session = legal_repo.get_legal_session(conn, CONTACT)
    assert session.topics == ("report_violence",) and session.police_report_assisted
    assert (session.crimes, session.perpetrators, session.first_reached_here) == ((), (), False)
    assert integrity_problems(conn, schema="legal", full=True) == []
    compartments.detach(conn, "legal")
    compartments.attach(conn, path, "legal", key)                 # a second attach: nothing left to do
    assert compartment_migrations.version(conn, "legal") == 1


def test_two_connections_attaching_an_old_file_at_once_upgrade_it_once(old) -> None:
    path, holder, key, core_key = old
    uri = file_uri(compartments.compartment_path(path, "legal"), "rw")
    holder.execute("ATTACH DATABASE ? AS legal KEY ?", (uri, compartments.key_literal(key)))
    holder.execute("BEGIN IMMEDIATE")              # both find version 0, then wait behind this write lock
    others = [connect(path, core_key) for _ in range(2)]
    errors: list[BaseException] = []

    def attach(other) -> None:
        try:
            compartments.attach(other, path, "legal", key)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=attach, args=(other,)) for other in others]
    for thread in threads:
        thread.start()
    time.sleep(0.5)
    holder.execute("ROLLBACK")
    for thread in threads:
        thread.join(10)
    holder.execute("DETACH DATABASE legal")
    assert errors == []
    for other in others:
        assert compartment_migrations.version(other, "legal") == 1
        assert [c[0] for c in _columns(other)][-3:] == list(NEW_COLUMNS)
        other.close()


def test_a_read_only_attach_leaves_an_old_file_and_reads_the_new_columns_as_defaults(old) -> None:
    path, conn, key, _core_key = old
    compartments.attach(conn, path, "legal", key, read_only=True)
    assert compartment_migrations.version(conn, "legal") == 0
    assert "crimes" not in [c[0] for c in _columns(conn)]
    session = legal_repo.get_legal_session(conn, CONTACT)
    assert session.police_report_assisted and session.crimes == () and not session.first_reached_here
    [entry] = contacts_repo.timeline(conn, PERSON, with_health=False, with_legal=True)
    assert entry.legal == session
    low, high = "2025-01-01T00:00:00+00:00", "2026-01-01T00:00:00+00:00"
    figures = report_repo.legal_figures(conn, low, high)
    assert figures["sessions"] == 1 and figures["police_assisted"] == 1 and figures["crime_clients"] == 0
    assert report_repo.legal_by_code(conn, "crimes", low, high) == []
    assert report_repo.legal_by_code(conn, "topics", low, high) == [("report_violence", 1, 1)]


def test_a_legal_file_newer_than_the_app_is_not_attached_for_writing(old) -> None:
    path, conn, key, _core_key = old
    compartments.attach(conn, path, "legal", key)
    conn.execute("PRAGMA legal.user_version = 99")
    compartments.detach(conn, "legal")
    with pytest.raises(NotAVault):
        compartments.attach(conn, path, "legal", key)
    assert "legal" not in compartments.attached(conn)
    compartments.attach(conn, path, "legal", key, read_only=True)    # read-only: it still reads
    assert legal_repo.get_legal_session(conn, CONTACT).topics == ("report_violence",)


def test_a_failed_step_changes_nothing(old, monkeypatch) -> None:
    path, conn, key, _core_key = old
    broken = compartment_migrations.Step(("ALTER TABLE {schema}.legal_sessions ADD COLUMN crimes TEXT",
                                          "ALTER TABLE {schema}.no_such_table ADD COLUMN x TEXT"))
    monkeypatch.setitem(compartment_migrations.STEPS, "legal", (broken,))
    with pytest.raises(NotAVault):
        compartments.attach(conn, path, "legal", key)
    monkeypatch.undo()
    compartments.attach(conn, path, "legal", key, read_only=True)
    assert compartment_migrations.version(conn, "legal") == 0
    assert "crimes" not in [c[0] for c in _columns(conn)]


# -- the kept vault of schema 5 ------------------------------------------------------------------

def _copy(tmp_path: Path) -> Path:
    for source in FIXTURES.glob(V5 + "*"):
        if not source.name.endswith(".json"):
            shutil.copyfile(source, tmp_path / source.name)
    return tmp_path / V5


def test_the_schema_5_legal_file_is_upgraded_by_its_key_holder_only(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    otto = vault.unlock(path, "Otto", "otto passphrase v5")            # outreach: no legal key, file untouched
    otto.close()
    lone = vault.unlock(path, "Lone", "lone passphrase v5")
    try:
        assert compartment_migrations.version(lone.conn, "legal") == 1
        assert [c[0] for c in _columns(lone.conn)][-3:] == list(NEW_COLUMNS)
        assert lone.conn.execute("SELECT count(*), sum(crimes = '' AND first_reached_here = 0)"
                                 " FROM legal.legal_sessions").fetchone() == (10, 10)
        assert integrity_problems(lone.conn, schema="legal", full=True) == []
        person = people.list_people(lone)[0]
        saved, part = legal_records.save_legal_session(
            lone, Contact(person_id=person.id, kind="legal", occurred_at=datetime.now(UTC)),
            LegalSession(contact_id="", adviser_id=0, crimes=("sexual",), perpetrators=("customer",),
                         first_reached_here=True))
        assert legal_records.get_legal_session(lone, saved.id) == part
        assert part.crimes == ("sexual",) and part.first_reached_here
    finally:
        lone.close()
    again = vault.unlock(path, "Lone", "lone passphrase v5")
    again.close()
