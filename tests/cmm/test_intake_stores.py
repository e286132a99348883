"""The two intake stores behave alike: desks receiving at the same moment count each packet once and
every refusal, migrations run once when desks start together, a wrong passphrase opens nothing, and an
earlier store file opens and migrates. In PostgreSQL, a packet's body cannot be read in the database,
in a dump or on the server's disk; a lost conflict is run again; a missing database or server and a
missing psycopg say so plainly."""

from __future__ import annotations

import json
import re
import secrets
import shutil
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from fieldapp.cmm import accounts, intake
from fieldapp.cmm import desk as cmm_desk
from fieldapp.cmm import store as intake_store
from fieldapp.cmm.errors import (
    DatabaseBusy,
    DatabaseMissing,
    DatabaseUnreachable,
    IntakeStoreDamaged,
    IntakeStoreExists,
    PostgresMissing,
)
from fieldapp.cmm.store import Migration
from fieldapp.errors import NotAVault, WrongPassphrase
from fieldapp.protocol import crypto
from tests import pg_server
from tests.referral.helpers import ORG_SEED, cmm_secret, sealed, valid_packet

PASS = "cmm store passphrase 2026"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "cmm" / "postgresql.md"


def _made(location) -> None:
    """A new store with the tests' organisation registered, closed again."""
    conn = intake_store.create(location, PASS)
    try:
        intake.register(conn, crypto.org_key_file(ORG_SEED, "Test NGO"))
    finally:
        intake_store.close(conn)


def _together(*works):
    """Run each callable in its own thread, all released at the same moment; their results in order."""
    start = threading.Barrier(len(works))

    def run(work):
        start.wait(timeout=30)
        return work()

    with ThreadPoolExecutor(len(works)) as pool:
        return [future.result(timeout=240) for future in [pool.submit(run, work) for work in works]]


@pytest.fixture
def desks(intake_location):
    """Two desks on one store, each with its own connection."""
    _made(intake_location)
    opened = [intake_store.open_store(intake_location, PASS) for _ in range(2)]
    yield [intake.Intake(conn, cmm_secret()) for conn in opened]
    for conn in opened:
        intake_store.close(conn)


def test_two_desks_receiving_the_same_packets_at_once_store_each_once(desks) -> None:
    packets = [sealed(valid_packet(), desks[0].secret) for _ in range(200)]
    outcomes = _together(*[lambda desk=desk: [desk.receive_one(data) for data in packets] for desk in desks])
    for first, second in zip(*outcomes, strict=True):
        assert sorted([first.reason_code, second.reason_code]) == ["", "duplicate"]
        assert first.receipt is not None and second.receipt is not None
    assert intake_store.packet_count(desks[0].conn) == 200
    assert sum(row.count for row in intake_store.table(desks[1].conn)) == 200


def test_threads_sharing_one_open_store_take_turns(desks) -> None:
    desk = desks[0]
    batches = [[sealed(valid_packet(), desk.secret) for _ in range(50)] for _ in range(2)]
    outcomes = _together(*[lambda batch=batch: [desk.receive_one(data) for data in batch] for batch in batches])
    assert all(outcome.accepted for batch in outcomes for outcome in batch)
    assert intake_store.packet_count(desk.conn) == 100


def test_refusals_from_two_desks_at_once_are_all_counted_and_the_log_stays_bounded(desks, monkeypatch) -> None:
    monkeypatch.setattr(intake_store, "REJECTION_LOG_ROWS", 40)
    _together(*[lambda desk=desk: [desk.receive_one(secrets.token_bytes(64)) for _ in range(150)]
                for desk in desks])
    assert intake_store.rejection_totals(desks[0].conn) == {"not_a_packet": 300}
    assert intake_store.rejection_count(desks[0].conn) <= 40 + 1     # one refusal may miss the other's trimming
    desks[1].receive_one(b"one more")
    assert intake_store.rejection_count(desks[0].conn) <= 40


def test_a_wrong_passphrase_opens_nothing(intake_location) -> None:
    _made(intake_location)
    with pytest.raises(WrongPassphrase):
        intake_store.open_store(intake_location, "not the passphrase")
    with pytest.raises(IntakeStoreExists):
        intake_store.create(intake_location, "another passphrase")
    conn = intake_store.open_store(intake_location, PASS)
    try:
        assert [name for _org, name in intake_store.orgs(conn)] == ["Test NGO"]
    finally:
        intake_store.close(conn)


