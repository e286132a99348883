"""Every earlier schema version upgrades to the latest, keeping its data."""

from __future__ import annotations

from pathlib import Path

import pytest

from fieldapp.crypto import keys
from fieldapp.storage import migrations
from fieldapp.storage.connection import connect, integrity_problems, transaction

# A row that exists from each version on, and how to read it back after the upgrade.
SAMPLES = {
    1: ("INSERT INTO settings (key, value) VALUES ('probe', '\"v1\"')",
        "SELECT value FROM settings WHERE key = 'probe'", '"v1"'),
    2: ("INSERT INTO venues (name, kind) VALUES ('Clinic probe', 'massage_clinic');"
        "INSERT INTO people (reference, alias, alias_key) VALUES ('P-1', 'Probe', 'probe');"
        "INSERT INTO contacts (person_id, kind, occurred_at) VALUES (1, 'street', '2026-01-05T20:00:00+00:00')",
        "SELECT name FROM venues WHERE kind = 'massage_clinic'", "Clinic probe"),
    3: ("INSERT INTO referrals (person_id, reference, region, contact_setting, month, created_at, updated_at)"
        " VALUES (1, 'R-1', 'hovedstaden', 'street', '2026-01', '2026-01-05', '2026-01-05')",
        "SELECT status FROM referrals WHERE reference = 'R-1'", "draft"),
    4: ("SELECT 1", "SELECT count(*) FROM contacts WHERE occurred_at >= '2026'", 1),
}


def test_migrations_are_numbered_without_gaps() -> None:
    versions = [m.version for m in migrations.all_migrations()]
    assert versions == list(range(1, migrations.LATEST + 1))


@pytest.mark.parametrize("start", range(0, migrations.LATEST))
def test_upgrade_from_every_earlier_version(tmp_path: Path, start: int) -> None:
    key = keys.new_data_key()
    path = tmp_path / "old.fieldapp"
    conn = connect(path, key, create=True)
    for version in range(1, start + 1):          # each version's sample rows written in that version's schema
        assert migrations.migrate(conn, target=version) == version
        if version in SAMPLES:
            with transaction(conn):
                for statement in SAMPLES[version][0].split(";"):
                    conn.execute(statement)
    assert migrations.schema_version(conn) == start
    conn.close()

    conn = connect(path, key)
    assert migrations.migrate(conn) == migrations.LATEST
    assert migrations.schema_version(conn) == migrations.LATEST
    for version in range(1, start + 1):
        if version in SAMPLES:
            assert conn.execute(SAMPLES[version][1]).fetchone()[0] == SAMPLES[version][2]
    assert integrity_problems(conn, full=True) == []
    conn.close()


def test_failed_migration_leaves_the_previous_version(tmp_path: Path, monkeypatch) -> None:
    key = keys.new_data_key()
    conn = connect(tmp_path / "v.fieldapp", key, create=True)
    migrations.migrate(conn, target=1)
    broken = migrations.Migration(2, "broken", "CREATE TABLE venues (id INTEGER);\nTHIS IS NOT SQL;")
    monkeypatch.setattr(migrations, "all_migrations", lambda: [_first(), broken])
    from fieldapp.errors import StorageIOError

    with pytest.raises(StorageIOError) as raised:
        migrations.migrate(conn, target=2)
    assert "upgraded" in raised.value.message
    assert migrations.schema_version(conn) == 1
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'venues'").fetchone()[0] == 0
    conn.close()


def _killed_half_way(conn) -> None:
    conn.execute("CREATE TABLE half (x INTEGER)")
    raise RuntimeError("stopped half-way")


@pytest.mark.parametrize("fault", ["python error", "broken reference"])
def test_a_migration_step_that_fails_changes_nothing(tmp_path: Path, monkeypatch, fault: str) -> None:
    key = keys.new_data_key()
    conn = connect(tmp_path / "v.fieldapp", key, create=True)
    migrations.migrate(conn, target=1)
    if fault == "python error":
        step = migrations.Migration(2, "step", "", _killed_half_way)
        expected = RuntimeError
    else:                                            # a row that points at nothing: the check refuses it
        step = migrations.Migration(2, "step", "CREATE TABLE half (user_id INTEGER REFERENCES users(id));\n"
                                    "INSERT INTO half VALUES (42);")
        from fieldapp.errors import StorageIOError
        expected = StorageIOError
    monkeypatch.setattr(migrations, "all_migrations", lambda: [_first(), step])
    with pytest.raises(expected):
        migrations.migrate(conn, target=2)
    assert migrations.schema_version(conn) == 1 and not conn.in_transaction
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'half'").fetchone()[0] == 0
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    conn.close()


def _first():
    import importlib

    module = importlib.import_module("fieldapp.storage.migrations.m0001_initial")
    return migrations.Migration(1, "initial", module.SQL)


def test_newer_vault_is_refused(tmp_path: Path) -> None:
    from fieldapp.errors import NotAVault

    key = keys.new_data_key()
    conn = connect(tmp_path / "new.fieldapp", key, create=True)
    conn.execute(f"PRAGMA user_version = {migrations.LATEST + 1}")
    with pytest.raises(NotAVault):
        migrations.migrate(conn)
    conn.close()
