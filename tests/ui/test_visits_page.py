"""The Visits page with real widgets: log a visit with the keyboard alone, find it in the list and
in the vault; bad times are shown beside their fields and nothing is saved; venues and their
history; deleting asks first."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from fieldapp.domain.queries import VisitFilter
from fieldapp.domain.records import Venue, Visit
from fieldapp.records import venues, visits
from fieldapp.ui.visits_page import VisitsPage
from tests.ui.helpers import shown, written

CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def venue(session) -> Venue:
    return venues.create_venue(session, Venue(name="Lotus Massage", kind="massage_clinic", municipality="Odense",
                                              region="syddanmark"))


@pytest.fixture
def page(qtbot, session, venue):
    widget = VisitsPage(session)
    qtbot.addWidget(widget)
    widget.resize(1000, 700)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    widget.clear()


def _new_visit_form(qtbot, page):
    page.activateWindow()                       # a closed form leaves no window active (offscreen)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is page)
    page.visits_tab.table.setFocus()
    qtbot.keyClick(page.visits_tab.table, Qt.Key.Key_N, CTRL)
    form = page.visits_tab.form
    assert form is not None and form.isVisible()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is form)
    return form


def type_choice(qtbot, combo, text: str, key=Qt.Key.Key_Tab) -> None:
    """Type into a searchable combo, then leave it as a user would (Tab or Return closes the completion)."""
    qtbot.keyClicks(combo.lineEdit(), text)
    popup = combo.completer().popup()
    qtbot.keyClick(popup if popup.isVisible() else combo.lineEdit(), key)


def _replace(qtbot, widget, text: str) -> None:
    qtbot.keyClick(widget, Qt.Key.Key_A, CTRL)
    qtbot.keyClicks(widget, text)


def test_routine_visit_logged_with_keyboard_only(qtbot, page, session, venue) -> None:
    form = _new_visit_form(qtbot, page)
    qtbot.waitUntil(lambda: QApplication.focusWidget() in (form.venue_combo, form.venue_combo.lineEdit()))
    type_choice(qtbot, form.venue_combo, "Lotus Massage")
    _replace(qtbot, form.people_spin, "4")
    qtbot.keyClicks(form.languages, "Thai")
    qtbot.keyClick(form.languages, Qt.Key.Key_Space)
    qtbot.keyClick(form.interpreter_check, Qt.Key.Key_Space)
    _replace(qtbot, form.materials.quantity_spin, "12")
    qtbot.keyClick(form.materials.add_button, Qt.Key.Key_Space)
    qtbot.keyClicks(form.observations, "Isolated")
    qtbot.keyClick(form.observations, Qt.Key.Key_Space)
    qtbot.keyClicks(form.note_edit, "Two new women, quiet")
    qtbot.keyClick(form.note_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    written(qtbot, form)

    assert not shown(form)
    [row] = visits.list_visits(session)
    stored = row.visit
    assert row.venue_name == "Lotus Massage" and stored.venue_id == venue.id
    assert stored.people_met == 4 and stored.languages == ("th",) and stored.interpreter
    assert [(m.kind, m.language, m.quantity) for m in stored.materials] == [("leaflet", "th", 12)]
    assert stored.observations == ("isolated_controlled",) and stored.note == "Two new women, quiet"
    assert stored.team == (session.user.id,)
    assert timedelta(minutes=55) < stored.ended_at - stored.started_at <= timedelta(minutes=61)
    model = page.visits_tab.model
    assert model.rowCount() == 1
    assert model.index(0, 1).data() == "Lotus Massage" and model.index(0, 2).data() == "4"
    assert page.visits_tab.count_label.text() == "1 visit"


def test_end_before_start_and_future_start_shown_beside_fields_nothing_saved(qtbot, page, session) -> None:
    form = _new_visit_form(qtbot, page)
    type_choice(qtbot, form.venue_combo, "Lotus Massage")
    form.end_edit.setFocus()
    qtbot.keyClick(form.end_edit, Qt.Key.Key_Down)          # the year: a year earlier than the start
    qtbot.keyClick(form.end_edit, Qt.Key.Key_S, CTRL)
    written(qtbot, form)
    assert form.isVisible()
    assert form.errors["ended_at"].isVisible()
    assert "ends before it starts" in form.errors["ended_at"].text()
    assert visits.count_visits(session) == 0

    qtbot.keyClick(form.end_edit, Qt.Key.Key_Up)
    qtbot.keyClick(form.end_edit, Qt.Key.Key_Up)            # end a year ahead ...
    form.start_edit.setFocus()
    qtbot.keyClick(form.start_edit, Qt.Key.Key_Up)          # ... and the start too
    qtbot.keyClick(form.start_edit, Qt.Key.Key_Return)
    written(qtbot, form)
    assert "in the future" in form.errors["started_at"].text()
    assert not form.errors["venue_id"].isVisible()
    assert visits.count_visits(session) == 0


def test_unknown_venue_is_refused_and_new_venue_can_be_added_inline(qtbot, page, session) -> None:
    form = _new_visit_form(qtbot, page)
    type_choice(qtbot, form.venue_combo, "Nyhavn corner", Qt.Key.Key_Return)
    assert "No venue has this name" in form.errors["venue_id"].text()
    assert visits.count_visits(session) == 0
    qtbot.keyClick(form.new_venue_button, Qt.Key.Key_Space)
    venue_form = form.venue_dialog
    assert venue_form.name_edit.text() == "Nyhavn corner"
    qtbot.keyClicks(venue_form.kind_combo, "Street")
    qtbot.keyClick(venue_form.name_edit, Qt.Key.Key_Return)
    written(qtbot, venue_form)
    assert not shown(venue_form)
    assert form.venue_combo.currentText() == "Nyhavn corner"
    qtbot.keyClick(form.note_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    written(qtbot, form)
    [row] = visits.list_visits(session)
    assert row.venue_name == "Nyhavn corner"
    assert venues.get_venue(session, row.visit.venue_id).kind == "street_area"


def test_filters_by_venue_and_dates(qtbot, page, session, venue) -> None:
    other = venues.create_venue(session, Venue(name="Istedgade", kind="street_area"))
    now = datetime.now().astimezone()
    visits.create_visit(session, Visit(venue_id=venue.id, started_at=now - timedelta(days=40)))
    visits.create_visit(session, Visit(venue_id=other.id, started_at=now - timedelta(hours=2)))
    tab = page.visits_tab
    tab.refresh_venues()
    tab.reload()
    assert tab.model.rowCount() == 2
    type_choice(qtbot, tab.venue_combo, "Isted", Qt.Key.Key_Down)
    qtbot.keyClick(tab.venue_combo.completer().popup(), Qt.Key.Key_Return)
    assert tab.model.rowCount() == 1 and tab.model.index(0, 1).data() == "Istedgade"
    tab.venue_combo.setCurrentIndex(0)
    tab.reload()
    tab.since_edit.setDate((now - timedelta(days=7)).date())
    assert tab.model.rowCount() == 1 and tab.model.index(0, 1).data() == "Istedgade"


def test_delete_visit_asks_first(qtbot, page, session, venue, monkeypatch) -> None:
    visits.create_visit(session, Visit(venue_id=venue.id, started_at=datetime.now().astimezone()))
    tab = page.visits_tab
    tab.reload()
    tab.table.selectRow(0)
    tab.table.setFocus()
    answers = [QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes]
    asked = []
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *args, **kw: (asked.append(args[2]),
                                                                                      answers.pop(0))[1]))
    qtbot.keyClick(tab.table, Qt.Key.Key_Delete)
    assert visits.count_visits(session) == 1 and len(asked) == 1
    qtbot.keyClick(tab.table, Qt.Key.Key_Delete)
    assert visits.count_visits(session) == 0 and tab.model.rowCount() == 0
    assert "deleted" in tab.message.text()


def test_venues_tab_new_venue_search_and_history(qtbot, page, session, venue) -> None:
    visits.create_visit(session, Visit(venue_id=venue.id, started_at=datetime.now().astimezone(), people_met=3))
    page.tabs.setCurrentIndex(1)
    tab = page.venues_tab
    tab.table.setFocus()
    qtbot.keyClick(tab.table, Qt.Key.Key_N, CTRL)
    form = tab.form
    qtbot.keyClicks(form.name_edit, "Blue House")
    qtbot.keyClicks(form.municipality_edit, "Aarhus")
    qtbot.keyClick(form.municipality_edit, Qt.Key.Key_Return)
    written(qtbot, form)
    assert [v.name for v in venues.list_venues(session)] == ["Blue House", "Lotus Massage"]
    qtbot.keyClick(tab.table, Qt.Key.Key_F, CTRL)
    qtbot.keyClicks(tab.search_edit, "odense")
    assert tab.model.rowCount() == 1 and tab.model.index(0, 0).data() == "Lotus Massage"
    tab.table.selectRow(0)
    assert tab.history_model.rowCount() == 1 and tab.history_model.index(0, 2).data() == "3"
    assert visits.list_visits(session, VisitFilter(venue_id=venue.id))[0].visit.people_met == 3
    assert page.visits_tab.venue_combo.findText("Blue House") >= 0


def test_venue_with_visits_cannot_be_deleted(qtbot, page, session, venue, monkeypatch) -> None:
    visits.create_visit(session, Visit(venue_id=venue.id, started_at=datetime.now().astimezone()))
    page.tabs.setCurrentIndex(1)
    tab = page.venues_tab
    tab.table.selectRow(0)
    tab.table.setFocus()
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes))
    qtbot.keyClick(tab.table, Qt.Key.Key_Delete)
    assert "Mark it closed" in tab.message.text()
    assert venues.get_venue(session, venue.id) is not None


def test_the_venues_list_is_filled_when_its_tab_first_shows(qtbot, page, venue) -> None:
    tab = page.venues_tab
    tab.kind_combo.setCurrentIndex(1)                # filters set before it shows fill nothing yet
    assert not tab.filled and tab.model.rowCount() == 0
    tab.kind_combo.setCurrentIndex(0)
    page.tabs.setCurrentWidget(tab)                  # building the page did not wait for the list
    assert tab.filled and tab.model.index(0, 0).data() == "Lotus Massage"


def test_a_visit_is_written_on_a_thread_of_its_own_and_a_second_enter_writes_nothing(qtbot, page, session, venue,
                                                                                       monkeypatch) -> None:
    """A commit waits for the disk: the window keeps answering meanwhile, the form is disabled, and pressing
    Enter again while the write runs does not write the visit twice."""
    real_create = visits.create_visit
    writers: list[int] = []
    release = threading.Event()

    def slow_create(*args, **kwargs):
        writers.append(threading.get_ident())
        release.wait(10)
        return real_create(*args, **kwargs)

    monkeypatch.setattr(visits, "create_visit", slow_create)
    form = _new_visit_form(qtbot, page)
    type_choice(qtbot, form.venue_combo, "Lotus Massage")
    qtbot.keyClick(form.note_edit, Qt.Key.Key_Return, CTRL)
    qtbot.waitUntil(lambda: len(writers) == 1)
    assert writers[0] != threading.get_ident()
    assert not form.isEnabled() and form.saving is not None
    form.save()                                             # Enter again, from the keyboard's shortcut
    form.close()                                            # the window's close button: the write decides
    qtbot.wait(50)
    assert form.isVisible()
    release.set()
    written(qtbot, form)
    assert not shown(form)
    assert len(writers) == 1 and visits.count_visits(session) == 1
    assert page.visits_tab.model.rowCount() == 1 and page.visits_tab.message.text() == "Visit saved."


def test_a_visit_refused_by_the_service_on_the_thread_shows_its_problems_and_the_form_stays(qtbot, page, session,
                                                                                          venue) -> None:
    form = _new_visit_form(qtbot, page)
    type_choice(qtbot, form.venue_combo, "Lotus Massage")
    form.start_edit.set_moment(datetime.now().astimezone() + timedelta(days=400))
    qtbot.keyClick(form.note_edit, Qt.Key.Key_Return, CTRL)
    written(qtbot, form)
    assert shown(form) and form.isEnabled()
    assert "in the future" in form.errors["started_at"].text()
    assert visits.count_visits(session) == 0


def test_the_next_new_visit_form_is_built_ahead_and_starts_empty_with_todays_venues(qtbot, page, session,
                                                                                    venue) -> None:
    tab = page.visits_tab
    qtbot.waitUntil(lambda: tab.spare is not None)
    spare = tab.spare
    form = _new_visit_form(qtbot, page)
    assert form is spare and tab.spare is None
    type_choice(qtbot, form.venue_combo, "Lotus Massage")
    qtbot.keyClicks(form.note_edit, "First round")
    qtbot.keyClick(form.note_edit, Qt.Key.Key_Return, CTRL)
    written(qtbot, form)
    venues.create_venue(session, Venue(name="Harbour Street", kind="street_area", municipality="Aarhus"))
    qtbot.waitUntil(lambda: tab.spare is not None and tab.spare is not spare)
    second = _new_visit_form(qtbot, page)
    assert second.note_edit.text() == "" and not second.dirty and second.venue_combo.code() in (0, "", None)
    assert second.venue_combo.findText("Harbour Street") >= 0                 # a venue made since it was built
    started = second.start_edit.moment()
    assert timedelta(minutes=55) < datetime.now().astimezone() - started < timedelta(minutes=65)
    second.reject()
    qtbot.waitUntil(lambda: tab.spare is not None)
    from fieldapp import i18n
    i18n.set_language("da")
    third = _new_visit_form(qtbot, page)
    assert third is not tab.spare and third.save_button.text() == i18n._("&Save") != "&Save"


def test_an_online_session_logged_by_keyboard_in_its_own_tab(qtbot, page, session) -> None:
    from fieldapp.records import online

    page.tabs.setCurrentWidget(page.online_tab)
    tab = page.online_tab
    page.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is page)
    tab.table.setFocus()
    qtbot.keyClick(tab.table, Qt.Key.Key_N, CTRL)
    form = tab.form
    qtbot.waitUntil(lambda: QApplication.activeWindow() is form)
    qtbot.keyClicks(form.platform_combo, "Dating")
    _replace(qtbot, form.counts["ads_screened"], "30")
    _replace(qtbot, form.counts["ads_flagged"], "40")                 # more flagged than screened: refused
    qtbot.keyClick(form.note_edit, Qt.Key.Key_S, CTRL)
    written(qtbot, form)
    assert shown(form) and "More ads" in form.errors["ads_flagged"].text()
    _replace(qtbot, form.counts["ads_flagged"], "4")
    _replace(qtbot, form.counts["people_reached"], "2")
    qtbot.keyClick(form.note_edit, Qt.Key.Key_S, CTRL)
    written(qtbot, form)
    assert not shown(form)
    [stored] = online.online_pager(session).page(0, 5)
    assert (stored.platform, stored.ads_screened, stored.ads_flagged, stored.people_reached) == (
        "dating_apps", 30, 4, 2)
    assert tab.model.rowCount() == 1 and tab.model.index(0, 1).data() == "Dating apps"
    assert visits.count_visits(session) == 0
