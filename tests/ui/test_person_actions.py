"""From a person in the People area: refer to CMM, give them their data, erase them completely."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from fieldapp.domain.records import Contact, Person
from fieldapp.lifecycle import subject_export
from fieldapp.records import contacts, people
from fieldapp.referral import service
from fieldapp.ui.people_page import PeoplePage, PeopleTab
from tests.conftest import AGREED
from tests.referral.helpers import setup_channel

ALIAS = "Sentinel Jasmine 8k"


def _page(qtbot, session):
    setup_channel(session)
    person = people.create_person(session, Person(**AGREED, alias=ALIAS, gender="woman", age_estimate=31,
                                                                nationality="RO"))
    contacts.create_contact(session, Contact(person_id=person.id, kind="street",
                                             occurred_at=datetime.now(UTC) - timedelta(days=1),
                                             indicators=("debt",), exploitation=("sexual",)))
    page = PeoplePage(session)
    qtbot.addWidget(page)
    page.show()
    tab = next(w for w in page.findChildren(QWidget) if isinstance(w, PeopleTab))
    tab.show_person(person.id)
    return tab, person


def test_refer_from_the_person(qtbot, session) -> None:
    tab, person = _page(qtbot, session)
    qtbot.mouseClick(tab.actions.refer_button, Qt.MouseButton.LeftButton)
    wizard = tab.actions.dialog
    assert wizard.referral.person_id == person.id and "debt" in wizard.indicators.checked()
    qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    qtbot.keyClick(wizard.notice_read, Qt.Key.Key_Space)          # the sentence about the police was read
    for _step in range(2):
        qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    # Alone in the records, the person is too easy to single out: sealing waits for a reason.
    assert wizard.reason.isVisible() and wizard.message.text()
    assert service.list_outbox(session)[0].status == "draft"
    qtbot.keyClicks(wizard.reason, "CMM needs the exact age group for safe housing")
    qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    assert [e.status for e in service.list_outbox(session)] == ["queued"]
    assert "queued" in tab.actions.message.text()


def test_give_them_their_data(qtbot, session, tmp_path: Path) -> None:
    tab, person = _page(qtbot, session)
    qtbot.mouseClick(tab.actions.export_button, Qt.MouseButton.LeftButton)
    dialog = tab.actions.dialog
    qtbot.keyClicks(dialog.folder_edit, str(tmp_path))
    qtbot.keyClicks(dialog.pass_edit, "jasmine export words")
    qtbot.keyClicks(dialog.repeat_edit, "jasmine export words")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible() and len(dialog.written) == 1
    data = subject_export.decrypt(dialog.written[0].read_bytes(), "jasmine export words")
    assert data["person"]["alias"] == ALIAS


def test_erase_completely_asks_first(qtbot, session, monkeypatch) -> None:
    tab, person = _page(qtbot, session)
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Cancel))
    qtbot.mouseClick(tab.actions.erase_button, Qt.MouseButton.LeftButton)
    assert people.get_person(session, person.id) is not None
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes))
    qtbot.mouseClick(tab.actions.erase_button, Qt.MouseButton.LeftButton)
    assert people.get_person(session, person.id) is None
    assert tab.panel.person is None


def test_a_referral_made_in_people_shows_in_referrals_at_once(qtbot, session) -> None:
    from fieldapp.ui.referrals_page import ReferralsPage

    referrals = ReferralsPage(session)
    qtbot.addWidget(referrals)
    assert referrals.model.rowCount() == 0
    tab, _person = _page(qtbot, session)
    qtbot.mouseClick(tab.actions.refer_button, Qt.MouseButton.LeftButton)
    wizard = tab.actions.dialog
    qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    qtbot.keyClick(wizard.notice_read, Qt.Key.Key_Space)          # the sentence about the police was read
    for _step in range(2):
        qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(wizard.reason, "CMM needs the exact age group for safe housing")
    qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: referrals.model.rowCount() == 1)   # no lock and unlock needed: a turn after the change
    assert referrals.model.row_at(0).status == "queued"


def test_the_timeline_details_have_room_and_the_queued_message_moves_nothing(qtbot, session) -> None:
    tab, person = _page(qtbot, session)
    tab.window().resize(1280, 800)
    qtbot.wait(20)
    contacts.create_contact(session, Contact(
        person_id=person.id, kind="street", occurred_at=datetime.now(UTC) - timedelta(hours=2),
        note="Talked a long while about her debt to the landlord, the passport he keeps and where to sleep tonight",
        indicators=("debt", "documents_withheld", "isolated_controlled"), topics=("housing", "debt", "rights")))
    tab.show_person(person.id)
    qtbot.wait(20)
    table = tab.panel.timeline
    details = table.horizontalHeader().sectionSize(3)
    others = sum(table.horizontalHeader().sectionSize(column) for column in range(3))
    assert details >= others                               # the details column is not crushed
    assert table.rowHeight(0) > table.fontMetrics().height() * 1.5     # long details wrap onto more lines
    buttons = [b.geometry() for b in (tab.actions.refer_button, tab.actions.export_button)]
    tab.actions.message.setText("The referral is queued: sync it from Referrals. " * 3)
    qtbot.wait(20)
    assert [b.geometry() for b in (tab.actions.refer_button, tab.actions.export_button)] == buttons
