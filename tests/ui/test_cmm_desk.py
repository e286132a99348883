"""CMM's desk through its real widgets: a staff member unlocks an intake store, the urgent referral is listed
first, reading it is logged and says it in words, and an interview booked at the desk reaches the referring
organisation at its next sync. An operator sees the list but cannot read or reply; bad input changes nothing;
the lock forgets everything the window showed."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog

from fieldapp.cmm import accounts, intake
from fieldapp.cmm import store as intake_store
from fieldapp.cmm.folder import receive_folder
from fieldapp.referral import config, service, sync
from fieldapp.storage import outbox_repo
from fieldapp.ui import tasks
from fieldapp.ui.desk.window import DeskWindow
from fieldapp.ui.follow_ups_form import FollowUpsTab
from fieldapp.ui.referrals_page import ReferralsPage
from tests.referral.helpers import CMM_SEED, add_contact, add_person, cmm_secret, crowd, setup_channel
from tests.referral.test_referral_v2 import SHARED

ADMIN_PASS = "cmm desk admin passphrase 2026"
OPERATOR_PASS = "cmm desk operator passphrase 2026"


def _refer(session, alias: str, *, urgent: bool, assessment: bool) -> int:
    pid = add_person(session.conn, alias=alias, nationality="NG", age=23, languages="en")
    add_contact(session.conn, pid, kind="street", indicators="debt documents_withheld",
                industry="sex_industry" if assessment else "")
    draft = service.create_draft(session, pid)
    draft = service.update_draft(session, replace(draft, region="hovedstaden", exploitation_forms=("sexual",),
                                                  help_requested=("identification_interview",),
                                                  immediate_danger=urgent))
    if assessment:
        service.record_consent(session, draft.id, "assessment", "en", "2026.1", notice_read=True, assessment=SHARED)
    else:
        service.record_consent(session, draft.id, "anonymous_notice", "en", "2026.1", notice_read=True)
    if urgent:
        service.record_urgent_call(session, draft.id)
    service.seal_and_queue(session, draft.id, seen=service.preview(session, draft.id), reason="the desk test")
    return draft.id


@pytest.fixture
def world(session, tmp_path: Path):
    """An organisation with two referrals received at CMM (the second urgent), and its stick."""
    setup_channel(session)
    crowd(session.conn, 6)
    calm = _refer(session, "Calm Alias Qx1", urgent=False, assessment=False)
    urgent = _refer(session, "Urgent Alias Qx2", urgent=True, assessment=True)
    usb = tmp_path / "usb"
    usb.mkdir()
    location = tmp_path / "cmm" / "intake.store"
    store = intake_store.create(location, ADMIN_PASS)
    try:
        accounts.adopt_intake_seed(store, CMM_SEED)
        intake.register(store, config.export_org_key(session))
        accounts.add_staff(store, "Olga", OPERATOR_PASS, "operator")
        sync.sync(session, to_folder=usb)
        assert all(r.accepted for r in receive_folder(intake.Intake(store, cmm_secret()), usb))
    finally:
        intake_store.close(store)
    packet = {ref: outbox_repo.for_referral(session.conn, ref).packet_id for ref in (calm, urgent)}
    return {"session": session, "usb": usb, "location": location, "calm": calm, "urgent": urgent, "packet": packet}


@pytest.fixture
def window(qtbot):
    QSettings().remove("desk")
    shown = DeskWindow()
    qtbot.addWidget(shown)
    with qtbot.waitActive(shown):
        shown.show()
        shown.activateWindow()
    yield shown
    if shown.store is not None:
        shown.lock()


def _unlock(qtbot, window: DeskWindow, location, user: str, passphrase: str) -> None:
    window.unlock_page.location.setText(str(location))
    window.unlock_page.user.setText(user)
    qtbot.keyClicks(window.unlock_page.passphrase, passphrase)
    qtbot.keyClick(window.unlock_page.passphrase, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.store is not None or bool(window.unlock_page.error.text()), timeout=20000)


def _wait(qtbot, task) -> None:
    """Wait for an operation and for what it started after it (the list read again)."""
    assert task is not None
    qtbot.waitUntil(lambda: not tasks.pending(), timeout=20000)


def test_the_desk_lists_urgent_first_reads_and_books_an_interview(qtbot, window, world, tmp_path) -> None:
    _unlock(qtbot, window, world["location"], "admin", ADMIN_PASS)
    assert window.store is not None and window.unlock_page.passphrase.text() == ""
    qtbot.waitUntil(lambda: window.model.rowCount() == 2)
    first, second = window.model.row_at(0), window.model.row_at(1)
    assert first.packet_id == world["packet"][world["urgent"]] and first.urgent
    assert second.packet_id == world["packet"][world["calm"]] and not second.urgent
    assert window.model.data(window.model.index(0, 0)) == "urgent"
    assert "1 urgent and not closed" in window.counts.text()

    window.table.selectRow(0)
    assert "not shown until you read it" in window.panel.content.toPlainText()
    _industry_is_listed(window)
    assert intake_store.openings(window.store) == []            # choosing a row reads nothing
    _wait(qtbot, window.start_read())
    content = window.panel.content.toPlainText()
    for words in ("yes: call the organisation now", "For assessment", "Edo", "Nigerian Pidgin", "Nigeria",
                  "no legal residence", "Industry of the work", "Prostitution and the sex industry"):
        assert words.casefold() in content.casefold(), words
    assert "Urgent Alias" not in content
    assert [o.packet_id for o in intake_store.openings(window.store)] == [first.packet_id]

    form = window.panel.form
    form.status.setCurrentIndex(form.status.findData("interview_booked"))
    assert form.first.isVisible() and not form.assessment.isVisible()
    form.first.setDate(QDate(2026, 12, 8))
    form.last.setDate(QDate(2026, 12, 10))
    form.folder.setText(str(world["usb"] / "replies"))
    qtbot.mouseClick(form.send, Qt.MouseButton.LeftButton)
    _wait(qtbot, window.task)
    assert "Reply sealed" in window.panel.message.text()
    assert len(list((world["usb"] / "replies").glob("*.cmmreply"))) == 1
    qtbot.waitUntil(lambda: window.model.row_at(0) is not None and bool(window.model.row_at(0).replies))
    assert window.model.data(window.model.index(0, 10)) == "Interview booked"
    assert any("8 Dec 2026" in window.panel.replies.item(i).text() for i in range(window.panel.replies.count()))

    session = world["session"]
    report = sync.sync(session, to_folder=world["usb"])
    assert [item.referral_id for item in report.replies] == [world["urgent"]]
    entry = next(e for e in service.list_outbox(session) if e.referral_id == world["urgent"])
    assert entry.cmm_code == "interview_booked" and "8 Dec 2026" in entry.cmm_status
    referrals = ReferralsPage(session)                  # the NGO's Referrals page says it
    qtbot.addWidget(referrals)
    shown = [referrals.model.data(referrals.model.index(row, 5)) for row in range(referrals.model.rowCount())]
    assert "Interview booked: 8 Dec 2026 – 10 Dec 2026" in shown
    _interview_is_a_follow_up(qtbot, session)


def _industry_is_listed(window: DeskWindow) -> None:
    """The industry of the work (cmm-referral/3) is in the list and the coded line before anyone reads."""
    assert window.model.data(window.model.index(0, 8)) == "Prostitution and the sex industry"
    assert window.model.data(window.model.index(1, 8)) == ""
    assert "Industry of the work: Prostitution and the sex industry" in window.panel.coded.text()


def _interview_is_a_follow_up(qtbot, session) -> None:
    """The referring worker's follow-ups show the interview until marked done."""
    follow_ups = FollowUpsTab(session)
    qtbot.addWidget(follow_ups)
    follow_ups.reload()
    assert follow_ups.model.data(follow_ups.model.index(0, 1)) == "Urgent Alias Qx2"
    assert follow_ups.model.data(follow_ups.model.index(0, 2)) == (
        "Interview at CMM: 8 Dec 2026 – 10 Dec 2026: tell the person")
    follow_ups.table.selectRow(0)
    qtbot.mouseClick(follow_ups.done_button, Qt.MouseButton.LeftButton)
    assert follow_ups.model.rowCount() == 0 and service.interview_follow_ups(session) == []


