"""A role is the set of keys it holds: what an insider with a passphrase and their own SQL can and
cannot reach, and what a colleague who left keeps after deactivation."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from fieldapp.domain.records import Contact, HealthContact, Person
from fieldapp.errors import NotAVault, PermissionDenied, WrongPassphrase
from fieldapp.lifecycle import backup, members
from fieldapp.records import health, people
from fieldapp.referral import org_rotation
from fieldapp.security import users, vault
from fieldapp.storage import compartments, sidecar
from fieldapp.storage.connection import connect, transaction
from tests.conftest import AGREED, PASSPHRASE, copy_vault

NURSE, OLA = "nurse passphrase one", "ola passphrase one"
SECRET = "Disclosed-Assault-4471"


def _team(path: Path):
    """Admin, a nurse (health) and Ola (outreach); a health contact holding a sentinel note."""
    admin, recovery_key = vault.create_vault(path, "Admin", "admin", PASSPHRASE)
    vault.add_user(admin, "Nurse", "health", NURSE, PASSPHRASE)
    ola = vault.add_user(admin, "Ola", "outreach", OLA, PASSPHRASE)
    admin.close()
    nurse = vault.unlock(path, "Nurse", NURSE)
    person = people.create_person(nurse, Person(**AGREED, alias="Mali", gender="woman", nationality="TH"))
    when = datetime.now(UTC) - timedelta(days=2)
    health.save_health_contact(nurse, Contact(person_id=person.id, kind="health", occurred_at=when),
                               HealthContact(contact_id="", reason="injury", note=SECRET))
    nurse.close()
    return ola, recovery_key


@pytest.fixture
def team(made_once, vault_path: Path):
    """``_team(vault_path)``, as a copy of the team vault made once per test process: what ``_team`` returned."""
    template, made = made_once("compartments-team", _team)
    copy_vault(template, vault_path)
    return made


def _every_key_file_key(path: Path, passphrase: str, user: str) -> list[bytes]:
    """Every key the insider's passphrase opens, as an attacker with the files would collect them."""
    opened = vault.open_keys(path, passphrase, user_name=user)
    return [bytes(k) for k in (*opened.keys.values(), *opened.pending.values())]


def test_an_outreach_passphrase_and_own_sql_reach_no_health_row(vault_path: Path, team) -> None:
    held = vault.open_keys(vault_path, OLA, user_name="Ola")
    assert set(held.keys) == {"core"}
    conn = connect(vault_path, bytes(held.keys["core"]))
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "health_contacts" not in tables and "legal_sessions" not in tables and "people" in tables
    conn.close()
    health_file = compartments.compartment_path(vault_path, "health")
    assert SECRET.encode() not in health_file.read_bytes() and SECRET.encode() not in vault_path.read_bytes()
    for key in _every_key_file_key(vault_path, OLA, "Ola"):
        with pytest.raises(NotAVault):
            connect(health_file, key, read_only=True)
    session = vault.unlock(vault_path, "Ola", OLA)
    assert compartments.attached(session.conn) == set()
    with pytest.raises(Exception, match="no such table"):
        session.conn.execute("SELECT note FROM health_contacts").fetchall()
    session.close()
    nurse = vault.unlock(vault_path, "Nurse", NURSE)                # the key holder still reads it
    assert nurse.conn.execute("SELECT note FROM health_contacts").fetchone()[0] == SECRET
    nurse.close()


def test_a_role_edited_in_the_table_grants_no_key(vault_path: Path, team) -> None:
    ola, _recovery = team
    key = vault.open_data_key(vault_path, OLA, user_name="Ola")
    conn = connect(vault_path, key)
    with transaction(conn):
        conn.execute("UPDATE users SET role = 'admin' WHERE id = ?", (ola.id,))
    conn.close()
    session = vault.unlock(vault_path, "Ola", OLA)
    try:
        assert session.user.role == "admin" and set(session.keys) == {"core"}
        assert not session.can("health") and not session.can("users") and not session.can("backup")
        with pytest.raises(PermissionDenied):
            users.add(session, "Eve", "health", "eve passphrase one two", OLA)
        with pytest.raises(PermissionDenied):
            backup.backup_to(session, vault_path.parent)
        assert compartments.attached(session.conn) == set()
    finally:
        session.close()
    assert "Eve" not in [u.name for u in _admin_list(vault_path)]


