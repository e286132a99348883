"""A night round's aftermath, by keyboard, as an outreach worker does it: unlock; log the visit with team,
languages and materials; add the woman met and a contact with a follow-up; find her again; save her leaflet;
refer her; switch the language; lock and unlock. Each step is checked on the screen and in the vault."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from fieldapp.domain.records import Venue
from fieldapp.records import contacts, organisation, people, venues, visits
from fieldapp.referral import service
from fieldapp.security import vault
from fieldapp.ui.main_window import MainWindow
from tests.conftest import PASSPHRASE
from tests.leaflets.helpers import complete_org
from tests.referral.helpers import crowd, setup_channel
from tests.ui.helpers import pdf_written, written
from tests.ui.test_desk import shown_window
from tests.ui.test_shell import _type_unlock
from tests.ui.test_visits_page import type_choice

CTRL = Qt.KeyboardModifier.ControlModifier


def _prepare(path: Path) -> None:
    session, _recovery = vault.create_vault(path, "Admin", "admin", PASSPHRASE)
    venues.create_venue(session, Venue(name="Lotus Massage", kind="massage_clinic", municipality="Odense",
                                       region="syddanmark"))
    organisation.save(session, complete_org())
    setup_channel(session)
    crowd(session.conn, 6, region="syddanmark")          # enough people alike for an anonymous referral
    session.close()


def _keys(qtbot, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    focus = QApplication.focusWidget()
    assert focus is not None, "the keyboard is nowhere"
    qtbot.keyClick(focus, key, modifier)


def _back(qtbot, window: MainWindow) -> None:
    """Back in the main window after a dialog closed (a window manager does this; offscreen, the test does),
    once quick background work (a report rebuilt in the new language) has given the workspace back."""
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window and window.workspace.isEnabled(),
                    timeout=10_000)


def _choose_page(qtbot, window: MainWindow, title: str) -> None:
    """Go to a page from the side list with the keyboard: Up/Down, then Return puts the keyboard in the page."""
    _back(qtbot, window)
    window.nav.setFocus()
    titles = [window.nav.item(i).text() for i in range(window.nav.count())]
    for _press in range(len(titles)):
        if window.nav.currentRow() == titles.index(title):
            break
        qtbot.keyClick(window.nav, Qt.Key.Key_Down if window.nav.currentRow() < titles.index(title) else Qt.Key.Key_Up)
    assert window.nav.currentRow() == titles.index(title)
    qtbot.waitUntil(window.workspace.isEnabled, timeout=10_000)
    qtbot.keyClick(window.nav, Qt.Key.Key_Return)


def test_a_night_round_by_keyboard(qtbot, vault_path, tmp_path, monkeypatch) -> None:  # noqa: PLR0915 - one journey
    _prepare(vault_path)
    window = shown_window(qtbot, vault_path, 1280, 800)
    _type_unlock(qtbot, window, "Admin", PASSPHRASE)
    qtbot.wait(20)
    session = window.session
    assert session is not None

    # 1. The visit: Ctrl+N straight after unlock.
    _keys(qtbot, Qt.Key.Key_N, CTRL)
    form = window.pages["visits"].visits_tab.form
    qtbot.waitUntil(lambda: QApplication.activeWindow() is form)
    type_choice(qtbot, form.venue_combo, "Lotus Massage")
    qtbot.keyClick(form.people_spin, Qt.Key.Key_A, CTRL)
    qtbot.keyClicks(form.people_spin, "3")
    qtbot.keyClicks(form.languages, "Thai")
    qtbot.keyClick(form.languages, Qt.Key.Key_Space)
    qtbot.keyClick(form.materials.quantity_spin, Qt.Key.Key_A, CTRL)
    qtbot.keyClicks(form.materials.quantity_spin, "5")
    qtbot.keyClick(form.materials.add_button, Qt.Key.Key_Space)
    assert form.languages.summary.text() == "Ticked: Thai"
    qtbot.keyClicks(form.note_edit, "Quiet night")
    qtbot.keyClick(form.note_edit, Qt.Key.Key_Return, CTRL)
    written(qtbot, form)
    [visit_row] = [row for row in visits.list_visits(session) if row.visit.note == "Quiet night"]
    assert visit_row.visit.people_met == 3 and visit_row.visit.team == (session.user.id,)
    assert visit_row.visit.languages == ("th",) and visit_row.visit.materials[0].quantity == 5
    assert window.pages["visits"].visits_tab.model.rowCount() == 2        # with the earlier one

    # 2. The woman met, and a contact with a follow-up.
    _choose_page(qtbot, window, "People")
    _keys(qtbot, Qt.Key.Key_N, CTRL)
    person_form = window.pages["people"].people_tab.form
    qtbot.waitUntil(lambda: QApplication.activeWindow() is person_form)
    qtbot.keyClicks(person_form.alias_edit, "Journey Mai")
    type_choice(qtbot, person_form.nationality_combo, "Thailand")
    qtbot.keyClicks(person_form.age_edit, "29")
    qtbot.keyClicks(person_form.record_combo, "Agreed")           # she agreed, with the Thai sheet
    qtbot.keyClicks(person_form.sheet_combo, "Thai")
    qtbot.keyClick(person_form.age_edit, Qt.Key.Key_Return)
    written(qtbot, person_form)
    [mai] = [p for p in people.list_people(session) if p.alias == "Journey Mai"]
    assert (mai.record_consent, mai.sheet_language) == ("given", "th")
    tab = window.pages["people"].people_tab
    assert tab.panel.person is not None and tab.panel.person.id == mai.id
    qtbot.keyClick(tab.panel.contact_button, Qt.Key.Key_Space)
    contact_form = tab.form
    qtbot.waitUntil(lambda: QApplication.activeWindow() is contact_form)
    qtbot.keyClicks(contact_form.kind_combo, "Street")
    qtbot.keyClicks(contact_form.indicators, "In")        # jumps to "In debt to ..."
    qtbot.keyClick(contact_form.indicators, Qt.Key.Key_Space)
    qtbot.keyClick(contact_form.follow_up.check, Qt.Key.Key_Space)
    contact_form.note_edit.setFocus()
    qtbot.keyClicks(contact_form.note_edit, "Owes the landlord")
    qtbot.keyClick(contact_form.note_edit, Qt.Key.Key_Return, CTRL)
    written(qtbot, contact_form)
    [entry] = contacts.timeline(session, mai.id)
    assert entry.contact.follow_up == date.today() + timedelta(days=7) and "debt" in entry.contact.indicators
    assert tab.panel.model.rowCount() == 1 and "Owes the landlord" in tab.panel.model.index(0, 3).data()

    # 3. Find her again: Ctrl+F, type, Down into the results.
    _back(qtbot, window)
    _keys(qtbot, Qt.Key.Key_F, CTRL)
    assert QApplication.focusWidget() is tab.search_edit
    qtbot.keyClicks(tab.search_edit, "Journey")
    qtbot.keyClick(tab.search_edit, Qt.Key.Key_Down)
    assert QApplication.focusWidget() is tab.table and tab.panel.person.id == mai.id

    # 4. Her leaflet, in Thai, saved as a PDF (the draft translation is confirmed).
    _choose_page(qtbot, window, "Leaflets")
    leaflets = window.pages["leaflets"]
    leaflets.language_combo.setCurrentIndex(leaflets.language_combo.findData("th"))
    qtbot.waitUntil(lambda: leaflets.save_button.isEnabled(), timeout=20_000)   # Thai is prepared in a thread
    out = tmp_path / "mai-th.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *args: (str(out), "")))
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda *args: QMessageBox.StandardButton.Yes))
    qtbot.keyClick(leaflets.save_button, Qt.Key.Key_Space)
    pdf_written(qtbot, leaflets)
    assert out.is_file() and out.read_bytes().startswith(b"%PDF")

    # 5. Refer her, from her record; the referral shows in Referrals at once.
    _choose_page(qtbot, window, "People")
    tab.show_person(mai.id)
    qtbot.keyClick(tab.actions.refer_button, Qt.Key.Key_Space)
    wizard = tab.actions.dialog
    qtbot.keyClick(wizard.next_button, Qt.Key.Key_Space)
    qtbot.keyClick(wizard.notice_read, Qt.Key.Key_Space)          # the sentence about the police, read aloud
    for _step in range(3):
        if wizard.isVisible():
            qtbot.keyClick(wizard.next_button, Qt.Key.Key_Space)
    if wizard.isVisible() and wizard.reason.isVisible():
        qtbot.keyClicks(wizard.reason, "CMM needs the exact age group for safe housing")
        qtbot.keyClick(wizard.next_button, Qt.Key.Key_Space)
    assert [e.status for e in service.list_outbox(session)] == ["queued"]
    qtbot.waitUntil(lambda: window.pages["referrals"].model.rowCount() == 1)   # a turn after the change
    assert window.pages["referrals"].model.row_at(0).alias == "Journey Mai"

    # 6. Danish, and back.
    _choose_page(qtbot, window, "Settings")
    settings = window.pages["settings"]
    settings.language_combo.setCurrentIndex(settings.language_combo.findData("da"))
    assert window.nav.item(0).text() == "Besøg"
    settings.language_combo.setCurrentIndex(settings.language_combo.findData("en"))

    # 7. Lock, and unlock back where she was.
    _choose_page(qtbot, window, "Referrals")
    qtbot.keyClick(window, Qt.Key.Key_L, CTRL)
    assert window.session is None and window.pages == {}
    _type_unlock(qtbot, window, "Admin", PASSPHRASE)
    assert window.page_stack.currentWidget() is window.pages["referrals"]
    assert window.pages["referrals"].model.rowCount() == 1
    window.lock()
