"""Vault files kept from each schema version open with today's code, upgrade, and keep their data
(Electrum's way: real old files, not only migrations replayed). Add a file here for every release."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from fieldapp.errors import NeedsUpgrade, WrongPassphrase
from fieldapp.records import contacts, people
from fieldapp.security import vault
from fieldapp.storage import migrations, sidecar
from fieldapp.storage.connection import connect, integrity_problems, transaction

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
KEPT = {4: ("Fixture", "fixture passphrase v4", "8XKSM-BN6JE-TCKEF-P7FEH-B06V7-AQC5N")}


def _copy(tmp_path: Path, version: int) -> Path:
    source = FIXTURES / f"schema-v{version}.fieldapp"
    copy = tmp_path / source.name
    shutil.copy(source, copy)
    shutil.copy(source.with_name(source.name + ".keys"), copy.with_name(copy.name + ".keys"))
    return copy


@pytest.mark.parametrize("version", sorted(KEPT))
def test_kept_vault_opens_upgrades_and_keeps_its_records(tmp_path: Path, version: int) -> None:
    user, passphrase, recovery_key = KEPT[version]
    copy = _copy(tmp_path, version)
    with pytest.raises(NeedsUpgrade):                       # one data key: nobody uses it before the upgrade
        vault.unlock(copy, user, passphrase)
    session, new_recovery_key = vault.upgrade(copy, user, passphrase)
    try:
        assert migrations.schema_version(session.conn) == migrations.LATEST
        assert integrity_problems(session.conn, full=True) == []
        (person,) = people.list_people(session)
        assert person.alias == "Fixture Rose" and person.nationality == "TH"
        assert [e.contact.indicators for e in contacts.timeline(session, person.id)] == [("debt",)]
        assert set(session.keys) == {"core", "health", "legal", "admin"}
    finally:
        session.close()
    for name in ("health", "legal"):                         # the compartments are files of their own now
        assert copy.with_name(f"{copy.name}.{name}").is_file()
    pre = copy.with_name(copy.name + ".pre-upgrade")        # the verified copy under the old key: destroyed
    assert not pre.exists() and not pre.with_name(pre.name + ".keys").exists()
    with pytest.raises(WrongPassphrase):                     # the old printed recovery key opens nothing now
        vault.reset_with_recovery(copy, recovery_key, user, "a new passphrase after upgrade")
    vault.reset_with_recovery(copy, new_recovery_key, user, "a new passphrase after upgrade")
    vault.unlock(copy, user, "a new passphrase after upgrade").close()


@pytest.mark.parametrize("version", sorted(KEPT))
def test_only_an_admin_upgrades(tmp_path: Path, version: int) -> None:
    user, passphrase, _recovery = KEPT[version]
    copy = _copy(tmp_path, version)
    side = sidecar.read(copy)
    session_keys = vault.open_keys(copy, passphrase, user_name=user)
    conn = connect(copy, bytes(session_keys.keys["core"]))
    with transaction(conn):
        conn.execute("UPDATE users SET role = 'outreach'")
    conn.close()
    with pytest.raises(NeedsUpgrade):
        vault.upgrade(copy, user, passphrase)
    assert sidecar.read(copy).legacy and sidecar.read(copy).slots == side.slots
    assert not copy.with_name(copy.name + ".health").exists()