def test_each_file_opens_with_its_own_key_and_no_other(vault_path: Path, team) -> None:
    held = vault.open_keys(vault_path, PASSPHRASE, user_name="Admin").keys
    files = {"core": vault_path, "health": compartments.compartment_path(vault_path, "health"),
             "legal": compartments.compartment_path(vault_path, "legal")}
    for name, file in files.items():
        for key_name in ("core", "health", "legal"):
            if key_name == name:
                connect(file, bytes(held[key_name]), read_only=True).close()
            else:
                with pytest.raises(NotAVault):
                    connect(file, bytes(held[key_name]), read_only=True)
    admin = vault.unlock(vault_path, "Admin", PASSPHRASE)
    try:
        for schema in ("main", "health", "legal"):       # every pragma set per file, not only on the main one
            assert admin.conn.execute(f"PRAGMA {schema}.journal_mode").fetchone()[0] == "wal"
            assert admin.conn.execute(f"PRAGMA {schema}.secure_delete").fetchone()[0] == 1
            assert admin.conn.execute(f"PRAGMA {schema}.synchronous").fetchone()[0] == 2
    finally:
        admin.close()


def _admin_list(path: Path):
    admin = vault.unlock(path, "Admin", PASSPHRASE)
    try:
        return users.list_all(admin)
    finally:
        admin.close()


def test_a_deactivated_user_keeps_nothing_that_opens_the_live_vault(vault_path: Path, tmp_path: Path, team) -> None:
    admin = vault.unlock(vault_path, "Admin", PASSPHRASE)
    old_usb, new_usb = tmp_path / "old-usb", tmp_path / "new-usb"
    old_usb.mkdir()
    new_usb.mkdir()
    old_backup = backup.backup_to(admin, old_usb).path
    nurse_id = next(u.id for u in users.list_all(admin) if u.name == "Nurse")
    before = sidecar.read(vault_path).grants
    members.deactivate(admin, nurse_id)
    after = sidecar.read(vault_path)
    assert after.grants["core"].epoch == before["core"].epoch + 1
    assert after.grants["health"].epoch == before["health"].epoch + 1
    assert after.grants["legal"].epoch == before["legal"].epoch      # the nurse never held it
    assert not after.pending
    new_backup = backup.backup_to(admin, new_usb).path
    admin.close()

    # What the nurse kept: the old backup, which their passphrase still opens (as documented) ...
    stolen = _every_key_file_key(old_backup, NURSE, "Nurse")
    assert len(stolen) == 2
    # ... but none of those keys opens the live vault, its health file, or a backup made afterwards.
    targets = [vault_path, compartments.compartment_path(vault_path, "health"), new_backup,
               compartments.compartment_path(new_backup, "health")]
    for target in targets:
        for key in stolen:
            with pytest.raises(NotAVault):
                connect(target, key, read_only=True)
    with pytest.raises(WrongPassphrase):
        vault.unlock(vault_path, "Nurse", NURSE)
    with pytest.raises(WrongPassphrase):
        vault.open_keys(new_backup, NURSE, user_name="Nurse")
    # Everyone else carries on with the new keys.
    ola = vault.unlock(vault_path, "Ola", OLA)
    assert ola.conn.execute("SELECT count(*) FROM people").fetchone()[0] == 1
    ola.close()
    admin = vault.unlock(vault_path, "Admin", PASSPHRASE)
    assert admin.conn.execute("SELECT note FROM health_contacts").fetchone()[0] == SECRET
    admin.close()


