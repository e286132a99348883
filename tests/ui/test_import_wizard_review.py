"""Review: the wizard keeps the user's own choice of a code over a suggestion when they go back and on again."""

from __future__ import annotations

import pytest

from tests.importing.sheets import rows, write_csv
from tests.ui.test_import_wizard import _checked, _to_columns, _wizard

pytestmark = pytest.mark.usefixtures("qapp")


def test_a_code_chosen_by_hand_survives_back_and_next(qtbot, session, tmp_path) -> None:
    body = rows(2)
    body[0][2] = body[1][2] = "Rumæn"                        # suggested: Romania; the worker knows it is Bulgaria
    wizard = _wizard(qtbot, session)
    _to_columns(qtbot, wizard, write_csv(tmp_path / "k.csv", body))
    _checked(qtbot, wizard)
    combo = {(t, text): c for t, text, c in wizard.values_page.pending}[("person.nationality", "Rumæn")]
    assert combo.currentData() == "RO"
    combo.setCurrentIndex(combo.findData("BG"))
    wizard.next()                                            # to the check page
    qtbot.waitUntil(lambda: wizard.check_page.checked is not None, timeout=15_000)
    wizard.back()                                            # to the values page
    wizard.back()                                            # to the columns page: say, to change a setting
    _checked(qtbot, wizard)                                  # on again
    combo = {(t, text): c for t, text, c in wizard.values_page.pending}[("person.nationality", "Rumæn")]
    assert combo.currentData() == "BG"


def test_a_closed_wizard_does_not_keep_the_spreadsheet_in_memory(qtbot, session, tmp_path) -> None:
    """Each "Import from a spreadsheet ..." made a new wizard, a child of the tab: a closed one lived on until the
    lock with the whole sheet (``table``) and the dry run's plan (aliases, notes) in memory."""
    from PySide6.QtCore import QCoreApplication, QEvent

    from fieldapp.ui.import_tab import ImportTab
    from fieldapp.ui.import_wizard import ImportWizard

    tab = ImportTab(session)
    qtbot.addWidget(tab)
    first = tab.open_wizard()
    _to_columns(qtbot, first, write_csv(tmp_path / "k.csv", rows(2)))
    first.reject()
    tab.open_wizard().reject()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert len(tab.findChildren(ImportWizard)) <= 1


def test_a_column_of_free_text_taken_for_codes_does_not_build_a_combo_per_text(qtbot, session, tmp_path) -> None:
    """Every distinct unknown text got a row with a combo of every code (250 countries): a column of notes mapped
    to the nationality by mistake, or a hostile sheet, made tens of thousands of combos and hung the window."""
    from fieldapp.ui import import_wizard

    body = rows(3_000)
    for i, row in enumerate(body):
        row[2] = f"Land {i}"
    wizard = _wizard(qtbot, session)
    _to_columns(qtbot, wizard, write_csv(tmp_path / "k.csv", body))
    _checked(qtbot, wizard)
    assert wizard.values_page.grid.rowCount() <= import_wizard.MAX_UNKNOWN_SHOWN
    assert "go back and check the columns" in wizard.values_page.message.text()
