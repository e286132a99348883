"""Settings → Code lists through the real widgets: an administrator types an own venue kind, sees it in the list
and in the venue form's kind picker, and a venue saved with it is stored with its code; mistakes are explained."""

from __future__ import annotations

from PySide6.QtCore import Qt

from fieldapp.domain.custom_codes import CustomCode
from fieldapp.records import custom_codes, venues
from fieldapp.ui.custom_codes_tab import CustomCodesTab
from fieldapp.ui.venue_form import VenueForm
from tests.ui.helpers import written


def _tab(qtbot, session) -> CustomCodesTab:
    tab = CustomCodesTab(session)
    qtbot.addWidget(tab)
    tab.show()
    return tab


def test_an_admin_adds_a_venue_kind_by_keyboard_and_the_venue_form_offers_it(qtbot, session) -> None:
    tab = _tab(qtbot, session)
    assert tab.list_combo.currentData() == "venue_kinds"
    qtbot.keyClicks(tab.parent_combo, "Massage clinic")
    qtbot.keyClicks(tab.label_edit, "Thai spa")
    qtbot.keyClick(tab.label_edit, Qt.Key.Key_Return)
    assert tab.message.text() == "Added “Thai spa”."
    assert [(tab.model.index(0, c).data()) for c in (0, 1)] == ["Thai spa", "Massage clinic"]
    assert custom_codes.list_codes(session, "venue_kinds") == (
        CustomCode("venue_kinds", "x-thai-spa", "Thai spa", "massage_clinic"),)

    form = VenueForm(session)
    qtbot.addWidget(form)
    form.show()
    kinds = [form.kind_combo.itemText(i) for i in range(form.kind_combo.count())]
    assert kinds[-1] == "Thai spa" and "Massage clinic" in kinds
    qtbot.keyClicks(form.name_edit, "Lotus")
    form.kind_combo.setCurrentIndex(form.kind_combo.findData("x-thai-spa"))
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    written(qtbot, form)
    assert [venue.kind for venue in venues.list_venues(session)] == ["x-thai-spa"]


def test_mistakes_are_explained_and_a_used_code_is_kept(qtbot, session) -> None:
    tab = _tab(qtbot, session)
    qtbot.keyClicks(tab.label_edit, "Thai spa")
    qtbot.mouseClick(tab.add_button, Qt.MouseButton.LeftButton)
    assert tab.message.text() == "Choose the standard code this one counts under."
    tab.label_edit.clear()
    qtbot.keyClicks(tab.parent_combo, "Street area")
    qtbot.mouseClick(tab.add_button, Qt.MouseButton.LeftButton)
    assert tab.message.text() == "Type a name for the code."
    qtbot.keyClicks(tab.label_edit, "street AREA")
    qtbot.mouseClick(tab.add_button, Qt.MouseButton.LeftButton)
    assert "already in this list" in tab.message.text()
    assert tab.model.rowCount() == 0


def test_languages_rename_and_remove(qtbot, session) -> None:
    tab = _tab(qtbot, session)
    tab.list_combo.setCurrentIndex(tab.list_combo.findData("languages"))
    qtbot.keyClicks(tab.parent_combo, "Arabic")
    qtbot.keyClicks(tab.label_edit, "Darja")
    qtbot.mouseClick(tab.add_button, Qt.MouseButton.LeftButton)
    tab.table.selectRow(0)
    assert tab.label_edit.text() == "Darja" and tab.parent_combo.code() == "ar"
    tab.label_edit.clear()
    qtbot.keyClicks(tab.label_edit, "Darija")
    qtbot.keyClick(tab.label_edit, Qt.Key.Key_Return)                  # a code is chosen: Return saves it
    assert tab.message.text() == "Saved “Darija”."
    assert [c.label for c in custom_codes.list_codes(session, "languages")] == ["Darija"]
    tab.table.selectRow(0)
    qtbot.mouseClick(tab.remove_button, Qt.MouseButton.LeftButton)
    assert tab.message.text() == "Removed “Darija”."
    assert custom_codes.list_codes(session, "languages") == ()
