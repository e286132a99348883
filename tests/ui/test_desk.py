"""The worker's desk as a whole: locking is safe in the middle of any operation, and a change made in one page
shows in the others."""

from __future__ import annotations

import socket
import threading
import time

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from fieldapp.referral import config, service
from fieldapp.security import vault
from fieldapp.storage.connection import wait_closed
from fieldapp.ui import main_window as main_window_module
from fieldapp.ui import tasks
from fieldapp.ui.main_window import MainWindow
from tests.conftest import AGREED, PASSPHRASE
from tests.referral.helpers import setup_channel
from tests.referral.test_end_to_end import _queued_referral


class SilentServer:
    """Accepts TCP connections and never says a word (a peer that hangs the TLS handshake)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.accepted = threading.Event()
        self.clients: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                client, _address = self.sock.accept()
            except OSError:
                return
            self.clients.append(client)
            self.accepted.set()

    def close(self) -> None:
        for client in self.clients:
            client.close()
        self.sock.close()


@pytest.fixture
def silent():
    server = SilentServer()
    yield server
    server.close()


def test_locking_during_a_hung_sync_stops_it_and_forgets_the_key(qtbot, session, silent, vault_path,
                                                                  monkeypatch) -> None:
    exits = []
    monkeypatch.setattr(main_window_module, "_exit_now", lambda: exits.append(True))
    setup_channel(session)
    _queued_referral(session)
    config.set_transport(session, config.TransportSettings(
        kind="https", endpoint=f"https://127.0.0.1:{silent.port}/packets", pin_sha256="a" * 64, retries=3,
        backoff_s=1, timeout_s=60))
    window = MainWindow(vault_path)
    qtbot.addWidget(window)
    window.show()
    window.open_session(session)
    page = window.pages["referrals"]
    task = page.start_sync()
    assert silent.accepted.wait(10)                      # the handshake now hangs (for 60 s without a lock)
    started = time.monotonic()
    window.lock()
    elapsed = time.monotonic() - started
    assert elapsed < 3 and exits == []
    assert not task.running() and tasks.running() == []
    assert window.session is None and window.pages == {}
    qtbot.wait(50)                                       # queued signals from the stopped thread arrive harmlessly
    assert QApplication.instance() is not None


def test_work_that_will_not_stop_makes_the_app_quit_instead_of_keeping_the_key(qtbot, session, vault_path,
                                                                              monkeypatch) -> None:
    exits = []
    monkeypatch.setattr(main_window_module, "_exit_now", lambda: exits.append(True))
    monkeypatch.setattr(main_window_module, "STOP_SECONDS", 0.3)
    release = threading.Event()
    window = MainWindow(vault_path)
    qtbot.addWidget(window)
    window.open_session(session)
    stubborn = tasks.Task(window.pages["visits"], "stubborn", lambda _progress: release.wait(10))
    stubborn.start()
    window.lock()
    assert exits == [True]                               # in the app: the process ends here
    release.set()
    assert stubborn.wait(5)
    qtbot.wait(50)


def test_a_close_that_hangs_makes_the_app_quit_and_one_that_ended_never_does(qtbot, session, vault_path,
                                                                          monkeypatch) -> None:
    """The lock closes the session in a thread; if that close has not ended STOP_SECONDS later (a disk that hangs),
    the process quits so the keys leave memory. The check is of that close: a later lock's close under way at that
    moment does not count."""
    exits = []
    monkeypatch.setattr(main_window_module, "_exit_now", lambda: exits.append(True))
    monkeypatch.setattr(main_window_module, "STOP_SECONDS", 0.3)
    window = MainWindow(vault_path)
    qtbot.addWidget(window)
    window.open_session(session)
    window.lock()                                        # an ordinary close: over long before 0.3 s
    qtbot.wait(100)
    release = threading.Event()
    again = vault.unlock(vault_path, "Admin", PASSPHRASE)
    real_close = again.close
    monkeypatch.setattr(again, "close", lambda **kw: (release.wait(10), real_close(**kw)))
    window.open_session(again)
    window.lock()                                        # this close hangs until released
    qtbot.wait(350)                                      # the first lock's check came while the second hangs
    assert exits == [True]                               # one exit: the second's own check, not the first's
    release.set()
    assert wait_closed(vault_path, 10)
    qtbot.wait(50)
    assert exits == [True]


def test_cancel_breaks_off_the_blocked_network_call_and_keeps_the_packet_queued(qtbot, session, silent) -> None:
    from fieldapp.cancel import Cancelled, CancelToken
    from fieldapp.referral import sync

    setup_channel(session)
    _queued_referral(session)
    config.set_transport(session, config.TransportSettings(
        kind="https", endpoint=f"https://127.0.0.1:{silent.port}/packets", pin_sha256="a" * 64, retries=3,
        backoff_s=1, timeout_s=60))
    token = CancelToken()
    threading.Timer(0.5, token.cancel).start()
    started = time.monotonic()
    with pytest.raises(Cancelled):
        sync.sync(session, cancel=token)
    assert time.monotonic() - started < 5
    assert [entry.status for entry in service.list_outbox(session)] == ["queued"]


def shown_window(qtbot, vault_path, width: int = 1100, height: int = 720) -> MainWindow:
    """The main window on screen (offscreen), at a size a laptop gives it."""
    window = MainWindow(vault_path)
    qtbot.addWidget(window)
    window.resize(width, height)
    window.show()
    qtbot.waitExposed(window)
    return window


def _unlocked_window(qtbot, vault_path, session) -> MainWindow:
    window = shown_window(qtbot, vault_path)
    window.open_session(session)
    qtbot.wait(20)                                       # the focus moves into the page after the event loop runs
    return window


def _press(qtbot, keys: str) -> None:
    from PySide6.QtGui import QKeySequence

    combo = QKeySequence(keys)[0]
    qtbot.keyClick(QApplication.focusWidget(), combo.key(), combo.keyboardModifiers())


def test_shortcuts_work_right_after_unlock_and_after_choosing_a_page(qtbot, session, vault_path) -> None:
    from PySide6.QtCore import Qt

    window = _unlocked_window(qtbot, vault_path, session)
    visits = window.pages["visits"]
    assert visits.isAncestorOf(QApplication.focusWidget())    # the keyboard starts in the page
    _press(qtbot, "Ctrl+N")
    assert visits.visits_tab.form is not None and visits.visits_tab.form.isVisible()
    visits.visits_tab.form.reject()
    # Choose People with the mouse in the side list: the focus stays in the list, the keys still act.
    people_row = [window.nav.item(i).text() for i in range(window.nav.count())].index("People")
    rect = window.nav.visualItemRect(window.nav.item(people_row))
    qtbot.mouseClick(window.nav.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    window.nav.setFocus()
    _press(qtbot, "Ctrl+F")
    assert QApplication.focusWidget() is window.pages["people"].people_tab.search_edit
    window.nav.setFocus()
    _press(qtbot, "Ctrl+N")
    assert window.pages["people"].people_tab.form is not None and window.pages["people"].people_tab.form.isVisible()
    window.pages["people"].people_tab.form.reject()


def test_down_and_return_in_a_search_box_reach_the_results(qtbot, session, vault_path) -> None:
    from PySide6.QtCore import Qt

    from fieldapp.domain.records import Person
    from fieldapp.records import people

    people.create_person(session, Person(**AGREED, alias="Searchable Rose", gender="woman", age_estimate=30))
    window = _unlocked_window(qtbot, vault_path, session)
    window.nav.setCurrentRow(1)
    tab = window.pages["people"].people_tab
    tab.focus_search()
    qtbot.keyClicks(tab.search_edit, "Searchable")
    qtbot.keyClick(tab.search_edit, Qt.Key.Key_Down)
    assert QApplication.focusWidget() is tab.table and tab.table.selectionModel().hasSelection()
    assert tab.panel.person is not None and tab.panel.person.alias == "Searchable Rose"


def test_after_unlock_the_app_returns_to_the_page_the_user_was_on(qtbot, session, vault_path) -> None:
    from fieldapp.security.vault import unlock

    window = _unlocked_window(qtbot, vault_path, session)
    window.nav.setCurrentRow(3)                          # Referrals
    window.lock()
    window.open_session(unlock(vault_path, "Admin", PASSPHRASE))
    assert window.nav.currentRow() == 3 and window.page_stack.currentWidget() is window.pages["referrals"]
    window.lock()


def test_dates_and_times_have_one_format_day_before_month_on_a_24_hour_clock() -> None:
    from datetime import UTC, date, datetime

    from fieldapp import i18n
    from fieldapp.ui.code_picker import day_text, moment_text

    evening = datetime(2026, 12, 1, 18, 50, tzinfo=UTC)
    local = evening.astimezone()
    assert day_text(date(2026, 12, 8)) == "8 Dec 2026"
    assert moment_text(evening) == f"{day_text(local.date())} {local:%H:%M}"
    assert moment_text(evening.isoformat()) == moment_text(evening) and moment_text("not a time") == ""
    i18n.set_language("da")
    try:
        assert day_text(date(2026, 12, 8)) == "8. dec. 2026"
    finally:
        i18n.set_language("en")


def test_the_referrals_list_says_who_when_and_what_cmm_answered(qtbot, session) -> None:
    from fieldapp.ui.code_picker import moment_text
    from fieldapp.ui.referrals_page import ReferralsPage

    setup_channel(session)
    _queued_referral(session)
    page = ReferralsPage(session)
    qtbot.addWidget(page)
    headers = [page.model.headerData(i, Qt.Orientation.Horizontal) for i in range(page.model.columnCount())]
    assert headers[:5] == ["Person", "Made", "Status", "Urgent", "Acknowledged by CMM"]
    entry = page.model.row_at(0)
    cells = [page.model.data(page.model.index(0, column)) for column in range(3)]
    assert cells[0] == "Rose Alias" and cells[1] == moment_text(entry.created_at) and cells[1]
    assert cells[2] == entry.status_label


def test_the_consent_step_names_every_sheet_language_in_the_interface_language(qtbot, session) -> None:
    from fieldapp.domain.records import Person
    from fieldapp.leaflets import catalogue
    from fieldapp.leaflets.languages import LANGUAGES
    from fieldapp.records import people
    from fieldapp.ui.referral_wizard import ReferralWizard

    setup_channel(session)
    person = people.create_person(session, Person(**AGREED, alias="Wizard Rose", gender="woman", age_estimate=30))
    wizard = ReferralWizard(session, person.id)
    qtbot.addWidget(wizard)
    combo = wizard.sheet_language
    codes = [combo.itemData(i) for i in range(combo.count())]
    texts = [combo.itemText(i) for i in range(combo.count())]
    assert len(codes) == len(LANGUAGES) and {"tl", "fa", "zh", "uk"} <= set(codes)
    assert "Ukrainian" in texts and "Chinese" in texts and "uk" not in texts and "zh" not in texts
    combo.setCurrentIndex(codes.index("zh"))
    assert wizard.sheet_version.text() == catalogue.load("zh-Hans").version


def test_a_wrong_passphrase_leaves_the_unlock_fields_where_they_were(qtbot, vault_path, monkeypatch) -> None:
    from fieldapp.security import vault as vault_module
    from tests.ui.test_shell import _make_vault, _type_unlock

    _make_vault(vault_path)
    window = shown_window(qtbot, vault_path, 1000, 700)
    page = window.unlock_page
    before = [(w.geometry(), w.height()) for w in (page.user_edit, page.passphrase_edit, page.unlock_button)]
    seen = []
    real_unlock = vault_module.unlock

    def watching(*args, **kwargs):
        seen.append((page.status_label.text(), page.error_label.text()))
        return real_unlock(*args, **kwargs)
    monkeypatch.setattr(vault_module, "unlock", watching)
    _type_unlock(qtbot, window, "Anna", "not the passphrase")
    qtbot.wait(20)
    assert seen == [("Unlocking ...", "")]              # progress in the normal colour, not as an error
    assert page.error_label.text() and page.status_label.text() == ""
    assert [(w.geometry(), w.height()) for w in (page.user_edit, page.passphrase_edit, page.unlock_button)] == before


def _visible_texts(window) -> list[tuple[str, str]]:
    from PySide6.QtWidgets import QAbstractButton, QComboBox, QGroupBox, QLabel, QLineEdit, QTableView, QTabWidget

    found = [("statusBar", window.statusBar().currentMessage()), *((f"nav{i}", window.nav.item(i).text())
                                                                     for i in range(window.nav.count()))]
    for child in window.workspace.findChildren(QWidget):
        if child.window() is not window and not child.window().isVisible():
            continue                              # a dialog built ahead and not shown (the next visit's form)
        name = child.objectName() or type(child).__name__
        if isinstance(child, QLabel | QAbstractButton):
            found.append((name, child.text()))
        elif isinstance(child, QComboBox) and name != "languageCombo":       # languages show their own names
            found += [(name, child.itemText(i)) for i in range(child.count())]
        elif isinstance(child, QTabWidget):
            found += [(name, child.tabText(i)) for i in range(child.count())]
        elif isinstance(child, QGroupBox):
            found.append((name, child.title()))
        elif isinstance(child, QLineEdit):
            found.append((name, child.placeholderText()))
        elif isinstance(child, QTableView) and child.model() is not None:
            model = child.model()
            found += [(name, str(model.headerData(i, Qt.Orientation.Horizontal))) for i in range(model.columnCount())]
    return found


def test_switching_language_leaves_no_english_behind(qtbot, tmp_path) -> None:
    from babel.messages.pofile import read_po

    from fieldapp import i18n
    from fieldapp.demo.vault import create_demo_vault
    from fieldapp.resources import translations_dir

    path = tmp_path / "demo.fieldapp"
    window = MainWindow(path)
    qtbot.addWidget(window)
    window.show()
    window.open_session(create_demo_vault(path, people=30))
    for row in range(window.nav.count()):                 # every page built and shown once
        window.nav.setCurrentRow(row)
        qtbot.wait(5)
    window.pages["visits"].visits_tab.message.setText(i18n._("Visit saved."))
    with (translations_dir() / "da" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        english = {m.id.replace("&", "") for m in read_po(handle)
                   if isinstance(m.id, str) and len(m.id) > 3 and m.string and m.string != m.id}
    settings = window.pages["settings"]
    settings.language_combo.setCurrentIndex(settings.language_combo.findData("da"))
    qtbot.waitUntil(lambda: not window._untranslated, timeout=10_000)       # the pages not shown, a turn each
    qtbot.waitUntil(lambda: not window.pages["reports"].building(), timeout=10_000)   # rebuilt in Danish
    try:
        left = [(name, text) for name, text in _visible_texts(window) if (text or "").replace("&", "") in english]
        assert left == []
    finally:
        settings.language_combo.setCurrentIndex(settings.language_combo.findData("en"))
        window.lock()


def _start_unlock(qtbot, vault_path):
    """The window, with the admin's unlock typed and started (it runs in its own thread)."""
    window = shown_window(qtbot, vault_path)
    page = window.unlock_page
    page.user_edit.setText("Admin")
    qtbot.keyClicks(page.passphrase_edit, PASSPHRASE)
    qtbot.keyClick(page.passphrase_edit, Qt.Key.Key_Return)
    return window, page