def test_re_roling_takes_back_and_rotates_the_keys_of_the_old_role(vault_path: Path, team) -> None:
    old_health = vault.open_keys(vault_path, NURSE, user_name="Nurse").keys["health"]
    admin = vault.unlock(vault_path, "Admin", PASSPHRASE)
    nurse_id = next(u.id for u in users.list_all(admin) if u.name == "Nurse")
    users.set_role(admin, nurse_id, "legal")
    admin.close()
    moved = vault.unlock(vault_path, "Nurse", NURSE)
    try:
        assert set(moved.keys) == {"core", "legal"} and not moved.can("health") and moved.can("legal")
    finally:
        moved.close()
    with pytest.raises(NotAVault):
        connect(compartments.compartment_path(vault_path, "health"), bytes(old_health), read_only=True)


_KILL_MID_ROTATION = textwrap.dedent("""
    import os, signal, sys
    from fieldapp.lifecycle import members
    from fieldapp.security import hierarchy, users, vault

    real_finish = hierarchy.finish_rotation
    def killed(side, name):
        if name == sys.argv[2]:                       # the files are re-encrypted, the key file not told yet
            os.kill(os.getpid(), signal.SIGKILL)
        real_finish(side, name)
    hierarchy.finish_rotation = killed
    admin = vault.unlock(sys.argv[1], "Admin", sys.argv[3])
    nurse = next(u for u in users.list_all(admin) if u.name == "Nurse")
    members.deactivate(admin, nurse.id)
""")


@pytest.mark.parametrize("killed_at", ["core", "health"])
def test_a_kill_in_the_middle_of_a_rotation_strands_nothing(vault_path: Path, killed_at: str, team) -> None:
    result = subprocess.run([sys.executable, "-c", _KILL_MID_ROTATION, str(vault_path), killed_at, PASSPHRASE],
                            capture_output=True, text=True, timeout=120, env=os.environ.copy())
    assert result.returncode == -9, result.stderr
    assert sidecar.read(vault_path).pending                   # the new keys were written before the rekey
    ola = vault.unlock(vault_path, "Ola", OLA)                # any remaining member finishes the rotation
    ola.close()
    side = sidecar.read(vault_path)
    assert "core" not in side.pending                         # Ola holds only the core key: that part is done
    admin = vault.unlock(vault_path, "Admin", PASSPHRASE)
    assert admin.conn.execute("SELECT note FROM health_contacts").fetchone()[0] == SECRET
    admin.close()
    assert not sidecar.read(vault_path).pending
    with pytest.raises(WrongPassphrase):
        vault.unlock(vault_path, "Nurse", NURSE)


def test_a_damaged_compartment_is_left_out_with_a_warning(vault_path: Path, team) -> None:
    health_file = compartments.compartment_path(vault_path, "health")
    raw = bytearray(health_file.read_bytes())
    raw[4096 + 100] ^= 0xFF                                    # one bit of the second page
    health_file.write_bytes(bytes(raw))
    nurse = vault.unlock(vault_path, "Nurse", NURSE)
    try:
        assert nurse.warnings and not nurse.can("health") and "health" not in compartments.attached(nurse.conn)
        assert nurse.conn.execute("SELECT count(*) FROM people").fetchone()[0] == 1   # the rest still works
    finally:
        nurse.close()
    assert health_file.read_bytes() == bytes(raw)                # and nothing was written over it


