"""The Import wizard (administrators and coordinators): old records from a spreadsheet, step by step.

1. The file, and what its rows are (contacts with people, or visits), with a reminder that a spreadsheet is
   plaintext; a saved mapping can be used again.
2. Which column is which field (suggested from the headings), which columns name one person, how dates read,
   what to do with people already kept and with rows past the retention period.
3. The cell texts the app does not know as codes, with suggestions ("Rumænien" -> Romania).
4. The dry run's report on every row; the mapping can be saved; Import writes everything or nothing.
5. Done: the spreadsheet can be overwritten and deleted.

Reading the file and both runs happen on a task's thread (``ui.tasks``); the source is never copied.
"""

from __future__ import annotations

from collections.abc import Mapping as MappingType
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from fieldapp.domain.fields import CODE, CODES, Field
from fieldapp.domain.places import language_codes, language_name, nationality_codes
from fieldapp.errors import FieldappError
from fieldapp.i18n import _, current_language, ngettext
from fieldapp.importing import mapping as mappings
from fieldapp.importing import service
from fieldapp.importing.columns import suggest_columns, suggest_person
from fieldapp.importing.mapping import Mapping
from fieldapp.importing.sources import Table, read_table, workbook_sheets
from fieldapp.security import wipe
from fieldapp.security.session import Session
from fieldapp.storage.atomic import write_atomic
from fieldapp.ui import changes, folders
from fieldapp.ui.code_picker import nationality_labels
from fieldapp.ui.tasks import Task

MAX_REPORT_LINES = 2000
MAX_UNKNOWN_SHOWN = 300      # each unknown text gets a combo of every code (250 countries): more hangs the window
_NONE = ""               # a column combo's data: "", "column:<heading>" or "fixed:<code>"


def code_labels(field: Field) -> dict[str, str]:
    """The field's codes with their names in the UI language."""
    language = current_language()
    if field.codes is nationality_codes:
        return nationality_labels()
    if field.codes is language_codes:
        return {code: language_name(code, language) for code in sorted(language_codes())}
    if isinstance(field.codes, MappingType):
        return {code: _(label).replace("&", "") for code, label in field.codes.items()}
    return {}


def report_text(plan: service.Plan) -> str:
    """The dry run's report, one line per problem or outcome, problems first."""
    lines = [*plan.notes]
    lines += [_("Row {row}: {problem}").format(row=row.row, problem=problem)
              for row in plan.rows for problem in row.problems]
    lines += [_("Row {row}: {outcome}").format(row=row.row, outcome=row.outcome)
              for row in plan.rows if row.outcome and not row.problems]
    if len(lines) > MAX_REPORT_LINES:
        left = len(lines) - MAX_REPORT_LINES
        lines = [*lines[:MAX_REPORT_LINES], ngettext("... and {n} more line", "... and {n} more lines", left).format(
            n=left)]
    return "\n".join(lines)


class ImportWizard(QWizard):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="importWizard")
        self.session = session
        self.table: Table | None = None
        self.table_key: tuple[str, str] | None = None    # (path, sheet) the table was read from
        self.loaded: Mapping | None = None                # a saved mapping chosen on the first page
        self.mapping = Mapping()
        self.plan: service.Plan | None = None
        self.task: Task | None = None
        self.setWindowTitle(_("Import old records"))
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.file_page, self.columns_page = FilePage(self), ColumnsPage(self)
        self.values_page, self.check_page, self.done_page = ValuesPage(self), CheckPage(self), DonePage(self)
        for page in (self.file_page, self.columns_page, self.values_page, self.check_page, self.done_page):
            self.addPage(page)
        self.resize(760, 600)

    def run(self, title: str, work, done, failed=None) -> Task:
        """``work(progress)`` on a task's thread with the vault's own connection; ``done(result)`` after."""
        self.task = Task(self, title, work, session=self.session, cancellable=True)
        self.task.finished_ok.connect(done)
        self.task.finished_error.connect(failed or (lambda message: QMessageBox.warning(self, _("Import"), message)))
        self.task.start()
        return self.task


