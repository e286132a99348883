"""A user without the health role sees no health details anywhere in the UI: data made by a nurse,
then every visible widget's text and every model cell of the pages scanned as an outreach worker
(and, as a control, the same scan as the nurse finds them)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QAbstractItemModel, QModelIndex
from PySide6.QtWidgets import QAbstractButton, QComboBox, QGroupBox, QLabel, QLineEdit, QListWidget, QWidget

from fieldapp.domain.records import Contact, HealthContact, Person
from fieldapp.records import health, people
from fieldapp.security import vault
from fieldapp.ui.people_page import PeoplePage
from fieldapp.ui.visits_page import VisitsPage
from tests.conftest import AGREED, PASSPHRASE

SENTINELS = ("ZQX-HEALTH-NOTE", "ZQX-CONTACT-NOTE", "Abortion referral", "Hepatitis C", "Sexual assault",
             "Trafficker or pimp", "public health care")


@pytest.fixture
def vault_with_health_data(session, vault_path: Path) -> Path:
    vault.add_user(session, "Nurse", "health", PASSPHRASE, PASSPHRASE)
    vault.add_user(session, "Olga", "outreach", PASSPHRASE, PASSPHRASE)
    session.close()
    nurse = vault.unlock(vault_path, "Nurse", PASSPHRASE)
    person = people.create_person(nurse, Person(**AGREED, alias="Kanya", nationality="TH"))
    contact = Contact(person_id=person.id, kind="health", occurred_at=datetime.now().astimezone() - timedelta(hours=1),
                      topics=("health",), note="ZQX-CONTACT-NOTE", follow_up=date.today())
    health.save_health_contact(nurse, contact, HealthContact(
        contact_id=0, reason="abortion_referral", tests_offered=("hepatitis_c",), tests_taken=("hepatitis_c",),
        referred_public_care=True, assaults=("sexual",), assault_by=("trafficker",), note="ZQX-HEALTH-NOTE"))
    nurse.close()
    return vault_path


def _model_texts(model: QAbstractItemModel) -> list[str]:
    root = QModelIndex()
    while model.canFetchMore(root):
        model.fetchMore(root)
    try:
        columns = model.columnCount(root)
    except TypeError:                    # list models hide columnCount: one column
        columns = 1
    return [str(model.index(row, column, root).data() or "") for row in range(model.rowCount(root))
            for column in range(columns)]


def _widget_texts(root: QWidget) -> list[str]:
    texts = []
    for widget in [root, *root.findChildren(QWidget)]:
        texts.append(widget.toolTip())
        if isinstance(widget, QLabel | QLineEdit | QAbstractButton):
            texts.append(widget.text())
        if isinstance(widget, QGroupBox):
            texts.append(widget.title())
        if isinstance(widget, QComboBox):
            texts += [widget.itemText(i) for i in range(widget.count())]
        if isinstance(widget, QListWidget):
            texts += [widget.item(i).text() for i in range(widget.count())]
        if hasattr(widget, "model") and callable(widget.model) and isinstance(widget.model(), QAbstractItemModel):
            texts += _model_texts(widget.model())
    return texts


def _everything_shown(qtbot, vault_path: Path, user: str) -> str:
    session = vault.unlock(vault_path, user, PASSPHRASE)
    try:
        people_page, visits_page = PeoplePage(session), VisitsPage(session)
        for widget in (people_page, visits_page):
            qtbot.addWidget(widget)
            widget.show()
        tab = people_page.people_tab
        tab.table.selectRow(0)
        assert tab.panel.person is not None and tab.panel.person.alias == "Kanya"
        tab.panel.timeline.selectRow(0)
        tab.panel.open_button.click()                    # opens the contact only for who may see it
        tab.new_contact()                                # the contact form, as this user gets it
        texts = _widget_texts(people_page) + _widget_texts(visits_page)
        for form in (tab.form,):
            texts += _widget_texts(form)
        people_page.clear()
        visits_page.clear()
        return "\n".join(texts)
    finally:
        session.close()


def test_outreach_worker_sees_no_health_details(qtbot, vault_with_health_data: Path) -> None:
    shown = _everything_shown(qtbot, vault_with_health_data, "Olga")
    assert "Kanya" in shown and "Details restricted to health staff" in shown
    for sentinel in SENTINELS:
        assert sentinel not in shown
    assert "Health (seen only by health staff)" not in shown


def test_the_scan_finds_them_for_the_nurse(qtbot, vault_with_health_data: Path) -> None:
    shown = _everything_shown(qtbot, vault_with_health_data, "Nurse")
    for sentinel in SENTINELS:
        assert sentinel in shown
