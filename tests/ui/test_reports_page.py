"""The Reports page: dates typed in, a report chosen, the table seen; exports with the file dialog mocked."""

from __future__ import annotations

import dataclasses

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QDateTimeEdit, QFileDialog, QTableView

from fieldapp.reports.suppression import Shown
from fieldapp.ui.reports_page import ChartWidget, ReportsPage
from tests.reports.dataset import fill


@pytest.fixture
def page(session, qtbot):
    fill(session)
    widget = ReportsPage(session)
    qtbot.addWidget(widget)
    widget.show()
    _built(qtbot, widget)
    return widget


def _built(qtbot, page) -> None:
    """Reports are built off the window's thread (a moment after the page is shown): wait for the tables."""
    qtbot.waitUntil(lambda: not page._stale and not page.building() and page.isEnabled(), timeout=10_000)


def _set_period(qtbot, page):
    """Type the year 2025 into both date fields (day and month default to 1 January and 31 December)."""
    for edit in (page.from_edit, page.to_edit):
        edit.setFocus()
        edit.setSelectedSection(QDateTimeEdit.Section.YearSection)
        qtbot.keyClicks(edit, "2025")
        qtbot.keyClick(edit, Qt.Key.Key_Tab)
    assert page.period()[0].isoformat() == "2025-01-01" and page.period()[1].isoformat() == "2025-12-31"


def _cells(view: QTableView) -> list[list[str]]:
    model = view.model()
    return [[model.index(r, c).data() for c in range(model.columnCount())] for r in range(model.rowCount())]


def test_defaults_to_this_year_and_hides_exact_for_non_coordinators(page):
    assert page.from_edit.date() == QDate(QDate.currentDate().year(), 1, 1)
    assert page.exact_check.isHidden()
    keys = [page.report_combo.itemData(i) for i in range(page.report_combo.count())]
    assert keys == ["activity", "people", "exploitation", "referrals", "materials"]


def test_shows_the_chosen_report_suppressed(page, qtbot):
    _set_period(qtbot, page)
    qtbot.mouseClick(page.show_button, Qt.MouseButton.LeftButton)
    _built(qtbot, page)
    key = page.findChild(QTableView, "reportTable_key_figures")
    assert ["Referrals to CMM", "<5", "0"] in _cells(key)
    assert ["Contacts", "10", "<5"] in _cells(key)
    assert not page.findChildren(ChartWidget)        # every activity figure of the dataset is hidden
    page.report_combo.setCurrentIndex(page.report_combo.findData("materials"))
    _built(qtbot, page)
    materials = page.findChild(QTableView, "reportTable_materials")
    assert _cells(materials)[0] == ["ro", "7", "0", "0", "0", "7"]
    chart = page.findChild(ChartWidget)
    assert chart.data.series == ((7, 13),)
    assert not chart.grab().isNull()
    drawn = chart.labels_drawn[:len(chart.data.categories)]
    assert chart.data.categories and len(drawn) == len(chart.data.categories)    # every bar says what it counts
    for name, label in zip(chart.data.categories, drawn, strict=True):
        assert label == name or (label.endswith("…") and name.startswith(label[:-1])), (name, label)
    assert all(isinstance(t, Shown) and not t.exact for t in page.shown_tables)


def test_coordinator_toggles_exact_counts(session, qtbot):
    fill(session)
    session.user = dataclasses.replace(session.user, role="coordinator")
    page = ReportsPage(session)
    qtbot.addWidget(page)
    page.show()
    _built(qtbot, page)
    _set_period(qtbot, page)
    assert page.exact_check.isVisible()
    qtbot.mouseClick(page.exact_check, Qt.MouseButton.LeftButton)
    _built(qtbot, page)
    key = page.findChild(QTableView, "reportTable_key_figures")
    assert ["Referrals to CMM", "2", "0"] in _cells(key)
    assert "legal" in [page.report_combo.itemData(i) for i in range(page.report_combo.count())]
    page.clear()
    assert page.findChild(QTableView, "reportTable_key_figures") is None or not page.shown_tables


