"""CMM's staff accounts, on both stores: a role is the keys it holds (an intake operator who writes
their own SQL still cannot read a referral), a removed colleague's old key file and passphrase open
nothing written afterwards, a removal cut off half-way is finished at the next admin's unlock, and the
log of who read which referral is signed and chained, so a changed line shows."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from fieldapp.cmm import accounts, casefile, intake, staff
from fieldapp.cmm import store as intake_store
from fieldapp.cmm.errors import IntakeStoreDamaged, KeyFileChanged, StaffListChanged, UnknownStaff
from fieldapp.crypto import keys
from fieldapp.errors import (
    FieldappError,
    InvalidInput,
    NotAVault,
    PermissionDenied,
    StorageIOError,
    WrongPassphrase,
)
from fieldapp.protocol import crypto
from fieldapp.storage import sidecar
from tests import pg_server
from tests.referral.helpers import ORG_SEED, cmm_secret, sealed, valid_packet

ADMIN_PASS = "admin of the intake 2026"
OPERATOR_PASS = "operator at the desk 2026"
CASEWORKER_PASS = "caseworker reading 2026"


def _make_team(location) -> None:
    """A store with an admin (Ana), an operator (Olu) and a caseworker (Cai), the organisation registered."""
    conn = intake_store.create(location, ADMIN_PASS, user="Ana")
    try:
        intake.register(conn, crypto.org_key_file(ORG_SEED, "Test NGO"))
        accounts.add_staff(conn, "Olu", OPERATOR_PASS, staff.OPERATOR)
        accounts.add_staff(conn, "Cai", CASEWORKER_PASS, staff.CASEWORKER)
    finally:
        intake_store.close(conn)


@pytest.fixture(scope="module")
def _teams_made(tmp_path_factory) -> dict:
    return {}


@pytest.fixture
def team(request, intake_location, _teams_made, tmp_path_factory):
    """``_make_team``'s store, of the kind ``intake_location`` is: a copy of one made once per test process and
    kind (a copy of the file and its key file, or a database made from the made one as its template)."""
    if intake_store.is_database(intake_location):
        postgres = request.getfixturevalue("postgres")
        if "database" not in _teams_made:
            _teams_made["database"] = postgres.new_database()
            _make_team(_teams_made["database"])
        return postgres.new_database(template=pg_server.dbname(_teams_made["database"]))
    if "file" not in _teams_made:
        _teams_made["file"] = tmp_path_factory.mktemp("staff-team") / "intake.store"
        _make_team(_teams_made["file"])
    made: Path = _teams_made["file"]
    intake_location.parent.mkdir(parents=True, exist_ok=True)
    for file in made.parent.iterdir():                   # the store, its key file (and a -wal or -shm left)
        shutil.copy2(file, intake_location.parent / file.name.replace(made.name, intake_location.name, 1))
    return intake_location


def _open(location, name, passphrase):
    return intake_store.open_store(location, passphrase, name)


def _receive(location, name, passphrase, packet: dict) -> None:
    conn = _open(location, name, passphrase)
    try:
        assert intake.Intake(conn, cmm_secret()).receive_one(sealed(packet, cmm_secret())).accepted
    finally:
        conn.close()


def _read(location, name, passphrase, packet_id: str) -> dict:
    conn = _open(location, name, passphrase)
    try:
        return json.loads(accounts.read_referral(conn, packet_id))
    finally:
        conn.close()


def test_each_role_holds_its_keys_and_the_operator_cannot_read_what_it_received(team) -> None:
    packet = valid_packet()
    _receive(team, "Olu", OPERATOR_PASS, packet)
    conn = _open(team, "Olu", OPERATOR_PASS)
    try:
        assert conn.desk.role == staff.OPERATOR and staff.CASE not in conn.desk.keys
        with pytest.raises(PermissionDenied):
            accounts.read_referral(conn, packet["packet_id"])
        # The operator's own SQL finds the body, and no key the operator holds opens it.
        sealed_body = bytes(conn.execute("SELECT case_body FROM packets WHERE packet_id = ?",
                                         (packet["packet_id"],)).fetchone()[0])
        assert packet["reference"].encode() not in sealed_body
        for key in (*conn.desk.keys.values(), conn.desk.member.box_secret):
            with pytest.raises(Exception):     # noqa: B017 - IntakeStoreDamaged, or a key of the wrong kind
                casefile.open_sealed(bytes(key), [bytes(k) for k in conn.desk.keys.values()], 1,
                                     packet["packet_id"], sealed_body)
        with pytest.raises(PermissionDenied):
            accounts.verified_roster(conn)
    finally:
        conn.close()
    assert _read(team, "Cai", CASEWORKER_PASS, packet["packet_id"])["reference"] == packet["reference"]


def test_a_caseworker_cannot_receive_and_nobody_unlocks_with_another_name(team) -> None:
    conn = _open(team, "Cai", CASEWORKER_PASS)
    try:
        assert conn.desk.role == staff.CASEWORKER
        with pytest.raises(PermissionDenied):
            conn.desk.key(staff.INTAKE)
        with pytest.raises(PermissionDenied):
            accounts.add_staff(conn, "Eve", "eve has a passphrase 1", staff.ADMIN)
    finally:
        conn.close()
    with pytest.raises(WrongPassphrase):
        _open(team, "Ana", CASEWORKER_PASS)
    with pytest.raises(WrongPassphrase):
        _open(team, "Nobody", CASEWORKER_PASS)
    conn = _open(team, None, CASEWORKER_PASS)       # without a name, each account is tried
    try:
        assert conn.desk.role == staff.CASEWORKER
    finally:
        conn.close()


def test_every_reading_is_logged_with_the_readers_name_and_a_changed_line_shows(team) -> None:
    packets = [valid_packet(), valid_packet()]
    for packet in packets:
        _receive(team, "Ana", ADMIN_PASS, packet)
    _read(team, "Cai", CASEWORKER_PASS, packets[0]["packet_id"])
    _read(team, "Ana", ADMIN_PASS, packets[1]["packet_id"])
    conn = _open(team, "Ana", ADMIN_PASS)
    try:
        log = accounts.openings_log(conn)
        assert [(line.name, line.entry.packet_id, line.sound) for line in log] == [
            ("Cai", packets[0]["packet_id"], True), ("Ana", packets[1]["packet_id"], True)]
        # Cai's reading rewritten to look like another packet (the store key lets anyone at the desk do it).
        with conn.transaction():
            conn.execute("UPDATE openings SET packet_id = ? WHERE seq = 1", (packets[1]["packet_id"],))
        assert [line.sound for line in accounts.openings_log(conn)] == [False, True]
        with conn.transaction():                        # or removed: the next line no longer chains
            conn.execute("DELETE FROM openings WHERE seq = 1")
        assert [line.sound for line in accounts.openings_log(conn)] == [False]
    finally:
        conn.close()


def test_a_staff_list_changed_without_the_admin_key_is_refused(team) -> None:
    conn = _open(team, "Olu", OPERATOR_PASS)
    try:
        with conn.transaction():                        # the operator makes themself an admin
            conn.execute("UPDATE staff SET role = 'admin' WHERE name = 'Olu'")
    finally:
        conn.close()
    conn = _open(team, "Ana", ADMIN_PASS)
    try:
        with pytest.raises(StaffListChanged):
            accounts.verified_roster(conn)
    finally:
        conn.close()


def _key_file_copy(location, folder):
    """What a leaving colleague could have kept: the key file (a file store's, or the database's row)."""
    if intake_store.is_database(location):
        conn = _open(location, "Ana", ADMIN_PASS)
        try:
            return conn.read_keyring()
        finally:
            conn.close()
    copy = folder / "kept.store"
    shutil.copy(sidecar.sidecar_path(location), sidecar.sidecar_path(copy))
    shutil.copy(location, copy)
    return sidecar.read(copy)


def test_a_removed_caseworker_with_a_copy_of_the_old_key_file_reads_nothing(team, tmp_path) -> None:
    before, after = valid_packet(), valid_packet()
    _receive(team, "Olu", OPERATOR_PASS, before)
    kept = _key_file_copy(team, tmp_path)
    old_desk = staff.unlock(kept, "Cai", CASEWORKER_PASS)
    conn = _open(team, "Ana", ADMIN_PASS)
    try:
        accounts.remove_staff(conn, "Cai")
        with pytest.raises(UnknownStaff):
            accounts.remove_staff(conn, "Cai")
        with pytest.raises(InvalidInput):
            accounts.remove_staff(conn, "Ana")
        roster = {e["name"]: e for e in accounts.verified_roster(conn).values()}
        assert roster["Cai"]["removed_at"] is not None and roster["Olu"]["removed_at"] is None
    finally:
        conn.close()
    with pytest.raises(WrongPassphrase):
        _open(team, "Cai", CASEWORKER_PASS)
    _receive(team, "Olu", OPERATOR_PASS, after)        # the operator's new keys work
    conn = _open(team, "Ana", ADMIN_PASS)
    try:
        for packet in (before, after):                  # every body is sealed under the new case key
            assert json.loads(accounts.read_referral(conn, packet["packet_id"]))["reference"] == packet["reference"]
            stored = intake_store.stored_body(conn, packet["packet_id"])
            with pytest.raises(Exception):     # noqa: B017 - the old case key opens none of them
                casefile.open_sealed(old_desk.key(staff.CASE), [old_desk.key(staff.STORE)], stored.epoch,
                                     packet["packet_id"], stored.sealed)
    finally:
        conn.close()
    if not intake_store.is_database(team):                 # the file itself is under a new key
        from fieldapp.storage.connection import connect

        with pytest.raises(NotAVault):
            connect(team, old_desk.key(staff.STORE))


def _remove_with_a_cut(location, name: str, cut: str, monkeypatch) -> None:
    """Remove ``name`` with the power cut at ``cut``: before the file is re-encrypted ("rekey"), or after
    the rows changed but before the new keys became current in the key file ("write_keyring")."""
    conn = _open(location, "Ana", ADMIN_PASS)
    real, calls = getattr(type(conn), cut), []

    def power_cut(self, *args, **kwargs) -> None:
        calls.append(cut)
        if cut == "rekey" or len(calls) == 2:             # the key file's first write (pending keys) goes through
            raise StorageIOError()
        real(self, *args, **kwargs)

    monkeypatch.setattr(type(conn), cut, power_cut)
    try:
        with pytest.raises(StorageIOError):
            accounts.remove_staff(conn, name)
    finally:
        conn.close()
        monkeypatch.undo()


def test_a_removal_cut_off_half_way_is_finished_at_the_next_admin_unlock(team, monkeypatch) -> None:
    cuts = ["write_keyring"] if intake_store.is_database(team) else ["write_keyring", "rekey"]  # no file to rekey
    for number, cut in enumerate(cuts):
        name, passphrase = f"Caseworker {number}", f"caseworker number {number} 2026"
        conn = _open(team, "Ana", ADMIN_PASS)
        try:
            accounts.add_staff(conn, name, passphrase, staff.CASEWORKER)
        finally:
            conn.close()
        packet = valid_packet()
        _receive(team, "Olu", OPERATOR_PASS, packet)
        _remove_with_a_cut(team, name, cut, monkeypatch)
        _receive(team, "Olu", OPERATOR_PASS, valid_packet())    # the desk goes on receiving meanwhile
        assert _read(team, "Cai", CASEWORKER_PASS, packet["packet_id"])["reference"] == packet["reference"]
        conn = _open(team, "Ana", ADMIN_PASS)               # settles: the pending keys become current
        try:
            assert not conn.keyring.pending
            assert json.loads(accounts.read_referral(conn, packet["packet_id"]))["reference"] == packet["reference"]
            assert name in {e["name"] for e in accounts.verified_roster(conn).values() if e["removed_at"]}
        finally:
            conn.close()
        _receive(team, "Olu", OPERATOR_PASS, valid_packet())
        assert _read(team, "Cai", CASEWORKER_PASS, packet["packet_id"])["reference"] == packet["reference"]
        with pytest.raises(WrongPassphrase):
            _open(team, name, passphrase)


def test_names_are_checked_and_never_reused(team) -> None:
    conn = _open(team, "Ana", ADMIN_PASS)
    try:
        for bad in ("", "   ", "x" * 65, "tab\there\x1b[2J"):
            with pytest.raises(InvalidInput):
                accounts.add_staff(conn, bad, "a fine passphrase 42", staff.OPERATOR)
        with pytest.raises(InvalidInput):
            accounts.add_staff(conn, "  olu ", "a fine passphrase 42", staff.OPERATOR)   # same as "Olu"
        accounts.remove_staff(conn, "Olu")
        with pytest.raises(InvalidInput):
            accounts.add_staff(conn, "Olu", "a fine passphrase 42", staff.OPERATOR)
        with pytest.raises(InvalidInput):
            accounts.add_staff(conn, "Zed", "a fine passphrase 42", "superuser")
    finally:
        conn.close()


@pytest.mark.system
def test_a_database_of_the_first_kind_becomes_one_with_staff_accounts(postgres) -> None:
    """A store made before accounts (one slot "cmm" wrapping a store key that sealed the bodies) opens
    with CMM's one passphrase; its first unlock makes that person the first admin and seals every body
    to the case key, in one transaction."""
    from fieldapp.cmm import store_pg

    url = postgres.new_database()
    conn = store_pg.connect(url)
    try:
        for number, migration in enumerate(intake_store.MIGRATIONS[:4], start=1):
            with conn.transaction():
                conn.begin_migration()
                for statement in migration.statements("postgresql"):
                    conn.execute(statement)
                conn.set_schema_version(number)
        store_key, salt, params = keys.new_data_key(), keys.new_salt(), keys.default_params()
        wrapped = keys.wrap(keys.derive(ADMIN_PASS, salt, params), store_key, b"fieldapp-intake-slot/1:cmm")
        packet = valid_packet()
        context = b"fieldapp-intake-body/1:" + packet["packet_id"].encode()
        body = keys.wrap(store_key, crypto.canonical_json(packet), context)
        with conn.transaction():
            conn.execute("INSERT INTO key_slots VALUES ('cmm', 'passphrase', ?, ?, ?, '2026-01-01')",
                         (json.dumps(params.to_json()), salt, wrapped))
            conn.execute("INSERT INTO orgs (org, name, public, registered_at) VALUES (?, 'NGO', ?, '2026-01-01')",
                         (packet["org"], b"\0" * 32))
            conn.execute("INSERT INTO packets (packet_id, org, received_at, period, gender, age_group, nationality,"
                         " body) VALUES (?, ?, '2026-01-02', ?, ?, ?, ?, ?)",
                         (packet["packet_id"], packet["org"], packet["period"], packet["gender"],
                          packet["age_group"], packet["nationality"], body))
    finally:
        conn.close()
    with pytest.raises(WrongPassphrase):
        intake_store.open_store(url, "not the passphrase")
    conn = intake_store.open_store(url, ADMIN_PASS, "Ana")
    try:
        assert conn.desk.role == staff.ADMIN
        assert json.loads(accounts.read_referral(conn, packet["packet_id"]))["reference"] == packet["reference"]
        assert conn.execute("SELECT count(*) FROM key_slots").fetchone()[0] == 0
        assert bytes(conn.execute("SELECT body FROM packets").fetchone()[0]) == b""
    finally:
        conn.close()
    conn = intake_store.open_store(url, ADMIN_PASS, "Ana")      # from now on an account like any other
    try:
        assert [e["name"] for e in accounts.verified_roster(conn).values()] == ["Ana"]
    finally:
        conn.close()


# -- what an insider with the files and their own SQL tries ------------------------------------------------

def _write_key_file(conn, side) -> None:
    with conn.transaction():
        conn.write_keyring(side)


def test_pending_keys_planted_by_an_operator_are_never_adopted(team) -> None:
    from fieldapp.storage import keyring
    from fieldapp.storage.sidecar import Grant

    packet = valid_packet()
    _receive(team, "Olu", OPERATOR_PASS, packet)
    evil_case, evil_admin = casefile.new_case_secret(), b"\x07" * 32
    conn = _open(team, "Olu", OPERATOR_PASS)
    try:
        side = conn.keyring
        for name, key in ((staff.CASE, evil_case), (staff.ADMIN_KEY, evil_admin)):
            epoch = side.grants[name].epoch + 1
            side.pending[name] = Grant(epoch, {slot: keyring.seal_key(side, name, epoch, key, m.box_public)
                                               for slot, m in side.members.items()}, proof=b"\0" * 32)
        _write_key_file(conn, side)
    finally:
        conn.close()
    conn = _open(team, "Ana", ADMIN_PASS)             # the admin's unlock throws the planted keys away
    try:
        assert not conn.keyring.pending and not conn.desk.pending
        assert casefile.public_of(conn.desk.key(staff.CASE)) != casefile.public_of(evil_case)
    finally:
        conn.close()
    conn = _open(team, "Olu", OPERATOR_PASS)
    try:
        assert conn.desk.role == staff.OPERATOR and staff.CASE not in conn.desk.keys
        stored = intake_store.stored_body(conn, packet["packet_id"])
        with pytest.raises(IntakeStoreDamaged):
            casefile.open_sealed(evil_case, intake_store.store_keys(conn), stored.epoch, packet["packet_id"],
                                 stored.sealed)
    finally:
        conn.close()
    assert _read(team, "Cai", CASEWORKER_PASS, packet["packet_id"])["reference"] == packet["reference"]


def test_an_admin_session_that_read_the_keys_before_a_removal_cannot_write_them_back(team) -> None:
    packet = valid_packet()
    _receive(team, "Olu", OPERATOR_PASS, packet)
    stale = _open(team, "Ana", ADMIN_PASS)            # e.g. `staff add` waiting at the new person's passphrase
    conn = _open(team, "Ana", ADMIN_PASS)
    try:
        accounts.remove_staff(conn, "Cai")
    finally:
        conn.close()
    try:
        with pytest.raises((KeyFileChanged, NotAVault)):       # a store file was re-encrypted under it
            accounts.add_staff(stale, "Eve", "eve is an operator 2026", staff.OPERATOR)
    finally:
        stale.close()
    with pytest.raises(WrongPassphrase):
        _open(team, "Cai", CASEWORKER_PASS)
    with pytest.raises(WrongPassphrase):
        _open(team, "Eve", "eve is an operator 2026")
    conn = _open(team, "Ana", ADMIN_PASS)
    try:
        assert json.loads(accounts.read_referral(conn, packet["packet_id"]))["reference"] == packet["reference"]
    finally:
        conn.close()


def test_a_referral_written_without_the_store_key_does_not_open(team) -> None:
    """The case key's public half is no secret: a body sealed to it by a database account (or anyone
    with the rows and no fieldapp key) does not open."""
    packet = valid_packet()
    _receive(team, "Olu", OPERATOR_PASS, packet)
    conn = _open(team, "Olu", OPERATOR_PASS)
    try:
        case = intake_store.case_key(conn)
        forged = json.dumps(dict(packet, reference="f" * 24), sort_keys=True, separators=(",", ":"))
        with conn.transaction():
            intake_store.set_case_body(conn, packet["packet_id"], casefile.seal(
                case.public, b"\x01" * 32, case.epoch, packet["packet_id"], forged), case.epoch)
    finally:
        conn.close()
    with pytest.raises(IntakeStoreDamaged):
        _read(team, "Cai", CASEWORKER_PASS, packet["packet_id"])


def test_a_changed_case_public_key_is_refused_or_set_back(team) -> None:
    from nacl.public import PrivateKey

    evil = PrivateKey.generate()
    conn = _open(team, "Olu", OPERATOR_PASS)
    try:
        epoch = intake_store.case_key(conn).epoch
        with conn.transaction():                      # without the store key: the tag does not match
            intake_store.set_meta(conn, "case_public", keys.b64(bytes(evil.public_key)))
        with pytest.raises(IntakeStoreDamaged):
            intake.Intake(conn, cmm_secret()).receive_one(sealed(valid_packet(), cmm_secret()))
        with conn.transaction():                      # with the operator's store key: tagged as it should be
            intake_store.set_case_key(conn, bytes(evil.public_key), epoch, conn.desk.key(staff.STORE))
    finally:
        conn.close()
    conn = _open(team, "Ana", ADMIN_PASS)             # the admin's unlock sets it back and says so
    try:
        assert any("set back" in notice for notice in conn.notices)
        assert intake_store.case_key(conn).public == casefile.public_of(conn.desk.key(staff.CASE))
    finally:
        conn.close()
    packet = valid_packet()
    _receive(team, "Olu", OPERATOR_PASS, packet)
    assert _read(team, "Cai", CASEWORKER_PASS, packet["packet_id"])["reference"] == packet["reference"]


def test_a_replayed_staff_list_and_slot_do_not_bring_a_removed_caseworker_back(team, tmp_path) -> None:
    kept = _key_file_copy(team, tmp_path)
    cai = staff.slot_of(kept, "Cai")
    conn = _open(team, "Ana", ADMIN_PASS)
    try:
        old_rows = conn.execute("SELECT * FROM staff").fetchall()
        old_mac = intake_store.meta(conn, "roster_mac")
        accounts.remove_staff(conn, "Cai")
    finally:
        conn.close()
    conn = _open(team, "Olu", OPERATOR_PASS)         # the operator puts the old list and Cai's slot back
    try:
        with conn.transaction():
            conn.execute("DELETE FROM staff")
            for row in old_rows:
                conn.execute("INSERT INTO staff VALUES (?, ?, ?, ?, ?, ?, ?)", tuple(row))
            intake_store.set_meta(conn, "roster_mac", old_mac)
        conn.keyring.members[cai] = kept.members[cai]
        _write_key_file(conn, conn.keyring)
    finally:
        conn.close()
    conn = _open(team, "Ana", ADMIN_PASS)
    try:
        assert any("staff list" in notice for notice in conn.notices)
        with pytest.raises(StaffListChanged):         # the admin key was replaced with the removal
            accounts.add_staff(conn, "Dee", "dee the temporary 2026", staff.CASEWORKER)
    finally:
        conn.close()
    _holds_only_replaced_keys(team, "Cai", CASEWORKER_PASS)


def _holds_only_replaced_keys(location, name: str, passphrase: str) -> None:
    """A slot put back by hand opens, and holds only keys that were replaced since (a store file it
    cannot even open)."""
    try:
        conn = _open(location, name, passphrase)
    except NotAVault:
        return
    try:
        stale_keys = {k: bytes(v) for k, v in conn.desk.keys.items()}
    finally:
        conn.close()
    conn = _open(location, "Ana", ADMIN_PASS)
    try:
        assert stale_keys.get(staff.CASE) != bytes(conn.desk.keys[staff.CASE])
        assert stale_keys.get(staff.STORE) != bytes(conn.desk.keys[staff.STORE])
    finally:
        conn.close()


def test_a_slot_taken_out_by_hand_still_has_its_keys_replaced(team, tmp_path) -> None:
    kept = _key_file_copy(team, tmp_path)
    old = staff.unlock(kept, "Cai", CASEWORKER_PASS)
    conn = _open(team, "Cai", CASEWORKER_PASS)       # Cai, expecting to be removed, takes their own slot out
    try:
        staff.remove_member(conn.keyring, staff.slot_of(conn.keyring, "Cai"))
        _write_key_file(conn, conn.keyring)
    finally:
        conn.close()
    conn = _open(team, "Ana", ADMIN_PASS)
    try:
        assert any("by hand" in notice for notice in conn.notices)
        assert {e["name"] for e in accounts.verified_roster(conn).values() if e["removed_at"]} == {"Cai"}
    finally:
        conn.close()
    after = valid_packet()
    _receive(team, "Olu", OPERATOR_PASS, after)
    conn = _open(team, "Olu", OPERATOR_PASS)
    try:
        stored = intake_store.stored_body(conn, after["packet_id"])
    finally:
        conn.close()
    with pytest.raises(IntakeStoreDamaged):
        casefile.open_sealed(old.key(staff.CASE), [old.key(staff.STORE)], stored.epoch, after["packet_id"],
                             stored.sealed)


def _store_file_of_the_first_kind(folder):
    """A store file as made before staff accounts: one key, wrapped by CMM's one passphrase, bodies in clear
    inside the encrypted file."""
    from fieldapp.cmm.store_file import FileStore, sidecar_path
    from fieldapp.storage.connection import connect

    path = folder / "old.store"
    data_key, salt, params = keys.new_data_key(), keys.new_salt(), keys.default_params()
    wrapped = keys.wrap(keys.derive(ADMIN_PASS, salt, params), data_key, b"fieldapp-intake-store/1")
    store = FileStore(connect(path, data_key, create=True), path)
    for number, migration in enumerate(intake_store.MIGRATIONS[:4], start=1):
        with store.transaction():
            for statement in migration.statements("sqlite"):
                store.execute(statement)
            store.set_schema_version(number)
    packet = valid_packet()
    with store.transaction():
        store.execute("INSERT INTO orgs (org, name, public, registered_at) VALUES (?, 'NGO', ?, '2026-01-01')",
                      (packet["org"], crypto.org_public(ORG_SEED)))
        store.execute("INSERT INTO packets (packet_id, org, received_at, period, gender, age_group, nationality,"
                      " body) VALUES (?, ?, '2026-01-02', ?, ?, ?, ?, ?)",
                      (packet["packet_id"], packet["org"], packet["period"], packet["gender"],
                       packet["age_group"], packet["nationality"], crypto.canonical_json(packet).decode()))
    store.close()
    sidecar_path(path).write_text(json.dumps({"format": "fieldapp-intake-keys/1", "kdf": params.to_json(),
                                              "salt": keys.b64(salt), "wrapped": keys.b64(wrapped)}))
    return path, packet, data_key


@pytest.mark.parametrize("cut", ["set_up_rows", "replace_keys"])
def test_a_store_file_of_the_first_kind_converted_with_a_cut_is_finished_at_the_next_unlock(tmp_path, monkeypatch,
                                                                                              cut) -> None:
    """Cut before the rows were set up, or before the file was put under a key of its own."""
    from fieldapp.storage.connection import connect

    path, packet, old_key = _store_file_of_the_first_kind(tmp_path)

    def power_cut(*_args, **_kwargs):
        raise StorageIOError()

    monkeypatch.setattr(accounts, cut, power_cut)
    with pytest.raises(StorageIOError):
        intake_store.open_store(path, ADMIN_PASS, "Ana")
    monkeypatch.undo()
    conn = intake_store.open_store(path, ADMIN_PASS, "Ana")
    try:
        assert json.loads(accounts.read_referral(conn, packet["packet_id"]))["reference"] == packet["reference"]
        assert [e["name"] for e in accounts.verified_roster(conn).values()] == ["Ana"]
        assert intake.Intake(conn, cmm_secret()).receive_one(sealed(valid_packet(), cmm_secret())).accepted
    finally:
        conn.close()
    with pytest.raises(NotAVault):               # the key the shared passphrase wrapped opens nothing now
        connect(path, old_key)
    assert not sidecar.read(path).rotation_due
    assert not (tmp_path / "old.store.converting.keys").exists()


def test_a_store_file_of_the_first_kind_is_re_encrypted_when_it_is_converted(tmp_path) -> None:
    from fieldapp.storage.connection import connect

    path, packet, old_key = _store_file_of_the_first_kind(tmp_path)
    with pytest.raises(WrongPassphrase):
        intake_store.open_store(path, "not the passphrase")
    conn = intake_store.open_store(path, ADMIN_PASS)
    try:
        assert conn.desk.role == staff.ADMIN
        assert json.loads(accounts.read_referral(conn, packet["packet_id"]))["reference"] == packet["reference"]
        assert conn.execute("SELECT body FROM packets").fetchone()[0] == ""
    finally:
        conn.close()
    with pytest.raises(NotAVault):
        connect(path, old_key)
    assert sidecar.read(path).members                    # a key file of the vault's kind now
    assert not (tmp_path / "old.store.converting.keys").exists()


# -- a replacement cut off, and an insider at the key file meanwhile ----------------------------------------

def _add(location, name: str, passphrase: str, role: str) -> None:
    conn = _open(location, "Ana", ADMIN_PASS)
    try:
        accounts.add_staff(conn, name, passphrase, role)
    finally:
        conn.close()


def test_a_cut_off_replacement_is_never_thrown_away_when_an_insider_strips_a_seal(team, monkeypatch) -> None:
    packet = valid_packet()
    _receive(team, "Olu", OPERATOR_PASS, packet)
    _add(team, "Dan", "dan the caseworker 2026", staff.CASEWORKER)
    _remove_with_a_cut(team, "Dan", "write_keyring", monkeypatch)   # rows sealed again, keys still pending
    conn = _open(team, "Olu", OPERATOR_PASS)
    try:                                              # the operator strips Ana's copy of the new admin key
        conn.keyring.pending[staff.ADMIN_KEY].sealed.pop(staff.slot_of(conn.keyring, "Ana"))
        _write_key_file(conn, conn.keyring)
    finally:
        conn.close()
    conn = _open(team, "Ana", ADMIN_PASS)
    try:
        assert any("cannot be finished from this account" in notice for notice in conn.notices)
        assert set(conn.keyring.pending) == set(accounts.ROTATED)          # kept, not thrown away
        assert json.loads(accounts.read_referral(conn, packet["packet_id"]))["reference"] == packet["reference"]
    finally:
        conn.close()
    assert _read(team, "Cai", CASEWORKER_PASS, packet["packet_id"])["reference"] == packet["reference"]
    _receive(team, "Olu", OPERATOR_PASS, valid_packet())


def test_a_pending_key_proven_with_a_key_the_removed_person_held_is_not_adopted(team, monkeypatch) -> None:
    """Whoever can write the key file can destroy keys in it (backups are the answer to that), but a key
    they chose is never made current: pending keys are proven with the admin key."""
    from fieldapp.storage import keyring

    _receive(team, "Olu", OPERATOR_PASS, valid_packet())
    conn = _open(team, "Olu", OPERATOR_PASS)
    try:
        old_store = conn.desk.key(staff.STORE)
    finally:
        conn.close()
    _remove_with_a_cut(team, "Olu", "write_keyring" if intake_store.is_database(team) else "rekey", monkeypatch)
    attacker = b"\x42" * 32
    conn = _open(team, "Cai", CASEWORKER_PASS)       # whoever can write the key file: here with Cai's unlock
    try:
        side = conn.keyring
        grant = side.pending[staff.STORE]
        grant.sealed = {slot: keyring.seal_key(side, staff.STORE, grant.epoch, attacker, side.members[slot].box_public)
                        for slot in grant.sealed}
        grant.proof = keyring.rotation_proof(side, staff.STORE, grant.epoch, attacker, old_store)
        _write_key_file(conn, side)
    finally:
        conn.close()
    conn = _open(team, "Ana", ADMIN_PASS)
    try:
        assert any("cannot be finished" in notice for notice in conn.notices)
        assert conn.desk.key(staff.STORE) != attacker and conn.keyring.pending
    finally:
        conn.close()


def test_a_missing_case_key_row_is_set_back_without_touching_the_staff_list(team) -> None:
    conn = _open(team, "Olu", OPERATOR_PASS)
    try:
        with conn.transaction():
            conn.execute("DELETE FROM store_meta WHERE name = 'case_public'")
            conn.execute("UPDATE packets SET case_epoch = 999")
    finally:
        conn.close()
    conn = _open(team, "Ana", ADMIN_PASS)
    try:
        assert any("set back" in notice for notice in conn.notices)
        assert {e["name"] for e in accounts.verified_roster(conn).values()} == {"Ana", "Olu", "Cai"}
        accounts.remove_staff(conn, "Olu")
    finally:
        conn.close()
    packet = valid_packet()
    _receive(team, "Ana", ADMIN_PASS, packet)
    assert _read(team, "Cai", CASEWORKER_PASS, packet["packet_id"])["reference"] == packet["reference"]


def test_a_trigger_planted_by_an_operator_gives_clear_errors_and_never_locks_the_admin_out(team) -> None:
    conn = _open(team, "Olu", OPERATOR_PASS)
    try:
        with conn.transaction():
            if intake_store.is_database(team):
                conn.execute("CREATE FUNCTION nope() RETURNS trigger LANGUAGE plpgsql AS"
                             " $$ BEGIN RAISE EXCEPTION 'no'; END $$")
                conn.execute("CREATE TRIGGER t BEFORE UPDATE OF case_body ON packets FOR EACH ROW"
                             " EXECUTE FUNCTION nope()")
            else:
                conn.execute("CREATE TRIGGER t BEFORE UPDATE OF case_body ON packets BEGIN SELECT RAISE(ABORT, 'no');"
                             " END")
    finally:
        conn.close()
    _receive(team, "Olu", OPERATOR_PASS, valid_packet())
    conn = _open(team, "Ana", ADMIN_PASS)
    try:
        with pytest.raises(FieldappError):
            accounts.remove_staff(conn, "Olu")
    finally:
        conn.close()
    conn = _open(team, "Ana", ADMIN_PASS)            # the unlock says what it could not finish
    try:
        assert any("could not be finished" in notice for notice in conn.notices)
    finally:
        conn.close()


@pytest.mark.parametrize("planted", ["fifo", "link", "huge"])
def test_a_key_file_that_is_not_a_plain_file_opens_nothing_and_never_hangs(tmp_path, planted) -> None:
    import os

    path = tmp_path / "intake.store"
    intake_store.create(path, ADMIN_PASS, user="Ana").close()
    keyfile = sidecar.sidecar_path(path)
    real = keyfile.read_bytes()
    keyfile.unlink()
    if planted == "fifo":
        os.mkfifo(keyfile)
    elif planted == "link":
        (tmp_path / "elsewhere.keys").write_bytes(real)
        keyfile.symlink_to(tmp_path / "elsewhere.keys")
    else:
        keyfile.write_bytes(real + bytes(sidecar.FILE_BYTES))
    with pytest.raises(NotAVault):
        intake_store.open_store(path, ADMIN_PASS, "Ana")