def test_the_unlock_and_its_retention_run_happen_off_the_window_thread(qtbot, session, vault_path, monkeypatch,
                                                                      derivations_not_remembered) -> None:
    from fieldapp.domain.records import Person
    from fieldapp.lifecycle import retention
    from fieldapp.records import people
    from fieldapp.security import retention_policy, vault

    retention_policy.save_policy(session, retention_policy.RetentionPolicy(people_inactive_months=12,
                                                                           automatic=True))
    gone = people.create_person(session, Person(**AGREED, alias="Long Gone"))
    with session.write() as conn:
        conn.execute("UPDATE people SET first_contact = '2019-01-01', last_contact = '2019-01-02' WHERE id = ?",
                     (gone.id,))
    session.close()
    threads: list[bool] = []
    real_unlock, real_run = vault.unlock, retention.run_if_due
    monkeypatch.setattr(vault, "unlock", lambda *args, **kwargs: (threads.append(threading.current_thread()
                                                                                 is threading.main_thread()),
                                                                  real_unlock(*args, **kwargs))[1])
    monkeypatch.setattr(retention, "run_if_due", lambda s: (threads.append(threading.current_thread()
                                                                            is threading.main_thread()),
                                                             real_run(s))[1])
    window, page = _start_unlock(qtbot, vault_path)
    assert page.busy() and page.status_label.text() == "Unlocking ..." and not page.passphrase_edit.isEnabled()
    qtbot.keyClick(page.unlock_button, Qt.Key.Key_Space)       # a second press while it runs starts nothing more
    qtbot.waitUntil(lambda: window.session is not None, timeout=30_000)
    assert threads == [False, False]                           # the key derivation and the run: not the window's
    assert "Retention: 1 people and 0 visits" in window.statusBar().currentMessage()
    assert [p.alias for p in people.list_people(window.session)] == []
    assert page.status_label.text() == "" and page.passphrase_edit.text() == ""
    window.lock()


