"""The People page with real widgets: a new person typed in and found by search and in the vault,
the duplicate warning, a contact on the timeline, merging and deleting (both confirmed), and the
follow-ups due."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from fieldapp.domain.queries import PeopleFilter
from fieldapp.domain.records import Contact, Person
from fieldapp.errors import ValidationError
from fieldapp.records import contacts, people
from fieldapp.ui.people_page import PeoplePage
from tests.conftest import AGREED
from tests.ui.helpers import shown, written
from tests.ui.test_visits_page import type_choice

CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def page(qtbot, session):
    widget = PeoplePage(session)
    qtbot.addWidget(widget)
    widget.resize(1100, 700)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    widget.clear()


def _answer(monkeypatch, *answers) -> list:
    """Mock the confirmation dialog: each call takes the next answer; the questions are returned."""
    asked, queue = [], list(answers)
    monkeypatch.setattr(QMessageBox, "question",
                        staticmethod(lambda parent, title, text, *rest: (asked.append(text), queue.pop(0))[1]))
    return asked


def _open_new_person(qtbot, page):
    tab = page.people_tab
    page.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is page)
    tab.search_edit.setFocus()
    qtbot.keyClick(tab.search_edit, Qt.Key.Key_N, CTRL)
    form = tab.form
    qtbot.waitUntil(lambda: QApplication.activeWindow() is form)
    return form


def agreed(qtbot, form, sheet: str = "Thai") -> None:
    """The person agreed to be recorded, having been given the sheet in ``sheet``'s language."""
    qtbot.keyClicks(form.record_combo, "Agreed")
    assert form.sheet_combo.isVisibleTo(form) and not form.reason_combo.isVisibleTo(form)
    qtbot.keyClicks(form.sheet_combo, sheet)


def test_new_person_typed_in_found_by_search_and_in_vault(qtbot, page, session) -> None:
    form = _open_new_person(qtbot, page)
    assert not form.phone_edit.isEnabled()
    qtbot.keyClicks(form.alias_edit, "Mai")
    qtbot.keyClicks(form.gender_combo, "Woman")
    qtbot.keyClicks(form.age_edit, "27")
    type_choice(qtbot, form.nationality_combo, "Thailand")
    qtbot.keyClicks(form.languages, "Thai")
    qtbot.keyClick(form.languages, Qt.Key.Key_Space)
    qtbot.keyClick(form.consent_check, Qt.Key.Key_Space)
    assert form.phone_edit.isEnabled()
    qtbot.keyClicks(form.phone_edit, "+45 20 30 40 50")
    agreed(qtbot, form)
    qtbot.keyClick(form.phone_edit, Qt.Key.Key_Return)
    written(qtbot, form)

    assert not shown(form)
    [stored] = people.list_people(session)
    assert (stored.alias, stored.gender, stored.age_estimate, stored.nationality) == ("Mai", "woman", 27, "TH")
    assert stored.languages == ("th",) and stored.phone == "+45 20 30 40 50" and stored.phone_consent
    assert (stored.record_consent, stored.sheet_language) == ("given", "th") and len(stored.sheet_version) == 10
    tab = page.people_tab
    assert "Mai" in tab.panel.details.text() and "Thailand" in tab.panel.details.text()
    qtbot.keyClick(tab.table, Qt.Key.Key_F, CTRL)
    qtbot.keyClicks(tab.search_edit, "thai")              # a nationality's name finds her too
    assert tab.model.rowCount() == 1 and tab.model.index(0, 0).data() == "Mai"
    qtbot.keyClicks(tab.search_edit, "x")
    assert tab.model.rowCount() == 0 and tab.count_label.text() == "0 people"


