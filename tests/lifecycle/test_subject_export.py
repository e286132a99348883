"""Data-subject access: the encrypted export opens only with its passphrase, the printable PDF holds
the person's data, and health details appear only for health staff."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader

from fieldapp.domain.records import Contact, HealthContact, Person
from fieldapp.errors import InvalidInput
from fieldapp.lifecycle import subject_export
from fieldapp.records import contacts, health, people
from fieldapp.security import vault
from tests.conftest import AGREED, PASSPHRASE

ALIAS = "Sentinel Lotus 4e1"


def _person_with_health(vault_path: Path) -> int:
    session, _ = vault.create_vault(vault_path, "Admin", "admin", PASSPHRASE)
    vault.add_user(session, "Nurse", "health", "nurse passphrase one", PASSPHRASE)
    vault.add_user(session, "Ola", "outreach", "ola passphrase one", PASSPHRASE)
    session.close()
    nurse = vault.unlock(vault_path, "Nurse", "nurse passphrase one")
    person = people.create_person(nurse, Person(**AGREED, alias=ALIAS, gender="woman", age_estimate=30,
                                                              nationality="TH"))
    when = datetime.now(UTC) - timedelta(days=2)
    contacts.create_contact(nurse, Contact(person_id=person.id, kind="street", occurred_at=when))
    health.save_health_contact(nurse, Contact(person_id=person.id, kind="health", occurred_at=when),
                               HealthContact(contact_id=0, reason="contraception"))
    nurse.close()
    return person.id


def test_encrypted_export_round_trip(vault_path: Path, tmp_path: Path) -> None:
    person_id = _person_with_health(vault_path)
    nurse = vault.unlock(vault_path, "Nurse", "nurse passphrase one")
    out = tmp_path / "usb"
    out.mkdir()
    with pytest.raises(InvalidInput):
        subject_export.export_person(nurse, person_id, out, "short")
    path = subject_export.export_person(nurse, person_id, out, "lotus export words")
    nurse.close()
    raw = path.read_bytes()
    assert ALIAS.encode() not in raw and list(out.iterdir()) == [path]
    data = subject_export.decrypt(raw, "lotus export words")
    assert data["person"]["alias"] == ALIAS
    assert any(c["health"] and c["health"]["reason"] == "contraception" for c in data["contacts"])
    with pytest.raises(InvalidInput):
        subject_export.decrypt(raw, "wrong words entirely")
    with pytest.raises(InvalidInput):
        subject_export.decrypt(raw[:-10], "lotus export words")


def test_printable_pdf_and_role_limits(vault_path: Path) -> None:
    person_id = _person_with_health(vault_path)
    ola = vault.unlock(vault_path, "Ola", "ola passphrase one")
    pdf = subject_export.printable(ola, person_id)
    data = subject_export.collect(ola, person_id)
    ola.close()
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert ALIAS in text and "What we hold about you" in text
    assert "contraception" not in text and "health or legal staff" in text
    assert all(c["health"] is None for c in data["contacts"])
