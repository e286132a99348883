"""Visits: the outreach visits (filtered by dates, venue and worker) and the venues with each one's
visit history. Ctrl+N logs a new visit (or venue), Return opens the selected one, Delete asks
before deleting it."""

from __future__ import annotations

from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from fieldapp import i18n
from fieldapp.domain.codes import REGIONS, VENUE_KINDS
from fieldapp.domain.queries import VenueFilter, VisitFilter, VisitRow
from fieldapp.i18n import N_, _, ngettext
from fieldapp.records import venues, visits
from fieldapp.security.session import Session
from fieldapp.ui import changes
from fieldapp.ui.code_picker import CodeCombo, SearchCombo, code_text, language_labels, moment_text
from fieldapp.ui.online_form import OnlineTab
from fieldapp.ui.record_form import (
    close_form,
    delete_selected_row,
    lead_to_results,
    on_keys,
    record_table,
    selected_row,
)
from fieldapp.ui.table_model import Column, LazyTableModel
from fieldapp.ui.venue_form import VenueForm
from fieldapp.ui.visit_form import MAX_VENUES, VisitForm, team_members

NO_DATE = QDate(2000, 1, 1)


def visit_columns() -> list[Column]:
    return [
        Column(lambda: _("Started"), lambda r: moment_text(r.visit.started_at)),
        Column(lambda: _("Venue"), lambda r: r.venue_name),
        Column(lambda: _("People met"), lambda r: r.visit.people_met),
        Column(lambda: _("Handed out"), lambda r: sum(m.quantity for m in r.visit.materials) or ""),
        Column(lambda: _("Team"), lambda r: len(r.visit.team)),
        Column(lambda: _("Languages"), lambda r: code_text(language_labels(), r.visit.languages)),
    ]


class DateFilter(QDateEdit):
    """A day, or "Any" (the earliest date) for no limit."""

    def __init__(self, parent: QWidget | None = None, **properties) -> None:
        super().__init__(parent, **properties)
        self.setCalendarPopup(True)
        self.setDisplayFormat("yyyy-MM-dd")
        self.setMinimumDate(NO_DATE)
        self.setDate(NO_DATE)

    def day(self):
        return None if self.date() == NO_DATE else self.date().toPython()


