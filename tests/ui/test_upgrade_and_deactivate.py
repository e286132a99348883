"""Through the real widgets: an earlier version's vault is upgraded from the lock screen (the new
recovery key must be acknowledged), a non-admin is refused, and deactivating a user asks first."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from fieldapp.errors import NeedsUpgrade, PermissionDenied, WrongPassphrase
from fieldapp.security import vault
from fieldapp.storage.connection import connect, transaction
from fieldapp.ui.main_window import MainWindow
from tests.conftest import PASSPHRASE

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "schema-v4.fieldapp"
USER, OLD_PASSPHRASE = "Fixture", "fixture passphrase v4"


@pytest.fixture
def old_vault(tmp_path: Path) -> Path:
    path = tmp_path / "old.fieldapp"
    shutil.copyfile(FIXTURE, path)
    shutil.copyfile(FIXTURE.with_name(FIXTURE.name + ".keys"), path.with_name(path.name + ".keys"))
    return path


def _window(qtbot, path: Path) -> MainWindow:
    win = MainWindow(path)
    qtbot.addWidget(win)
    win.show()
    win.activateWindow()
    return win


def _type_and_unlock(qtbot, win: MainWindow, user: str, passphrase: str) -> None:
    page = win.unlock_page
    page.user_edit.clear()
    qtbot.keyClicks(page.user_edit, user)
    qtbot.keyClicks(page.passphrase_edit, passphrase)
    qtbot.keyClick(page.passphrase_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not page.busy(), timeout=30_000)


def test_admin_upgrades_from_the_lock_screen_and_the_app_opens(qtbot, old_vault: Path) -> None:
    win = _window(qtbot, old_vault)
    page = win.unlock_page
    _type_and_unlock(qtbot, win, USER, OLD_PASSPHRASE)
    assert win.session is None and page.upgrade_box.isVisible()
    offer = page.upgrade_text.text()
    assert "earlier version" in offer and "administrator" in offer and "verified copy" in offer
    assert "NEW recovery key" in offer and "stops working" in offer
    qtbot.waitUntil(page.upgrade_button.hasFocus)
    qtbot.keyClick(page.upgrade_button, Qt.Key.Key_Return)             # Enter on the focused button
    qtbot.waitUntil(lambda: page.recovery_key_dialog is not None, timeout=20_000)
    dialog = page.recovery_key_dialog
    recovery = dialog.panel.key_label.text()
    assert len(recovery) == 35 and "no longer" in dialog.panel.intro.text()
    dialog.reject()                                                    # Escape before acknowledging does nothing
    assert dialog.isVisible() and win.session is None
    qtbot.mouseClick(dialog.panel.stored_check, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.panel.done_button, Qt.MouseButton.LeftButton)
    assert win.stack.currentWidget() is win.workspace and win.session is not None
    assert USER in win.user_label.text() and win.nav.count() > 0
    assert page.passphrase_edit.text() == ""
    assert old_vault.with_name(old_vault.name + ".health").exists()
    assert not old_vault.with_name(old_vault.name + ".pre-upgrade").exists()   # destroyed once all moved
    win.lock()
    vault.reset_with_recovery(old_vault, recovery, USER, "a brand new passphrase here")
    vault.unlock(old_vault, USER, "a brand new passphrase here").close()


def test_cancel_hides_the_offer_and_changes_nothing(qtbot, old_vault: Path) -> None:
    keys_before = old_vault.with_name(old_vault.name + ".keys").read_bytes()
    win = _window(qtbot, old_vault)
    page = win.unlock_page
    _type_and_unlock(qtbot, win, USER, OLD_PASSPHRASE)
    assert page.upgrade_box.isVisible()
    qtbot.mouseClick(page.upgrade_cancel_button, Qt.MouseButton.LeftButton)
    assert not page.upgrade_box.isVisible() and win.session is None
    assert old_vault.with_name(old_vault.name + ".keys").read_bytes() == keys_before
    assert not old_vault.with_name(old_vault.name + ".pre-upgrade").exists()


def test_a_non_admin_is_told_and_nothing_changes(qtbot, old_vault: Path) -> None:
    key = vault.open_data_key(old_vault, OLD_PASSPHRASE, user_name=USER)
    conn = connect(old_vault, key)
    with transaction(conn):
        conn.execute("UPDATE users SET role = 'outreach'")
    conn.close()
    key_file = old_vault.with_name(old_vault.name + ".keys")
    keys_before, files_before = key_file.read_bytes(), sorted(old_vault.parent.iterdir())
    win = _window(qtbot, old_vault)
    page = win.unlock_page
    _type_and_unlock(qtbot, win, USER, OLD_PASSPHRASE)
    assert page.upgrade_box.isVisible()
    qtbot.mouseClick(page.upgrade_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not page.upgrade_box.isVisible(), timeout=20_000)
    assert "upgraded by an administrator" in page.error_label.text()
    assert win.session is None and page.recovery_key_dialog is None
    assert key_file.read_bytes() == keys_before
    assert sorted(old_vault.parent.iterdir()) == files_before          # no copy, no compartment files
    with pytest.raises(NeedsUpgrade):
        vault.unlock(old_vault, USER, OLD_PASSPHRASE)


def test_deactivate_asks_mentions_backups_and_the_user_can_no_longer_unlock(
        qtbot, vault_path: Path, monkeypatch) -> None:
    session, _ = vault.create_vault(vault_path, "Anna", "admin", PASSPHRASE)
    vault.add_user(session, "Ola", "health", "ola passphrase one", PASSPHRASE)
    session.close()
    win = _window(qtbot, vault_path)
    _type_and_unlock(qtbot, win, "Anna", PASSPHRASE)
    tab = win.pages["settings"].extra_tabs["users"]
    tab.table.selectRow(1)
    asked: list[str] = []
    monkeypatch.setattr(QMessageBox, "question", staticmethod(
        lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.Cancel))
    qtbot.mouseClick(tab.deactivate_button, Qt.MouseButton.LeftButton)
    assert asked and "Backups made before today" in asked[0] and "old passphrase" in asked[0]
    assert "re-encrypted" in asked[0] and "Ola" in asked[0]
    assert tab.model.row_at(1).active                                  # Cancel changed nothing

    def read_then_yes(*_args, **_kwargs) -> QMessageBox.StandardButton:
        """As the real question does: its event loop runs while the user reads (the pages' queued fills come
        then, not in the middle of the re-encryption, which runs on the window's own connection)."""
        qtbot.wait(300)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", staticmethod(read_then_yes))
    qtbot.mouseClick(tab.deactivate_button, Qt.MouseButton.LeftButton)
    # The outcome, not the task's signal: a quick re-encryption can end while the click's own events are processed,
    # before a wait for the signal would be set up.
    qtbot.waitUntil(lambda: tab.message.text() != "" and not tab.task.running(), timeout=20_000)
    assert tab.message.text() == "User deactivated."
    ola = tab.model.row_at(1)
    assert ola.name == "Ola" and not ola.active
    assert tab.model.index(1, 2).data() == "deactivated"
    win.lock()
    with pytest.raises((WrongPassphrase, PermissionDenied)):    # the slot is gone
        vault.unlock(vault_path, "Ola", "ola passphrase one")


def test_the_upgrade_offer_is_shown_whole(qtbot, old_vault: Path) -> None:
    win = _window(qtbot, old_vault)
    win.resize(1100, 750)
    page = win.unlock_page
    _type_and_unlock(qtbot, win, USER, OLD_PASSPHRASE)
    label = page.upgrade_text
    qtbot.waitUntil(lambda: label.isVisible() and label.width() > 0)
    qtbot.waitUntil(lambda: label.height() >= label.heightForWidth(label.width()))   # no line cut off
    assert page.upgrade_button.geometry().top() >= label.geometry().bottom() - 1