def test_closing_the_window_while_it_unlocks_leaves_no_session_open(qtbot, session, vault_path,
                                                                   derivations_not_remembered) -> None:
    from fieldapp.security import vault

    session.close()
    window, page = _start_unlock(qtbot, vault_path)
    assert page.busy()
    window.close()                                             # waits for the unlock's thread, then discards it
    qtbot.waitUntil(lambda: not page.busy(), timeout=30_000)
    assert window.session is None
    vault.unlock(vault_path, "Admin", PASSPHRASE).close()      # the vault's lock was given back


def test_at_unlock_the_page_shown_is_built_first_and_the_others_one_at_a_time(qtbot, session, vault_path) -> None:
    window = shown_window(qtbot, vault_path)
    window.open_session(session)
    assert list(window.pages) == ["visits"]                    # the others are stand-ins for now
    assert window._current_page() is window.pages["visits"]
    assert window.pages["referrals"].model.rowCount() == 0      # asked for: built there and then
    assert set(window.pages) == {"visits", "referrals"}
    qtbot.waitUntil(lambda: len(window.pages) == window.nav.count(), timeout=10_000)
    window.nav.setCurrentRow(window.nav.count() - 1)
    assert window._current_page() is window.pages["settings"]
    window.lock()
    assert window.pages == {} and window.page_stack.count() == 0