class VisitsTab(QWidget):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.form: VisitForm | None = None
        self.spare: VisitForm | None = None      # a new-visit form built ahead, while nobody waits for it
        self._spare_language = ""
        self._build()
        self._connect()
        self.retranslate()
        self.reload()

    def _build(self) -> None:
        # The venue filter lists every venue: read a turn after the page is built, so building the page and
        # reading the venues are two short waits of the window, not one long one.
        self._venues_wanted = False
        QTimer.singleShot(0, self, self._fill_venues)
        self.since_edit = DateFilter(objectName="visitsSince")
        self.until_edit = DateFilter(objectName="visitsUntil")
        self.venue_combo = SearchCombo(self._venues, lambda: _("All venues"), translate=False,
                                       objectName="visitsVenueFilter")
        self.worker_combo = CodeCombo(lambda: {u.id: u.name for u in team_members(self._session)},
                                      lambda: _("Everyone"), translate=False, objectName="visitsWorkerFilter")
        self.filter_labels = [QLabel() for _ in range(4)]
        filters = QHBoxLayout()
        for label, widget in zip(self.filter_labels, (self.since_edit, self.until_edit, self.venue_combo,
                                                      self.worker_combo), strict=True):
            label.setBuddy(widget)
            filters.addWidget(label)
            filters.addWidget(widget, 2 if widget is self.venue_combo else 0)
        self.model = LazyTableModel(visit_columns(), lambda offset, limit: [])
        self.table = record_table("visitsTable", self.model)
        self.count_label = QLabel(objectName="visitsCount")
        self.new_button = QPushButton(objectName="newVisitButton")
        self.edit_button = QPushButton(objectName="editVisitButton")
        self.delete_button = QPushButton(objectName="deleteVisitButton")
        self.message = QLabel(objectName="visitsMessage")
        buttons = QHBoxLayout()
        buttons.addWidget(self.count_label, 1)
        buttons.addWidget(self.message, 2)
        for button in (self.new_button, self.edit_button, self.delete_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)

    def _connect(self) -> None:
        for edit in (self.since_edit, self.until_edit):
            edit.dateChanged.connect(self.reload)
        self.venue_combo.activated.connect(self.reload)
        self.venue_combo.lineEdit().editingFinished.connect(self.reload)
        self.worker_combo.currentIndexChanged.connect(self.reload)
        self.new_button.clicked.connect(self.new_visit)
        self.edit_button.clicked.connect(self.edit_selected)
        self.delete_button.clicked.connect(self.delete_selected)
        self.table.activated.connect(self.edit_selected)
        on_keys(self, "Ctrl+N", self.new_visit)
        on_keys(self, "Ctrl+F", self.venue_combo.setFocus)
        on_keys(self.table, QKeySequence.StandardKey.Delete, self.delete_selected, only_widget=True)

    def _venues(self) -> dict[str, str]:
        if not self._venues_wanted:                 # the page is being built: filled a turn later
            return {}
        found = venues.venue_names(self._session, VenueFilter(), MAX_VENUES)
        return dict(sorted(found.items(), key=lambda item: item[1].casefold()))

    def retranslate(self) -> None:
        if self.spare is not None and self._spare_language != i18n.current_language():
            if isValid(self.spare):                 # built in the language before: built anew in a turn of its own
                self.spare.deleteLater()
            self.spare = None
            QTimer.singleShot(0, self, self._make_spare)
        texts = (_("&From"), _("&To"), _("&Venue"), _("&Worker"))
        for label, text in zip(self.filter_labels, texts, strict=True):
            label.setText(text)
        for edit in (self.since_edit, self.until_edit):
            edit.setSpecialValueText(_("Any"))
        self.new_button.setText(_("&New visit"))
        self.edit_button.setText(_("&Open"))
        self.delete_button.setText(_("&Delete"))
        self.worker_combo.retranslate()
        self.venue_combo.retranslate()
        self.model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, self.model.columnCount() - 1)
        self._show_count()

    def current_filter(self) -> VisitFilter:
        return VisitFilter(since=self.since_edit.day(), until=self.until_edit.day(),
                           venue_id=self.venue_combo.code() or None, worker_id=self.worker_combo.code() or None)

    def reload(self, *_args) -> None:
        self.pager = visits.visits_pager(self._session, self.current_filter())
        self.model.reload(self.pager.page)
        self._show_count()

    def _fill_venues(self) -> None:
        if self._session.is_open:               # not locked since the page was built
            self._venues_wanted = True
            self.refresh_venues()
            QTimer.singleShot(0, self, self._make_spare)

    def _make_spare(self) -> None:
        """Build the next new-visit form now, in a turn of its own: Ctrl+N then only fills and shows it (building
        its rows and lists held the window for about a tenth of a second)."""
        if self._session.is_open and self.spare is None:
            self.spare = VisitForm(self._session, None, parent=self)
            self._spare_language = i18n.current_language()

    def refresh_venues(self) -> None:
        self.venue_combo.retranslate()

    def _show_count(self) -> None:
        if hasattr(self, "pager"):
            count = self.pager.count()
            self.count_label.setText(ngettext("{count} visit", "{count} visits", count).format(count=count))

    def new_visit(self) -> None:
        self._open_form(None)

    def edit_selected(self, *_args) -> None:
        row: VisitRow | None = selected_row(self.table)
        if row is not None:
            self._open_form(visits.get_visit(self._session, row.visit.id))

    def _open_form(self, visit) -> None:
        spare, self.spare = self.spare, None
        if visit is None and spare is not None and isValid(spare) \
                and self._spare_language == i18n.current_language():
            spare.start_new()
            self.form = spare
        else:
            if spare is not None and isValid(spare):
                spare.deleteLater()
            self.form = VisitForm(self._session, visit, parent=self)
        self.form.saved.connect(self._saved)
        self.form.finished.connect(lambda _result: QTimer.singleShot(0, self, self._make_spare))
        self.form.open()

    def _saved(self, visit) -> None:
        self.message.setText(_("Visit saved."))
        if self.venue_combo.findData(visit.venue_id) < 0:     # a venue made in the form: listed from now on
            self.refresh_venues()
        self.reload()
        changes.notify(self._session, "visits")

    def delete_selected(self) -> None:
        delete_selected_row(self, _("Delete visit"), _("Delete the selected visit? Contacts logged on it stay."),
                            lambda row: visits.delete_visit(self._session, row.visit.id), _("Visit deleted."), "visits")

    def clear(self) -> None:
        close_form(self.form)
        if self.spare is not None and isValid(self.spare):
            self.spare.deleteLater()
        self.spare = None
        self.model.clear()
        self.venue_combo.clear()
        self.worker_combo.clear()


