"""The Leaflets view driven through its real widgets: preview, draft warning, save, print, packs, lock."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox

from fieldapp import i18n
from fieldapp.records import organisation
from fieldapp.ui import tasks
from fieldapp.ui.leaflets_page import LeafletsPage
from tests.leaflets.helpers import complete_org
from tests.ui.helpers import pdf_written


@pytest.fixture
def configured(session):
    organisation.save(session, complete_org())
    return session


@pytest.fixture
def page(qtbot, configured):
    widget = LeafletsPage(configured)
    qtbot.addWidget(widget)
    widget.show()                      # laid out when shown
    qtbot.waitUntil(lambda: not widget.preparing(), timeout=20_000)
    return widget


def _choose(qtbot, combo, data) -> None:
    combo.setFocus()
    index = combo.findData(data)
    assert index >= 0
    while combo.currentIndex() != index:
        qtbot.keyClick(combo, Qt.Key.Key_Down if combo.currentIndex() < index else Qt.Key.Key_Up)
    qtbot.waitUntil(lambda: not tasks.pending(), timeout=20_000)     # a language is prepared in its own thread


def _answer_draft_warning(monkeypatch, answer):
    asked = []

    def warning(parent, title, text, buttons, default):
        asked.append(text)
        return answer

    monkeypatch.setattr(QMessageBox, "warning", staticmethod(warning))
    return asked


def _save_to(monkeypatch, path: Path) -> None:
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *args: (str(path), "")))


def test_preview_follows_the_choice(qtbot, page) -> None:
    assert page.preview.pixmap() is not None and not page.preview.pixmap().isNull()
    portrait = page.preview.pixmap().height() > page.preview.pixmap().width()
    _choose(qtbot, page.format_combo, "card")
    assert page.choice()[1] == "card"
    pixmap = page.preview.pixmap()
    assert portrait and pixmap.width() > pixmap.height()  # credit-card shape
    _choose(qtbot, page.language_combo, "th")
    assert page.choice()[0] == "th"
    assert "draft" in page.status.text()


def test_save_as_pdf_warns_about_a_draft_first(qtbot, page, monkeypatch, tmp_path) -> None:
    _choose(qtbot, page.language_combo, "ar")
    out = tmp_path / "ar.pdf"
    _save_to(monkeypatch, out)
    asked = _answer_draft_warning(monkeypatch, QMessageBox.StandardButton.Cancel)
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert asked and "Arabic" in asked[0] and not out.exists()
    _answer_draft_warning(monkeypatch, QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    pdf_written(qtbot, page)
    assert out.is_file() and len(PdfReader(out).pages) >= 1
    assert str(out) in page.status.text()


def test_a_pdf_that_cannot_be_written_says_so_and_leaves_nothing(qtbot, page, monkeypatch, tmp_path) -> None:
    """The write runs off the window's thread; a folder that cannot take the file is said on the status line."""
    not_a_folder = tmp_path / "stick"
    not_a_folder.write_bytes(b"a file where a folder should be")
    _save_to(monkeypatch, not_a_folder / "en.pdf")
    _answer_draft_warning(monkeypatch, QMessageBox.StandardButton.Yes)
    assert page.save_leaflet() and page.saving is not None
    pdf_written(qtbot, page)
    assert "could not be written" in page.status.text()
    assert not_a_folder.read_bytes() == b"a file where a folder should be"


def test_print_goes_through_the_print_dialog(qtbot, page, monkeypatch, tmp_path) -> None:
    out = tmp_path / "printed.pdf"

    def accept(dialog):
        dialog.printer().setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        dialog.printer().setOutputFileName(str(out))
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(QPrintDialog, "exec", accept)
    _answer_draft_warning(monkeypatch, QMessageBox.StandardButton.Yes)
    _choose(qtbot, page.format_combo, "card")
    qtbot.mouseClick(page.print_button, Qt.MouseButton.LeftButton)
    assert out.is_file()
    width, height = (float(v) / 72 * 25.4 for v in PdfReader(out).pages[0].mediabox.upper_right)
    assert abs(width - 85.6) < 1 and abs(height - 54) < 1
    assert "printer" in page.status.text()


def test_pack_with_progress_announces_the_materials(qtbot, page, monkeypatch, tmp_path) -> None:
    _answer_draft_warning(monkeypatch, QMessageBox.StandardButton.Yes)
    _choose(qtbot, page.format_combo, "card")
    _choose(qtbot, page.language_combo, "th")
    page.copies_spin.setValue(3)
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    _choose(qtbot, page.language_combo, "ro")
    page.copies_spin.setValue(2)
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    assert page.pack_list.count() == 2 and "Thai" in page.pack_list.item(0).text()
    out = tmp_path / "pack.pdf"
    _save_to(monkeypatch, out)
    with qtbot.waitSignal(page.materials_handed_out) as signal:
        qtbot.mouseClick(page.pack_save_button, Qt.MouseButton.LeftButton)
    assert signal.args[0] == [("wallet_card", "th", 3), ("wallet_card", "ro", 2)]
    assert len(PdfReader(out).pages) == 5