def test_a_bad_reply_is_refused_and_writes_nothing(qtbot, window, world) -> None:
    _unlock(qtbot, window, world["location"], "admin", ADMIN_PASS)
    qtbot.waitUntil(lambda: window.model.rowCount() == 2)
    window.table.selectRow(1)
    form = window.panel.form
    form.status.setCurrentIndex(form.status.findData("interview_booked"))
    form.first.setDate(QDate(2026, 12, 10))
    form.last.setDate(QDate(2026, 12, 8))                       # ends before it starts
    form.folder.setText(str(world["usb"] / "replies"))
    qtbot.mouseClick(form.send, Qt.MouseButton.LeftButton)
    _wait(qtbot, window.task)
    assert "does not fit CMM's reply format" in window.panel.message.text()
    assert not (world["usb"] / "replies").exists()
    assert intake_store.replies_for(window.store, world["packet"][world["calm"]]) == []


def test_an_operator_sees_the_list_but_cannot_read_or_reply(qtbot, window, world) -> None:
    _unlock(qtbot, window, world["location"], "Olga", OPERATOR_PASS)
    qtbot.waitUntil(lambda: window.model.rowCount() == 2)
    assert window.model.row_at(0).urgent and "intake operator" in window.who.text()
    window.table.selectRow(0)
    assert not window.panel.read_button.isVisible() and window.start_read() is None
    assert not window.panel.form.send.isEnabled() and "Only an admin" in window.panel.form.note.text()
    assert window.receive_button.isVisible()