def test_impossible_age_shown_beside_field_and_nothing_saved(qtbot, page, session) -> None:
    form = _open_new_person(qtbot, page)
    qtbot.keyClicks(form.alias_edit, "Rosa")
    qtbot.keyClicks(form.age_edit, "5")
    qtbot.keyClicks(form.year_edit, "1890")
    qtbot.keyClick(form.alias_edit, Qt.Key.Key_S, CTRL)
    written(qtbot, form)
    assert form.isVisible()
    assert "between 12 and 90" in form.errors["age_estimate"].text()
    assert "age of" in form.errors["birth_year"].text()
    assert not form.errors["alias"].isVisible()
    assert people.count_people(session) == 0


def test_similar_person_warning_offers_the_existing_one(qtbot, page, session) -> None:
    existing = people.create_person(session, Person(**AGREED, alias="Mai", nationality="TH", age_estimate=27))
    form = _open_new_person(qtbot, page)
    qtbot.keyClicks(form.alias_edit, "Maii")
    type_choice(qtbot, form.nationality_combo, "Thailand")
    agreed(qtbot, form)
    qtbot.keyClicks(form.age_edit, "28")
    qtbot.keyClick(form.age_edit, Qt.Key.Key_Return)
    written(qtbot, form)
    assert form.isVisible() and form.warning.isVisible()
    assert form.warning.candidates.item(0).text().startswith("Mai,")
    assert people.count_people(session) == 1
    qtbot.keyClick(form.warning.open_button, Qt.Key.Key_Space)
    assert not shown(form)
    assert page.people_tab.panel.person.id == existing.id

    form = _open_new_person(qtbot, page)
    qtbot.keyClicks(form.alias_edit, "Maii")
    type_choice(qtbot, form.nationality_combo, "Thailand")
    agreed(qtbot, form)
    qtbot.keyClick(form.alias_edit, Qt.Key.Key_Return)
    written(qtbot, form)
    assert form.warning.isVisible()
    qtbot.keyClick(form.alias_edit, Qt.Key.Key_Return)     # Save again: a new person after all
    written(qtbot, form)
    assert not shown(form) and people.count_people(session) == 2


def test_unsaved_changes_prompt_on_escape(qtbot, page, session, monkeypatch) -> None:
    form = _open_new_person(qtbot, page)
    qtbot.keyClick(form.alias_edit, Qt.Key.Key_Escape)      # nothing typed: closes without asking
    assert not shown(form)
    form = _open_new_person(qtbot, page)
    qtbot.keyClicks(form.alias_edit, "Ana")
    asked = _answer(monkeypatch, QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Discard)
    qtbot.keyClick(form.alias_edit, Qt.Key.Key_Escape)
    assert form.isVisible() and len(asked) == 1 and form.alias_edit.text() == "Ana"
    qtbot.keyClick(form.alias_edit, Qt.Key.Key_Escape)
    assert not shown(form) and len(asked) == 2
    assert people.count_people(session) == 0


