"""Settings for administrators through the real widgets: users, audit, backup, retention, wipe."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from fieldapp.security import vault
from fieldapp.ui.main_window import MainWindow
from tests.conftest import PASSPHRASE, copy_vault


def _anna(path: Path) -> None:
    vault.create_vault(path, "Anna", "admin", PASSPHRASE)[0].close()


@pytest.fixture
def unlocked(qtbot, vault_path: Path, made_once):
    copy_vault(made_once("settings-anna", _anna)[0], vault_path)     # _anna(vault_path), made once per process
    win = MainWindow(vault_path)
    qtbot.addWidget(win)
    win.show()
    qtbot.keyClicks(win.unlock_page.user_edit, "Anna")
    qtbot.keyClicks(win.unlock_page.passphrase_edit, PASSPHRASE)
    qtbot.keyClick(win.unlock_page.passphrase_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not win.unlock_page.busy(), timeout=30_000)
    assert win.session is not None
    yield win
    if win.session is not None:
        win.lock()


def test_admin_adds_a_user_who_can_then_unlock(qtbot, unlocked, vault_path: Path) -> None:
    tab = unlocked.pages["settings"].extra_tabs["users"]
    qtbot.keyClicks(tab.name_edit, "Nurse Kim")
    tab.role_combo.setCurrentIndex(tab.role_combo.findData("health"))
    qtbot.keyClicks(tab.pass_edit, "nurse passphrase one")
    qtbot.keyClicks(tab.repeat_edit, "nurse passphrase one")
    qtbot.keyClicks(tab.admin_edit, PASSPHRASE)
    qtbot.mouseClick(tab.add_button, Qt.MouseButton.LeftButton)
    assert tab.message.text() == "User added."
    assert [tab.model.row_at(i).name for i in range(tab.model.rowCount())] == ["Anna", "Nurse Kim"]
    unlocked.lock()
    nurse = vault.unlock(vault_path, "Nurse Kim", "nurse passphrase one")
    assert nurse.user.role == "health"
    nurse.close()


def test_add_user_with_wrong_admin_passphrase_explains(qtbot, unlocked) -> None:
    tab = unlocked.pages["settings"].extra_tabs["users"]
    qtbot.keyClicks(tab.name_edit, "Ola")
    qtbot.keyClicks(tab.pass_edit, "ola passphrase one")
    qtbot.keyClicks(tab.repeat_edit, "ola passphrase one")
    qtbot.keyClicks(tab.admin_edit, "not mine")
    qtbot.mouseClick(tab.add_button, Qt.MouseButton.LeftButton)
    assert "not right" in tab.message.text()
    assert tab.model.rowCount() == 1


def test_audit_tab_lists_and_filters_and_verifies(qtbot, unlocked) -> None:
    tab = unlocked.pages["settings"].extra_tabs["audit"]
    actions = {tab.model.row_at(i).action for i in range(tab.model.rowCount())}
    assert {"vault.create", "unlock"} <= actions
    qtbot.keyClicks(tab.filter_edit, "unlock")
    assert {tab.model.row_at(i).action for i in range(tab.model.rowCount())} == {"unlock"}
    qtbot.mouseClick(tab.verify_button, Qt.MouseButton.LeftButton)
    assert "complete" in tab.result.text()


def test_backup_from_settings_with_progress(qtbot, unlocked, tmp_path: Path, monkeypatch) -> None:
    usb = tmp_path / "usb"
    usb.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: str(usb)))
    tab = unlocked.pages["settings"].extra_tabs["data"]
    assert "No backup" in tab.backup_status.text()
    tab.choose_backup_folder()
    with qtbot.waitSignal(tab.task.finished_ok, timeout=20_000):
        pass
    assert "verified" in tab.backup_status.text()
    assert len(list(usb.glob("*.fieldapp"))) == 1


def test_retention_run_asks_first(qtbot, unlocked, monkeypatch) -> None:
    tab = unlocked.pages["settings"].extra_tabs["data"]
    asked = []
    monkeypatch.setattr(QMessageBox, "question", staticmethod(
        lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.No))
    qtbot.mouseClick(tab.preview_button, Qt.MouseButton.LeftButton)
    assert "0 people" in tab.retention_result.text()
    qtbot.mouseClick(tab.run_button, Qt.MouseButton.LeftButton)
    assert asked and "cannot be undone" in asked[0]


def test_panic_wipe_from_settings(qtbot, unlocked, vault_path: Path, monkeypatch) -> None:
    tab = unlocked.pages["settings"].extra_tabs["data"]
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Cancel))
    qtbot.mouseClick(tab.panic_button, Qt.MouseButton.LeftButton)
    assert vault_path.exists() and unlocked.session is not None
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes))
    qtbot.mouseClick(tab.panic_button, Qt.MouseButton.LeftButton)
    assert unlocked.session is None and not vault_path.exists()
    assert list(vault_path.parent.iterdir()) == []
    assert "destroyed" in unlocked.unlock_page.error_label.text()


def test_outreach_user_sees_no_admin_tabs(qtbot, vault_path: Path) -> None:
    session, _ = vault.create_vault(vault_path, "Anna", "admin", PASSPHRASE)
    vault.add_user(session, "Ola", "outreach", "ola passphrase one", PASSPHRASE)
    session.close()
    win = MainWindow(vault_path)
    qtbot.addWidget(win)
    win.open_session(vault.unlock(vault_path, "Ola", "ola passphrase one"))
    assert set(win.pages["settings"].extra_tabs) == {"data"}
    assert not win.pages["settings"].extra_tabs["data"].panic_button.isEnabled()
    win.lock()


def test_platform_lock_signal_locks(qtbot, unlocked) -> None:
    unlocked.platform_lock.on_platform_event(True)
    assert unlocked.session is None


def test_sensitive_clipboard_is_hinted_and_cleared(qtbot, unlocked) -> None:
    from fieldapp.ui.clipboard import SensitiveClipboard

    clip = SensitiveClipboard(clear_after_ms=200)
    clip.copy("REF-123")
    data = QGuiApplication.clipboard().mimeData()
    assert QGuiApplication.clipboard().text() == "REF-123"
    assert bytes(data.data("x-kde-passwordManagerHint")) == b"secret"
    qtbot.waitUntil(lambda: QGuiApplication.clipboard().text() == "", timeout=3000)
    unlocked.clipboard.copy("REF-456")
    unlocked.lock()
    assert QGuiApplication.clipboard().text() == ""


def test_organisation_details_make_real_leaflets_possible(qtbot, unlocked) -> None:
    from fieldapp.records import organisation

    tab = unlocked.pages["settings"].extra_tabs["organisation"]
    assert not organisation.load(unlocked.session).can_print_for_real()
    qtbot.keyClicks(tab.name_edit, "Street Outreach Aarhus")
    qtbot.mouseClick(tab.add_line_button, Qt.MouseButton.LeftButton)
    tab.lines.item(0, 0).setText("Hotline")
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    assert "label and a value" in tab.message.text()
    tab.lines.item(0, 1).setText("+45 12 34 56 78")
    qtbot.keyClicks(tab.hotline_edit, "call me")
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    assert "phone number" in tab.message.text()
    tab.hotline_edit.setText("+45 12 34 56 78")
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    org = organisation.load(unlocked.session)
    assert org.can_print_for_real() and org.contact_lines[0].value == "+45 12 34 56 78"
    assert org.hotline == "+45 12 34 56 78"


def test_lock_closes_a_half_filled_form_without_asking(qtbot, unlocked) -> None:
    from fieldapp.ui.record_form import RecordForm

    unlocked.nav.setCurrentRow(0)
    visits_tab = next(w for w in unlocked.pages["visits"].findChildren(QWidget) if hasattr(w, "new_visit"))
    visits_tab.new_visit()
    forms = [w for w in unlocked.findChildren(RecordForm) if w.isVisible()]
    assert forms
    forms[0].dirty = True                      # as if something was typed
    unlocked.lock()                            # a prompt here would fail the test (un-mocked dialog)
    assert unlocked.session is None
    assert not any(w.isVisible() for w in unlocked.findChildren(RecordForm))


def test_admin_makes_a_new_recovery_key_from_the_users_tab(qtbot, unlocked, vault_path: Path) -> None:
    tab = unlocked.pages["settings"].extra_tabs["users"]
    qtbot.mouseClick(tab.recovery_button, Qt.MouseButton.LeftButton)
    assert "passphrase" in tab.message.text() and tab.recovery_dialog is None      # asks for it first
    qtbot.keyClicks(tab.admin_edit, PASSPHRASE)
    qtbot.mouseClick(tab.recovery_button, Qt.MouseButton.LeftButton)
    dialog = tab.recovery_dialog
    assert dialog is not None and dialog.isVisible() and tab.admin_edit.text() == ""
    new_key = dialog.panel.key_label.text()
    qtbot.mouseClick(dialog.panel.stored_check, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.panel.done_button, Qt.MouseButton.LeftButton)
    assert "no longer works" in tab.message.text()
    unlocked.lock()
    from fieldapp.storage import sidecar

    assert not sidecar.read(vault_path).recovery_unconfirmed
    vault.reset_with_recovery(vault_path, new_key, "Anna", "a brand new passphrase one")