@pytest.mark.parametrize("sealed_to", ["every holder", "the insider only"])
def test_a_forged_rotation_in_the_key_file_hands_the_insider_nothing(vault_path: Path, sealed_to: str, team) -> None:
    from fieldapp.security import hierarchy

    side = sidecar.read(vault_path)
    ola_slot = hierarchy.keys.lookup_id(side.lookup_salt, "Ola")
    mine = os.urandom(32)
    holders = hierarchy.holders(side, "health") if sealed_to == "every holder" else set()
    hierarchy.plan_rotation(side, "health", mine, holders | {ola_slot}, os.urandom(32))   # she lacks the key
    sidecar.write(vault_path, side)                     # what Ola can do with the files and her own Python
    for name, passphrase in (("Ola", OLA), ("Nurse", NURSE)):
        vault.unlock(vault_path, name, passphrase).close()
    health_file = compartments.compartment_path(vault_path, "health")
    with pytest.raises(NotAVault):
        connect(health_file, mine, read_only=True)      # nothing was re-encrypted to the insider's key
    assert "health" not in sidecar.read(vault_path).pending
    nurse = vault.unlock(vault_path, "Nurse", NURSE)
    assert nurse.conn.execute("SELECT note FROM health_contacts").fetchone()[0] == SECRET
    nurse.close()
    admin = vault.unlock(vault_path, "Admin", PASSPHRASE)  # the admin runs the due rotation with fresh keys
    admin.close()
    side = sidecar.read(vault_path)
    assert not side.rotation_due and not side.pending and ola_slot not in side.grants["health"].sealed
    nurse = vault.unlock(vault_path, "Nurse", NURSE)
    assert nurse.conn.execute("SELECT note FROM health_contacts").fetchone()[0] == SECRET
    nurse.close()


def _as_ola(path: Path, sql: str, params: tuple = ()) -> None:
    """Ola's own SQL on the core file, with the core key her passphrase opens."""
    conn = connect(path, vault.open_data_key(path, OLA, user_name="Ola"))
    with transaction(conn):
        conn.execute(sql, params)
    conn.close()


def test_a_public_key_swapped_in_the_key_file_receives_nothing(vault_path: Path, team) -> None:
    from fieldapp.crypto.keys import MemberKeys

    mine = MemberKeys.generate()
    side = sidecar.read(vault_path)
    side.members["recovery"].box_public = mine.box_public     # Ola's key where the recovery key's was
    sidecar.write(vault_path, side)
    admin = vault.unlock(vault_path, "Admin", PASSPHRASE)
    nurse_id = next(u.id for u in users.list_all(admin) if u.name == "Nurse")
    members.deactivate(admin, nurse_id)                        # a rotation seals new keys to the recovery key
    admin.close()
    sealed = sidecar.read(vault_path).grants["health"].sealed["recovery"]
    assert mine.unseal(sealed) is None                          # sealed to the key the admin vouched for


def test_the_users_table_cannot_redirect_an_admin_action(vault_path: Path, team) -> None:
    admin = vault.unlock(vault_path, "Admin", PASSPHRASE)
    vault.add_user(admin, "Sam", "outreach", "sam passphrase one", PASSPHRASE)
    ids = {u.name: u.id for u in users.list_all(admin)}
    admin.close()
    ola_slot = sidecar.read(vault_path).membership
    ola_slot = next(slot for slot, entry in ola_slot.items() if entry["user_id"] == ids["Ola"])
    _as_ola(vault_path, "UPDATE users SET lookup_id = 'elsewhere' WHERE id = ?", (ids["Ola"],))
    _as_ola(vault_path, "UPDATE users SET lookup_id = ? WHERE id = ?", (ola_slot, ids["Sam"]))
    _as_ola(vault_path, "UPDATE users SET lookup_id = 'nowhere' WHERE id = ?", (ids["Nurse"],))
    admin = vault.unlock(vault_path, "Admin", PASSPHRASE)
    users.set_role(admin, ids["Sam"], "health")                # Sam gets health, not whoever the row points at
    members.deactivate(admin, ids["Nurse"])                    # and the nurse is revoked all the same
    admin.close()
    assert set(vault.open_keys(vault_path, OLA, user_name="Ola").keys) == {"core"}
    assert "health" in vault.open_keys(vault_path, "sam passphrase one", user_name="Sam").keys
    with pytest.raises(WrongPassphrase):
        vault.open_keys(vault_path, NURSE, user_name="Nurse")


