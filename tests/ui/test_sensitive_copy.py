"""Copying personal data with real keys and menus: the copy carries the clipboard managers' hints,
Cut still removes the text, and every way of locking (or quitting) clears what the app put on the
clipboard, and only that.

Keys and clicks take the way the keyboard's and the mouse's do: to the window (``QTest`` with a ``QWindow``), which
hands them to the focus widget or the widget under the mouse. The copy filter sits on the windows, so a key sent
straight to a widget would pass it by, as no real key does."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QDate, QPoint, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDateEdit,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QWidget,
)

from fieldapp.domain.records import Person
from fieldapp.records import people
from fieldapp.security import vault
from fieldapp.ui.clipboard import SensitiveClipboard, SensitiveCopyFilter
from fieldapp.ui.main_window import MainWindow
from fieldapp.ui.window_filters import WindowFilters
from tests.conftest import AGREED, PASSPHRASE, copy_vault

CTRL = Qt.KeyboardModifier.ControlModifier
PHONE = "+45 61 72 83 94"
HINTS = ("x-kde-passwordManagerHint", "ExcludeClipboardContentFromMonitorProcessing")


def clipboard_text() -> str:
    return QGuiApplication.clipboard().text()


def assert_hinted_copy(text: str) -> None:
    data = QGuiApplication.clipboard().mimeData()
    assert data.text() == text
    assert all(data.hasFormat(hint) for hint in HINTS), data.formats()


def focus(qtbot, widget: QWidget) -> None:
    window = widget.window()
    window.activateWindow()
    widget.setFocus()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window and widget.hasFocus())


def press(qtbot, widget: QWidget, key: Qt.Key, modifier: Qt.KeyboardModifier = CTRL) -> None:
    """``key`` as the keyboard sends it: to the window, which hands it to its focus widget, ``widget``."""
    focus(qtbot, widget)
    QTest.keyClick(widget.window().windowHandle(), key, modifier)


def menu_action(qtbot, widget: QWidget, name: str) -> None:
    """Open the context menu with a right click and choose ``name`` (``edit-copy``, ``edit-cut``)."""
    window = widget.window()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    QTest.mouseClick(window.windowHandle(), Qt.MouseButton.RightButton, Qt.KeyboardModifier.NoModifier,
                     widget.mapTo(window, QPoint(5, 5)))
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is not None)
    menu = QApplication.activePopupWidget()
    [action] = [action for action in menu.actions() if action.objectName() == name]
    assert action.isEnabled()
    action.trigger()
    menu.close()


def _anna_and_lin(path: Path) -> None:
    session, _recovery = vault.create_vault(path, "Anna", "admin", PASSPHRASE)
    people.create_person(session, Person(**AGREED, alias="Lin", phone=PHONE, phone_consent=True))
    session.close()


@pytest.fixture
def window(qtbot, vault_path: Path, made_once):
    copy_vault(made_once("anna-and-lin", _anna_and_lin)[0], vault_path)   # _anna_and_lin(vault_path), made once
    win = MainWindow(vault_path)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    qtbot.keyClicks(win.unlock_page.user_edit, "Anna")
    qtbot.keyClicks(win.unlock_page.passphrase_edit, PASSPHRASE)
    qtbot.keyClick(win.unlock_page.passphrase_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not win.unlock_page.busy(), timeout=30_000)
    assert win.session is not None
    rect = win.nav.visualItemRect(win.nav.item(1))
    qtbot.mouseClick(win.nav.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win)
    yield win
    if win.session is not None:
        win.lock()
    QGuiApplication.clipboard().clear()


def open_new_person(qtbot, win: MainWindow):
    tab = win.pages["people"].people_tab
    tab.search_edit.setFocus()
    qtbot.keyClick(tab.search_edit, Qt.Key.Key_N, CTRL)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is tab.form)
    return tab.form


def copy_from_people_table(qtbot, win: MainWindow) -> None:
    table = win.pages["people"].people_tab.table
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton,
                     pos=table.visualRect(table.model().index(0, 0)).center())
    press(qtbot, table, Qt.Key.Key_C)
    assert_hinted_copy("Lin")


def test_person_form_copy_and_cut_are_hinted_and_lock_clears_them(qtbot, window) -> None:
    form = open_new_person(qtbot, window)
    qtbot.keyClick(form.consent_check, Qt.Key.Key_Space)
    qtbot.keyClicks(form.phone_edit, PHONE)
    qtbot.keyClick(form.phone_edit, Qt.Key.Key_A, CTRL)
    press(qtbot, form.phone_edit, Qt.Key.Key_C)
    assert_hinted_copy(PHONE)
    assert form.phone_edit.text() == PHONE

    QGuiApplication.clipboard().clear()
    menu_action(qtbot, form.phone_edit, "edit-copy")
    assert_hinted_copy(PHONE)

    press(qtbot, form.phone_edit, Qt.Key.Key_X)
    assert form.phone_edit.text() == "" and form.dirty
    assert_hinted_copy(PHONE)

    qtbot.keyClicks(form.alias_edit, "Mai")
    qtbot.keyClick(form.alias_edit, Qt.Key.Key_A, CTRL)
    menu_action(qtbot, form.alias_edit, "edit-cut")
    assert form.alias_edit.text() == ""
    assert_hinted_copy("Mai")

    window.lock_action.trigger()                     # Vault > Lock: the form goes, and the copy with it
    assert window.session is None and clipboard_text() == ""


@pytest.mark.parametrize("way", ["ctrl_l", "idle", "platform"])
def test_every_way_of_locking_clears_a_copied_table_cell(qtbot, window, way: str) -> None:
    copy_from_people_table(qtbot, window)
    if way == "ctrl_l":
        qtbot.keyClick(window.pages["people"].people_tab.table, Qt.Key.Key_L, CTRL)
    elif way == "idle":
        window.idle.set_timeout(0.3)
        with qtbot.waitSignal(window.locked, timeout=5000):
            pass
    else:
        window.platform_lock.on_platform_event(True)
    assert window.session is None and clipboard_text() == ""


def test_lock_leaves_what_was_copied_elsewhere_afterwards(qtbot, window) -> None:
    copy_from_people_table(qtbot, window)
    QGuiApplication.clipboard().setText("bus times")  # copied in another program
    qtbot.keyClick(window.pages["people"].people_tab.table, Qt.Key.Key_L, CTRL)
    assert window.session is None and clipboard_text() == "bus times"


def test_quitting_clears_the_copy(qtbot, window) -> None:
    copy_from_people_table(qtbot, window)
    window.quit_action.trigger()                     # Vault > Quit
    assert not window.isVisible() and window.session is None and clipboard_text() == ""


@pytest.fixture
def copy_filter(qtbot):
    """The copy filter on the app's windows, as the main window installs it."""
    clipboard = SensitiveClipboard()
    watcher = SensitiveCopyFilter(clipboard)
    on_windows = WindowFilters(watcher)
    on_windows.start()
    yield watcher
    on_windows.stop()
    clipboard.clear()


