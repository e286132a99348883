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
    qtbot.keyClick(wizard.notice_read, Qt.Key.Key_Space)
    qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    assert "version" in wizard.message.text() and wizard.stack.currentIndex() == 1
    wizard.sheet_version.setText("2026.1")
    qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    shown = wizard.preview_text.toPlainText()
    assert "CMM" in shown and SENTINEL_ALIAS not in shown and "+45" not in shown
    qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    assert not wizard.isVisible() and wizard.packet_id
    assert [e.status for e in service.list_outbox(session)] == ["queued"]
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)          # pages refresh a turn after the change

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
    qtbot.waitUntil(lambda: page.model.row_at(0).status == "acknowledged")    # the list refills a turn after


def test_withdrawn_consent_is_never_sent(qtbot, page, session, monkeypatch) -> None:
    _choose_person(qtbot, page)
    qtbot.mouseClick(page.new_button, Qt.MouseButton.LeftButton)
    wizard = page.wizard
    wizard.forms.set_checked(["sexual"])
    qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    qtbot.keyClick(wizard.notice_read, Qt.Key.Key_Space)          # the sentence about the police was read
    for _step in range(2):
        qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)          # the list refills a turn after the change
    page.table.selectRow(0)
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes))
    qtbot.mouseClick(page.withdraw_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.model.row_at(0) is not None and page.model.row_at(0).status == "withdrawn")
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


def test_a_referral_for_assessment_through_the_wizard(qtbot, page, session) -> None:
    cmm = cmm_secret()
    import json

    from fieldapp.protocol import crypto
    from fieldapp.storage import outbox_repo

    with session.write() as conn:
        conn.execute("UPDATE people SET languages = 'en yo' WHERE alias = ?", (SENTINEL_ALIAS,))
    _choose_person(qtbot, page)
    qtbot.mouseClick(page.new_button, Qt.MouseButton.LeftButton)
    wizard = page.wizard
    wizard.forms.set_checked(["sexual"])
    qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    assert wizard.stack.currentIndex() == 1 and not wizard.assessment_box.isVisible()
    assert "reports a case of human trafficking to the police" in wizard.police_notice.text()
    wizard.scope.setCurrentIndex(wizard.scope.findData("assessment"))
    assert wizard.assessment_box.isVisible()
    assert set(wizard.interpreter.checked()) == {"eng", "yor"}      # suggested from the languages she speaks
    wizard.interpreter.set_checked(["bin", "pcm"])
    wizard.residence.setCurrentIndex(wizard.residence.findData("no_legal_residence"))
    wizard.police_wish.setCurrentIndex(wizard.police_wish.findData("no"))
    wizard.times.set_checked([])
    qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    assert wizard.stack.currentIndex() == 1                          # not read aloud, no safe time: both said
    assert "police aloud" in wizard.message.text() and "time of day" in wizard.message.text()
    qtbot.keyClick(wizard.notice_read, Qt.Key.Key_Space)
    wizard.times.set_checked(["evening"])
    qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    shown = wizard.preview_text.toPlainText()
    assert "Edo (Bini)" in shown and "Nigerian Pidgin" in shown and "Does not want to report" in shown
    assert not wizard.reason.isVisible()                             # agreed to: no k-rule reason asked
    qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    assert not wizard.isVisible()
    sealed = outbox_repo.sealed_bytes(session.conn, wizard.packet_id)
    body = json.loads(crypto.split_signed(crypto.open_packet(sealed, cmm))[2])
    assert body["consent"]["scope"] == "assessment" and body["assessment"]["interpreter"] == ["bin", "pcm"]
    assert SENTINEL_ALIAS.encode() not in sealed and b"1111" not in crypto.open_packet(sealed, cmm)


def test_immediate_danger_asks_for_a_call_and_records_it(qtbot, page, session) -> None:
    config.set_transport(session, replace(config.transport(session), cmm_phone="+45 00 00 00 00"))
    _choose_person(qtbot, page)
    qtbot.mouseClick(page.new_button, Qt.MouseButton.LeftButton)
    wizard = page.wizard
    wizard.show()
    assert not wizard.urgent_help.isVisible()
    qtbot.keyClick(wizard.urgent, Qt.Key.Key_Space)
    assert wizard.urgent_help.isVisible() and "+45 00 00 00 00" in wizard.urgent_help.text()
    assert "112" in wizard.urgent_help.text()
    qtbot.mouseClick(wizard.urgent_called, Qt.MouseButton.LeftButton)
    assert "Call recorded" in wizard.urgent_help.text()
    assert service.get(session, wizard.referral.id).urgent_call_at is not None


def test_the_urgent_help_never_makes_up_a_number(qtbot, page, session) -> None:
    _choose_person(qtbot, page)
    qtbot.mouseClick(page.new_button, Qt.MouseButton.LeftButton)
    wizard = page.wizard
    wizard.show()
    qtbot.keyClick(wizard.urgent, Qt.Key.Key_Space)
    text = wizard.urgent_help.text()
    assert "112" in text and "not in the settings" in text
    import re
    assert re.findall(r"\d[\d ]{5,}", text) == []


def test_an_answer_cmm_gave_by_phone_is_recorded_from_the_list(qtbot, page, session) -> None:
    from fieldapp.ui.outcome_dialog import OutcomeDialog

    _choose_person(qtbot, page)
    qtbot.mouseClick(page.new_button, Qt.MouseButton.LeftButton)
    wizard = page.wizard
    wizard.forms.set_checked(["sexual"])
    qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    qtbot.keyClick(wizard.notice_read, Qt.Key.Key_Space)
    for _step in range(2):
        qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    if wizard.isVisible():                                   # alone in the records: a reason for exact details
        qtbot.keyClicks(wizard.reason, "CMM asked for the exact details")
        qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(page.start_sync().finished_ok, timeout=20_000):
        pass
    page.reload()
    assert page.model.row_at(0).status == "sent"
    page.table.selectRow(0)
    qtbot.mouseClick(page.outcome_button, Qt.MouseButton.LeftButton)
    dialog = page.outcome
    assert isinstance(dialog, OutcomeDialog) and not dialog.assessment.isVisible()
    dialog.status.setCurrentIndex(dialog.status.findData("assessed"))
    assert dialog.assessment.isVisible() and not dialog.first.isVisible()
    dialog.assessment.setCurrentIndex(dialog.assessment.findData("victim"))
    dialog.save()
    assert not dialog.isVisible()
    qtbot.waitUntil(lambda: page.model.row_at(0) is not None
                    and page.model.row_at(0).cmm_status == "Assessed: a victim of trafficking (by phone)")
