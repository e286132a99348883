"""A one-key vault of the first kind with several users: only an admin upgrades it; afterwards each
user's old slot opens the core records only, until an admin grants their role's keys."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from fieldapp.crypto import keys
from fieldapp.domain.records import User
from fieldapp.errors import NeedsUpgrade, NotAVault, WrongPassphrase
from fieldapp.security import slots, users, vault
from fieldapp.storage import compartments, migrations, sidecar, users_repo
from fieldapp.storage.connection import connect, transaction
from fieldapp.storage.sidecar import Sidecar
from tests.conftest import PASSPHRASE

NURSE, OLA = "nurse passphrase one", "ola passphrase one"
NOTE = "Old-Health-Note-7312"


def _first_kind_vault(path: Path) -> str:
    """What an earlier version wrote: one data key wrapped by each passphrase, every table in one file."""
    data_key = keys.new_data_key()
    side = Sidecar(vault_id=secrets.token_hex(16), lookup_salt=keys.new_salt())
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = connect(path, data_key, create=True)
    migrations.migrate(conn)
    with transaction(conn):
        for name, role, passphrase in (("Admin", "admin", PASSPHRASE), ("Nurse", "health", NURSE),
                                       ("Ola", "outreach", OLA)):
            slot_id = keys.lookup_id(side.lookup_salt, name)
            side.slots[slot_id] = slots.make_legacy_slot(side, slot_id, passphrase, data_key, keys.FLOOR)
            users_repo.insert_user(conn, User(name=name, role=role), slot_id)
        person = conn.execute("INSERT INTO people (reference, alias, alias_key, nationality, first_contact,"
                              " last_contact) VALUES ('r1', 'Mali', 'mali', 'TH', '2026-11-01', '2026-11-01')"
                              " RETURNING id").fetchone()[0]
        contact = conn.execute("INSERT INTO contacts (person_id, kind, occurred_at) VALUES (?, 'health', "
                               "'2026-11-01T20:00:00+00:00') RETURNING id", (person,)).fetchone()[0]
        conn.execute("INSERT INTO health_contacts (contact_id, reason, note) VALUES (?, 'injury', ?)",
                     (contact, NOTE))
    conn.close()
    recovery_key = keys.new_recovery_key()
    side.recovery = slots.make_legacy_slot(side, "recovery", recovery_key, data_key, keys.FLOOR)
    sidecar.write(path, side, create=True)
    return recovery_key


def test_only_an_admin_upgrades_and_the_others_follow(vault_path: Path) -> None:
    _first_kind_vault(vault_path)
    before = sidecar.sidecar_path(vault_path).read_bytes()
    for name, passphrase in (("Nurse", NURSE), ("Ola", OLA)):
        with pytest.raises(NeedsUpgrade):
            vault.unlock(vault_path, name, passphrase)
        with pytest.raises(NeedsUpgrade):
            vault.upgrade(vault_path, name, passphrase)
    assert sidecar.sidecar_path(vault_path).read_bytes()[:4096] == before[:4096]
    assert not compartments.compartment_path(vault_path, "health").exists()

    admin, _new_recovery = vault.upgrade(vault_path, "Admin", PASSPHRASE)
    assert admin.conn.execute("SELECT note FROM health_contacts").fetchone()[0] == NOTE
    core_tables = {r[0] for r in admin.conn.execute("SELECT name FROM main.sqlite_master WHERE type = 'table'")}
    assert "health_contacts" not in core_tables                     # moved out of the core file
    admin.close()
    assert NOTE.encode() not in vault_path.read_bytes()

    nurse = vault.unlock(vault_path, "Nurse", NURSE)                # the old slot still opens the core
    assert set(nurse.keys) == {"core"} and not nurse.can("health")
    nurse.close()
    admin = vault.unlock(vault_path, "Admin", PASSPHRASE)
    nurse_id = next(u.id for u in users.list_all(admin) if u.name == "Nurse")
    users.set_role(admin, nurse_id, "health")                      # no public key vouched for yet: no key sealed
    assert set(vault_keys_of(admin, "Nurse", NURSE)) == {"core"}
    enrolled = vault.add_user(admin, "Nurse", "health", "nurse's new passphrase", PASSPHRASE)   # in person
    assert enrolled.id == nurse_id
    admin.close()
    nurse = vault.unlock(vault_path, "Nurse", "nurse's new passphrase")
    assert nurse.can("health") and nurse.conn.execute("SELECT note FROM health_contacts").fetchone()[0] == NOTE
    nurse.close()
    with pytest.raises(WrongPassphrase):
        vault.unlock(vault_path, "Nurse", NURSE)

    ola_key = vault.open_data_key(vault_path, OLA, user_name="Ola")  # an outreach slot of the first kind
    with pytest.raises(NotAVault):
        connect(compartments.compartment_path(vault_path, "health"), ola_key, read_only=True)


def vault_keys_of(admin, name: str, passphrase: str) -> set[str]:
    """The compartments a user's slot opens, read while the admin's session holds the vault."""
    side = sidecar.read(admin.path)
    opened = slots.open_slot(side, keys.lookup_id(side.lookup_salt, name), passphrase)
    return set(opened.keys) if opened else set()


def test_after_an_upgrade_a_key_planted_on_a_colleagues_slot_receives_nothing(vault_path: Path) -> None:
    from fieldapp.crypto.keys import MemberKeys
    from fieldapp.security import hierarchy

    _first_kind_vault(vault_path)
    vault.upgrade(vault_path, "Admin", PASSPHRASE)[0].close()
    mine = MemberKeys.generate()
    side = sidecar.read(vault_path)
    nurse_slot = keys.lookup_id(side.lookup_salt, "Nurse")
    side.members[nurse_slot] = hierarchy.new_member(side, nurse_slot, "ola knows this", keys.FLOOR, mine)[0]
    side.rotation_due = ["health"]                                  # and a rotation for the admin to run
    sidecar.write(vault_path, side)
    admin = vault.unlock(vault_path, "Admin", PASSPHRASE)
    nurse_id = next(u.id for u in users.list_all(admin) if u.name == "Nurse")
    users.set_role(admin, nurse_id, "health")
    admin.close()
    side = sidecar.read(vault_path)
    assert nurse_slot not in side.grants["health"].sealed and "health" not in side.rotation_due
    assert all(mine.unseal(sealed) is None for grant in side.grants.values() for sealed in grant.sealed.values())