def test_new_contact_shows_on_timeline_and_in_vault(qtbot, page, session) -> None:
    person = people.create_person(session, Person(**AGREED, alias="Lina"))
    tab = page.people_tab
    tab.reload()
    tab.table.selectRow(0)
    assert tab.panel.person.id == person.id
    qtbot.keyClick(tab.panel.contact_button, Qt.Key.Key_Space)
    form = tab.form
    qtbot.waitUntil(lambda: QApplication.activeWindow() is form)
    assert form.health is None and form.legal is None     # an administrator has neither role
    assert form.kind_combo.findData("health") < 0
    qtbot.keyClicks(form.kind_combo, "Venue")
    qtbot.keyClicks(form.topics, "Housing")
    qtbot.keyClick(form.topics, Qt.Key.Key_Space)
    qtbot.keyClicks(form.indicators, "ID")
    qtbot.keyClick(form.indicators, Qt.Key.Key_Space)
    assert form.topics.summary.text() == "Ticked: Housing"          # what is ticked, under the short list
    assert "ID documents" in form.indicators.summary.text() or "documents" in form.indicators.summary.text()
    assert form.services.summary.text() == "Nothing ticked"
    qtbot.keyClick(form.follow_up.check, Qt.Key.Key_Space)
    form.note_edit.setFocus()
    qtbot.keyClicks(form.note_edit, "Asked about a room")
    qtbot.keyClick(form.note_edit, Qt.Key.Key_Return)                 # a new line, not a save
    assert form.isVisible()
    qtbot.keyClicks(form.note_edit, "Call back on Friday")
    qtbot.keyClick(form.note_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    written(qtbot, form)
    assert not shown(form)
    [entry] = contacts.timeline(session, person.id)
    assert entry.contact.note == "Asked about a room\nCall back on Friday"
    assert entry.contact.kind == "venue" and entry.contact.topics == ("housing",)
    assert entry.contact.indicators == ("documents_withheld",)
    assert entry.contact.follow_up == date.today() + timedelta(days=7)
    model = tab.panel.model
    assert model.rowCount() == 1 and model.index(0, 1).data() == "Venue"
    assert "Housing" in model.index(0, 3).data() and "Asked about a room" in model.index(0, 3).data()


def test_follow_up_in_the_future_is_refused_before_the_contact(qtbot, page, session) -> None:
    person = people.create_person(session, Person(**AGREED, alias="Lina"))
    page.people_tab.show_person(person.id)
    qtbot.keyClick(page.people_tab.panel.contact_button, Qt.Key.Key_Space)
    form = page.people_tab.form
    qtbot.waitUntil(lambda: QApplication.activeWindow() is form)
    form.when_edit.setFocus()
    qtbot.keyClick(form.when_edit, Qt.Key.Key_Up)          # a year ahead
    qtbot.keyClick(form.when_edit, Qt.Key.Key_Return)
    written(qtbot, form)
    assert "in the future" in form.errors["occurred_at"].text()
    assert contacts.timeline(session, person.id) == []


def test_merge_two_people_after_confirmation(qtbot, page, session, monkeypatch) -> None:
    keep = people.create_person(session, Person(**AGREED, alias="Ana"))
    drop = people.create_person(session, Person(**AGREED, alias="Anna", nationality="RO"))
    for person in (keep, drop):
        contacts.create_contact(session, Contact(person_id=person.id, kind="street",
                                                 occurred_at=datetime.now().astimezone()))
    tab = page.people_tab
    tab.reload()
    tab.table.selectRow(0)
    qtbot.keyClick(tab.merge_button, Qt.Key.Key_Space)
    assert "Select the two" in tab.message.text()
    tab.table.selectAll()
    asked = _answer(monkeypatch, QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes)
    qtbot.keyClick(tab.merge_button, Qt.Key.Key_Space)
    assert people.count_people(session) == 2 and "Merge Anna into Ana" in asked[0]
    qtbot.keyClick(tab.merge_button, Qt.Key.Key_Space)
    assert [p.alias for p in people.list_people(session)] == ["Ana"]
    assert len(contacts.timeline(session, keep.id)) == 2
    assert people.get_person(session, keep.id).nationality == "RO"
    assert tab.model.rowCount() == 1 and tab.panel.model.rowCount() == 2


def test_a_merge_that_makes_someone_a_child_says_what_the_duty_to_protect_children_asks(qtbot, page, session,
                                                                                        monkeypatch) -> None:
    keep = people.create_person(session, Person(**AGREED, alias="Lia"))                       # no age known
    drop = people.create_person(session, Person(**AGREED, alias="Lia", age_estimate=16))
    tab = page.people_tab
    tab.reload()
    tab.panel.show_person(keep)
    tab.table.selectAll()
    _answer(monkeypatch, QMessageBox.StandardButton.Yes)
    qtbot.keyClick(tab.merge_button, Qt.Key.Key_Space)
    assert people.get_person(session, keep.id).age_estimate == 16 and people.count_people(session) == 1
    assert "Lia is now recorded as a child (under 18)" in tab.message.text()
    assert "tell the municipality" in tab.message.text()
    assert drop.id != keep.id


def test_an_age_corrected_to_a_childs_says_so_too(qtbot, page, session) -> None:
    person = people.create_person(session, Person(**AGREED, alias="Noa", age_estimate=19))
    tab = page.people_tab
    tab.reload()
    tab.panel.show_person(person)
    tab.edit_person()
    form = tab.form
    form.age_edit.setText("15")
    form.save()
    written(qtbot, form)
    assert people.get_person(session, person.id).age_estimate == 15
    assert "Noa is now recorded as a child (under 18)" in tab.message.text()


def test_a_merge_of_two_adults_says_nothing_of_children(qtbot, page, session, monkeypatch) -> None:
    keep = people.create_person(session, Person(**AGREED, alias="Mai", age_estimate=30))
    people.create_person(session, Person(**AGREED, alias="May", age_estimate=31))
    tab = page.people_tab
    tab.reload()
    tab.panel.show_person(keep)
    tab.table.selectAll()
    _answer(monkeypatch, QMessageBox.StandardButton.Yes)
    qtbot.keyClick(tab.merge_button, Qt.Key.Key_Space)
    assert tab.message.text() == "People merged."


def test_delete_person_asks_first(qtbot, page, session, monkeypatch) -> None:
    people.create_person(session, Person(**AGREED, alias="Ola"))
    tab = page.people_tab
    tab.reload()
    tab.table.selectRow(0)
    tab.table.setFocus()
    asked = _answer(monkeypatch, QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes)
    qtbot.keyClick(tab.table, Qt.Key.Key_Delete)
    assert people.count_people(session) == 1
    qtbot.keyClick(tab.table, Qt.Key.Key_Delete)
    assert people.count_people(session) == 0 and tab.model.rowCount() == 0 and len(asked) == 2
    assert people.count_people(session, PeopleFilter(text="Ola")) == 0


def test_follow_ups_due_listed_and_marked_done(qtbot, page, session) -> None:
    person = people.create_person(session, Person(**AGREED, alias="Dao"))
    yesterday = datetime.now().astimezone() - timedelta(days=1)
    contacts.create_contact(session, Contact(person_id=person.id, kind="street", occurred_at=yesterday,
                                             follow_up=date.today()))
    follow_ups = page.follow_ups
    follow_ups.reload()
    page.tabs.setCurrentWidget(follow_ups)
    assert follow_ups.model.rowCount() == 1 and follow_ups.model.index(0, 1).data() == "Dao"
    assert follow_ups.count_label.text() == "1 follow-up, 0 overdue"
    follow_ups.table.selectRow(0)
    qtbot.keyClick(follow_ups.table, Qt.Key.Key_Return)      # opens the person
    assert page.tabs.currentWidget() is page.people_tab and page.people_tab.panel.person.id == person.id
    page.tabs.setCurrentWidget(follow_ups)
    follow_ups.table.selectRow(0)
    qtbot.keyClick(follow_ups.done_button, Qt.Key.Key_Space)
    assert follow_ups.model.rowCount() == 0 and contacts.follow_ups_pager(session).count() == 0
    assert "(done)" in page.people_tab.panel.model.index(0, 2).data()


def test_a_follow_up_saved_anywhere_shows_in_the_follow_ups_tab_a_turn_later(qtbot, page, session) -> None:
    from fieldapp.ui import changes

    qtbot.waitUntil(lambda: page.follow_ups.count_label.text() == "0 follow-ups, 0 overdue", timeout=5_000)
    person = people.create_person(session, Person(**AGREED, alias="Lan"))
    contacts.create_contact(session, Contact(person_id=person.id, kind="street", follow_up=date.today(),
                                             occurred_at=datetime.now().astimezone() - timedelta(hours=1)))
    changes.notify(session, "contacts")
    assert page.follow_ups.model.rowCount() == 0                     # not in the same turn as the save
    qtbot.waitUntil(lambda: page.follow_ups.model.rowCount() == 1, timeout=5_000)
    assert page.follow_ups.count_label.text() == "1 follow-up, 0 overdue"


def test_forced_labour_and_forced_crime_typed_in_with_the_industry(qtbot, page, session) -> None:
    person = people.create_person(session, Person(**AGREED, alias="Tomasz", gender="man"))
    page.people_tab.show_person(person.id)
    qtbot.keyClick(page.people_tab.panel.contact_button, Qt.Key.Key_Space)
    form = page.people_tab.form
    qtbot.waitUntil(lambda: QApplication.activeWindow() is form)
    for checks, text in ((form.exploitation, "Forced"), (form.crime_forms, "Cannabis")):
        checks.setFocus()
        qtbot.keyClicks(checks, text)
        qtbot.keyClick(checks, Qt.Key.Key_Space)
    form.industry_combo.setFocus()
    qtbot.keyClicks(form.industry_combo, "Agri")
    qtbot.keyClick(form.industry_combo, Qt.Key.Key_S, CTRL)
    written(qtbot, form)
    assert shown(form) and "Forced criminal activities" in form.errors["crime_forms"].text()
    assert contacts.timeline(session, person.id) == []
    form.exploitation.setFocus()
    qtbot.keyClick(form.exploitation, Qt.Key.Key_Down)               # forced labour, then forced crime
    qtbot.keyClick(form.exploitation, Qt.Key.Key_Space)
    qtbot.keyClick(form.exploitation, Qt.Key.Key_S, CTRL)
    written(qtbot, form)
    assert not shown(form)
    [entry] = contacts.timeline(session, person.id)
    assert entry.contact.exploitation == ("forced_labour", "criminal_activities")
    assert entry.contact.industry == "agriculture" and entry.contact.crime_forms == ("cannabis",)
    details = page.people_tab.panel.model.index(0, 3).data()
    assert "Agriculture and horticulture" in details and "Cannabis cultivation" in details


def test_a_person_who_refuses_is_counted_anonymously_and_nothing_typed_is_kept(qtbot, page, session) -> None:
    form = _open_new_person(qtbot, page)
    qtbot.keyClicks(form.alias_edit, "Refusing Rita")
    qtbot.keyClicks(form.gender_combo, "Woman")
    qtbot.keyClicks(form.age_edit, "16")
    qtbot.keyClick(form.alias_edit, Qt.Key.Key_S, CTRL)
    written(qtbot, form)
    assert shown(form) and form.errors["record_consent"].text() == (
        "Say whether the person agreed that we keep a record.")
    qtbot.keyClicks(form.record_combo, "Refused")
    assert form.save_button.text() == "Count &anonymously" and not form.sheet_combo.isVisibleTo(form)
    qtbot.keyClick(form.alias_edit, Qt.Key.Key_S, CTRL)
    written(qtbot, form)
    assert not shown(form) and people.count_people(session) == 0
    assert page.people_tab.message.text() == "Counted anonymously: nothing about the person was kept."
    assert session.conn.execute("SELECT gender, age_class FROM anonymous_counts").fetchall() == [("woman", "child")]


def test_a_person_not_asked_yet_needs_the_reason(qtbot, page, session) -> None:
    form = _open_new_person(qtbot, page)
    qtbot.keyClicks(form.alias_edit, "Later Lan")
    qtbot.keyClicks(form.record_combo, "Not")
    assert form.reason_combo.isVisibleTo(form) and not form.sheet_combo.isVisibleTo(form)
    qtbot.keyClick(form.alias_edit, Qt.Key.Key_S, CTRL)
    written(qtbot, form)
    assert "Say why" in form.errors["consent_reason"].text() and people.count_people(session) == 0
    qtbot.keyClicks(form.reason_combo, "Not")
    qtbot.keyClick(form.alias_edit, Qt.Key.Key_S, CTRL)
    written(qtbot, form)
    [stored] = people.list_people(session)
    assert (stored.record_consent, stored.consent_reason, stored.sheet_language) == ("not_asked", "not_safe", "")


def test_my_follow_ups_with_their_plan_owner_and_key_worker_overdue_and_coming_up(qtbot, page, session) -> None:
    """Mine: the follow-ups I own, those of people I am the key worker of, and those on my contacts that name nobody;
    overdue ones first, then the next two weeks; everyone's lists the colleague's too."""
    from fieldapp.security import vault
    from fieldapp.ui.follow_ups_form import UPCOMING_DAYS
    from tests.conftest import PASSPHRASE

    colleague_id = vault.add_user(session, "Colleague", "outreach", PASSPHRASE, PASSPHRASE).id
    mine = people.create_person(session, Person(**AGREED, alias="Kept By Me"))
    theirs = people.create_person(session, Person(**AGREED, alias="Kept By Them", key_worker=colleague_id))
    earlier = datetime.now().astimezone() - timedelta(days=10)

    def follow_up(person, due, **extra) -> None:
        contacts.create_contact(session, Contact(person_id=person.id, kind="street", occurred_at=earlier,
                                                 follow_up=due, **extra))

    follow_up(mine, date.today() - timedelta(days=3), follow_up_text="Bring the Thai leaflet")       # overdue, mine
    follow_up(theirs, date.today() + timedelta(days=5))                                           # the key worker's
    follow_up(theirs, date.today() + timedelta(days=2), follow_up_text="Doctor's letter",
              follow_up_owner=session.user.id)                                                    # owned by me
    follow_up(mine, date.today() + timedelta(days=UPCOMING_DAYS + 5))                             # too far ahead
    with pytest.raises(ValidationError):
        follow_up(mine, None, follow_up_text="A plan without a day")
    tab = page.follow_ups
    tab.reload()
    rows = [(tab.model.index(r, 1).data(), tab.model.index(r, 2).data()) for r in range(tab.model.rowCount())]
    assert rows == [("Kept By Me", "Bring the Thai leaflet"), ("Kept By Them", "Doctor's letter")]
    assert "(overdue)" in tab.model.index(0, 0).data() and "(overdue)" not in tab.model.index(1, 0).data()
    assert tab.count_label.text() == "2 follow-ups, 1 overdue"
    qtbot.keyClicks(tab.scope_combo, "Everyone")
    assert tab.model.rowCount() == 3 and tab.model.index(2, 3).data() == "Colleague"


def test_a_follow_up_plan_and_its_owner_typed_in_and_a_key_worker_chosen(qtbot, page, session) -> None:
    person = people.create_person(session, Person(**AGREED, alias="Planned Pim"))
    page.people_tab.show_person(person.id)
    qtbot.keyClick(page.people_tab.panel.contact_button, Qt.Key.Key_Space)
    form = page.people_tab.form
    qtbot.waitUntil(lambda: QApplication.activeWindow() is form)
    qtbot.keyClicks(form.follow_up_text, "Call about the lawyer")
    qtbot.keyClick(form.note_edit, Qt.Key.Key_Return, CTRL)
    written(qtbot, form)
    assert shown(form) and "day of the follow-up" in form.errors["follow_up"].text()
    qtbot.keyClick(form.follow_up.check, Qt.Key.Key_Space)
    qtbot.keyClicks(form.follow_up_owner, session.user.name)
    qtbot.keyClick(form.note_edit, Qt.Key.Key_Return, CTRL)
    written(qtbot, form)
    [entry] = contacts.timeline(session, person.id)
    assert (entry.contact.follow_up_text, entry.contact.follow_up_owner) == ("Call about the lawyer", session.user.id)
    page.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is page)
    page.people_tab.edit_person()
    person_form = page.people_tab.form
    qtbot.waitUntil(lambda: QApplication.activeWindow() is person_form)
    qtbot.keyClicks(person_form.key_worker_combo, session.user.name)
    qtbot.keyClick(person_form.alias_edit, Qt.Key.Key_Return)
    written(qtbot, person_form)
    assert people.get_person(session, person.id).key_worker == session.user.id