def test_a_recovery_reset_gives_the_role_the_admin_vouched_for(vault_path: Path, team) -> None:
    _ola, recovery_key = team
    _as_ola(vault_path, "UPDATE users SET role = 'admin' WHERE name = 'Ola'")
    vault.reset_with_recovery(vault_path, recovery_key, "Ola", "ola's brand new passphrase")
    assert set(vault.open_keys(vault_path, "ola's brand new passphrase", user_name="Ola").keys) == {"core"}


def test_a_forged_member_list_stops_every_admin_action(vault_path: Path, team) -> None:
    from fieldapp.errors import IntegrityError

    side = sidecar.read(vault_path)
    ola_slot = next(slot for slot, entry in side.membership.items() if entry["role"] == "outreach")
    side.membership[ola_slot]["role"] = "health"              # Ola vouches for herself
    sidecar.write(vault_path, side)
    admin = vault.unlock(vault_path, "Admin", PASSPHRASE)
    try:
        ola_id = side.membership[ola_slot]["user_id"]
        with pytest.raises(IntegrityError):
            users.set_role(admin, ola_id, "outreach")
        with pytest.raises(IntegrityError):
            vault.add_user(admin, "Eve", "health", "eve passphrase one two", PASSPHRASE)
    finally:
        admin.close()
    assert set(vault.open_keys(vault_path, OLA, user_name="Ola").keys) == {"core"}


def test_deactivating_replaces_the_referral_signing_key_and_writes_a_statement(vault_path: Path, team) -> None:
    from fieldapp.referral import config

    admin = vault.unlock(vault_path, "Admin", PASSPHRASE)
    before = config.ensure_org_key(admin)
    nurse_id = next(u.id for u in users.list_all(admin) if u.name == "Nurse")
    statement = members.deactivate(admin, nurse_id)
    after = config.ensure_org_key(admin)
    admin.close()
    assert before != after and statement is not None and statement.is_file()
    assert before in statement.read_text() and after in statement.read_text()


_KILL_AFTER_KEYS_TURNED = textwrap.dedent("""
    import os, signal, sys
    from fieldapp.referral import config
    from fieldapp.lifecycle import members
    from fieldapp.security import leaving, users, vault

    def killed(*_args, **_kwargs):                   # the keys turned; the users list and org key not yet
        os.kill(os.getpid(), signal.SIGKILL)
    admin = vault.unlock(sys.argv[1], "Admin", sys.argv[2])
    print(config.ensure_org_key(admin), flush=True)    # the public key's fingerprint, to compare later
    nurse = next(u for u in users.list_all(admin) if u.name == "Nurse")
    leaving.finish = killed
    members.deactivate(admin, nurse.id)
""")


def test_a_deactivation_cut_short_after_the_keys_turned_is_finished_by_the_next_admin(vault_path: Path, team) -> None:
    from fieldapp.referral import config
    from fieldapp.security import membership

    result = subprocess.run([sys.executable, "-c", _KILL_AFTER_KEYS_TURNED, str(vault_path), PASSPHRASE],
                            capture_output=True, text=True, timeout=120, env=os.environ.copy())
    assert result.returncode == -9, result.stderr
    old_org_key = result.stdout.strip()
    assert len(membership.leaving(sidecar.read(vault_path))) == 1
    with pytest.raises(WrongPassphrase):                      # her keys are gone already
        vault.unlock(vault_path, "Nurse", NURSE)
    ola = vault.unlock(vault_path, "Ola", OLA)                # not an admin: nothing to finish
    ola.close()
    admin = members.unlock(vault_path, "Admin", PASSPHRASE)
    try:
        assert any("cut short" in warning for warning in admin.warnings)
        nurse = next(u for u in users.list_all(admin) if u.name == "Nurse")
        assert not nurse.active
        assert config.ensure_org_key(admin) != old_org_key    # she may have kept the referral signing key
    finally:
        admin.close()
    assert membership.leaving(sidecar.read(vault_path)) == {}
    statements = list((vault_path.parent / org_rotation.STATEMENT_FOLDER).iterdir())
    assert len(statements) == 1 and old_org_key in statements[0].read_text()
    admin = members.unlock(vault_path, "Admin", PASSPHRASE)     # finished once, not again
    assert not any("cut short" in warning for warning in admin.warnings)
    admin.close()


