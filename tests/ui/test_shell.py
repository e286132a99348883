"""The app shell with real widgets: create a vault by typing, unlock, lock, idle lock, language."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from fieldapp.security import vault
from fieldapp.storage import settings_repo
from fieldapp.ui.main_window import MainWindow
from tests.conftest import PASSPHRASE, copy_vault


@pytest.fixture
def window(qtbot, vault_path: Path):
    win = MainWindow(vault_path)
    qtbot.addWidget(win)
    win.show()
    yield win
    if win.session is not None:
        win.lock()


def _make_vault(path: Path) -> None:
    session, _ = vault.create_vault(path, "Anna", "admin", PASSPHRASE)
    with session.write() as conn:
        settings_repo.put(conn, "probe", "ok")
    session.close()


@pytest.fixture
def make_vault(made_once):
    """``_make_vault(path)``, as a copy of the vault it made once for this test process."""
    template, _made = made_once("shell-anna", _make_vault)
    return lambda path: copy_vault(template, path)


def _type_unlock(qtbot, win: MainWindow, user: str, passphrase: str) -> None:
    page = win.unlock_page
    page.user_edit.clear()
    qtbot.keyClicks(page.user_edit, user)
    qtbot.keyClicks(page.passphrase_edit, passphrase)
    qtbot.keyClick(page.passphrase_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not page.busy(), timeout=30_000)     # the unlock runs in its own thread


def test_first_run_creates_vault_by_typing_and_reaches_main_window(qtbot, window, vault_path: Path) -> None:
    assert window.unlock_page.create_button.isVisible()
    window.start_create()
    dialog = window.create_dialog
    qtbot.keyClicks(dialog.user_edit, "Anna")
    qtbot.keyClicks(dialog.pass_edit, "short")
    assert dialog.meter.value() <= 1 and dialog.advice.text()
    dialog.pass_edit.clear()
    qtbot.keyClicks(dialog.pass_edit, PASSPHRASE)
    qtbot.keyClicks(dialog.repeat_edit, PASSPHRASE + "x")
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    assert "not the same" in dialog.error_label.text() and not vault_path.exists()
    qtbot.keyClick(dialog.repeat_edit, Qt.Key.Key_Backspace)
    qtbot.keyClick(dialog.repeat_edit, Qt.Key.Key_Return)
    assert vault_path.exists()
    assert dialog.stack.currentIndex() == 1
    recovery = dialog.recovery_label.text()
    assert len(recovery) == 35
    dialog.reject()                                   # Escape before acknowledging does nothing
    assert dialog.isVisible() and not dialog.done_button.isEnabled()
    qtbot.mouseClick(dialog.stored_check, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.done_button, Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is window.workspace
    assert "Anna" in window.user_label.text()
    window.lock()
    vault.reset_with_recovery(vault_path, recovery, "Anna", "recovered passphrase here")


def test_unlock_by_typing_then_lock_clears_everything(qtbot, window, vault_path: Path, make_vault) -> None:
    make_vault(vault_path)
    window.unlock_page.refresh_state()
    _type_unlock(qtbot, window, "Anna", PASSPHRASE)
    assert window.stack.currentWidget() is window.workspace
    assert window.session is not None and window.nav.count() == 6
    assert "Anna" in window.user_label.text() and vault_path.name in window.vault_label.text()
    assert "Anna" not in window.windowTitle()
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.session is None and window.pages == {} and window.nav.count() == 0
    assert window.stack.currentWidget() is window.unlock_page
    assert window.unlock_page.passphrase_edit.text() == ""
    vault.unlock(vault_path, "Anna", PASSPHRASE).close()     # the file lock was released


def test_wrong_passphrase_shows_message_and_stays_locked(qtbot, window, vault_path: Path, make_vault) -> None:
    make_vault(vault_path)
    window.unlock_page.refresh_state()
    _type_unlock(qtbot, window, "Anna", "not the passphrase")
    assert "not right" in window.unlock_page.error_label.text()
    assert window.session is None and window.stack.currentWidget() is window.unlock_page


def test_unlock_screen_of_damaged_file_explains(qtbot, window, vault_path: Path, make_vault) -> None:
    make_vault(vault_path)
    vault_path.write_bytes(b"\0" * 100)
    _type_unlock(qtbot, window, "Anna", PASSPHRASE)
    assert "not a fieldapp vault" in window.unlock_page.error_label.text()


def test_missing_vault_offers_create(qtbot, window) -> None:
    assert window.unlock_page.create_button.isVisible()
    assert not window.unlock_page.unlock_button.isEnabled()
    assert "create" in window.unlock_page.error_label.text()


def test_idle_lock_fires_and_clears_views(qtbot, window, vault_path: Path, make_vault) -> None:
    make_vault(vault_path)
    _type_unlock(qtbot, window, "Anna", PASSPHRASE)
    assert window.pages
    window.idle.set_timeout(0.3)
    with qtbot.waitSignal(window.locked, timeout=5000):
        pass
    assert window.session is None and window.pages == {}
    assert window.stack.currentWidget() is window.unlock_page


def test_keys_and_clicks_in_any_window_keep_the_idle_lock_away(qtbot, window, vault_path: Path, make_vault) -> None:
    """The idle watcher sits on the windows (not the application): a key in a form opened after unlock, and a
    click in the main window, both count as the worker being there."""
    from PySide6.QtCore import QPoint
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    make_vault(vault_path)
    _type_unlock(qtbot, window, "Anna", PASSPHRASE)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    window.idle._last -= 100                                     # noqa: SLF001 - as if 100 s went by
    QTest.mouseClick(window.windowHandle(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     window.nav.viewport().mapTo(window, QPoint(5, 5)))
    assert window.idle.idle_seconds() < 50
    people = window.pages["people"]
    people.act("new")
    form = people.people_tab.form
    qtbot.waitUntil(lambda: QApplication.activeWindow() is form)
    form.alias_edit.setFocus()
    window.idle._last -= 100                                     # noqa: SLF001
    QTest.keyClick(form.windowHandle(), Qt.Key.Key_M)
    assert window.idle.idle_seconds() < 50 and form.alias_edit.text() == "m"     # the key reached the field


def test_lock_closes_in_the_background_and_an_unlock_at_once_waits_for_it(qtbot, window, vault_path: Path,
                                                                            make_vault) -> None:
    """The lock hides everything and returns; the session says it is closed at once and its close (audit event,
    anchor, WAL) ends in its own thread; unlocking again straight away waits for it instead of "in use"."""
    from fieldapp.storage.connection import wait_closed

    make_vault(vault_path)
    _type_unlock(qtbot, window, "Anna", PASSPHRASE)
    first = window.session
    qtbot.keyClick(window.nav, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.session is None and not first.is_open
    assert window.stack.currentWidget() is window.unlock_page and window.pages == {}
    _type_unlock(qtbot, window, "Anna", PASSPHRASE)
    assert window.session is not None and window.session is not first, window.unlock_page.error_label.text()
    assert not first.lock.held and first.keys == {}              # the first close ended, keys zeroed
    window.lock()
    assert wait_closed(vault_path, 10)
    session = vault.unlock(vault_path, "Anna", PASSPHRASE)
    try:
        events = [row[0] for row in session.conn.execute("SELECT action FROM audit_events ORDER BY id")]
    finally:
        session.close()
    assert events.count("lock") >= 2                             # each background close wrote its audit event


def test_idle_lock_uses_wall_clock(qtbot) -> None:
    from fieldapp.ui.idle import IdleWatcher

    now = [1000.0]
    watcher = IdleWatcher(60, clock=lambda: now[0])
    watcher.start()
    fired = []
    watcher.idle_expired.connect(lambda: fired.append(True))
    watcher.check()
    assert fired == []
    now[0] += 3600          # the laptop slept for an hour: no timer ticked meanwhile
    watcher.check()
    assert fired == [True]


def test_idle_timeout_setting_is_saved_in_vault(qtbot, window, vault_path: Path, make_vault) -> None:
    make_vault(vault_path)
    _type_unlock(qtbot, window, "Anna", PASSPHRASE)
    settings = window.pages["settings"]
    settings.idle_spin.setValue(12)
    assert window.idle._timeout == 12 * 60
    window.lock()
    session = vault.unlock(vault_path, "Anna", PASSPHRASE)
    assert settings_repo.get(session.conn, "idle_lock_minutes") == 12
    session.close()


def test_lock_closes_open_dialogs(qtbot, window, vault_path: Path, make_vault) -> None:
    from PySide6.QtWidgets import QDialog

    make_vault(vault_path)
    _type_unlock(qtbot, window, "Anna", PASSPHRASE)
    dialog = QDialog(window)
    dialog.open()
    assert dialog.isVisible()
    window.lock()
    assert not dialog.isVisible()


def test_language_switch_takes_effect_without_restart(qtbot, window, vault_path: Path, make_vault) -> None:
    make_vault(vault_path)
    _type_unlock(qtbot, window, "Anna", PASSPHRASE)
    assert window.nav.item(0).text() == "Visits"
    combo = window.pages["settings"].language_combo
    combo.setCurrentIndex(combo.findData("da"))
    assert window.nav.item(0).text() == "Besøg"
    assert window.vault_menu.title() == "&Boks"
    combo.setCurrentIndex(combo.findData("en"))
    assert window.nav.item(0).text() == "Visits"


def test_a_language_switch_says_the_shown_page_at_once_and_every_other_page_soon_after(
        qtbot, window, vault_path: Path, make_vault) -> None:
    from fieldapp.ui.pages import page_specs

    make_vault(vault_path)
    _type_unlock(qtbot, window, "Anna", PASSPHRASE)
    rows = {spec.key: row for row, spec in enumerate(page_specs())}
    people, visits = window.pages["people"], window.pages["visits"]
    qtbot.waitUntil(lambda: not window._holders, timeout=10_000)         # every page built
    window.nav.setCurrentRow(rows["settings"])
    combo = window.pages["settings"].language_combo
    combo.setCurrentIndex(combo.findData("da"))
    assert combo.currentData() == "da" and visits.heading.text() == "<h2>Visits</h2>"   # not yet: its turn comes
    window.nav.setCurrentRow(rows["people"])         # chosen before its turn came: said in Danish as it shows
    assert people.heading.text() == "<h2>Personer</h2>"
    qtbot.waitUntil(lambda: not window._untranslated, timeout=5_000)       # the others, a turn each
    assert visits.heading.text() == "<h2>Besøg</h2>"
    combo.setCurrentIndex(combo.findData("en"))
    qtbot.waitUntil(lambda: people.heading.text() == "<h2>People</h2>", timeout=5_000)


def test_demo_vault_shows_its_passphrase_but_a_real_one_does_not(qtbot, tmp_path: Path, make_vault) -> None:
    from fieldapp.crypto import keys
    from fieldapp.demo.vault import DEMO_PASSPHRASE

    demo_path, real_path = tmp_path / "demo.fieldapp", tmp_path / "real.fieldapp"
    vault.create_vault(demo_path, "demo", "admin", DEMO_PASSPHRASE, demo=True, params=keys.FLOOR)[0].close()
    make_vault(real_path)
    demo_window, real_window = MainWindow(demo_path), MainWindow(real_path)
    for win in (demo_window, real_window):
        qtbot.addWidget(win)
        win.show()
    assert DEMO_PASSPHRASE in demo_window.unlock_page.demo_label.text()
    assert demo_window.unlock_page.demo_label.isVisible()
    assert not real_window.unlock_page.demo_label.isVisible()


def test_forgotten_passphrase_reset_with_recovery_key(qtbot, tmp_path: Path) -> None:
    path = tmp_path / "r.fieldapp"
    session, recovery_key = vault.create_vault(path, "Anna", "admin", PASSPHRASE)
    session.close()
    win = MainWindow(path)
    qtbot.addWidget(win)
    win.show()
    qtbot.mouseClick(win.unlock_page.recovery_button, Qt.MouseButton.LeftButton)
    dialog = win.unlock_page.recovery_dialog
    qtbot.keyClicks(dialog.user_edit, "Anna")
    qtbot.keyClicks(dialog.key_edit, "00000-00000-00000-00000-00000-00000")
    qtbot.keyClicks(dialog.pass_edit, "a fresh passphrase here")
    qtbot.keyClicks(dialog.repeat_edit, "a fresh passphrase here")
    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    assert "recovery key is not right" in dialog.message.text() and dialog.isVisible()
    dialog.key_edit.clear()
    qtbot.keyClicks(dialog.key_edit, recovery_key.lower())
    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    _type_unlock(qtbot, win, "Anna", "a fresh passphrase here")
    assert win.session is not None
    win.lock()


def test_unexpected_errors_show_no_details(qtbot, monkeypatch, capsys) -> None:
    from PySide6.QtWidgets import QMessageBox

    from fieldapp.ui.app import report_unexpected

    shown = []
    monkeypatch.setattr(QMessageBox, "critical", staticmethod(lambda parent, title, text: shown.append(text)))
    try:
        raise ValueError("alias Maryam, phone 12345678")
    except ValueError as exc:
        text = report_unexpected(type(exc), exc, exc.__traceback__)
    err = capsys.readouterr().err
    assert shown == [text] and "Reference" in text
    assert "Maryam" not in text and "Maryam" not in err and "ValueError" in err


def test_long_lived_objects_are_left_out_of_collections_and_everything_is_collected_after_lock(
        qtbot, window, vault_path: Path, make_vault) -> None:
    import gc
    import weakref

    from fieldapp.ui import memory

    class Held:
        pass

    make_vault(vault_path)
    _type_unlock(qtbot, window, "Anna", PASSPHRASE)
    qtbot.waitUntil(lambda: not window._holders and gc.get_freeze_count() > 0, timeout=10_000)
    record = Held()                       # a record held in a cycle, frozen with the session's pages
    record.itself = record
    gone = weakref.ref(record)
    gc.freeze()
    del record
    gc.collect()
    assert gone() is not None             # frozen: no collection walks it while the session is open
    window.lock()
    assert gone() is not None and window.collector._timer.isActive()   # not while someone may be at the window
    window.collector._collect()           # what the lock screen's quiet timer does
    assert gone() is None and gc.get_freeze_count() > 0       # collected; what the lock screen keeps, frozen
    assert window.collector._timer.interval() == memory.QUIET_AFTER_LOCK_MS
    window.collector.locked()
    _type_unlock(qtbot, window, "Anna", PASSPHRASE)
    assert window.session is not None and not window.collector._timer.isActive()    # an unlock stops the wait


def test_the_oldest_generation_is_collected_only_when_nobody_waits_on_the_window(qtbot) -> None:
    """A full collection (70-190 ms at full scale) never comes in the middle of typing: Python collects the young
    generations itself, the window's collector the oldest, once per quiet spell, with no work running."""
    import gc

    from fieldapp.ui import memory

    idle, busy, full = [0.0], [False], []

    def seen(phase, info) -> None:
        if phase == "stop" and info["generation"] == 2:
            full.append(1)

    collector = memory.Collector(lambda: False, lambda: idle[0], lambda: busy[0])
    assert gc.get_threshold()[2] >= 1 << 30                      # Python itself never starts a full collection
    gc.callbacks.append(seen)
    try:
        collector._collect_if_quiet()
        assert full == []                                        # someone is typing
        idle[0], busy[0] = memory.QUIET_MS / 1000 + 1, True
        collector._collect_if_quiet()
        assert full == []                                        # quiet, but a save or a sync runs
        busy[0] = False
        collector._collect_if_quiet()
        collector._collect_if_quiet()
        assert full == [1]                                       # once per quiet spell
        idle[0] = 0.0
        collector._collect_if_quiet()
        idle[0] = memory.QUIET_MS / 1000 + 1
        collector._collect_if_quiet()
        assert full == [1, 1]                                    # input came, then quiet again
        idle[0] = 0.0
        collector._last_full -= memory.AT_LEAST_EVERY_S + 1
        collector._collect_if_quiet()
        assert full == [1, 1, 1]                                 # however busy, at least every ten minutes
        collector.release()
        assert gc.get_threshold()[2] < 1 << 30                   # the window closed: Python collects by itself
    finally:
        gc.callbacks.remove(seen)
        collector.deleteLater()