def _meeting_after_the_first_read(conn, meeting: threading.Barrier) -> None:
    """Make ``migrate`` on this store wait, after reading the version, until the other desk has read it too."""
    read = conn.schema_version
    waited = []

    def schema_version() -> int:
        version = read()
        if not waited:
            waited.append(True)
            meeting.wait(timeout=30)
        return version

    conn.schema_version = schema_version


def test_two_desks_starting_together_apply_a_new_migration_once(intake_location, monkeypatch) -> None:
    _made(intake_location)
    opened = [intake_store.open_store(intake_location, PASS) for _ in range(2)]
    script = "CREATE TABLE applied (n INTEGER NOT NULL); INSERT INTO applied (n) VALUES (1)"
    monkeypatch.setattr(intake_store, "MIGRATIONS", (*intake_store.MIGRATIONS, Migration(script, script)))
    meeting = threading.Barrier(2)
    try:
        for conn in opened:
            _meeting_after_the_first_read(conn, meeting)
        _together(*[lambda conn=conn: intake_store.migrate(conn) for conn in opened])
        assert opened[0].execute("SELECT count(*) FROM applied").fetchone()[0] == 1
        assert [conn.schema_version() for conn in opened] == [len(intake_store.MIGRATIONS)] * 2
    finally:
        for conn in opened:
            intake_store.close(conn)


def test_a_store_file_of_the_earlier_schema_opens_and_migrates(tmp_path) -> None:
    for name in ("intake-v2.store", "intake-v2.store.keys"):
        shutil.copy(FIXTURES / name, tmp_path / name)
    conn = intake_store.open_store(tmp_path / "intake-v2.store", "fixture intake passphrase v2")
    try:
        assert conn.schema_version() == len(intake_store.MIGRATIONS)
        assert intake_store.packet_count(conn) == 3 and intake_store.rejection_totals(conn) == {"not_a_packet": 1}
        assert {(r.gender, r.form, r.count) for r in intake_store.table(conn)} == {
            ("woman", "sexual", 2), ("man", "forced_labour", 1)}
        body = json.loads(accounts.read_referral(conn, f"{1:032x}"))
        assert body["reference"] == f"{1:024x}"
        desk = intake.Intake(conn, cmm_secret())
        assert desk.receive_one(sealed(valid_packet(), desk.secret)).accepted
    finally:
        intake_store.close(conn)


# -- PostgreSQL only ---------------------------------------------------------------------------------

@pytest.fixture
def pg_desk(postgres):
    url = postgres.new_database()
    _made(url)
    conn = intake_store.open_store(url, PASS)
    yield intake.Intake(conn, cmm_secret()), url
    intake_store.close(conn)


def _needles(secret: str) -> list[bytes]:
    """A value as it would show in clear: its bytes, and the hex a dump prints for a bytea."""
    return [secret.encode(), secret.encode().hex().encode()]


def _files_of(postgres, dbname: str) -> bytes:
    """Every byte the server wrote for this database: its own folder, the shared catalogue, the WAL, the log."""
    with postgres.superuser(dbname) as su:
        su.execute("CHECKPOINT")
        oid = su.execute("SELECT oid FROM pg_database WHERE datname = %s", (dbname,)).fetchone()[0]
    folders = [postgres.data / "base" / str(oid), postgres.data / "global", postgres.data / "pg_wal"]
    files = [path for folder in folders for path in folder.rglob("*") if path.is_file()]
    return b"".join(path.read_bytes() for path in [*files, postgres.folder / "server.log"])


@pytest.mark.system
def test_a_packet_body_cannot_be_read_in_the_database_in_a_dump_or_on_disk(pg_desk, postgres) -> None:
    desk, url = pg_desk
    reference = secrets.token_hex(12)                    # in the body only
    packet = valid_packet(reference=reference)
    assert desk.receive_one(sealed(packet, desk.secret)).accepted
    assert json.loads(accounts.read_referral(desk.conn, packet["packet_id"]))["reference"] == reference
    dbname = pg_server.dbname(url)
    with postgres.superuser(dbname) as su:
        bodies = [bytes(row[0]) for row in su.execute("SELECT case_body FROM packets")]
    assert len(bodies) == 1 and not any(needle in bodies[0] for needle in _needles(reference))
    dump = subprocess.run([str(pg_server.binaries() / "pg_dump"), "--no-password", postgres.url(dbname)],
                          capture_output=True, check=True, timeout=60).stdout
    raw = _files_of(postgres, dbname)
    for place in (dump, raw):
        assert packet["packet_id"].encode() in place          # the search finds what is in clear
        assert not any(needle in place for needle in _needles(reference))