@pytest.mark.parametrize("sabotage", ["damaged signing key", "statement folder is a file"])
def test_an_admin_unlock_finishes_a_cut_short_deactivation_whatever_an_insider_left(vault_path: Path,
                                                                                    sabotage: str, team) -> None:
    from fieldapp.security import membership

    result = subprocess.run([sys.executable, "-c", _KILL_AFTER_KEYS_TURNED, str(vault_path), PASSPHRASE],
                            capture_output=True, text=True, timeout=120, env=os.environ.copy())
    assert result.returncode == -9, result.stderr
    if sabotage == "damaged signing key":               # Ola, with the core key and her own SQL
        conn = connect(vault_path, vault.open_data_key(vault_path, OLA, user_name="Ola"))
        with transaction(conn):
            conn.execute("UPDATE settings SET value = '\"!!\"' WHERE key = 'referral.org_signing_seed'")
        conn.close()
    else:
        (vault_path.parent / org_rotation.STATEMENT_FOLDER).write_text("not a folder")
    for _attempt in range(2):                           # never a lock-out, never a vault left locked
        admin = members.unlock(vault_path, "Admin", PASSPHRASE)
        try:
            assert not next(u for u in users.list_all(admin) if u.name == "Nurse").active
        finally:
            admin.close()
    assert membership.leaving(sidecar.read(vault_path)) == {}


def test_a_colleague_cannot_be_marked_leaving_by_editing_the_key_file(vault_path: Path, team) -> None:
    from fieldapp.security import membership

    side = sidecar.read(vault_path)
    ola_slot = next(slot for slot, entry in side.membership.items() if entry.get("role") == "outreach")
    membership.mark_leaving(side, ola_slot)                  # without the administration key: no valid MAC
    sidecar.write(vault_path, side)
    admin = members.unlock(vault_path, "Admin", PASSPHRASE)
    try:
        assert any("changed outside the app" in warning for warning in admin.warnings)
        assert all(u.active for u in users.list_all(admin))
    finally:
        admin.close()


def test_after_an_admin_leaves_the_other_admin_carries_on(vault_path: Path, team) -> None:
    admin = vault.unlock(vault_path, "Admin", PASSPHRASE)
    second = vault.add_user(admin, "Second", "admin", "second admin passphrase", PASSPHRASE)
    members.deactivate(admin, second.id)                    # every key turns, the administration key too
    vault.add_user(admin, "Kim", "outreach", "kim passphrase one", PASSPHRASE)
    admin.close()
    admin = vault.unlock(vault_path, "Admin", PASSPHRASE)
    try:
        assert {u.name for u in users.list_all(admin)} >= {"Kim", "Second"}
        from fieldapp.security import audit

        assert audit.verify(admin).ok
    finally:
        admin.close()
    with pytest.raises(WrongPassphrase):
        vault.unlock(vault_path, "Second", "second admin passphrase")


def test_a_vault_in_a_folder_named_with_uri_characters(tmp_path: Path) -> None:
    path = tmp_path / "team ?#% 50% & more" / "v.fieldapp"
    _team(path)
    nurse = vault.unlock(path, "Nurse", NURSE)
    try:
        assert nurse.conn.execute("SELECT note FROM health_contacts").fetchone()[0] == SECRET
    finally:
        nurse.close()
    assert sorted(p.name for p in path.parent.iterdir()) == ["v.fieldapp", "v.fieldapp.health", "v.fieldapp.keys",
                                                             "v.fieldapp.legal"]
    assert [p.name for p in tmp_path.iterdir()] == [path.parent.name]     # nothing written at a cut-off name