def test_incomplete_configuration_refuses_with_a_reason(qtbot, session) -> None:
    widget = LeafletsPage(session)  # a fresh vault: no organisation configured yet
    qtbot.addWidget(widget)
    widget.show()                      # laid out when shown
    qtbot.waitUntil(lambda: not widget.preparing(), timeout=20_000)
    assert "contact lines" in widget.status.text()
    assert not widget.print_button.isEnabled() and not widget.save_button.isEnabled()


def test_demo_vault_previews_with_the_sample_mark(qtbot, session) -> None:
    session.demo = True
    widget = LeafletsPage(session)
    qtbot.addWidget(widget)
    widget.show()                      # laid out when shown
    qtbot.waitUntil(lambda: not widget.preparing(), timeout=20_000)
    assert widget.save_button.isEnabled() and "SAMPLE" in widget.status.text()


def test_retranslate_and_clear(qtbot, page) -> None:
    _choose(qtbot, page.language_combo, "vi")
    i18n.set_language("da")
    page.retranslate()
    assert page.choice()[0] == "vi"  # the choice survives a language switch
    i18n.set_language("en")
    page.retranslate()
    assert page.print_button.text() == "&Print…"
    page.clear()
    assert page.preview.pixmap() is None or page.preview.pixmap().isNull()
    assert page.pack_list.count() == 0 and page.pack_items() == []


def test_the_sheet_for_whom_reaches_preview_pdf_and_pack(qtbot, page, monkeypatch, tmp_path) -> None:
    _answer_draft_warning(monkeypatch, QMessageBox.StandardButton.Yes)
    _choose(qtbot, page.language_combo, "en")
    _choose(qtbot, page.variant_combo, "men")
    assert page.variant() == "men" and page._laid.content.variant == "men"
    out = tmp_path / "men.pdf"
    _save_to(monkeypatch, out)
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    pdf_written(qtbot, page)
    text = " ".join(p.extract_text() for p in PdfReader(out).pages)
    assert "3F" in text and "Reden International" not in text
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    assert page.pack_items()[0].variant == "men" and "Men" in page.pack_list.item(0).text()
    _choose(qtbot, page.variant_combo, "minor")
    assert page._laid.content.variant == "minor"


def test_organisation_services_decide_what_the_sheet_offers(qtbot, configured) -> None:
    from fieldapp.leaflets.catalogue import load
    from fieldapp.ui.organisation_tab import OrganisationTab

    tab = OrganisationTab(configured)
    qtbot.addWidget(tab)
    assert not any(check.isChecked() for check in tab.service_checks.values())
    tab.service_checks["legal"].setChecked(True)
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    assert organisation.load(configured).services == ("legal",)
    widget = LeafletsPage(configured)
    qtbot.addWidget(widget)
    widget.show()                      # laid out when shown
    _choose(qtbot, widget.language_combo, "en")
    text = widget._laid.content.all_text()
    assert load("en").text("service.legal") in text and load("en").text("service.health") not in text


def test_organisation_colour_reaches_the_leaflet(qtbot, configured) -> None:
    from fieldapp.domain.organisation import ACCENTS
    from fieldapp.ui.organisation_tab import OrganisationTab

    tab = OrganisationTab(configured)
    qtbot.addWidget(tab)
    _choose(qtbot, tab.accent_combo, "purple")
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    widget = LeafletsPage(configured)
    qtbot.addWidget(widget)
    widget.show()                      # laid out when shown
    qtbot.waitUntil(lambda: not widget.preparing(), timeout=20_000)
    assert widget._laid.content.accent == ACCENTS["purple"]