@pytest.mark.system
def test_a_dump_restored_into_an_empty_database_opens_with_the_passphrase(pg_desk, postgres, tmp_path) -> None:
    desk, url = pg_desk
    packet = valid_packet()
    assert desk.receive_one(sealed(packet, desk.secret)).accepted
    dump, restored = tmp_path / "intake.dump", postgres.new_database()
    tools = pg_server.binaries()
    subprocess.run([str(tools / "pg_dump"), "-Fc", "-f", str(dump), postgres.url(pg_server.dbname(url))],
                   check=True, capture_output=True, timeout=60)
    subprocess.run([str(tools / "pg_restore"), "-d", postgres.url(pg_server.dbname(restored)), str(dump)],
                   check=True, capture_output=True, timeout=60)
    with pytest.raises(WrongPassphrase):
        intake_store.open_store(restored, "not the passphrase")
    conn = intake_store.open_store(restored, PASS)
    try:
        assert json.loads(accounts.read_referral(conn, packet["packet_id"]))["reference"] == packet["reference"]
    finally:
        intake_store.close(conn)


@pytest.mark.system
def test_a_body_changed_or_moved_in_the_database_does_not_open(pg_desk, postgres) -> None:
    desk, url = pg_desk
    first, second = valid_packet(), valid_packet()
    for packet in (first, second):
        assert desk.receive_one(sealed(packet, desk.secret)).accepted
    with postgres.superuser(pg_server.dbname(url)) as su:        # the two bodies swapped
        su.execute("UPDATE packets SET case_body = (SELECT case_body FROM packets WHERE packet_id = %s)"
                   " WHERE packet_id = %s", (second["packet_id"], first["packet_id"]))
    with pytest.raises(IntakeStoreDamaged):
        accounts.read_referral(desk.conn, first["packet_id"])
    assert json.loads(accounts.read_referral(desk.conn, second["packet_id"]))["packet_id"] == second["packet_id"]


@pytest.mark.system
@pytest.mark.parametrize("isolation", ["read committed", "serializable"])
def test_a_packet_another_desk_is_storing_is_a_duplicate_once_that_desk_commits(pg_desk, postgres, monkeypatch,
                                                                                isolation) -> None:
    """The other desk's insert is held open; ours waits for it. Under serializable isolation ours then
    loses the conflict and is run again, once; under read committed it just finds the row."""
    from fieldapp.cmm import store_pg

    desk, url = pg_desk
    dbname = pg_server.dbname(url)
    with postgres.superuser(dbname) as su:
        su.execute(f"ALTER DATABASE {dbname} SET default_transaction_isolation TO '{isolation}'")
    conn = intake_store.open_store(url, PASS)              # a new session takes the setting
    pauses: list[int] = []
    monkeypatch.setattr(store_pg, "_pause", pauses.append)
    packet = valid_packet()
    other, watcher, pool = postgres.superuser(dbname), postgres.superuser(dbname), ThreadPoolExecutor(1)
    try:
        with other.transaction():
            other.execute("INSERT INTO packets (packet_id, org, received_at, period, gender, age_group, nationality,"
                          " body) VALUES (%s, %s, '', '', '', '', '', '')", (packet["packet_id"], packet["org"]))
            waiting = pool.submit(intake.Intake(conn, desk.secret).receive_one, sealed(packet, desk.secret))
            _until_waiting_on_a_lock(watcher, dbname)
        outcome = waiting.result(timeout=30)
    finally:
        pool.shutdown()
        other.close()
        watcher.close()
        intake_store.close(conn)
    assert outcome.reason_code == "duplicate" and outcome.receipt is not None
    assert len(pauses) == (1 if isolation == "serializable" else 0)


def _until_waiting_on_a_lock(su, dbname: str) -> None:
    """Poll (each query in autocommit, so the statistics are fresh) until a session of ``dbname`` waits."""
    import time

    for _ in range(300):
        if su.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'",
                      (dbname,)).fetchone()[0]:
            return
        time.sleep(0.02)
    raise AssertionError("the second desk never waited")


