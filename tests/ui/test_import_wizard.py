"""The Import wizard, driven as an administrator would: a Danish sheet, the columns it suggests, the codes it does
not know, the dry run's report, the import, and deleting the plaintext spreadsheet afterwards."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox, QWizard

from fieldapp.importing import mapping as mappings
from fieldapp.ui import import_wizard
from fieldapp.ui.import_wizard import ImportWizard
from fieldapp.ui.settings_page import SettingsPage
from tests.conftest import PASSPHRASE
from tests.importing.sheets import HEADINGS, rows, write_csv

pytestmark = pytest.mark.usefixtures("qapp")


def _people(session) -> list[tuple]:
    return session.conn.execute("SELECT alias, nationality, record_consent FROM people ORDER BY alias").fetchall()


def _wizard(qtbot, session) -> ImportWizard:
    wizard = ImportWizard(session)
    qtbot.addWidget(wizard)
    wizard.show()
    return wizard


def _to_columns(qtbot, wizard: ImportWizard, source: Path) -> None:
    wizard.file_page.path.setText(str(source))
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.columns_page, timeout=15_000)


def _checked(qtbot, wizard: ImportWizard) -> None:
    wizard.next()                                                # to the values page: a dry run collects texts
    qtbot.waitUntil(lambda: wizard.task is not None and not wizard.task.running() and
                    wizard.values_page.message.text() != "Reading every row ...", timeout=15_000)


def test_a_danish_sheet_from_file_to_vault_and_the_spreadsheet_deleted(qtbot, session, tmp_path, monkeypatch) -> None:
    body = rows(4)
    body[2][2] = "Rumæn"                                         # only the start of a country's name
    body[0][5] = "klinik"                                        # a word of the NGO's own
    source = write_csv(tmp_path / "kontakter.csv", body)
    wizard = _wizard(qtbot, session)
    _to_columns(qtbot, wizard, source)

    combos = wizard.columns_page.combos
    assert combos["person.alias"].currentData() == "column:Navn"
    assert combos["contact.occurred_at"].currentData() == "column:Dato"
    assert combos["person.nationality"].currentData() == "column:Nationalitet"
    assert wizard.columns_page.chosen().person == ("Navn", "Fødselsår", "Nationalitet")

    _checked(qtbot, wizard)
    values = {(target, text): combo for target, text, combo in wizard.values_page.pending}
    assert values[("person.nationality", "Rumæn")].currentData() == "RO"       # the suggestion, chosen
    assert values[("contact.kind", "klinik")].currentData() == ""              # none stands out
    kind = values[("contact.kind", "klinik")]
    kind.setCurrentIndex(kind.findData("venue"))
    assert ("contact.kind", "gade") not in values                               # Danish label of "street"

    wizard.next()
    page = wizard.check_page
    qtbot.waitUntil(lambda: page.checked is not None, timeout=15_000)
    assert page.isComplete()
    assert page.summary.text().startswith("4 rows read; 2 new people; 4 contacts.")
    assert "Row 2: a new person" in page.report.toPlainText()
    assert _people(session) == []                                              # a dry run writes nothing

    saved = tmp_path / "kontakter.toml"
    page.save_to(saved)
    assert mappings.load(saved) == wizard.mapping
    assert "Mia" not in saved.read_text(encoding="utf-8")                     # headings and codes, no row

    wizard.next()                                                              # Import
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.done_page, timeout=15_000)
    assert _people(session) == [("Mia 0", "TH", "historic_import"), ("Mia 1", "RO", "historic_import")]
    assert session.conn.execute("SELECT count(*) FROM contacts WHERE kind = 'venue'").fetchone() == (2,)
    assert not wizard.button(QWizard.WizardButton.BackButton).isEnabled()     # no way back past an import

    monkeypatch.setattr(import_wizard.QMessageBox, "question",
                        lambda *_args, **_kwargs: QMessageBox.StandardButton.Yes)
    wizard.done_page.delete.click()
    assert not source.exists()
    assert wizard.done_page.message.text() == "The spreadsheet was overwritten and deleted."


def test_a_row_with_a_problem_is_reported_and_nothing_can_be_imported(qtbot, session, tmp_path) -> None:
    body = rows(3)
    body[0][5] = "gade"
    body[1][4] = "30-02-2025"
    wizard = _wizard(qtbot, session)
    _to_columns(qtbot, wizard, write_csv(tmp_path / "k.csv", body))
    _checked(qtbot, wizard)
    wizard.next()
    page = wizard.check_page
    qtbot.waitUntil(lambda: page.checked is not None, timeout=15_000)
    assert "1 row has problems: nothing is imported" in page.summary.text()
    assert "Row 3: Dato: “30-02-2025” is not a date that exists." in page.report.toPlainText()
    assert not page.isComplete()
    assert not wizard.button(QWizard.WizardButton.CommitButton).isEnabled()
    assert _people(session) == []


def test_a_mapping_without_the_required_columns_stays_on_its_page(qtbot, session, tmp_path) -> None:
    headings = ["Kaldenavn", *HEADINGS[1:4], "Uge", *HEADINGS[5:]]     # nothing the wizard takes for a date
    wizard = _wizard(qtbot, session)
    _to_columns(qtbot, wizard, write_csv(tmp_path / "k.csv", rows(2), headings=headings))
    wizard.next()
    assert wizard.currentPage() is wizard.columns_page
    assert "Choose the column for “When”" in wizard.columns_page.message.text()


def test_a_folder_or_a_link_is_refused_on_the_first_page(qtbot, session, tmp_path) -> None:
    real = write_csv(tmp_path / "k.csv", rows(2))
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    wizard = _wizard(qtbot, session)
    wizard.file_page.path.setText(str(link))
    wizard.next()
    qtbot.waitUntil(lambda: wizard.file_page.message.text() != "", timeout=15_000)
    assert wizard.currentPage() is wizard.file_page
    assert "link" in wizard.file_page.message.text()


def test_the_import_tab_is_there_for_an_administrator(qtbot, session) -> None:
    page = SettingsPage(session)
    qtbot.addWidget(page)
    assert "import" in page.extra_tabs
    assert page.tabs.tabText(page.tabs.indexOf(page.extra_tabs["import"])) == "Import"
    wizard = page.extra_tabs["import"].open_wizard()
    assert wizard.isVisible()
    wizard.reject()


def test_a_lock_in_the_middle_of_an_import_writes_nothing_and_closes_the_wizard(qtbot, vault_path, tmp_path) -> None:
    from fieldapp.security import vault
    from fieldapp.ui import tasks
    from fieldapp.ui.main_window import MainWindow
    from fieldapp.ui.pages import page_specs
    from tests.ui.test_shell import _make_vault, _type_unlock

    _make_vault(vault_path)
    window = MainWindow(vault_path)
    qtbot.addWidget(window)
    window.show()
    _type_unlock(qtbot, window, "Anna", PASSPHRASE)
    window.nav.setCurrentRow([spec.key for spec in page_specs()].index("settings"))
    qtbot.waitUntil(lambda: "settings" in window.pages, timeout=10_000)
    wizard = window.pages["settings"].extra_tabs["import"].open_wizard()
    _to_columns(qtbot, wizard, write_csv(tmp_path / "k.csv", rows(6000)))
    _checked(qtbot, wizard)
    wizard.next()
    qtbot.waitUntil(lambda: wizard.check_page.checked is not None, timeout=60_000)
    wizard.next()                                                     # Import: the task starts
    assert wizard.task.running()
    window.lock()
    assert not tasks.running() and window.session is None
    qtbot.wait(50)                                                    # a late signal must reach nothing deleted
    session = vault.unlock(vault_path, "Anna", PASSPHRASE)
    try:
        assert session.conn.execute("SELECT count(*) FROM people").fetchone() == (0,)
    finally:
        session.close()


def test_visits_from_a_workbook_through_the_wizard(qtbot, session, tmp_path) -> None:
    from datetime import date

    from tests.importing.sheets import write_xlsx

    body = [["Rosen", "klinik", date(2025, 5, 2), 3], ["Rosen", "klinik", date(2025, 5, 9), 2]]
    source = write_xlsx(tmp_path / "besøg.xlsx", body, headings=["Sted", "Stedtype", "Dato", "Antal"], sheet="2025")
    wizard = _wizard(qtbot, session)
    wizard.file_page.records.setCurrentIndex(wizard.file_page.records.findData("visits"))
    _to_columns(qtbot, wizard, source)
    combos = wizard.columns_page.combos
    assert combos["venue.name"].currentData() == "column:Sted"
    assert combos["visit.people_met"].currentData() == "column:Antal"
    assert not wizard.columns_page.person.isEnabled()
    _checked(qtbot, wizard)
    [(target, text, combo)] = wizard.values_page.pending
    assert (target, text) == ("venue.kind", "klinik")
    combo.setCurrentIndex(combo.findData("massage_clinic"))
    wizard.next()
    qtbot.waitUntil(lambda: wizard.check_page.checked is not None, timeout=15_000)
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.done_page, timeout=15_000)
    assert session.conn.execute("SELECT name, kind FROM venues").fetchall() == [("Rosen", "massage_clinic")]
    assert session.conn.execute("SELECT count(*), sum(people_met) FROM visits").fetchone() == (2, 5)


def test_a_workbook_of_several_sheets_asks_which_one(qtbot, session, tmp_path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "Noter"
    book.active.append(["Intet her"])
    sheet = book.create_sheet("Kontakter 2025")
    for row in [HEADINGS, *rows(2)]:
        sheet.append(row)
    book.save(tmp_path / "bog.xlsx")
    wizard = _wizard(qtbot, session)
    wizard.file_page.path.setText(str(tmp_path / "bog.xlsx"))
    wizard.next()
    qtbot.waitUntil(lambda: wizard.file_page.sheet.count() == 2, timeout=15_000)
    assert wizard.currentPage() is wizard.file_page
    assert "The workbook has 2 sheets: choose the sheet" in wizard.file_page.message.text()
    wizard.file_page.sheet.setCurrentText("Kontakter 2025")
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.columns_page, timeout=15_000)
    assert wizard.table.sheet == "Kontakter 2025" and wizard.table.headers == tuple(HEADINGS)


def test_a_cell_of_several_codes_keeps_every_one_of_them(qtbot, session, tmp_path) -> None:
    body = [[*row[:5], "gade", row[6], "rumænsk, tha"] for row in rows(2)]
    wizard = _wizard(qtbot, session)
    _to_columns(qtbot, wizard, write_csv(tmp_path / "k.csv", body, headings=[*HEADINGS, "Sprog"]))
    assert wizard.columns_page.combos["person.languages"].currentData() == "column:Sprog"
    _checked(qtbot, wizard)
    values = {(target, text): combo for target, text, combo in wizard.values_page.pending}
    combo = values[("person.languages", "rumænsk, tha")]
    assert combo.currentData() == "ro th" and combo.currentText() == "Romanian, Thai"
    wizard.next()
    qtbot.waitUntil(lambda: wizard.check_page.checked is not None, timeout=15_000)
    assert wizard.check_page.checked.people[0].languages == ("ro", "th")