def shown(qtbot, widget: QWidget) -> QWidget:
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_free_text_copy_and_cut_by_keys_and_menu(qtbot, copy_filter) -> None:
    notes = shown(qtbot, QPlainTextEdit())
    qtbot.keyClicks(notes, "met at the station")
    qtbot.keyClick(notes, Qt.Key.Key_A, CTRL)
    menu_action(qtbot, notes.viewport(), "edit-copy")  # a right click arrives at the viewport
    assert_hinted_copy("met at the station")
    QGuiApplication.clipboard().clear()
    press(qtbot, notes, Qt.Key.Key_X)
    assert_hinted_copy("met at the station")
    assert notes.toPlainText() == ""
    qtbot.keyClick(notes, Qt.Key.Key_Z, CTRL)         # Cut stays one undo step
    assert notes.toPlainText() == "met at the station"


def test_read_only_and_password_fields_keep_qt_rules(qtbot, copy_filter) -> None:
    visible, secret = QLineEdit("Lin"), QLineEdit("hunter2")
    visible.setReadOnly(True)
    secret.setEchoMode(QLineEdit.EchoMode.Password)
    for edit in (visible, secret):
        shown(qtbot, edit).selectAll()
    QGuiApplication.clipboard().setText("before")
    press(qtbot, visible, Qt.Key.Key_X)
    assert visible.text() == "Lin" and clipboard_text() == "before"   # nothing to cut from a read-only field
    press(qtbot, secret, Qt.Key.Key_C)
    assert clipboard_text() == "before"                               # a passphrase is never copied
    press(qtbot, visible, Qt.Key.Key_C)
    assert_hinted_copy("Lin")


def test_typed_text_in_an_editable_list_is_copied_with_hints(qtbot, copy_filter) -> None:
    person = QComboBox()
    person.setEditable(True)
    shown(qtbot, person)
    qtbot.keyClicks(person, "Lin")
    qtbot.keyClick(person, Qt.Key.Key_A, CTRL)
    press(qtbot, person, Qt.Key.Key_C)
    assert_hinted_copy("Lin")


def right_click(qtbot, widget: QWidget) -> None:
    """A right click as the mouse sends it: to the widget's window, at the widget."""
    window = widget.window()
    QTest.mouseClick(window.windowHandle(), Qt.MouseButton.RightButton, Qt.KeyboardModifier.NoModifier,
                     widget.mapTo(window, QPoint(5, 5)))
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is not None)


def choose(name: str) -> None:
    menu = QApplication.activePopupWidget()
    [action] = [action for action in menu.actions() if action.objectName() == name]
    action.trigger()
    menu.close()


@pytest.mark.parametrize("box", [lambda: QDateEdit(QDate(1990, 3, 4)), lambda: QSpinBox(value=42)],
                         ids=["date", "number"])
def test_date_and_number_boxes_copy_with_hints_by_keys_and_menu(qtbot, copy_filter, box) -> None:
    """A date or number box takes Copy itself (not its line edit) and its menu is Qt's own: both go through ours."""
    field = shown(qtbot, box())
    focus(qtbot, field)                              # taking the focus selects one part of a date: all of it now
    field.selectAll()
    QGuiApplication.clipboard().clear()
    press(qtbot, field, Qt.Key.Key_C)
    assert_hinted_copy(field.text())
    QGuiApplication.clipboard().clear()
    field.selectAll()
    right_click(qtbot, field)                        # Qt's own menu would be modal (exec) and copy plainly
    choose("edit-copy")
    assert_hinted_copy(field.text())


def test_copy_and_cut_by_the_other_standard_keys(qtbot, copy_filter) -> None:
    phone = shown(qtbot, QLineEdit(PHONE))
    phone.selectAll()
    press(qtbot, phone, Qt.Key.Key_Insert)           # Ctrl+Insert
    assert_hinted_copy(PHONE)
    QGuiApplication.clipboard().clear()
    press(qtbot, phone, Qt.Key.Key_Delete, Qt.KeyboardModifier.ShiftModifier)      # Shift+Delete
    assert_hinted_copy(PHONE)
    assert phone.text() == ""
