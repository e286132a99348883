"""Reports: pick a period and a report, see its tables (with the year before) and charts, export
PDF or CSV. Figures are suppressed as in files; a coordinator may switch to exact counts on
screen. Exports are always suppressed and run off the GUI thread."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from fieldapp.errors import FieldappError
from fieldapp.i18n import _
from fieldapp.reports import charts, export, release, service
from fieldapp.reports.suppression import Shown
from fieldapp.security.session import Session
from fieldapp.ui import changes, folders
from fieldapp.ui.forms import add_row
from fieldapp.ui.table_model import Column, LazyTableModel
from fieldapp.ui.tasks import Task, pending


class ChartWidget(QWidget):
    """A bar or line chart of a table's published figures, drawn with QPainter."""

    def __init__(self, data: charts.ChartData, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data = data
        self.setMinimumHeight(220)
        self.labels_drawn: list[str] = []    # what the last paint wrote under the bars (for tests and a11y)

    def _legend_height(self) -> int:
        return self.fontMetrics().height() + 6 if len(self.data.series_names) > 1 else 0

    def _top(self) -> int:
        top = max([v for values in self.data.series for v in values if v] or [1])
        step = max(1, -(-top // 5))
        return step * 5

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        line = self.fontMetrics().height()
        area = QRectF(40, 10 + self._legend_height(), max(10, self.width() - 50),
                      max(10, self.height() - 20 - 2 * line - self._legend_height()))
        painter.setPen(QPen(QColor("#888888")))
        painter.drawLine(area.bottomLeft(), area.bottomRight())
        painter.drawLine(area.bottomLeft(), area.topLeft())
        painter.drawText(QRectF(0, area.top() - 6, 36, 14), Qt.AlignmentFlag.AlignRight, str(self._top()))
        count = max(1, len(self.data.categories))
        slot = area.width() / count
        for index, values in enumerate(self.data.series):
            color = QColor(charts.PALETTE[index % len(charts.PALETTE)])
            if self.data.kind == "bar":
                self._bars(painter, area, slot, index, values, color)
            else:
                self._line(painter, area, slot, values, color)
        self._category_labels(painter, area, slot, line)
        self._legend(painter)
        painter.end()

    def _category_labels(self, painter: QPainter, area: QRectF, slot: float, line: int) -> None:
        """Each category under its bars, elided to its slot (the full name is in the table below)."""
        painter.setPen(QPen(self.palette().windowText().color()))
        metrics = self.fontMetrics()
        self.labels_drawn = []
        for position, name in enumerate(self.data.categories):
            text = metrics.elidedText(name, Qt.TextElideMode.ElideRight, max(8, int(slot) - 4))
            box = QRectF(area.left() + slot * position, area.bottom() + 4, slot, 2 * line)
            painter.drawText(box, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, text)
            self.labels_drawn.append(text)

    def _legend(self, painter: QPainter) -> None:
        if len(self.data.series_names) < 2:
            return
        x, line = 40.0, self.fontMetrics().height()
        for index, name in enumerate(self.data.series_names):
            painter.fillRect(QRectF(x, 8, line * 0.8, line * 0.8), QColor(charts.PALETTE[index % len(charts.PALETTE)]))
            painter.setPen(QPen(self.palette().windowText().color()))
            width = self.fontMetrics().horizontalAdvance(name)
            painter.drawText(QRectF(x + line, 4, width + 4, line + 4), Qt.AlignmentFlag.AlignLeft, name)
            self.labels_drawn.append(name)
            x += line + width + 16

    def _y(self, area: QRectF, value: int) -> float:
        return area.bottom() - area.height() * value / self._top()

    def _bars(self, painter: QPainter, area: QRectF, slot: float, index: int, values, color: QColor) -> None:
        width = slot * 0.8 / max(1, len(self.data.series))
        for position, value in enumerate(values):
            if value:
                x = area.left() + slot * position + slot * 0.1 + width * index
                painter.fillRect(QRectF(x, self._y(area, value), width, area.bottom() - self._y(area, value)), color)

    def _line(self, painter: QPainter, area: QRectF, slot: float, values, color: QColor) -> None:
        painter.setPen(QPen(color, 2))
        previous = None
        for position, value in enumerate(values):
            point = None if value is None else QPointF(area.left() + slot * (position + 0.5), self._y(area, value))
            if point is not None and previous is not None:
                painter.drawLine(previous, point)
            previous = point


def _grid_model(shown: Shown, parent: QWidget) -> LazyTableModel:
    grid = export.grid(shown)  # header row, then rows and totals as text
    header, rows = grid[0], grid[1:]
    columns = [Column(lambda i=i: header[i] or _("Row"), lambda row, i=i: row[i]) for i in range(len(header))]
    model = LazyTableModel(columns, lambda offset, limit: rows[offset:offset + limit], parent)
    model.reload()
    return model


SHOW_DELAY_MS = 250


class ReportsPage(QWidget):
    """The Reports view; ``exported(path)`` follows a finished export."""

    exported = Signal(str)

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._task: Task | None = None
        self._building: Task | None = None
        self._again = False
        self._stale = True          # the shown report no longer matches the choices (or none is shown yet)
        self.shown_tables: list[Shown] = []
        self._build()
        self._connect()
        self.retranslate()
        changes.on_change(session, self, ("organisation",), self._fill_periods)
        changes.on_change(session, self, ("people", "contacts", "visits", "venues", "referrals", "online"),
                          self.refresh)

    def _build(self) -> None:
        self.heading = QLabel()
        year = date.today().year
        self.from_edit = QDateEdit(QDate(year, 1, 1), objectName="reportFrom", calendarPopup=True)
        self.to_edit = QDateEdit(QDate(year, 12, 31), objectName="reportTo", calendarPopup=True)
        for edit in (self.from_edit, self.to_edit):
            edit.setDisplayFormat("yyyy-MM-dd")
        self.period_combo = QComboBox(objectName="reportPeriod")
        self.report_combo = QComboBox(objectName="reportCombo")
        self.exact_check = QCheckBox(objectName="exactCheck")
        self.exact_check.setVisible(self._session.can("reports_exact"))
        self.show_button = QPushButton(objectName="showReport")
        self.pdf_button = QPushButton(objectName="exportPdf")
        self.csv_button = QPushButton(objectName="exportCsv")
        self.cmm_button = QPushButton(objectName="sealForCmm")
        form = QFormLayout()
        self.period_label = add_row(form, self.period_combo)
        self.from_label = add_row(form, self.from_edit)
        self.to_label = add_row(form, self.to_edit)
        self.report_label = add_row(form, self.report_combo)
        buttons = QHBoxLayout()
        for widget in (self.exact_check, self.show_button, self.pdf_button, self.csv_button, self.cmm_button):
            buttons.addWidget(widget)
        buttons.addStretch(1)
        self.status = QLabel(objectName="reportStatus", wordWrap=True)
        self.legend = QLabel(objectName="reportLegend", wordWrap=True)
        self.body = QWidget()
        self.body_layout = QVBoxLayout(self.body)
        scroll = QScrollArea(widgetResizable=True)
        scroll.setWidget(self.body)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        layout.addWidget(self.legend)
        layout.addWidget(scroll, 1)

    def _connect(self) -> None:
        self.show_button.clicked.connect(self.refresh)
        for edit in (self.from_edit, self.to_edit):
            edit.dateChanged.connect(self._match_period)
        self.report_combo.currentIndexChanged.connect(self.refresh)
        self.period_combo.activated.connect(self._period_chosen)
        self.exact_check.toggled.connect(self.refresh)
        self.pdf_button.clicked.connect(lambda: self._export("pdf"))
        self.csv_button.clicked.connect(lambda: self._export("csv"))
        self.cmm_button.clicked.connect(self.seal_for_cmm)

    def retranslate(self) -> None:
        self.heading.setText("<h2>" + _("Reports") + "</h2>")
        self.period_label.setText(_("P&eriod"))
        self.period_combo.setToolTip(_("Figures with small counts hidden are released only for these periods, so "
                                       "that two reports can never be subtracted to find a small count."))
        self.from_label.setText(_("&From"))
        self.to_label.setText(_("&To"))
        self.report_label.setText(_("&Report"))
        self.exact_check.setText(_("Exact counts (on screen only)"))
        self.show_button.setText(_("&Show"))
        self.pdf_button.setText(_("Export &PDF…"))
        self.csv_button.setText(_("Export &CSV…"))
        self.cmm_button.setText(_("Seal figures for C&MM…"))
        self._fill_combo()
        self._fill_periods()
        self.refresh()

    def _fill_periods(self) -> None:
        """The periods of the organisation's release grid, newest first, named in the interface language."""
        self.period_combo.blockSignals(True)
        self.period_combo.clear()
        for start, end in release.grid_choices(release.load(self._session).history, date.today()):
            self.period_combo.addItem(release.period_name(start, end), (start, end))
        self.period_combo.blockSignals(False)
        self._match_period()

    def _match_period(self) -> None:
        """The period list shows the dates chosen, or nothing when they are not one of its periods."""
        index = next((i for i in range(self.period_combo.count())
                      if self.period_combo.itemData(i) == self.period()), -1)
        self.period_combo.setCurrentIndex(index)

    def _period_chosen(self, index: int) -> None:
        start, end = self.period_combo.itemData(index)
        for edit, day in ((self.from_edit, start), (self.to_edit, end)):
            edit.blockSignals(True)
            edit.setDate(QDate(day.year, day.month, day.day))
            edit.blockSignals(False)
        self.refresh()

    def _fill_combo(self) -> None:
        current = self.report_combo.currentData()
        titles = service.section_titles()
        self.report_combo.blockSignals(True)
        self.report_combo.clear()
        for key in service.available_sections(self._session):
            self.report_combo.addItem(titles[key], key)
        index = self.report_combo.findData(current)
        self.report_combo.setCurrentIndex(max(0, index))
        self.report_combo.blockSignals(False)

    def period(self) -> tuple[date, date]:
        return self.from_edit.date().toPython(), self.to_edit.date().toPython()

    def _report(self, sections: tuple[str, ...] | None):
        return service.build_report(self._session, *self.period(), sections)

    def refresh(self) -> None:
        """Build the chosen report for the period off the window's thread, then show its tables. A refresh asked
        for while one is being built runs after it (the session's connection serves one thread at a time)."""
        if not self.isVisible():                    # built when the page is shown, not behind another page
            self._stale = True
            self._clear_body()                      # and no figures kept in a hidden page meanwhile
            return
        self._stale = False
        key = self.report_combo.currentData()
        if key is None:
            self._clear_body()
            return
        if self._building is not None and self._building.running():
            self._again = True
            return
        self._again = False
        exact = self.exact_check.isChecked() and self._session.can("reports_exact")

        def work(_progress):
            report = self._report((key,))
            return report, service.shown(self._session, report, exact_counts=exact), exact
        self._building = Task(self, _("Building the report…"), work, session=self._session,
                              quiet_ms=400)
        self._building.finished_ok.connect(self._built)
        self._building.finished_error.connect(self._build_failed)
        self._building.start()

    def _build_failed(self, message: str) -> None:
        self._clear_body()
        self.status.setText(message)
        self._build_next()

    def _build_next(self) -> None:
        if self._again:
            self.refresh()

    def _built(self, result) -> None:
        report, parts, exact = result
        self._clear_body()
        self._show(report, parts, exact)
        self._build_next()

    def _show(self, report, parts, exact: bool) -> None:
        self.status.setText("")
        self.legend.setText(export.legend_text(report, exact))
        for part in parts:
            for table in part.tables:
                self._add_table(table)
        self.body_layout.addStretch(1)

    def _add_table(self, shown: Shown) -> None:
        self.shown_tables.append(shown)
        self.body_layout.addWidget(QLabel("<b>" + shown.table.title + "</b>"))
        if shown.withheld:
            self.body_layout.addWidget(QLabel(_("Withheld: too few cases to publish safely.")))
        data = charts.chart_data(shown)
        if data is not None and data.has_values:
            self.body_layout.addWidget(ChartWidget(data))
        elif data is not None:
            self.body_layout.addWidget(QLabel(_("No chart: every figure is zero or hidden.")))
        view = QTableView(objectName="reportTable_" + shown.table.key)
        view.setModel(_grid_model(shown, view))
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        view.verticalHeader().hide()
        view.setMinimumHeight(min(400, 30 + 24 * (len(shown.table.row_labels) + 2)))
        self.body_layout.addWidget(view)
        if shown.table.note:
            self.body_layout.addWidget(QLabel(shown.table.note, wordWrap=True))

    def _clear_body(self) -> None:
        self.shown_tables = []
        while self.body_layout.count():
            widget = self.body_layout.takeAt(0).widget()
            if widget is not None:
                widget.setParent(None)
                widget.deleteLater()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if self._stale:
            # A moment later, and only if still shown: arrowing past Reports in the side list builds nothing.
            QTimer.singleShot(SHOW_DELAY_MS, self._refresh_if_shown)

    def _refresh_if_shown(self) -> None:
        if self._stale and self.isVisible():
            self.refresh()

    def building(self) -> bool:
        """A report is being built (or waits to be): its tables are not shown yet."""
        return self._again or (self._building is not None and self._building in pending())

    def clear(self) -> None:
        """Forget every figure (on lock)."""
        self._clear_body()
        self.legend.setText("")
        self.status.setText("")

    def _export(self, fmt: str) -> None:
        filters = {"pdf": _("PDF files (*.pdf)"), "csv": _("CSV files (*.csv)")}
        start, end = self.period()
        suggested = str(Path.home() / f"report-{start.isoformat()}-{end.isoformat()}.{fmt}")
        path, _filter = QFileDialog.getSaveFileName(self, _("Export report"), folders.in_last_folder(suggested),
                                                    filters[fmt])
        if not path:
            return
        folders.remember(path)
        write = export.write_pdf if fmt == "pdf" else export.write_csv

        def work(progress) -> str:
            progress(0, 2, _("Counting…"))
            report = self._report(None)
            progress(1, 2, _("Writing the file…"))
            write(self._session, report, Path(path))
            return path

        self._task = Task(self, _("Exporting the report…"), work, session=self._session,
                          cancellable=True)
        self._task.finished_ok.connect(self._exported)
        self._task.finished_error.connect(self.status.setText)
        self._task.start()

    def _exported(self, path: str) -> None:
        self.status.setText(_("Report written to {path} (small counts hidden).").format(path=path))
        self.exported.emit(path)

    def seal_for_cmm(self) -> None:
        """The anonymised figures of the period, sealed to CMM's key, into a chosen folder."""
        from fieldapp.referral.aggregate import seal_to_folder

        folder = QFileDialog.getExistingDirectory(self, _("Choose the folder for CMM (for example a USB stick)"),
                                                  folders.last_folder())
        if not folder:
            return
        folders.remember(folder)
        try:
            path = seal_to_folder(self._session, *self.period(), Path(folder))
        except FieldappError as error:
            self.status.setText(error.message)
            return
        self.status.setText(_("Sealed for CMM: {name}. Only CMM can open it.").format(name=path.name))
        self.exported.emit(str(path))