class FilePage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle(_("The spreadsheet"))
        self.warning = QLabel(_(
            "<b>A spreadsheet is plaintext.</b> Anyone who finds the file or the stick reads it. Keep it on an "
            "encrypted drive, and delete it once its records are in the vault: the last step offers to."))
        self.warning.setWordWrap(True)
        self.path = QLineEdit(objectName="importPath")
        self.browse = QPushButton(_("&Browse ..."), objectName="importBrowse")
        self.browse.clicked.connect(self.choose)
        self.records = QComboBox(objectName="importRecords")
        self.records.addItem(_("Contacts with people (one row per contact)"), "contacts")
        self.records.addItem(_("Visits to venues (one row per visit)"), "visits")
        self.sheet = QComboBox(objectName="importSheet")
        self.saved = QPushButton(_("Use a &saved mapping ..."), objectName="importLoadMapping")
        self.saved.clicked.connect(self.choose_mapping)
        self.message = QLabel(objectName="importFileMessage")
        self.message.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(self.browse)
        form = QFormLayout()
        label = QLabel(_("&File"))
        label.setBuddy(self.path)
        form.addRow(label, row)
        for text, widget in ((_("&Rows are"), self.records), (_("S&heet"), self.sheet)):
            label = QLabel(text)
            label.setBuddy(widget)
            form.addRow(label, widget)
        layout = QVBoxLayout(self)
        layout.addWidget(self.warning)
        layout.addLayout(form)
        layout.addWidget(self.saved)
        layout.addWidget(self.message)
        layout.addStretch(1)
        self.path.textChanged.connect(self.completeChanged)
        self.path.textChanged.connect(self.sheet.clear)          # another file: its own sheets

    def choose(self) -> None:
        chosen, _filter = QFileDialog.getOpenFileName(self, _("Choose the spreadsheet"), folders.last_folder(),
                                                      _("Spreadsheets (*.xlsx *.xlsm *.csv *.txt)"))
        if chosen:
            folders.remember(chosen)
            self.path.setText(chosen)

    def choose_mapping(self) -> None:
        chosen, _filter = QFileDialog.getOpenFileName(self, _("Choose a saved mapping"), folders.last_folder(),
                                                      _("Mappings (*.toml)"))
        if chosen:
            self.use_mapping(Path(chosen))

    def use_mapping(self, path: Path) -> bool:
        try:
            self.w.loaded = mappings.load(path)
        except FieldappError as error:
            self.message.setText(error.message)
            return False
        self.records.setCurrentIndex(self.records.findData(self.w.loaded.records))
        self.message.setText(_("The mapping {name} will be used; check it on the next pages.").format(name=path.name))
        return True

    def isComplete(self) -> bool:  # noqa: N802 - Qt override
        return bool(self.path.text().strip())

    def validatePage(self) -> bool:  # noqa: N802 - Qt override
        key = (self.path.text().strip(), self.sheet.currentText())
        if self.w.table is not None and self.w.table_key == key:
            return True
        path, sheet = Path(key[0]).expanduser(), key[1]
        self.message.setText("")

        def work(_progress) -> Table | tuple[str, ...]:
            if not sheet:
                sheets = workbook_sheets(path)
                if len(sheets) > 1:
                    return sheets                # which one is the user's to say
            return read_table(path, sheet=sheet)

        self.w.run(_("Reading the spreadsheet ..."), work, lambda found: self._read(key, found), self.message.setText)
        return False

    def _read(self, key: tuple[str, str], found: Table | tuple[str, ...]) -> None:
        if isinstance(found, tuple):
            self.sheet.clear()
            self.sheet.addItems(list(found))
            self.message.setText(_("The workbook has {n} sheets: choose the sheet, then go on.").format(
                n=len(found)))
            self.sheet.setFocus()
            return
        self.w.table, self.w.table_key = found, key
        self.w.next()


class ColumnsPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle(_("Which column is which"))
        self.setSubTitle(_("Fields marked * must have a column, or one value for every row."))
        self.combos: dict[str, QComboBox] = {}
        self.inner = QWidget()
        self.form = QFormLayout(self.inner)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.inner)
        self.person = QListWidget(objectName="importPersonColumns")
        self.person.setMaximumHeight(110)
        self.date_order = QComboBox(objectName="importDateOrder")
        self.date_order.addItem(_("Day first (15-03-2019)"), "dmy")
        self.date_order.addItem(_("Month first (03-15-2019)"), "mdy")
        self.on_match = QComboBox(objectName="importOnMatch")
        self.on_match.addItem(_("Stop, so that I decide"), "ask")
        self.on_match.addItem(_("Add the rows to the person already kept"), "merge")
        self.on_match.addItem(_("Keep a new person"), "new")
        self.expired = QComboBox(objectName="importExpired")
        self.expired.addItem(_("Leave them out"), "skip")
        self.expired.addItem(_("Keep each person as an anonymous count"), "count")
        self.message = QLabel(objectName="importColumnsMessage")
        self.message.setWordWrap(True)
        settings = QFormLayout()
        for text, widget in ((_("Columns that name one &person"), self.person),
                             (_("&Dates"), self.date_order),
                             (_("Someone &already kept"), self.on_match),
                             (_("Rows past the &retention period"), self.expired)):
            label = QLabel(text)
            label.setBuddy(widget)
            settings.addRow(label, widget)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addLayout(settings)
        layout.addWidget(self.message)

    def initializePage(self) -> None:  # noqa: N802 - Qt override
        table, records = self.w.table, self.w.file_page.records.currentData()
        loaded = self.w.loaded if self.w.loaded is not None and self.w.loaded.records == records else None
        columns = dict(loaded.columns) if loaded else suggest_columns(table.headers, records)
        while self.form.rowCount():
            self.form.removeRow(0)
        self.combos = {}
        required = mappings.REQUIRED[records]
        for target, field in mappings.targets_for(records, self.w.session.can).items():
            combo = QComboBox(objectName=f"importColumn:{target}")
            combo.addItem(_("(not in the file)"), _NONE)
            for header in table.headers:
                if header:
                    combo.addItem(_("Column: {heading}").format(heading=header), f"column:{header}")
            if field.kind == CODE:
                for code, text in code_labels(field).items():
                    combo.addItem(_("Every row: {value}").format(value=text), f"fixed:{code}")
            wanted = f"column:{columns[target]}" if target in columns else (
                f"fixed:{loaded.fixed[target]}" if loaded and target in loaded.fixed else _NONE)
            combo.setCurrentIndex(max(0, combo.findData(wanted)))
            self.combos[target] = combo
            label = QLabel(mappings.label(target, records) + (" *" if target in required else ""))
            label.setBuddy(combo)
            self.form.addRow(label, combo)
        self.person.clear()
        named = loaded.person if loaded else suggest_person(columns)
        for header in table.headers:
            if header:
                item = QListWidgetItem(header)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Checked if header in named else Qt.CheckState.Unchecked)
                self.person.addItem(item)
        self.person.setEnabled(records == "contacts")
        self.on_match.setEnabled(records == "contacts")
        for combo, value in ((self.date_order, loaded.date_order if loaded else "dmy"),
                             (self.on_match, loaded.on_match if loaded else "ask"),
                             (self.expired, loaded.expired if loaded else "skip")):
            combo.setCurrentIndex(max(0, combo.findData(value)))
        self.message.setText("")

    def chosen(self) -> Mapping:
        columns, fixed = {}, {}
        for target, combo in self.combos.items():
            how, _colon, value = str(combo.currentData() or "").partition(":")
            if how == "column":
                columns[target] = value
            elif how == "fixed":
                fixed[target] = value
        person = tuple(self.person.item(i).text() for i in range(self.person.count())
                       if self.person.item(i).checkState() == Qt.CheckState.Checked)
        records = self.w.file_page.records.currentData()
        loaded = self.w.loaded.values if self.w.loaded is not None and self.w.loaded.records == records else {}
        return Mapping(records=records, sheet=self.w.table.sheet, date_order=self.date_order.currentData(),
                       person=person if records == "contacts" else (), on_match=self.on_match.currentData(),
                       expired=self.expired.currentData(), columns=columns, fixed=fixed,
                       values={target: dict(table) for target, table in loaded.items() if target in columns})

    def validatePage(self) -> bool:  # noqa: N802 - Qt override
        mapping = self.chosen()
        found = mapping.problems(self.w.table.headers)
        if found:
            self.message.setText("\n".join(found))
            return False
        self.w.mapping = mapping
        return True


