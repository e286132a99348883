"""People: search as you type (alias, reference or nationality), the selected person with the
timeline of their contacts, new person / new contact forms, merging two records of the same
person, and the follow-ups due. Ctrl+N new person, Ctrl+F search, Delete asks before deleting."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from fieldapp.domain.codes import GENDERS
from fieldapp.domain.queries import PeopleFilter, TimelineEntry
from fieldapp.domain.records import Person, age_class
from fieldapp.errors import FieldappError
from fieldapp.i18n import _, ngettext
from fieldapp.records import contacts, people
from fieldapp.security.session import Session
from fieldapp.ui import changes
from fieldapp.ui.code_picker import day_text, nationality_labels
from fieldapp.ui.contact_form import ContactForm
from fieldapp.ui.follow_ups_form import FollowUpsTab
from fieldapp.ui.person_actions import PersonActions
from fieldapp.ui.person_form import PersonForm, Refusal
from fieldapp.ui.record_form import close_form, confirmed, lead_to_results, on_keys, record_table
from fieldapp.ui.table_model import Column, LazyTableModel
from fieldapp.ui.timeline_form import PersonPanel, age_text


class PeopleTab(QWidget):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.form = None
        self._before_edit: Person | None = None      # the person as shown when their form opened
        self._build()
        self._connect()
        self.retranslate()
        self.reload()

    def _build(self) -> None:
        self.search_edit = QLineEdit(objectName="peopleSearch")
        self.search_edit.setClearButtonEnabled(True)
        self.search_label = QLabel()
        self.search_label.setBuddy(self.search_edit)
        self.model = LazyTableModel([
            Column(lambda: _("Alias"), lambda p: p.alias),
            Column(lambda: _("Gender"), lambda p: _(GENDERS.get(p.gender, p.gender))),
            Column(lambda: _("Age"), age_text),
            Column(lambda: _("Nationality"), lambda p: nationality_labels().get(p.nationality, p.nationality)),
            Column(lambda: _("Last contact"), lambda p: day_text(p.last_contact)),
        ], lambda offset, limit: [])
        self.table = record_table("peopleTable", self.model)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.count_label = QLabel(objectName="peopleCount")
        self.message = QLabel(objectName="peopleMessage")
        self.message.setWordWrap(True)
        self.new_button, self.merge_button, self.delete_button = (
            QPushButton(objectName=name) for name in ("newPersonButton", "mergeButton", "deletePersonButton"))
        self.panel = PersonPanel(self._session)
        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        search = QHBoxLayout()
        search.addWidget(self.search_label)
        search.addWidget(self.search_edit, 1)
        column.addLayout(search)
        column.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.count_label, 1)
        for button in (self.new_button, self.merge_button, self.delete_button):
            buttons.addWidget(button)
        column.addLayout(buttons)
        column.addWidget(self.message)
        self.actions = PersonActions(self._session, lambda: self.panel.person, self._erased)
        column.addWidget(self.actions)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self.panel)
        splitter.setSizes([420, 580])
        QVBoxLayout(self).addWidget(splitter)

    def _connect(self) -> None:
        self.search_edit.textChanged.connect(self.reload)
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.new_button.clicked.connect(self.new_person)
        self.merge_button.clicked.connect(self.merge_selected)
        self.delete_button.clicked.connect(self.delete_selected)
        self.panel.edit_requested.connect(self.edit_person)
        self.panel.contact_requested.connect(self.new_contact)
        self.panel.open_contact_requested.connect(self.open_contact)
        self.panel.delete_contact_requested.connect(self.delete_contact)
        on_keys(self, "Ctrl+N", self.new_person)
        on_keys(self, "Ctrl+F", self.focus_search)
        lead_to_results(self.search_edit, self.table)
        on_keys(self.table, QKeySequence.StandardKey.Delete, self.delete_selected, only_widget=True)

    def retranslate(self) -> None:
        self.search_label.setText(_("&Search"))
        self.search_edit.setPlaceholderText(_("Alias, reference or nationality"))
        self.new_button.setText(_("&New person"))
        self.merge_button.setText(_("&Merge two…"))
        self.delete_button.setText(_("&Delete"))
        self.model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, self.model.columnCount() - 1)
        self.panel.retranslate()
        self.actions.retranslate()
        self._show_count()

    def focus_search(self) -> None:
        self.search_edit.setFocus()
        self.search_edit.selectAll()

    def reload(self, *_args) -> None:
        self.pager = people.people_pager(self._session, PeopleFilter(text=self.search_edit.text()))
        self.model.reload(self.pager.page)
        self._show_count()

    def _show_count(self) -> None:
        if hasattr(self, "pager"):
            count = self.pager.count()
            self.count_label.setText(ngettext("{count} person", "{count} people", count).format(count=count))

    def _current_changed(self, current, _previous=None) -> None:
        person = self.model.row_at(current.row())
        if person is not None:
            self.panel.show_person(person)

    def show_person(self, person_id: str) -> None:
        self.panel.show_person(people.get_person(self._session, person_id))

    def _selected_people(self) -> list[Person]:
        rows = sorted(index.row() for index in self.table.selectionModel().selectedRows())
        return [self.model.row_at(row) for row in rows]

    # -- people -----------------------------------------------------------------------------
    def new_person(self) -> None:
        self._before_edit = None
        self._open(PersonForm(self._session, parent=self), self._person_saved)
        self.form.open_requested.connect(self.show_person)

    def edit_person(self) -> None:
        self._before_edit = self.panel.person
        if self.panel.person is not None:
            self._open(PersonForm(self._session, self.panel.person, parent=self), self._person_saved)

    def _open(self, form, on_saved) -> None:
        self.form = form
        form.saved.connect(on_saved)
        form.open()

    def _person_saved(self, person: Person | Refusal) -> None:
        if isinstance(person, Refusal):
            self.message.setText(_("Counted anonymously: nothing about the person was kept."))
            changes.notify(self._session, "people")
            return
        self.message.setText(_("Person saved."))
        before = self._before_edit
        if before is not None and before.id == person.id:
            self._tell_if_now_a_child(before, person)
        self.reload()
        self.panel.show_person(person)
        changes.notify(self._session, "people")

    def delete_selected(self) -> None:
        chosen = self._selected_people()
        if len(chosen) != 1 or not confirmed(
                self, _("Delete person"), _("Delete {alias} and all their contacts? This cannot be undone.")
                .format(alias=chosen[0].alias)):
            return
        self._run(lambda: people.delete_person(self._session, chosen[0].id), _("Person deleted."))
        self.panel.show_person(None)
        self.reload()
        changes.notify(self._session, "people", "contacts", "referrals")

    def merge_selected(self) -> None:
        """Merge the two selected people: the one shown in the panel (or the first) is kept."""
        chosen = self._selected_people()
        if len(chosen) != 2:
            self.message.setText(_("Select the two records of the same person first (Ctrl+click or Shift+arrows)."))
            return
        shown = self.panel.person.id if self.panel.person else None
        keep, drop = (chosen[1], chosen[0]) if chosen[1].id == shown else (chosen[0], chosen[1])
        if not confirmed(self, _("Merge people"), _(
                "Merge {drop} into {keep}? Every contact of {drop} moves to {keep}, and {drop} is removed.")
                .format(drop=drop.alias, keep=keep.alias)):
            return
        merged: list[Person] = []
        if self._run(lambda: merged.append(people.merge_people(self._session, keep.id, drop.id)),
                     _("People merged.")):
            self.reload()
            self.show_person(keep.id)
            self._tell_if_now_a_child(keep, merged[0])
            changes.notify(self._session, "people", "contacts", "referrals")

    def _tell_if_now_a_child(self, before: Person, after: Person) -> None:
        """A merge or a corrected age that makes someone a child: the duty to protect children applies now, and
        the worker is told so at once (the next contact asks for the steps)."""
        if age_class(after) == "child" and age_class(before) != "child":
            self.message.setText(self.message.text() + " " + _(
                "{alias} is now recorded as a child (under 18): under the duty to protect children, tell the "
                "municipality. Log a contact with the child-protection steps.").format(alias=after.alias))

    def _erased(self) -> None:
        self.panel.show_person(None)
        self.reload()
        changes.notify(self._session, "people", "contacts", "referrals")

    def _run(self, action, done_text: str) -> bool:
        try:
            action()
        except FieldappError as error:
            self.message.setText(error.message)
            return False
        self.message.setText(done_text)
        return True

    # -- contacts ---------------------------------------------------------------------------
    def new_contact(self) -> None:
        if self.panel.person is not None:
            self._open(ContactForm(self._session, self.panel.person, parent=self), self._contact_saved)

    def open_contact(self, entry: TimelineEntry) -> None:
        contact = contacts.get_contact(self._session, entry.contact.id)
        if contact is not None and self.panel.person is not None:
            self._open(ContactForm(self._session, self.panel.person, contact, parent=self), self._contact_saved)

    def _contact_saved(self, contact) -> None:
        self.message.setText(_("Contact saved."))
        self.show_person(contact.person_id)
        changes.notify(self._session, "contacts")

    def delete_contact(self, entry: TimelineEntry) -> None:
        if not confirmed(self, _("Delete contact"), _("Delete the selected contact? This cannot be undone.")):
            return
        if self._run(lambda: contacts.delete_contact(self._session, entry.contact.id), _("Contact deleted.")):
            self.show_person(entry.contact.person_id)
            changes.notify(self._session, "contacts")

    def clear(self) -> None:
        close_form(self.form)
        self.model.clear()
        self.panel.clear()
        self.search_edit.clear()


class PeoplePage(QWidget):
    leaflet_requested = Signal(str, str)         # a leaflet for the person shown: language tag, reader

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.heading = QLabel()
        self.tabs = QTabWidget(objectName="peopleTabs")
        self.people_tab = PeopleTab(session)
        self.follow_ups = FollowUpsTab(session)
        self.tabs.addTab(self.people_tab, "")
        self.tabs.addTab(self.follow_ups, "")
        # Refilled a turn after the change, so saving a person or a contact and counting follow-ups are two
        # short waits of the window, not one long one.
        changes.on_change(session, self, ("contacts", "people", "referrals"),
                          lambda: QTimer.singleShot(0, self.follow_ups, self.follow_ups.reload))
        self.follow_ups.person_requested.connect(self._open_person)
        self.people_tab.panel.leaflet_requested.connect(self.leaflet_requested)
        self.follow_ups.follow_up_done.connect(lambda _id: self._refresh_panel())
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.tabs, 1)
        self.retranslate()

    def act(self, action: str) -> None:
        """A shortcut pressed outside the page (the side list): ``new`` or ``find`` in the current tab."""
        self.tabs.setCurrentWidget(self.people_tab)
        {"new": self.people_tab.new_person, "find": self.people_tab.focus_search}[action]()

    def focus_start(self) -> None:
        """Where the keyboard starts when the page is chosen: the search box."""
        self.tabs.currentWidget().setFocus()
        if self.tabs.currentWidget() is self.people_tab:
            self.people_tab.focus_search()

    def _open_person(self, person_id: str) -> None:
        self.tabs.setCurrentWidget(self.people_tab)
        self.people_tab.show_person(person_id)

    def _refresh_panel(self) -> None:
        if self.people_tab.panel.person is not None:
            self.people_tab.show_person(self.people_tab.panel.person.id)

    def retranslate(self) -> None:
        self.heading.setText(_("<h2>People</h2>"))
        self.tabs.setTabText(0, _("People"))
        self.tabs.setTabText(1, _("Follow-ups"))
        self.people_tab.retranslate()
        self.follow_ups.retranslate()

    def clear(self) -> None:
        self.people_tab.clear()
        self.follow_ups.clear()
