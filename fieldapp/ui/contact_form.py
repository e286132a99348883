"""The contact form for one person: kind, when, the visit it happened on, topics, services,
indicators, suspected exploitation, follow-up and a note; health fields for health staff on a
health contact, legal-session fields for legal advisers on a legal contact."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from PySide6.QtWidgets import QLabel, QWidget

from fieldapp.domain.fields import ContactFields
from fieldapp.domain.queries import VisitFilter
from fieldapp.domain.records import Contact, Person, age_class
from fieldapp.i18n import _
from fieldapp.records import contacts, health, legal, team, visits
from fieldapp.security.session import Session
from fieldapp.ui.code_picker import CodeCombo, moment_text
from fieldapp.ui.health_form import HealthSection
from fieldapp.ui.legal_form import LegalSection
from fieldapp.ui.record_form import RecordForm

RECENT_VISIT_DAYS = 30
MAX_RECENT_VISITS = 100


def allowed_kinds(session: Session) -> dict[str, str]:
    """Contact kinds this user may record (health and legal need their roles)."""
    return {kind: label for kind, label in ContactFields.kind.codes.items() if contacts.may_see(session, kind)}


class ContactForm(RecordForm):
    """A new contact with ``person`` (``contact`` None) or changes to one."""

    def __init__(self, session: Session, person: Person, contact: Contact | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(session, parent)
        self.person, self.contact = person, contact
        self._build()
        self.load(contact or Contact(person_id=person.id, kind="street", occurred_at=datetime.now().astimezone()))
        self.finish(scroll=True)
        self.kind_combo.currentIndexChanged.connect(self._kind_changed)
        self._kind_changed()
        self.resize(680, 760)
        self.kind_combo.setFocus()

    def _build(self) -> None:
        self.kind_combo = self.add(ContactFields.kind, CodeCombo(allowed_kinds(self._session),
                                                                 objectName="contactKind"))
        self.when_edit = self.add(ContactFields.occurred_at, objectName="contactWhen")
        self.visit_combo = self.add(ContactFields.visit_id, CodeCombo(
            self._recent_visits, lambda: _("Not on a visit"), translate=False, objectName="contactVisit"))
        self.topics = self.add(ContactFields.topics, rows=4, objectName="contactTopics")
        self.services = self.add(ContactFields.services, rows=4, objectName="contactServices")
        self.indicators = self.add(ContactFields.indicators, rows=4, objectName="contactIndicators")
        self.exploitation = self.add(ContactFields.exploitation, rows=3, objectName="contactExploitation")
        self.industry_combo = self.add(ContactFields.industry, blank=lambda: _("Not known or not relevant"),
                                       objectName="contactIndustry")
        self.crime_forms = self.add(ContactFields.crime_forms, rows=3, objectName="contactCrimeForms")
        self.child_note = QLabel(objectName="childProtectionNote")
        self.child_note.setWordWrap(True)
        self.form.addRow(self.child_note)
        self.child_steps = self.add(ContactFields.child_steps, rows=5, objectName="contactChildSteps")
        self.is_child = age_class(self.person) == "child"
        for row in self.described[-1:]:
            row.label.setVisible(self.is_child)
            row.widget.parentWidget().setVisible(self.is_child)
        self.child_note.setVisible(self.is_child)
        self.follow_up = self.add(ContactFields.follow_up, objectName="contactFollowUp")
        self.follow_up_text = self.add(ContactFields.follow_up_text, objectName="contactFollowUpPlan")
        self.follow_up_owner = self.add(ContactFields.follow_up_owner, CodeCombo(
            lambda: {u.id: u.name for u in team.team_members(self._session)},
            lambda: _("The person's key worker"), translate=False, objectName="contactFollowUpOwner"))
        self.note_edit = self.add(ContactFields.note, objectName="contactNote")
        self.health = HealthSection(self) if self._session.can("health") else None
        self.legal = LegalSection(self, self._session.user.id, self._session.user.name) \
            if self._session.can("legal") else None
        for section in (self.health, self.legal):
            if section is not None:
                self.form.addRow(section)

    def _recent_visits(self) -> dict[str, str]:
        since = date.today() - timedelta(days=RECENT_VISIT_DAYS)
        rows = visits.list_visits(self._session, VisitFilter(since=since), 0, MAX_RECENT_VISITS)
        labels = {row.visit.id: f"{moment_text(row.visit.started_at)} — {row.venue_name}" for row in rows}
        if self.contact is not None and self.contact.visit_id and self.contact.visit_id not in labels:
            visit = visits.get_visit(self._session, self.contact.visit_id)
            if visit is not None:
                labels[visit.id] = moment_text(visit.started_at)
        return labels

    def load(self, contact: Contact) -> None:
        self.kind_combo.set_code(contact.kind)
        self.when_edit.set_moment(contact.occurred_at)
        self.visit_combo.set_code(contact.visit_id or "")
        self.topics.set_checked(contact.topics)
        self.services.set_checked(contact.services)
        self.indicators.set_checked(contact.indicators)
        self.exploitation.set_checked(contact.exploitation)
        self.industry_combo.set_code(contact.industry)
        self.crime_forms.set_checked(contact.crime_forms)
        self.follow_up.set_day(contact.follow_up)
        self.child_steps.set_checked(contact.child_steps)
        self.follow_up_text.setText(contact.follow_up_text)
        self.follow_up_owner.set_code(contact.follow_up_owner if contact.follow_up_owner is not None else "")
        self.note_edit.setText(contact.note)
        if self.health is not None:
            self.health.load(health.get_health_contact(self._session, contact.id)
                             if contact.id and contact.kind == "health" else None)
        if self.legal is not None:
            self.legal.load(legal.get_legal_session(self._session, contact.id)
                            if contact.id and contact.kind == "legal" else None)

    def retranslate(self) -> None:
        super().retranslate()
        self.child_note.setText(_("<b>This is a child.</b> Children exposed to trafficking need special protection: "
                                  "the duty to protect children applies. The municipality where the child stays must "
                                  "act and look after the child; the child has the right to be heard; an "
                                  "unaccompanied child gets a personal representative. Refer a child to CMM, never "
                                  "as an anonymous notice only, and offer the leaflet for children."))
        self.heading.setText(_("<h3>Contact with {alias}</h3>").format(alias=self.person.alias))
        self.kind_combo.retranslate()
        for section in (self.health, self.legal):
            if section is not None:
                section.retranslate()

    def _kind_changed(self, *_args) -> None:
        kind = self.kind_combo.code()
        if self.health is not None:
            self.health.setVisible(kind == "health")
        if self.legal is not None:
            self.legal.setVisible(kind == "legal")

    def collect(self) -> Contact:
        base = self.contact
        return Contact(person_id=self.person.id, kind=self.kind_combo.code(), occurred_at=self.when_edit.moment(),
                       visit_id=self.visit_combo.code() or None, topics=self.topics.checked(),
                       services=self.services.checked(), indicators=self.indicators.checked(),
                       exploitation=self.exploitation.checked(), industry=self.industry_combo.code(),
                       crime_forms=self.crime_forms.checked(), follow_up=self.follow_up.day(),
                       follow_up_text=self.follow_up_text.text().strip(),
                       child_steps=self.child_steps.checked() if self.is_child else (),
                       follow_up_owner=self.follow_up_owner.code() or None,
                       follow_up_done=base.follow_up_done if base else False, note=self.note_edit.text().strip(),
                       created_by=base.created_by if base else None, id=base.id if base else None)

    def writer(self) -> Callable[[], Contact]:
        contact, session = self.collect(), self._session
        if contact.kind == "health" and self.health is not None:
            part = self.health.collect(contact.id)
            return lambda: health.save_health_contact(session, contact, part)[0]
        if contact.kind == "legal" and self.legal is not None:
            legal_part = self.legal.collect(contact.id)
            return lambda: legal.save_legal_session(session, contact, legal_part)[0]
        if contact.id is None:
            return lambda: contacts.create_contact(session, contact)
        return lambda: contacts.update_contact(session, contact)