class VenuesTab(QWidget):
    """The venues (search by name or municipality, filter by kind, region and status) and the
    selected venue's visit history."""


    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.form: VenueForm | None = None
        self.filled = False
        self._build()
        self._connect()
        self.retranslate()

    def _build(self) -> None:
        self.search_edit = QLineEdit(objectName="venueSearch")
        self.search_edit.setClearButtonEnabled(True)
        self.kind_combo = CodeCombo(VENUE_KINDS, lambda: _("All kinds"), objectName="venueKindFilter")
        self.region_combo = CodeCombo(REGIONS, lambda: _("All regions"), objectName="venueRegionFilter")
        self.status_combo = CodeCombo({"open": N_("Open"), "closed": N_("Closed")}, lambda: _("Open and closed"),
                                      objectName="venueStatusFilter")
        self.search_label = QLabel()
        self.search_label.setBuddy(self.search_edit)
        filters = QHBoxLayout()
        filters.addWidget(self.search_label)
        for widget in (self.search_edit, self.kind_combo, self.region_combo, self.status_combo):
            filters.addWidget(widget, 2 if widget is self.search_edit else 0)
        self.model = LazyTableModel([
            Column(lambda: _("Name"), lambda v: v.name),
            Column(lambda: _("Kind"), lambda v: _(VENUE_KINDS.get(v.kind, v.kind))),
            Column(lambda: _("Municipality"), lambda v: v.municipality),
            Column(lambda: _("Region"), lambda v: _(REGIONS[v.region]) if v.region in REGIONS else ""),
            Column(lambda: _("Status"), lambda v: _("Open") if v.is_open else _("Closed")),
        ], lambda offset, limit: [])
        self.table = record_table("venuesTable", self.model)
        self.history_label = QLabel(objectName="venueHistoryLabel")
        self.history_model = LazyTableModel(visit_columns(), lambda offset, limit: [])
        self.history = record_table("venueHistory", self.history_model)
        self.new_button, self.edit_button, self.delete_button = (
            QPushButton(objectName=name) for name in ("newVenueButton", "editVenueButton", "deleteVenueButton"))
        self.message = QLabel(objectName="venuesMessage")
        buttons = QHBoxLayout()
        buttons.addWidget(self.message, 1)
        for button in (self.new_button, self.edit_button, self.delete_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.table, 3)
        layout.addLayout(buttons)
        layout.addWidget(self.history_label)
        layout.addWidget(self.history, 2)

    def _connect(self) -> None:
        self.search_edit.textChanged.connect(self._filtered)
        for combo in (self.kind_combo, self.region_combo, self.status_combo):
            combo.currentIndexChanged.connect(self._filtered)
        self.table.selectionModel().currentRowChanged.connect(self._show_history)
        self.table.activated.connect(self.edit_selected)
        self.new_button.clicked.connect(self.new_venue)
        self.edit_button.clicked.connect(self.edit_selected)
        self.delete_button.clicked.connect(self.delete_selected)
        on_keys(self, "Ctrl+N", self.new_venue)
        on_keys(self, "Ctrl+F", self.search_edit.setFocus)
        lead_to_results(self.search_edit, self.table)
        on_keys(self.table, QKeySequence.StandardKey.Delete, self.delete_selected, only_widget=True)

    def retranslate(self) -> None:
        self.search_label.setText(_("&Search"))
        self.search_edit.setPlaceholderText(_("Name or municipality"))
        for combo in (self.kind_combo, self.region_combo, self.status_combo):
            combo.retranslate()
        self.history_label.setText(_("Visits to the selected venue"))
        self.new_button.setText(_("&New venue"))
        self.edit_button.setText(_("&Open"))
        self.delete_button.setText(_("&Delete"))
        for model in (self.model, self.history_model):
            model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, model.columnCount() - 1)

    def current_filter(self) -> VenueFilter:
        status = self.status_combo.code()
        return VenueFilter(text=self.search_edit.text().strip(), kind=self.kind_combo.code(),
                           region=self.region_combo.code(), is_open=None if not status else status == "open")

    def reload(self, *_args) -> None:
        self.filled = True
        self.model.reload(venues.venues_pager(self._session, self.current_filter()).page)
        self.history_model.reload(lambda offset, limit: [])

    def _filtered(self, *_args) -> None:
        if self.filled:                       # before the tab first shows, its filters are only being set up
            self.reload()

    def fill_once(self) -> None:
        """The list is filled when the tab first shows (building the page does not wait for it)."""
        if not self.filled:
            self.reload()

    def _show_history(self, current, _previous=None) -> None:
        venue = self.model.row_at(current.row())
        if venue is not None:
            self.history_model.reload(visits.visits_pager(self._session, VisitFilter(venue_id=venue.id)).page)

    def new_venue(self) -> None:
        self._open_form(None)

    def edit_selected(self, *_args) -> None:
        venue = selected_row(self.table)
        if venue is not None:
            self._open_form(venue)

    def _open_form(self, venue) -> None:
        self.form = VenueForm(self._session, venue, parent=self)
        self.form.saved.connect(self._saved)
        self.form.open()

    def _saved(self, _venue) -> None:
        self.message.setText(_("Venue saved."))
        self.reload()
        changes.notify(self._session, "venues")

    def delete_selected(self) -> None:
        delete_selected_row(self, _("Delete venue"), _("Delete the selected venue?"),
                            lambda venue: venues.delete_venue(self._session, venue.id), _("Venue deleted."), "venues")

    def clear(self) -> None:
        close_form(self.form)
        self.model.clear()
        self.history_model.clear()
        self.search_edit.clear()