def test_organisation_logo_is_chosen_refused_or_removed(qtbot, configured, monkeypatch, tmp_path) -> None:
    from PySide6.QtGui import QColor, QImage

    from fieldapp.ui.organisation_tab import OrganisationTab

    good, bad = tmp_path / "logo.png", tmp_path / "bad.png"
    image = QImage(400, 100, QImage.Format.Format_ARGB32)
    image.fill(QColor("#5b2a86"))
    image.save(str(good), "PNG")
    bad.write_text("not an image", "utf-8")
    tab = OrganisationTab(configured)
    qtbot.addWidget(tab)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *args: (str(bad), "")))
    qtbot.mouseClick(tab.logo_button, Qt.MouseButton.LeftButton)
    assert "bad.png" in tab.message.text() and not tab.logo_remove_button.isEnabled()
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *args: (str(good), "")))
    qtbot.mouseClick(tab.logo_button, Qt.MouseButton.LeftButton)
    assert tab.logo_remove_button.isEnabled() and not tab.logo_preview.pixmap().isNull()
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    assert organisation.load(configured).logo_png
    widget = LeafletsPage(configured)
    qtbot.addWidget(widget)
    widget.show()                      # laid out when shown
    qtbot.waitUntil(lambda: not widget.preparing(), timeout=20_000)
    assert widget._laid.content.logo
    qtbot.mouseClick(tab.logo_remove_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    assert organisation.load(configured).logo_png == b""


def test_a_reviewed_language_prints_without_asking(qtbot, page, monkeypatch, tmp_path) -> None:
    from fieldapp.leaflets import catalogue

    monkeypatch.setattr(catalogue.Catalogue, "is_draft", property(lambda self: False))
    _choose(qtbot, page.language_combo, "th")
    page.refresh_preview()
    out = tmp_path / "th.pdf"
    _save_to(monkeypatch, out)
    asked = _answer_draft_warning(monkeypatch, QMessageBox.StandardButton.Cancel)
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    pdf_written(qtbot, page)
    assert not asked and out.is_file()


def test_an_organisation_change_shows_in_an_open_leaflets_page(qtbot, page, configured) -> None:
    from fieldapp.domain.organisation import ACCENTS
    from fieldapp.ui.organisation_tab import OrganisationTab

    assert page._laid.content.accent == ACCENTS["blue"]
    tab = OrganisationTab(configured)
    qtbot.addWidget(tab)
    _choose(qtbot, tab.accent_combo, "green")
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page._laid.content.accent == ACCENTS["green"])      # the page that was already open


def test_a_language_not_used_yet_is_prepared_off_the_window_thread(qtbot, page, monkeypatch) -> None:
    import threading

    from fieldapp.leaflets import content

    monkeypatch.setattr(content, "_WARM", set())                  # as after a start: no language prepared yet
    threads = []
    real_warm = content.warm
    monkeypatch.setattr(content, "warm", lambda org, tag, variant: (threads.append((threading.current_thread(), tag)),
                                                                    real_warm(org, tag, variant))[1])
    page.language_combo.setCurrentIndex(page.language_combo.findData("th"))
    assert page.preparing() and page.status.text() == "Preparing the leaflet…"
    assert not page.save_button.isEnabled() and not page.print_button.isEnabled()   # not the earlier layout
    assert page.language_combo.isEnabled()                       # the keyboard may go on choosing meanwhile
    qtbot.waitUntil(lambda: not page.preparing(), timeout=20_000)
    assert threads and all(thread is not threading.main_thread() for thread, _tag in threads)
    assert page._laid is not None and page._laid.content.language.tag == "th"
    page.language_combo.setCurrentIndex(page.language_combo.findData("ar"))
    page.language_combo.setCurrentIndex(page.language_combo.findData("th"))
    qtbot.waitUntil(lambda: not page.preparing(), timeout=20_000)
    assert [tag for _thread, tag in threads] == ["th", "ar"]      # each prepared once, Thai not again
    assert page._laid.content.language.tag == "th"


def test_the_next_save_opens_in_the_folder_of_the_last_export_and_only_the_folder_is_kept(
        qtbot, page, tmp_path, monkeypatch) -> None:
    from PySide6.QtCore import QSettings

    from fieldapp.ui import folders

    stick = tmp_path / "stick"
    stick.mkdir()
    offered = []

    def save_dialog(_parent, _title, suggested, _filter):
        offered.append(suggested)
        return str(stick / "mai.pdf"), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(save_dialog))
    _answer_draft_warning(monkeypatch, QMessageBox.StandardButton.Yes)
    assert page.save_leaflet()
    pdf_written(qtbot, page)
    assert (stick / "mai.pdf").is_file()
    folders.flush()                                                       # written off the window's thread
    assert QSettings().value(folders.KEY) == str(stick)                  # the folder, not "mai.pdf"
    assert page.save_leaflet()
    pdf_written(qtbot, page)
    assert Path(offered[1]).parent == stick and Path(offered[0]).parent != stick
    (stick / "mai.pdf").unlink()
    stick.rmdir()                                                         # the stick was taken out
    assert folders.last_folder() == str(Path.home())


def test_choosing_a_new_language_while_another_is_prepared_never_leaves_the_old_layout_printable(
        qtbot, page, monkeypatch) -> None:
    from fieldapp.leaflets import content

    monkeypatch.setattr(content, "_WARM", {"en"})
    page.language_combo.setCurrentIndex(page.language_combo.findData("th"))       # prepared in a thread
    page.language_combo.setCurrentIndex(page.language_combo.findData("en"))       # ready: laid out at once
    assert page._laid is not None and page.save_button.isEnabled()
    page.language_combo.setCurrentIndex(page.language_combo.findData("vi"))       # waits for Thai's thread
    assert page._laid is None and not page.save_button.isEnabled() and not page.print_button.isEnabled()
    assert page.status.text() == "Preparing the leaflet…"
    qtbot.waitUntil(lambda: page._laid is not None and not page.preparing(), timeout=20_000)
    assert page._laid.content.language.tag == "vi" and page.save_button.isEnabled()