def test_export_csv_and_pdf_through_the_file_dialog(page, qtbot, tmp_path, monkeypatch):
    _set_period(qtbot, page)
    for fmt, button in (("csv", page.csv_button), ("pdf", page.pdf_button)):
        target = tmp_path / f"report.{fmt}"
        monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, t=target: (str(t), "")))
        with qtbot.waitSignal(page.exported, timeout=20000) as blocker:
            qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        assert blocker.args == [str(target)]
        assert target.exists()
        assert "written" in page.status.text()
    text = (tmp_path / "report.csv").read_text(encoding="utf-8-sig")
    assert "Referrals to CMM,<5,0" in text
    assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF")


def test_cancelled_export_writes_nothing(page, qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a: ("", "")))
    qtbot.mouseClick(page.csv_button, Qt.MouseButton.LeftButton)
    assert list(tmp_path.glob("*.csv")) == []


def test_seal_figures_for_cmm(qtbot, session, tmp_path, monkeypatch) -> None:
    from PySide6.QtWidgets import QFileDialog

    from fieldapp.ui.reports_page import ReportsPage
    from tests.referral.helpers import setup_channel

    page = ReportsPage(session)
    qtbot.addWidget(page)
    assert not page.building()                           # never shown: no report is built behind the scenes
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: str(tmp_path)))
    page.seal_for_cmm()
    assert "CMM" in page.status.text() and not list(tmp_path.glob("*.cmmagg"))     # no CMM key yet
    setup_channel(session)
    page.seal_for_cmm()
    assert len(list(tmp_path.glob("*.cmmagg"))) == 1 and "Only CMM" in page.status.text()


def test_the_report_is_built_off_the_windows_thread(page, qtbot, monkeypatch) -> None:
    import threading

    from fieldapp.reports import service

    threads = []
    real = service.build_report

    def recording(*args, **kwargs):
        threads.append(threading.current_thread() is threading.main_thread())
        return real(*args, **kwargs)
    monkeypatch.setattr(service, "build_report", recording)
    qtbot.mouseClick(page.show_button, Qt.MouseButton.LeftButton)
    assert not page.isEnabled()                        # nothing else touches the vault meanwhile
    _built(qtbot, page)
    assert threads == [False] and page.findChild(QTableView, "reportTable_key_figures") is not None


def test_period_list_follows_the_grid_and_an_off_grid_range_is_explained(page, qtbot, session):
    from datetime import date

    from fieldapp.reports import release
    from fieldapp.ui import changes
    from tests.reports.test_release import on_grid

    year = date.today().year
    assert page.period_combo.currentText() == str(year)               # the default dates are a released period
    on_grid(session, "quarter")
    changes.notify(session, "organisation")

    def period_names() -> list[str]:
        return [page.period_combo.itemText(i) for i in range(page.period_combo.count())]

    qtbot.waitUntil(lambda: f"Quarter 1, {year}" in period_names())          # a turn after the change
    names = period_names()
    assert names[0] == str(year) and f"Quarter 1, {year}" in names
    page.period_combo.setFocus()
    page.period_combo.setCurrentIndex(names.index(f"Quarter 1, {year}"))
    page.period_combo.activated.emit(page.period_combo.currentIndex())
    assert page.period() == (date(year, 1, 1), date(year, 3, 31))
    _built(qtbot, page)
    assert page.findChild(QTableView, "reportTable_key_figures") is not None and page.status.text() == ""

    page.to_edit.setDate(QDate(year, 2, 28))                            # two months: not a released period
    assert page.period_combo.currentIndex() == -1
    qtbot.mouseClick(page.show_button, Qt.MouseButton.LeftButton)
    _built(qtbot, page)
    assert page.status.text() == release.period_rule("quarter") and not page.shown_tables


def test_release_settings_are_saved_by_an_administrator(session, qtbot):
    from datetime import date

    from fieldapp.reports import release
    from fieldapp.ui.organisation_tab import OrganisationTab

    tab = OrganisationTab(session)
    qtbot.addWidget(tab)
    box = tab.release
    assert box.grid_combo.currentData() == "year" and box.cmm_exact.isChecked()
    box.grid_combo.setCurrentIndex(box.grid_combo.findData("half"))
    box.cmm_exact.setChecked(False)
    qtbot.mouseClick(box.save_button, Qt.MouseButton.LeftButton)
    saved = release.load(session)
    assert (saved.grid, saved.cmm_exact, saved.since) == ("half", False, date.today().year + 1)
    assert box.message.text() == "Saved." and f"From 1 January {date.today().year + 1}: half years" in (
        box.grid_status.text())