def test_locking_before_every_page_was_built_leaves_nothing_behind(qtbot, session, vault_path) -> None:
    window = shown_window(qtbot, vault_path)
    window.open_session(session)
    window.lock()                                              # no turn of the event loop in between
    qtbot.wait(50)
    assert window.pages == {} and window.page_stack.count() == 0 and window.session is None


def test_a_screen_lock_during_the_unlock_ends_locked(qtbot, session, vault_path, derivations_not_remembered) -> None:
    from fieldapp.security import vault

    session.close()
    window, page = _start_unlock(qtbot, vault_path)
    assert page.busy()
    window.platform_lock.lock_requested.emit()                 # the laptop's screen locks meanwhile
    qtbot.waitUntil(lambda: not page.busy(), timeout=30_000)
    assert window.session is None and window.stack.currentWidget() is page
    vault.unlock(vault_path, "Admin", PASSPHRASE).close()      # the session was closed, its lock given back


def test_a_childs_contact_opens_the_child_protection_step_and_the_childs_leaflet_is_one_key_away(
        qtbot, session, vault_path) -> None:
    from PySide6.QtCore import Qt

    from fieldapp.domain.records import Person
    from fieldapp.records import contacts, people
    from tests.ui.helpers import shown, written

    child = people.create_person(session, Person(**AGREED, alias="Young Vu", gender="man", age_estimate=16,
                                                 languages=("vi",)))
    adult = people.create_person(session, Person(**AGREED, alias="Grown Vu", gender="man", age_estimate=40))
    window = _unlocked_window(qtbot, vault_path, session)
    window.nav.setCurrentRow(1)
    tab = window.pages["people"].people_tab
    tab.show_person(adult.id)
    tab.new_contact()
    assert not tab.form.child_steps.isVisibleTo(tab.form) and not tab.form.child_note.isVisibleTo(tab.form)
    tab.form.dirty = False
    tab.form.reject()
    tab.show_person(child.id)
    tab.new_contact()
    form = tab.form
    assert form.child_steps.isVisibleTo(form) and "This is a child" in form.child_note.text()
    form.save()
    written(qtbot, form)
    assert shown(form) and "municipality" in form.errors["child_steps"].text()
    form.child_steps.setFocus()
    qtbot.keyClick(form.child_steps, Qt.Key.Key_Home)               # the first step: the municipality told
    qtbot.keyClick(form.child_steps, Qt.Key.Key_Space)
    form.save()
    written(qtbot, form)
    assert not shown(form)
    [entry] = contacts.timeline(session, child.id)
    assert entry.contact.child_steps == ("municipality_told",)
    tab.panel.leaflet_button.click()
    leaflets = window.pages["leaflets"]
    assert window.page_stack.currentWidget() is leaflets
    assert leaflets.choice()[0] == "vi" and leaflets.variant() == "minor"