class ValuesPage(QWizardPage):
    """The cell texts not yet known as codes: each gets a code (a suggestion is chosen already) or stays
    unknown, which the dry run then reports."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle(_("Which text is which code"))
        self.grid = QTableWidget(0, 3, objectName="importValues")
        self.grid.setHorizontalHeaderLabels([_("Field"), _("In the file"), _("Means")])
        self.grid.horizontalHeader().setStretchLastSection(True)
        self.grid.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.message = QLabel(objectName="importValuesMessage")
        self.message.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.grid, 1)
        self.pending: list[tuple[str, str, QComboBox]] = []
        # The user's own choices, (target, text) -> code ("" for unknown), kept over a suggestion when the page
        # is shown again (Back to the columns and on again), for the same table.
        self.picked: dict[tuple[str, str], str] = {}
        self.picked_for: Table | None = None

    def initializePage(self) -> None:  # noqa: N802 - Qt override
        self.grid.setRowCount(0)
        self.pending = []
        if self.picked_for is not self.w.table:
            self.picked, self.picked_for = {}, self.w.table
        self.message.setText(_("Reading every row ..."))
        table, mapping = self.w.table, self.w.mapping
        self.w.run(_("Checking every row ..."),
                   lambda progress: service.import_table(self.w.session, table, mapping, dry_run=True,
                                                         progress=lambda done, total: progress(done, total, "")),
                   self._show, self.message.setText)

    def _show(self, plan: service.Plan) -> None:
        unknown = [(target, text, code) for target, table in sorted(plan.suggestions.items())
                   for text, code in sorted(table.items())]
        shown = unknown[:MAX_UNKNOWN_SHOWN]      # the others stay unknown: their rows are refused
        self.grid.setRowCount(len(shown))
        labels_of: dict[str, dict[str, str]] = {}          # each field's names, worked out once
        for row, (target, text, code) in enumerate(shown):
            field = self.w.mapping.targets[target]
            self.grid.setItem(row, 0, QTableWidgetItem(mappings.label(target, self.w.mapping.records)))
            self.grid.setItem(row, 1, QTableWidgetItem(text))
            combo = QComboBox(objectName=f"importValue:{target}:{text}")
            combo.addItem(_("(unknown: the row is refused)"), "")
            if target not in labels_of:
                labels_of[target] = code_labels(field)
            labels = labels_of[target]
            if code and code not in labels:      # several codes in one cell ("rumænsk, tha" -> "ro th")
                combo.addItem(", ".join(labels.get(part, part) for part in code.split()), code)
            for value, name in labels.items():
                combo.addItem(name, value)
            combo.setCurrentIndex(max(0, combo.findData(self.picked.get((target, text), code))))
            self.grid.setCellWidget(row, 2, combo)
            self.pending.append((target, text, combo))
        self.grid.resizeColumnsToContents()
        if len(unknown) > len(shown):
            self.message.setText(_(
                "{n} texts are not codes the app knows; the first {shown} are listed. So many usually means a column "
                "of free text was chosen for a field of codes: go back and check the columns.").format(
                n=len(unknown), shown=len(shown)))
            return
        self.message.setText(_("Every value in the file is understood.") if not unknown else _(
            "These texts are not codes the app knows. A suggestion is chosen where one stands out: check each."))

    def validatePage(self) -> bool:  # noqa: N802 - Qt override
        values = {target: dict(table) for target, table in self.w.mapping.values.items()}
        for target, text, combo in self.pending:
            self.picked[(target, text)] = combo.currentData() or ""
            if combo.currentData():
                values.setdefault(target, {})[text] = combo.currentData()
        kinds = self.w.mapping.targets
        values = {t: table for t, table in values.items() if table and kinds[t].kind in (CODE, CODES)}
        self.w.mapping = replace(self.w.mapping, values=values)
        return True


class CheckPage(QWizardPage):
    """The dry run with the final mapping: a report on every row; Import only when no row has a problem."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle(_("Check, then import"))
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, _("&Import"))
        self.summary = QLabel(objectName="importSummary")
        self.summary.setWordWrap(True)
        self.report = QPlainTextEdit(objectName="importReport")
        self.report.setReadOnly(True)
        self.save = QPushButton(_("Sa&ve the mapping ..."), objectName="importSaveMapping")
        self.save.clicked.connect(self.choose_save)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.report, 1)
        layout.addWidget(self.save)
        self.checked: service.Plan | None = None
        self.importing = False

    def initializePage(self) -> None:  # noqa: N802 - Qt override
        self.checked = None
        self.summary.setText(_("Checking every row ..."))
        self.report.clear()
        table, mapping = self.w.table, self.w.mapping
        self.w.run(_("Checking every row ..."),
                   lambda progress: service.import_table(self.w.session, table, mapping, dry_run=True,
                                                         progress=lambda done, total: progress(done, total, "")),
                   self._checked, self.summary.setText)

    def _checked(self, plan: service.Plan) -> None:
        self.checked = plan
        self.summary.setText(plan.summary() if not plan.ok else
                             plan.summary() + " " + _("Nothing is written until you press Import."))
        self.report.setPlainText(report_text(plan))
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802 - Qt override
        return self.checked is not None and self.checked.ok and service.import_anything(self.checked)

    def choose_save(self) -> None:
        chosen, _filter = QFileDialog.getSaveFileName(self, _("Save the mapping"),
                                                      folders.in_last_folder("mapping.toml"), _("Mappings (*.toml)"))
        if chosen:
            self.save_to(Path(chosen))

    def save_to(self, path: Path) -> None:
        """The mapping holds headings and code tables, never a row's content."""
        try:
            write_atomic(path, mappings.dumps(self.w.mapping).encode("utf-8"))
        except OSError as error:
            self.summary.setText(_("The mapping could not be saved: {reason}").format(
                reason=error.strerror or error.__class__.__name__))
            return
        self.summary.setText(_("Mapping saved: {name}").format(name=path.name))

    def validatePage(self) -> bool:  # noqa: N802 - Qt override
        if self.w.plan is not None and self.w.plan.imported:
            return True
        if self.importing:
            return False
        self.importing = True
        table, mapping = self.w.table, self.w.mapping
        self.w.run(_("Importing ..."),
                   lambda progress: service.import_table(self.w.session, table, mapping, dry_run=False,
                                                         progress=lambda done, total: progress(done, total, "")),
                   self._imported, self._failed)
        return False

    def _imported(self, plan: service.Plan) -> None:
        self.importing = False
        self.w.plan = plan
        changes.notify(self.w.session, "people", "contacts", "visits", "venues")
        self.w.next()

    def _failed(self, message: str) -> None:
        self.importing = False
        self.summary.setText(message + " " + _("Nothing was imported."))