class VisitsPage(QWidget):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.heading = QLabel()
        self.tabs = QTabWidget(objectName="visitsTabs")
        self.visits_tab = VisitsTab(session)
        self.venues_tab = VenuesTab(session)
        self.online_tab = OnlineTab(session)
        self.tabs.addTab(self.visits_tab, "")
        self.tabs.addTab(self.venues_tab, "")
        self.tabs.addTab(self.online_tab, "")
        self.tabs.currentChanged.connect(lambda _index: self.tabs.currentWidget() is self.venues_tab
                                         and self.venues_tab.fill_once())
        self.tabs.currentChanged.connect(lambda _index: self.tabs.currentWidget() is self.online_tab
                                         and self.online_tab.fill_once())
        changes.on_change(session, self, ("venues",), self.visits_tab.refresh_venues)
        changes.on_change(session, self, ("codes",), self.venues_tab.kind_combo.retranslate)
        changes.on_change(session, self, ("visits", "venues"), self.visits_tab.reload)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.tabs, 1)
        self.retranslate()

    def act(self, action: str) -> None:
        """A shortcut pressed outside the page (the side list): ``new`` or ``find`` in the current tab."""
        tab = self.tabs.currentWidget()
        if tab is self.visits_tab:
            {"new": self.visits_tab.new_visit, "find": self.visits_tab.venue_combo.setFocus}[action]()
        elif tab is self.online_tab:
            {"new": self.online_tab.new_session, "find": self.online_tab.table.setFocus}[action]()
        else:
            {"new": self.venues_tab.new_venue, "find": self.venues_tab.search_edit.setFocus}[action]()

    def focus_start(self) -> None:
        """Where the keyboard starts when the page is chosen: the current tab's list."""
        tab = self.tabs.currentWidget()
        (tab.table if hasattr(tab, "table") else tab).setFocus()

    def retranslate(self) -> None:
        self.heading.setText(_("<h2>Visits</h2>"))
        self.tabs.setTabText(0, _("Visits"))
        self.tabs.setTabText(1, _("Venues"))
        self.tabs.setTabText(2, _("Online"))
        self.visits_tab.retranslate()
        self.venues_tab.retranslate()
        self.online_tab.retranslate()

    def clear(self) -> None:
        self.visits_tab.clear()
        self.venues_tab.clear()
        self.online_tab.clear()