def test_a_missing_compartment_file_is_never_replaced_by_an_empty_one(vault_path: Path, tmp_path: Path, team) -> None:
    from fieldapp.errors import IntegrityError

    admin = vault.unlock(vault_path, "Admin", PASSPHRASE)
    usb = tmp_path / "usb"
    usb.mkdir()
    made = backup.backup_to(admin, usb).path
    admin.close()
    compartments.compartment_path(made, "health").unlink()
    with pytest.raises(IntegrityError):                        # a backup without its health file is not whole
        backup.restore(made, tmp_path / "elsewhere" / "v.fieldapp", PASSPHRASE, user_name="Admin")
    health_file = compartments.compartment_path(vault_path, "health")
    health_file.rename(tmp_path / "aside")
    nurse = vault.unlock(vault_path, "Nurse", NURSE)
    try:
        assert nurse.warnings and not nurse.can("health")
    finally:
        nurse.close()
    assert not health_file.exists()                            # no empty file took its place


def test_a_planted_file_and_pending_key_capture_nothing(vault_path: Path, tmp_path: Path, team) -> None:
    from fieldapp.security import hierarchy

    mine = os.urandom(32)
    health_file = compartments.compartment_path(vault_path, "health")
    health_file.rename(tmp_path / "aside")
    planted = connect(health_file, mine, create=True)          # an empty health file under Ola's key
    planted.executescript(compartments.SCHEMA["health"].replace("health.", ""))
    planted.close()
    side = sidecar.read(vault_path)
    side.pending["health"] = sidecar.Grant(side.grants["health"].epoch + 1, {
        slot: hierarchy.seal_for(side, "health", side.grants["health"].epoch + 1, mine, slot)
        for slot in side.grants["health"].sealed}, os.urandom(32))
    sidecar.write(vault_path, side)
    nurse = vault.unlock(vault_path, "Nurse", NURSE)
    try:
        assert nurse.warnings and "health" not in nurse.keys      # left out, never adopted
    finally:
        nurse.close()
    assert "health" in sidecar.read(vault_path).grants and sidecar.read(vault_path).grants["health"].epoch == 1


def test_a_slot_the_admin_never_vouched_for_never_becomes_an_audit_signer(vault_path: Path, team) -> None:
    from fieldapp.crypto.keys import MemberKeys
    from fieldapp.security import hierarchy

    side = sidecar.read(vault_path)
    fake = "f" * 32
    side.members[fake] = hierarchy.new_member(side, fake, "ola knows this", hierarchy.keys.FLOOR,
                                              MemberKeys.generate())[0]
    sidecar.write(vault_path, side)
    _as_ola(vault_path, "UPDATE users SET lookup_id = ? WHERE name = 'Nurse'", (fake,))
    vault.unlock(vault_path, "Admin", PASSPHRASE).close()
    assert fake not in sidecar.read(vault_path).signers


def test_switching_the_duress_wipe_off_in_the_key_file_is_reported_to_admins(vault_path: Path, team) -> None:
    admin = vault.unlock(vault_path, "Admin", PASSPHRASE)
    vault.set_wipe_passphrase(admin, "duress words for wiping", wipe_after=5)
    admin.close()
    admin = vault.unlock(vault_path, "Admin", PASSPHRASE)
    assert not admin.warnings
    admin.close()
    side = sidecar.read(vault_path)
    side.wipe_check, side.wipe_after = None, 0                  # what an insider with the files can write
    sidecar.write(vault_path, side)
    admin = vault.unlock(vault_path, "Admin", PASSPHRASE)
    try:
        assert any("emergency settings" in warning for warning in admin.warnings)
    finally:
        admin.close()
