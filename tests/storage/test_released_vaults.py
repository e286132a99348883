"""Vault files kept from each schema version open with today's code, upgrade, and keep their data
(Electrum's way: real old files, not only migrations replayed). Add a file here for every release."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from fieldapp.records import contacts, people
from fieldapp.security import vault
from fieldapp.storage import migrations
from fieldapp.storage.connection import integrity_problems

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
KEPT = {4: ("Fixture", "fixture passphrase v4", "8XKSM-BN6JE-TCKEF-P7FEH-B06V7-AQC5N")}


@pytest.mark.parametrize("version", sorted(KEPT))
def test_kept_vault_opens_upgrades_and_keeps_its_records(tmp_path: Path, version: int) -> None:
    user, passphrase, recovery_key = KEPT[version]
    source = FIXTURES / f"schema-v{version}.fieldapp"
    copy = tmp_path / source.name
    shutil.copy(source, copy)
    shutil.copy(source.with_name(source.name + ".keys"), copy.with_name(copy.name + ".keys"))
    session = vault.unlock(copy, user, passphrase)
    try:
        assert migrations.schema_version(session.conn) == migrations.LATEST
        assert integrity_problems(session.conn, full=True) == []
        (person,) = people.list_people(session)
        assert person.alias == "Fixture Rose" and person.nationality == "TH"
        assert [e.contact.indicators for e in contacts.timeline(session, person.id)] == [("debt",)]
    finally:
        session.close()
    vault.reset_with_recovery(copy, recovery_key, user, "a new passphrase after upgrade")