@pytest.mark.system
def test_a_transaction_that_keeps_losing_is_tried_a_bounded_number_of_times(pg_desk, monkeypatch) -> None:
    from psycopg import errors as pg_errors

    from fieldapp.cmm import store_pg

    desk, _url = pg_desk
    monkeypatch.setattr(store_pg, "_pause", lambda _attempt: None)
    tries = []

    def losing(times: int):
        def work() -> str:
            tries.append(1)
            if len(tries) <= times:
                raise pg_errors.DeadlockDetected("lost")
            return "saved"
        return work

    assert desk.conn.run_transaction(losing(2)) == "saved" and len(tries) == 3
    tries.clear()
    with pytest.raises(DatabaseBusy):
        desk.conn.run_transaction(losing(100))
    assert len(tries) == store_pg.ATTEMPTS


@pytest.mark.system
def test_a_missing_database_or_server_is_named_plainly(postgres, tmp_path) -> None:
    with pytest.raises(DatabaseMissing):
        intake_store.open_store(postgres.url("no_such_database"), PASS)
    with pytest.raises(DatabaseUnreachable):
        intake_store.open_store(f"postgresql://cmm@/intake?host={tmp_path}", PASS)


@pytest.mark.system
def test_a_database_holding_another_programs_tables_is_not_taken_over(postgres) -> None:
    url = postgres.new_database()
    with postgres.superuser(pg_server.dbname(url)) as su:
        su.execute("CREATE TABLE orgs (id INTEGER PRIMARY KEY, budget NUMERIC)")
    with pytest.raises(NotAVault):
        intake_store.create(url, PASS)
    with postgres.superuser(pg_server.dbname(url)) as su:
        assert su.execute("SELECT to_regclass('packets')").fetchone()[0] is None


def test_without_psycopg_a_database_location_says_what_to_install(monkeypatch) -> None:
    import fieldapp.cmm

    monkeypatch.setitem(sys.modules, "psycopg", None)                  # import psycopg raises ImportError
    monkeypatch.delitem(sys.modules, "fieldapp.cmm.store_pg", raising=False)
    monkeypatch.delattr(fieldapp.cmm, "store_pg", raising=False)
    with pytest.raises(PostgresMissing) as error:
        intake_store.open_store("postgresql://cmm@/intake", PASS)
    assert "fieldapp[cmm]" in error.value.message


def _documented_rights() -> str:
    """The SQL that docs/cmm/postgresql.md gives the database administrator for a desk's role."""
    blocks = re.findall(r"```sql\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.DOTALL)
    return next(block for block in blocks if "GRANT SELECT ON schema_version" in block)


@pytest.mark.system
def test_a_desk_role_with_only_the_documented_rights_receives_and_reads_the_table(postgres) -> None:
    url = postgres.new_database()
    _made(url)                                            # by the owner, as the docs say
    dbname = pg_server.dbname(url)
    role = f"desk_{dbname}"                              # roles belong to the whole server: one per test
    with postgres.superuser(dbname) as su:
        su.execute(f"CREATE ROLE {role} LOGIN")
        su.execute(_documented_rights().replace("cmm_desk", role))
    desk_url = url.replace(f"{pg_server.SUPERUSER}@", f"{role}@")
    conn = intake_store.open_store(desk_url, PASS)
    try:
        desk = intake.Intake(conn, cmm_secret())
        assert desk.receive_one(sealed(valid_packet(), desk.secret)).accepted
        assert desk.receive_one(b"rubbish").reason_code == "not_a_packet"
        assert sum(row.count for row in intake_store.table(conn)) == 1
        with pytest.raises(Exception) as error:
            conn.execute("UPDATE packets SET nationality = 'DK'")       # a desk never changes a packet
        assert type(error.value).__name__ == "DatabaseRefused"
        second = valid_packet()
        assert desk.receive_one(sealed(second, desk.secret)).accepted
        notice = {"schema": "cmm-withdrawal/1", "notice_id": "f" * 32, "org": second["org"],
                  "packet_id": second["packet_id"], "reference": second["reference"]}
        assert desk.receive_one(sealed(notice, desk.secret)).accepted      # erased on its organisation's word
        assert sum(row.count for row in intake_store.table(conn)) == 1
        [kept] = [row.packet_id for row in intake_store.desk_rows(conn)]
        with postgres.superuser(dbname) as su:                        # as if received before urgency was kept
            su.execute("UPDATE packets SET urgent = NULL, scope = NULL")
        conn.desk.keys.pop("admin")                                   # a caseworker's desk: it reads, logged
        conn.desk.keys.pop("intake", None)
        assert cmm_desk.read(conn, kept).urgent is True                 # and fills in the older one's urgency
        assert [o.packet_id for o in intake_store.openings(conn)] == [kept]
        assert [row.urgent for row in intake_store.desk_rows(conn)] == [True]
    finally:
        intake_store.close(conn)
