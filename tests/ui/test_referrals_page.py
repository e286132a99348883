"""Referring through the real widgets: wizard, preview in words, seal, sync to a folder, CMM intake,
acknowledged in the outbox; importing CMM's key checks its fingerprint first."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox

from fieldapp.cmm import intake
from fieldapp.cmm import store as intake_store
from fieldapp.cmm.folder import receive_folder
from fieldapp.referral import config, service
from fieldapp.ui.referrals_page import ReferralsPage
from tests.referral.helpers import add_contact, add_person, cmm_public_bytes, cmm_secret, crowd, setup_channel

SENTINEL_ALIAS = "Sentinel Rose Qx7"


@pytest.fixture
def page(qtbot, session, tmp_path: Path):
    setup_channel(session)
    usb = tmp_path / "usb"
    usb.mkdir()
    config.set_transport(session, replace(config.transport(session), kind="folder", folder=str(usb)))
    crowd(session.conn, 6)
    person = add_person(session.conn, alias=SENTINEL_ALIAS, phone="+45 1111 2222")
    add_contact(session.conn, person, kind="street", indicators="documents_withheld debt", note="secret note")
    widget = ReferralsPage(session)
    qtbot.addWidget(widget)
    widget.show()
    widget.usb = usb
    return widget


def _choose_person(qtbot, page: ReferralsPage) -> None:
    qtbot.keyClicks(page.person_combo.lineEdit(), "Sentinel")
    assert page.person_combo.count() == 1
    page.person_combo.setCurrentIndex(0)


def test_wizard_seal_sync_intake_acknowledged(qtbot, page, session, tmp_path: Path) -> None:
    _choose_person(qtbot, page)
    qtbot.mouseClick(page.new_button, Qt.MouseButton.LeftButton)
    wizard = page.wizard
    assert set(wizard.indicators.checked()) == {"documents_withheld", "debt"}      # pre-filled from contacts
    wizard.help.set_checked(["identification_interview"])
    wizard.forms.set_checked(["sexual"])
    qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    wizard.sheet_language.setCurrentIndex(wizard.sheet_language.findData("en"))
    wizard.sheet_version.setText("bad version!")
    qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    assert "version" in wizard.message.text() and wizard.stack.currentIndex() == 1
    wizard.sheet_version.setText("2026.1")
    qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    shown = wizard.preview_text.toPlainText()
    assert "CMM" in shown and SENTINEL_ALIAS not in shown and "+45" not in shown
    qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    assert not wizard.isVisible() and wizard.packet_id
    assert [e.status for e in service.list_outbox(session)] == ["queued"]
    assert page.model.rowCount() == 1

    with qtbot.waitSignal(page.start_sync().finished_ok, timeout=20_000):
        pass
    assert "Sent: 1" in page.report.text()
    packets = list(page.usb.glob("*.cmmpkt"))
    assert len(packets) == 1 and SENTINEL_ALIAS.encode() not in packets[0].read_bytes()

    store = intake_store.create(tmp_path / "cmm" / "intake.store", "cmm store passphrase")
    intake.register(store, config.export_org_key(session))
    assert [r.accepted for r in receive_folder(intake.Intake(store, cmm_secret()), page.usb)] == [True]
    intake_store.close(store)
    with qtbot.waitSignal(page.start_sync().finished_ok, timeout=20_000):
        pass
    assert page.model.row_at(0).status == "acknowledged"


def test_withdrawn_consent_is_never_sent(qtbot, page, session, monkeypatch) -> None:
    _choose_person(qtbot, page)
    qtbot.mouseClick(page.new_button, Qt.MouseButton.LeftButton)
    wizard = page.wizard
    wizard.forms.set_checked(["sexual"])
    for _step in range(3):
        qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    page.table.selectRow(0)
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes))
    qtbot.mouseClick(page.withdraw_button, Qt.MouseButton.LeftButton)
    assert page.model.row_at(0).status == "withdrawn"
    with qtbot.waitSignal(page.start_sync().finished_ok, timeout=20_000):
        pass
    assert list(page.usb.glob("*.cmmpkt")) == []


def test_cmm_key_import_asks_to_compare_fingerprint(qtbot, page, session, tmp_path: Path, monkeypatch) -> None:
    key_file = tmp_path / "cmm.json"
    key_file.write_bytes(cmm_public_bytes())
    asked = []
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(key_file), "")))
    monkeypatch.setattr(QMessageBox, "question", staticmethod(
        lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.No))
    qtbot.mouseClick(page.settings.import_button, Qt.MouseButton.LeftButton)
    expected = config.read_cmm_key(key_file.read_bytes()).fingerprint
    assert asked and expected in asked[0]
    assert "not imported" in page.settings.message.text()
    bad = tmp_path / "bad.json"
    bad.write_bytes(b"{not a key")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(bad), "")))
    qtbot.mouseClick(page.settings.import_button, Qt.MouseButton.LeftButton)
    assert page.settings.message.text() and len(asked) == 1
