"""Leaflets: choose the person's language and a format, see the page, print it or save it as PDF; print packs.

The preview and the printout come from the same layout (fieldapp.leaflets.qt_layout). The organisation's
contact lines come from its configuration; an incomplete configuration shows why nothing can be printed.
"""

from __future__ import annotations

import contextlib

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from fieldapp.errors import FieldappError
from fieldapp.i18n import _, ngettext
from fieldapp.leaflets import content, pack, qt_layout, qt_render
from fieldapp.leaflets.languages import (
    BILINGUAL_PARTNERS,
    DEFAULT_VARIANT,
    FORMAT_NAMES,
    FORMATS,
    LANGUAGES,
    VARIANT_NAMES,
    VARIANTS,
    language,
)
from fieldapp.records import organisation
from fieldapp.ui import changes, folders
from fieldapp.ui.forms import add_row
from fieldapp.ui.tasks import Task, pending

PREVIEW_WIDTH = 560


class LeafletsPage(QWidget):
    """The Leaflets view. ``materials_handed_out`` carries [(kind, language, quantity)] after a pack is made."""

    materials_handed_out = Signal(list)

    def __init__(self, session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._laid: qt_layout.LaidOut | None = None
        self._pack: list[pack.PackItem] = []
        self._stale = True             # laid out when first shown, not while the vault unlocks
        self.warm_task: Task | None = None
        self.saving: Task | None = None          # a PDF being written
        self._build()
        self._connect()
        self.retranslate()
        self.refresh_preview()
        changes.on_change(session, self, ("organisation",), self.refresh_preview)

    # construction ---------------------------------------------------------------------------------------------
    def _build(self) -> None:
        self.heading = QLabel()
        self.language_combo = QComboBox(objectName="leafletLanguage")
        self.partner_combo = QComboBox(objectName="leafletPartner")
        self.format_combo = QComboBox(objectName="leafletFormat")
        self.variant_combo = QComboBox(objectName="leafletVariant")
        self.page_spin = QSpinBox(objectName="leafletPage")
        self.page_spin.setRange(1, 1)
        form = QFormLayout()
        self.language_label = add_row(form, self.language_combo)
        self.partner_label = add_row(form, self.partner_combo)
        self.variant_label = add_row(form, self.variant_combo)
        self.format_label = add_row(form, self.format_combo)
        self.page_label = add_row(form, self.page_spin)
        self.print_button = QPushButton(objectName="leafletPrint")
        self.save_button = QPushButton(objectName="leafletSave")
        self.status = QLabel(objectName="leafletStatus")
        self.status.setWordWrap(True)
        self.preview = QLabel(objectName="leafletPreview")
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.preview)
        left = QVBoxLayout()
        left.addWidget(self.heading)
        left.addLayout(form)
        left.addLayout(_row(self.print_button, self.save_button))
        left.addWidget(self.status)
        left.addWidget(self._build_pack_box(), 1)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 2)
        layout.addWidget(scroll, 3)

    def _build_pack_box(self) -> QGroupBox:
        self.pack_box = QGroupBox()
        self.copies_spin = QSpinBox(objectName="packCopies")
        self.copies_spin.setRange(1, pack.MAX_COPIES)
        self.copies_spin.setValue(10)
        self.add_button = QPushButton(objectName="packAdd")
        self.pack_list = QListWidget(objectName="packList")
        self.pack_print_button = QPushButton(objectName="packPrint")
        self.pack_save_button = QPushButton(objectName="packSave")
        self.pack_clear_button = QPushButton(objectName="packClear")
        box = QVBoxLayout(self.pack_box)
        box.addLayout(_row(self.copies_spin, self.add_button))
        box.addWidget(self.pack_list)
        box.addLayout(_row(self.pack_print_button, self.pack_save_button, self.pack_clear_button))
        return self.pack_box

    def _connect(self) -> None:
        for combo in (self.language_combo, self.partner_combo, self.format_combo, self.variant_combo):
            combo.currentIndexChanged.connect(self.refresh_preview)
        self.page_spin.valueChanged.connect(self._show_page)
        self.print_button.clicked.connect(self.print_leaflet)
        self.save_button.clicked.connect(self.save_leaflet)
        self.add_button.clicked.connect(self.add_to_pack)
        self.pack_print_button.clicked.connect(self.print_pack)
        self.pack_save_button.clicked.connect(self.save_pack)
        self.pack_clear_button.clicked.connect(self.clear_pack)

    # texts ------------------------------------------------------------------------------------------------------
    def retranslate(self) -> None:
        """Set every text in the current UI language, keeping the choices made."""
        self.heading.setText(f"<h2>{_('Leaflets')}</h2>")
        self.language_label.setText(_("&Language:"))
        self.partner_label.setText(_("&Beside it:"))
        self.format_label.setText(_("&Format:"))
        self.variant_label.setText(_("For &whom:"))
        self.page_label.setText(_("Pa&ge:"))
        self.print_button.setText(_("&Print…"))
        self.save_button.setText(_("&Save as PDF…"))
        self.pack_box.setTitle(_("Print pack for a visit"))
        self.copies_spin.setSuffix(_(" copies"))
        self.add_button.setText(_("&Add to pack"))
        self.pack_print_button.setText(_("Print pack…"))
        self.pack_save_button.setText(_("Save pack as PDF…"))
        self.pack_clear_button.setText(_("Clear pack"))
        self._fill_combos()
        self._refresh_pack_list()
        self._show_notes()
        if self.preparing():
            self.status.setText(_("Preparing the leaflet…"))

    def _fill_combos(self) -> None:
        combos = (self.language_combo, self.partner_combo, self.format_combo, self.variant_combo)
        chosen = tuple(combo.currentData() for combo in combos)
        for combo in combos:
            combo.blockSignals(True)
            combo.clear()
        for lang in LANGUAGES:
            self.language_combo.addItem(f"{lang.native} — {_(lang.name)}", lang.tag)
        self.partner_combo.addItem(_("Nothing (one language)"), None)
        for tag in BILINGUAL_PARTNERS:
            self.partner_combo.addItem(_(language(tag).name), tag)
        for fmt in FORMATS:
            self.format_combo.addItem(_(FORMAT_NAMES[fmt]), fmt)
        for variant in VARIANTS:
            self.variant_combo.addItem(_(VARIANT_NAMES[variant]), variant)
        for combo, data in zip(combos, chosen, strict=True):
            combo.setCurrentIndex(max(0, combo.findData(data)) if data is not None else 0)
            combo.blockSignals(False)

    # preview ----------------------------------------------------------------------------------------------------
    def choose(self, tag: str, variant: str) -> None:
        """Show the sheet in ``tag`` for ``variant``'s reader (a person's page asks for theirs)."""
        for combo, value in ((self.language_combo, tag), (self.variant_combo, variant)):
            index = combo.findData(value)
            if index >= 0:
                combo.setCurrentIndex(index)

    def choice(self) -> tuple[str, str, str | None]:
        """(language tag, format, bilingual partner or None) as chosen in the view."""
        return self.language_combo.currentData(), self.format_combo.currentData(), self.partner_combo.currentData()

    def variant(self) -> str:
        """Who the sheet speaks to (women, men or children), as chosen in the view."""
        return self.variant_combo.currentData() or DEFAULT_VARIANT

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if self._stale:
            self.refresh_preview()

    def refresh_preview(self) -> None:
        """Lay the chosen leaflet out again and show its first page; an error is shown in place of the page.
        A hidden page only notes that it must do so when it is shown."""
        if not self.isVisible():
            self._stale = True
            self.status.clear()          # said again when shown (a "Preparing …" left behind would go stale)
            return
        self._stale = False
        tag, fmt, partner = self.choice()
        if tag is None or fmt is None:
            return
        try:
            org = organisation.load(self._session)
            if self._warm_first(org, [t for t in (tag, partner) if t and not content.is_warm(t)]):
                return
            self._laid = qt_layout.lay_out(org, tag, fmt, partner, self.variant())
        except FieldappError as error:
            self._laid = None
            self.preview.clear()
            self._set_enabled(False)
            self.status.setText(error.message)
            return
        self._set_enabled(True)
        pages = len(qt_render.output_pages(self._laid))
        self.page_spin.blockSignals(True)
        self.page_spin.setRange(1, pages)
        self.page_spin.setValue(1)
        self.page_spin.blockSignals(False)
        self._show_page()
        self._show_notes()

    def _warm_first(self, org, cold: list[str]) -> bool:
        """A language not used yet since the start (Thai loads a dictionary of about a second) is prepared off
        the window's thread first; the preview follows. True when that work was started."""
        if not cold:
            return False
        self._laid = None                # nothing is printed or saved from the layout of an earlier choice
        self.preview.clear()
        self._set_enabled(False)
        self.status.setText(_("Preparing the leaflet…"))
        if self.preparing():             # the choice is laid out (or prepared) when that work ends
            return True
        variant = self.variant()
        self.warm_task = Task(self, "", lambda _progress: _warm(org, cold, variant), silent=True)
        self.warm_task.finished_ok.connect(lambda _result: self.refresh_preview())
        self.warm_task.finished_error.connect(self.status.setText)
        self.warm_task.start()
        return True

    def preparing(self) -> bool:
        """A language is being prepared (the preview follows)."""
        return self.warm_task is not None and self.warm_task in pending()

    def _show_page(self) -> None:
        if self._laid is None:
            return
        image = qt_render.render_image(self._laid, self.page_spin.value() - 1, PREVIEW_WIDTH)
        self.preview.setPixmap(QPixmap.fromImage(image))

    def _show_notes(self) -> None:
        if self._laid is not None:
            self.status.setText("\n".join(qt_render.notes_for(self._laid)))

    def _set_enabled(self, enabled: bool) -> None:
        for widget in (self.print_button, self.save_button, self.add_button, self.page_spin):
            widget.setEnabled(enabled)

    # one leaflet ------------------------------------------------------------------------------------------------
    def _confirm_draft(self, laids: list[qt_layout.LaidOut]) -> bool:
        drafts = sorted({_(c.language.name) for laid in laids for c in (laid.content, laid.partner) if c and c.draft})
        if not drafts:
            return True
        answer = QMessageBox.warning(
            self, _("Draft translation"),
            ngettext("The {names} text is a draft translation that no one has reviewed yet. "
                     "It may contain mistakes. Print it anyway?",
                     "The {names} texts are draft translations that no one has reviewed yet. "
                     "They may contain mistakes. Print them anyway?", len(drafts)).format(names=", ".join(drafts)),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Cancel)
        return answer == QMessageBox.StandardButton.Yes

    def print_leaflet(self) -> bool:
        """Print the chosen leaflet through the print dialog; True if it was sent to the printer."""
        if self._laid is None or not self._confirm_draft([self._laid]):
            return False
        return self._print([self._laid], None)

    def save_leaflet(self) -> bool:
        """Save the chosen leaflet as a PDF where the user says; True once it is drawn and its writing started (a
        stick can take seconds to write: that runs off the window's thread, ``saving``, and the status line says
        when it is written or why not)."""
        if self._laid is None or not self._confirm_draft([self._laid]):
            return False
        tag, fmt, partner = self.choice()
        path = self._ask_pdf_path(f"leaflet-{tag}-{self.variant()}-{fmt}{'-' + partner if partner else ''}.pdf")
        if not path:
            return False
        data = qt_render.paint_pdf([self._laid])
        if data is None:
            return False
        self.status.setText(_("Saving …"))
        self.saving = Task(self, _("Saving the leaflet …"), lambda _progress: qt_render.write_pdf(data, path),
                           quiet_ms=300)
        self.saving.finished_ok.connect(lambda _none: self._saved(path))
        self.saving.finished_error.connect(self._not_saved)
        self.saving.start()
        return True

    def _saved(self, path: str) -> None:
        self.saving = None
        if isValid(self):
            self.status.setText(_("Saved: {path}").format(path=path))

    def _not_saved(self, message: str) -> None:
        self.saving = None
        if isValid(self):
            self.status.setText(message)

    # packs ------------------------------------------------------------------------------------------------------
    def add_to_pack(self) -> None:
        tag, fmt, _partner = self.choice()
        self._pack.append(pack.pack_item(fmt, tag, self.copies_spin.value(), self.variant()))
        self._refresh_pack_list()

    def clear_pack(self) -> None:
        self._pack.clear()
        self._refresh_pack_list()

    def pack_items(self) -> list[pack.PackItem]:
        return list(self._pack)

    def _refresh_pack_list(self) -> None:
        self.pack_list.clear()
        for item in self._pack:
            self.pack_list.addItem(_("{count} × {format}, {language}, {reader}").format(
                count=item.quantity, format=_(FORMAT_NAMES[item.fmt]), language=_(language(item.tag).name),
                reader=_(VARIANT_NAMES[item.variant])))
        for button in (self.pack_print_button, self.pack_save_button, self.pack_clear_button):
            button.setEnabled(bool(self._pack))

    def _pack_layouts(self) -> list[qt_layout.LaidOut] | None:
        try:
            laids = qt_render.lay_out_pack(organisation.load(self._session), self._pack)
        except FieldappError as error:
            self.status.setText(error.message)
            return None
        unique = list({id(laid): laid for laid in laids}.values())
        return laids if laids and self._confirm_draft(unique) else None

    def print_pack(self) -> bool:
        """Print every copy of the pack, with a progress bar; on success the materials are announced."""
        laids = self._pack_layouts()
        if laids is None:
            return False
        return self._finish_pack(self._print(laids, self._progress(laids)))

    def save_pack(self) -> bool:
        """Save every copy of the pack in one PDF, with a progress bar; on success the materials are announced."""
        laids = self._pack_layouts()
        if laids is None:
            return False
        path = self._ask_pdf_path("leaflet-pack.pdf")
        if not path:
            return False
        return self._finish_pack(self._write_pdf(laids, path, self._progress(laids)))

    def _finish_pack(self, done: bool) -> bool:
        if done:
            self.materials_handed_out.emit(pack.materials(self._pack))
        return done

    # output -----------------------------------------------------------------------------------------------------
    def _progress(self, laids: list[qt_layout.LaidOut]) -> QProgressDialog:
        dialog = QProgressDialog(_("Preparing the pages…"), _("Cancel"), 0, qt_render.page_count(laids), self)
        dialog.setWindowTitle(_("Print pack"))
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(0)
        dialog.setValue(0)
        return dialog

    def _ask_pdf_path(self, suggested: str) -> str:
        path, _filter = QFileDialog.getSaveFileName(self, _("Save as PDF"), folders.in_last_folder(suggested),
                                                    _("PDF files (*.pdf)"))
        if path and not path.lower().endswith(".pdf"):
            path += ".pdf"
        if path:
            folders.remember(path)
        return path

    def _write_pdf(self, laids: list[qt_layout.LaidOut], path: str, progress: QProgressDialog | None) -> bool:
        try:
            data = qt_render.paint_pdf(laids, _on_page(progress))
            if data is not None:
                qt_render.write_pdf(data, path)
        except FieldappError as error:
            self.status.setText(error.message)
            return False
        finally:
            if progress is not None:
                progress.close()
        if data is None:
            self.status.setText(_("Cancelled: nothing was saved."))
            return False
        self.status.setText(_("Saved: {path}").format(path=path))
        return True

    def _print(self, laids: list[qt_layout.LaidOut], progress: QProgressDialog | None) -> bool:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setFullPage(True)
        printer.setDocName(_("Leaflets"))
        if QPrintDialog(printer, self).exec() != QDialog.DialogCode.Accepted:
            if progress is not None:
                progress.close()
            return False
        done = qt_render.paint_document(printer, laids, _on_page(progress))
        if progress is not None:
            progress.close()
        self.status.setText(_("Sent to the printer.") if done else _("Printing was cancelled."))
        return done

    # locking ----------------------------------------------------------------------------------------------------
    def clear(self) -> None:
        """Forget the preview, the layout and the pack (the app is locking)."""
        self._laid = None
        self._pack.clear()
        self.preview.clear()
        self.pack_list.clear()
        self.status.clear()


def _warm(org, tags: list[str], variant: str) -> None:
    """Fill the caches behind each language; a problem (an incomplete configuration) is shown by the layout after."""
    for tag in tags:
        with contextlib.suppress(FieldappError):
            content.warm(org, tag, variant)


def _row(*widgets: QWidget) -> QHBoxLayout:
    row = QHBoxLayout()
    for widget in widgets:
        row.addWidget(widget)
    return row


def _on_page(progress: QProgressDialog | None):
    if progress is None:
        return None

    def advance(count: int) -> bool:
        progress.setValue(count)
        return not progress.wasCanceled()

    return advance