class DonePage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle(_("Imported"))
        self.summary = QLabel(objectName="importDone")
        self.summary.setWordWrap(True)
        self.delete = QPushButton(_("&Overwrite and delete the spreadsheet ..."), objectName="importDeleteSource")
        self.delete.clicked.connect(self.confirm_delete)
        self.message = QLabel(objectName="importDeleteMessage")
        self.message.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.delete)
        layout.addWidget(self.message)
        layout.addStretch(1)

    def initializePage(self) -> None:  # noqa: N802 - Qt override
        self.summary.setText(self.w.plan.summary() + "\n\n" + _(
            "The spreadsheet is still on the disk, in plaintext. Delete it now unless you must keep it."))

    def confirm_delete(self) -> None:
        path = Path(self.w.table_key[0]).expanduser()
        answer = QMessageBox.question(self, _("Delete the spreadsheet"), _(
            "Overwrite {name} and delete it? It cannot be undone. On an SSD or a stick, copies of the old content "
            "may stay in the drive's spare blocks: only encrypting the drive rules that out.").format(name=path.name))
        if answer != QMessageBox.StandardButton.Yes:
            return
        wipe.shred(path)
        self.message.setText(_("The spreadsheet was overwritten and deleted.") if not path.exists() else
                             _("The spreadsheet could not be deleted: delete it yourself."))
        self.delete.setEnabled(path.exists())