def test_a_wrong_passphrase_or_a_missing_store_is_said_and_opens_nothing(qtbot, window, world, tmp_path) -> None:
    _unlock(qtbot, window, world["location"], "admin", "not the passphrase at all")
    assert window.store is None and "passphrase is not right" in window.unlock_page.error.text()
    assert window.stack.currentWidget() is window.unlock_page
    window.unlock_page.location.setText(str(tmp_path / "nowhere.store"))
    qtbot.keyClicks(window.unlock_page.passphrase, ADMIN_PASS)
    qtbot.keyClick(window.unlock_page.passphrase, Qt.Key.Key_Return)
    assert window.store is None and "No intake store was found" in window.unlock_page.error.text()
    assert not (tmp_path / "nowhere.store").exists()


def test_lock_forgets_what_the_window_showed(qtbot, window, world) -> None:
    _unlock(qtbot, window, world["location"], "admin", ADMIN_PASS)
    qtbot.waitUntil(lambda: window.model.rowCount() == 2)
    window.table.selectRow(0)
    _wait(qtbot, window.start_read())
    assert "Edo" in window.panel.content.toPlainText()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.store is None and window.model.rowCount() == 0
    assert window.panel.content.toPlainText() == "" and window.panel.replies.count() == 0
    assert window.stack.currentWidget() is window.unlock_page and window.counts.text() == ""


def test_keys_at_the_desk_keep_its_idle_lock_away_and_a_quiet_desk_locks(qtbot, window, world) -> None:
    """The desk's idle watcher sits on its windows: a key (the way a keyboard sends it) counts as someone there."""
    _unlock(qtbot, window, world["location"], "admin", ADMIN_PASS)
    qtbot.waitUntil(lambda: window.model.rowCount() == 2)
    window.idle._last -= 100                                     # noqa: SLF001 - as if 100 s went by
    QTest.keyClick(window.windowHandle(), Qt.Key.Key_Down)
    assert window.idle.idle_seconds() < 50
    window.idle.set_timeout(0.3)
    qtbot.waitUntil(lambda: window.store is None, timeout=5000)
    assert window.model.rowCount() == 0


def test_a_reading_that_ends_after_the_lock_shows_nothing_to_whoever_unlocks_next(qtbot, window, world) -> None:
    _unlock(qtbot, window, world["location"], "admin", ADMIN_PASS)
    qtbot.waitUntil(lambda: window.model.rowCount() == 2)
    _wait(qtbot, window.reload())
    window.table.selectRow(0)
    window.start_read()
    window.lock()                                 # the reading's answer is still on its way to the window
    qtbot.wait(50)
    assert window.read is None and window.model.rowCount() == 0 and window.counts.text() == ""
    _unlock(qtbot, window, world["location"], "Olga", OPERATOR_PASS)
    qtbot.waitUntil(lambda: window.model.rowCount() == 2)
    window.table.selectRow(0)
    assert "Edo" not in window.panel.content.toPlainText() and window.read is None


def test_a_replies_folder_that_is_a_file_or_a_link_is_refused_before_anything_is_read(qtbot, window, world,
                                                                                      tmp_path) -> None:
    _unlock(qtbot, window, world["location"], "admin", ADMIN_PASS)
    qtbot.waitUntil(lambda: window.model.rowCount() == 2)
    window.table.selectRow(1)
    (tmp_path / "a-file").write_text("x")
    (tmp_path / "real").mkdir()
    (tmp_path / "linked").symlink_to(tmp_path / "real")
    for folder in (tmp_path / "a-file", tmp_path / "linked"):
        window.panel.form.folder.setText(str(folder))
        _wait(qtbot, window.start_reply())
        assert "cannot take the reply" in window.panel.message.text()
    assert intake_store.replies_for(window.store, world["packet"][world["calm"]]) == []
    assert intake_store.openings(window.store) == [] and list((tmp_path / "real").iterdir()) == []


def test_a_password_in_a_database_url_is_never_shown(qtbot) -> None:
    from fieldapp.ui.desk.window import DeskUnlock

    page = DeskUnlock("postgresql://cmm_desk:S3cretPw@db.cmm.internal:5433/cmm_intake")
    qtbot.addWidget(page)
    assert "S3cretPw" not in page.location.text() and "***" in page.location.text()
    assert page.place() == "postgresql://cmm_desk:S3cretPw@db.cmm.internal:5433/cmm_intake"
    page.location.setText("/srv/cmm/intake.store")
    assert page.place() == "/srv/cmm/intake.store"


def test_closing_the_window_during_an_unlock_closes_the_store_it_opened(qtbot, window, world, monkeypatch) -> None:
    opened = []

    def spy(*args, **kwargs):
        opened.append(intake_store_open(*args, **kwargs))
        return opened[-1]

    intake_store_open = intake_store.open_store
    monkeypatch.setattr(intake_store, "open_store", spy)
    window.unlock_page.location.setText(str(world["location"]))
    qtbot.keyClicks(window.unlock_page.passphrase, ADMIN_PASS)
    window.start_unlock()
    window.close()
    qtbot.waitUntil(lambda: bool(opened) and not tasks.pending(), timeout=20000)
    qtbot.wait(50)
    assert window.store is None and window.stack.currentWidget() is window.unlock_page
    assert opened[0].desk.keys == {}                 # closed: its keys forgotten


def test_the_desk_speaks_danish_at_once(qtbot, window, world) -> None:
    _unlock(qtbot, window, world["location"], "admin", ADMIN_PASS)
    qtbot.waitUntil(lambda: window.model.rowCount() == 2)
    window.table.selectRow(0)
    window.language_actions["da"].trigger()
    _wait(qtbot, window.task)
    assert window.panel.read_button.text().startswith("&Læs henvisningen")
    assert window.model.headerData(0, Qt.Orientation.Horizontal) == "Haster"
    assert window.model.data(window.model.index(0, 0)) == "akut" and "henvisninger i lageret" in window.counts.text()
    window.language_actions["en"].trigger()
    _wait(qtbot, window.task)
    assert window.model.headerData(0, Qt.Orientation.Horizontal) == "Urgent"


def test_an_operator_receives_a_stick_at_the_desk(qtbot, window, world, monkeypatch) -> None:
    session, usb = world["session"], world["usb"]
    _refer(session, "Third Alias Qx3", urgent=True, assessment=False)
    sync.sync(session, to_folder=usb)
    (usb / "junk.cmmpkt").write_bytes(b"not a packet at all")
    _unlock(qtbot, window, world["location"], "Olga", OPERATOR_PASS)
    qtbot.waitUntil(lambda: window.model.rowCount() == 2)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *_args: str(usb)))
    qtbot.mouseClick(window.receive_button, Qt.MouseButton.LeftButton)
    _wait(qtbot, window.task)
    assert window.status.text().startswith("1 accepted, 2 received before, 1 refused.")
    assert "junk.cmmpkt" in window.status.text()
    assert window.model.rowCount() == 3 and window.model.row_at(0).urgent        # the new urgent one on top
    assert (usb / "receipts").is_dir()
