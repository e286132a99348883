"""Importing old records from a spreadsheet: a dry run that reports on every row, then the import, all or nothing.

The rows are read (``sources``), each mapped cell becomes a field's value (``values``), rows that name the same
person become one person (the mapping's ``person`` columns), and every record is checked by the same rules as a
form's (``domain.validation``). Then, in one transaction on the vault's write connection:

- a person like one already kept (the same alias, year of birth and nationality) is never silently duplicated:
  the import stops on them ("ask"), adds the rows to them ("merge") or keeps them apart ("new"), as the mapping says;
- people whose last contact, and visits whose day, is already past the retention period are not kept: the dry run
  says how many, and on request each such person becomes an anonymous count for the reports' earlier years;
- imported people get the consent status "historic import", which nothing else can set;
- one audit event says how many rows came in (never what they hold).

A problem in any row imports nothing. The source file is only read, never copied.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path

from fieldapp.cancel import CancelToken
from fieldapp.domain.aliases import alias_key
from fieldapp.domain.ids import new_id
from fieldapp.domain.records import Contact, HealthContact, LegalSession, Person, Venue, Visit, age_class
from fieldapp.domain.validation import problems
from fieldapp.errors import InvalidInput
from fieldapp.i18n import _, ngettext
from fieldapp.importing import mapping as mappings
from fieldapp.importing import values
from fieldapp.importing.mapping import Mapping
from fieldapp.importing.sources import Cell, Table, read_table
from fieldapp.records.contacts import RESTRICTED_KINDS
from fieldapp.security import retention_policy
from fieldapp.security.session import Session
from fieldapp.storage import audit_repo, contacts_repo, health_repo, legal_repo, people_repo, venues_repo, visits_repo
from fieldapp.storage.connection import Connection

Progress = Callable[[int, int], None]


@dataclass
class RowReport:
    """One row of the file: its problems (each naming its column), and what the import does with it."""
    row: int
    problems: list[str] = field(default_factory=list)
    outcome: str = ""


@dataclass
class Plan:
    """What an import would do (a dry run), or did."""
    rows: list[RowReport]
    people: list[Person] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    venues: list[Venue] = field(default_factory=list)
    visits: list[Visit] = field(default_factory=list)
    health: list[HealthContact] = field(default_factory=list)     # health parts of contacts (health staff)
    legal: list[LegalSession] = field(default_factory=list)       # legal parts (legal advisers)
    merged_into: int = 0                     # existing people who get rows added ("merge")
    matches: int = 0                         # people like one already kept
    expired_rows: int = 0                    # rows past the retention period, not imported
    counts: list[tuple[date, str, str]] = field(default_factory=list)   # anonymous counts to keep
    suggestions: dict[str, dict[str, str]] = field(default_factory=dict)  # target -> {cell text: code}
    notes: tuple[str, ...] = ()
    imported: bool = False

    @property
    def bad_rows(self) -> list[RowReport]:
        return [row for row in self.rows if row.problems]

    @property
    def ok(self) -> bool:
        return not self.bad_rows

    def summary(self) -> str:
        parts = [ngettext("{n} row read", "{n} rows read", len(self.rows)).format(n=len(self.rows))]
        if self.bad_rows:
            parts.append(ngettext("{n} row has problems: nothing is imported",
                                  "{n} rows have problems: nothing is imported",
                                  len(self.bad_rows)).format(n=len(self.bad_rows)))
            return "; ".join(parts) + "."
        parts.append(ngettext("{n} new person", "{n} new people", len(self.people)).format(n=len(self.people)))
        if self.contacts or not self.visits:
            parts.append(ngettext("{n} contact", "{n} contacts", len(self.contacts)).format(n=len(self.contacts)))
        if self.venues or self.visits:
            parts.append(ngettext("{n} new venue", "{n} new venues", len(self.venues)).format(n=len(self.venues)))
            parts.append(ngettext("{n} visit", "{n} visits", len(self.visits)).format(n=len(self.visits)))
        if self.matches:
            parts.append(ngettext("{n} person looks like someone already kept",
                                  "{n} people look like someone already kept", self.matches).format(n=self.matches))
        if self.expired_rows:
            parts.append(ngettext("{n} row is past the retention period and is not imported",
                                  "{n} rows are past the retention period and are not imported",
                                  self.expired_rows).format(n=self.expired_rows))
        if self.counts:
            parts.append(ngettext("{n} of those people is kept as an anonymous count",
                                  "{n} of those people are kept as anonymous counts",
                                  len(self.counts)).format(n=len(self.counts)))
        return "; ".join(parts) + "."


class ImportRefused(InvalidInput):
    """The file has problems: nothing was imported. ``plan`` holds the report on every row."""

    def __init__(self, plan: Plan) -> None:
        super().__init__(plan.summary())
        self.plan = plan


def import_file(session: Session, path: Path | str, mapping: Mapping, *, dry_run: bool,
                progress: Progress | None = None, cancel: CancelToken | None = None,
                today: date | None = None) -> Plan:
    """Read ``path`` and import it by ``mapping`` (see ``import_table``)."""
    session.require("import")
    table = read_table(path, sheet=mapping.sheet)
    return import_table(session, table, mapping, dry_run=dry_run, progress=progress, cancel=cancel, today=today)


def import_table(session: Session, table: Table, mapping: Mapping, *, dry_run: bool,
                 progress: Progress | None = None, cancel: CancelToken | None = None,
                 today: date | None = None) -> Plan:
    """The dry run (``dry_run``: nothing is written) or the import, in one transaction. Raises ``ImportRefused``
    (with the report) when any row has a problem, and ``InvalidInput`` when the mapping does not fit the file."""
    session.require("import")
    found = mapping.problems(table.headers)
    allowed = mappings.targets_for(mapping.records, session.can)
    if any(target not in allowed for target in [*mapping.columns, *mapping.fixed]):
        found.append(_("Only health staff import health details, and only legal advisers legal ones."))
    if found:
        raise InvalidInput("\n".join(found))
    if dry_run or session.read_only:
        plan = _plan(session, session.conn, table, mapping, progress, cancel, today)
        if not dry_run:
            raise InvalidInput(_("This vault is open read-only: nothing can be imported."))
        return plan
    with session.write() as conn:
        plan = _plan(session, conn, table, mapping, progress, cancel, today)
        if not plan.ok:
            raise ImportRefused(plan)
        _write(session, conn, plan, len(table.rows))
    plan.imported = True
    return plan


def import_anything(plan: Plan) -> bool:
    return bool(plan.people or plan.contacts or plan.visits or plan.counts)


# -- reading the rows ---------------------------------------------------------------------------------------

class _Row:
    """One row's values by target, and its problems."""

    def __init__(self, number: int, report: RowReport, names: tuple[str, ...]) -> None:
        self.number, self.report, self.values = number, report, {}
        self.names = names                   # the texts in the columns that name the person


def _convert(table: Table, mapping: Mapping, plan: Plan, today: date, progress: Progress | None,
             cancel: CancelToken | None) -> list[_Row]:
    where = {header: i for i, header in enumerate(table.headers) if header}
    columns = {target: where[column] for target, column in mapping.columns.items()}
    targets_of = {column: target for target, column in mapping.columns.items()}
    rows = []
    for done, (number, cells) in enumerate(table.rows, start=1):
        if cancel is not None and done % 500 == 0:
            cancel.check()
        if progress is not None and done % 1000 == 0:
            progress(done, len(table.rows) * 2)
        row = _Row(number, RowReport(number), ())
        for target in mapping.targets:
            if target in columns:
                index = columns[target]
                _convert_cell(row, target, cells[index] if index < len(cells) else Cell(), table.headers[index],
                              mapping, plan, today)
            elif target in mapping.fixed:
                _convert_cell(row, target, Cell(text=mapping.fixed[target]), _("the mapping's fixed value"),
                              mapping, plan, today)
        for target in mappings.REQUIRED[mapping.records]:
            if target not in row.values and _cell_empty(target, mapping, cells, where):
                row.report.problems.append(_("{field} is empty.").format(field=mappings.label(target,
                                                                                             mapping.records)))
        row.names = _names(row, cells, where, targets_of, mapping.person)
        rows.append(row)
    return rows


def _convert_cell(row: _Row, target: str, cell: Cell, shown: str, mapping: Mapping, plan: Plan, today: date) -> None:
    """The value of one mapped cell into ``row.values``, or its problem into the row's report."""
    if cell.problem:
        row.report.problems.append(_("{column}: {problem}").format(column=shown, problem=cell.problem))
        return
    if not cell.text:
        return
    spec = mapping.targets[target]
    try:
        row.values[target] = values.convert(spec, cell.text, cell.value, mapping.lookups.get(target, {}),
                                            mapping.date_order, today)
    except values.Bad as bad:
        message = str(bad)
        if spec.codes is not None:
            plan.suggestions.setdefault(target, {})[cell.text] = bad.suggestion
        if bad.suggestion:
            message += " " + _("Perhaps {code}: say so under [values.\"{target}\"] in the mapping.").format(
                code=bad.suggestion, target=target)
        row.report.problems.append(_("{column}: {problem}").format(column=shown, problem=message))


def _names(row: _Row, cells: tuple[Cell, ...], where: dict[str, int], targets_of: dict[str, str],
           person: tuple[str, ...]) -> tuple[str, ...]:
    """What names the row's person, column by column: the field's value where the column is a field (so that
    "Rumænien" and "RO" are one nationality), else the cell's text."""
    names = []
    for column in person:
        target = targets_of.get(column)
        if target is not None and target in row.values:
            names.append(str(row.values[target]))
        else:
            index = where[column]
            names.append(cells[index].text if index < len(cells) else "")
    return tuple(names)


def _cell_empty(target: str, mapping: Mapping, cells: tuple[Cell, ...], where: dict[str, int]) -> bool:
    """Whether a required target's cell is empty (not: holds a value with a problem, reported already)."""
    if target in mapping.fixed:
        return not mapping.fixed[target].strip()
    index = where[mapping.columns[target]]
    cell = cells[index] if index < len(cells) else Cell()
    return not cell.text and not cell.problem


def _fields(row: _Row, prefix: str) -> dict[str, object]:
    return {target.split(".", 1)[1]: value for target, value in row.values.items() if target.startswith(prefix + ".")}


def _field_problems(record: object, prefix: str, records: str) -> list[str]:
    return [_("{field}: {problem}").format(field=mappings.label(f"{prefix}.{name}", records), problem=problem)
            for name, problem in problems(record).items()]


def _cutoffs(session: Session, today: date) -> tuple[date, date]:
    policy = retention_policy.load_policy(session)
    return (retention_policy.months_before(today, policy.people_inactive_months),
            retention_policy.months_before(today, policy.visits_months))


def _plan(session: Session, conn: Connection, table: Table, mapping: Mapping, progress: Progress | None,
          cancel: CancelToken | None, today: date | None) -> Plan:
    today = today or datetime.now(UTC).astimezone().date()
    plan = Plan(rows=[], notes=table.notes)
    rows = _convert(table, mapping, plan, today, progress, cancel)
    plan.rows = [row.report for row in rows]
    people_cutoff, visits_cutoff = _cutoffs(session, today)
    if mapping.records == "contacts":
        _people_and_contacts(session, conn, rows, mapping, plan, people_cutoff, today)
    else:
        _venues_and_visits(session, conn, rows, mapping, plan, visits_cutoff)
    if progress is not None:
        progress(len(table.rows) * 2, len(table.rows) * 2)
    return plan


def _people_and_contacts(session: Session, conn: Connection, rows: list[_Row], mapping: Mapping, plan: Plan,
                         cutoff: date, today: date) -> None:
    known = people_repo.identities(conn)
    for group in _groups(rows).values():
        person = _person_of(group, mapping)
        days = [row.values["contact.occurred_at"].astimezone().date() for row in group
                if "contact.occurred_at" in row.values]
        if person is None or not days or any(row.report.problems for row in group):
            continue
        person = _aged(person, max(days), today)
        if max(days) < cutoff:
            _expired(group, person, max(days), mapping, plan)
            continue
        found = _field_problems(person, "person", "contacts")
        if found:
            group[0].report.problems.extend(found)
            continue
        matched = _matched(person, known.get((alias_key(person.alias), person.birth_year, person.nationality), []),
                           group[0], mapping, plan)
        if matched is None:
            continue
        person_id, outcome = matched
        owner = person if person_id == person.id else people_repo.get_person(conn, person_id)
        if owner is not None and age_class(owner, today) == "child":
            # The form refuses a contact with a child that does not say whether the municipality was told (the
            # duty to protect children): an import cannot know it.
            group[0].report.problems.append(_(
                "This person is a child today: an import cannot say what was done to protect them (whether the "
                "municipality was told). Leave their rows out and log their contacts in the app."))
            continue
        if person_id == person.id:
            plan.people.append(person)
        _contacts(session, group, person_id, outcome, plan, today)


def _groups(rows: list[_Row]) -> dict[tuple, list[_Row]]:
    """The rows of each person, by the texts in the columns that name a person."""
    groups: dict[tuple, list[_Row]] = {}
    for row in rows:
        key = tuple(alias_key(text) for text in row.names)
        if not any(key):
            row.report.problems.append(_("The columns that name the person are empty."))
            continue
        groups.setdefault(key, []).append(row)
    return groups


def _matched(person: Person, same: list[tuple[str, str, str]], first: _Row, mapping: Mapping,
             plan: Plan) -> tuple[str, str] | None:
    """Whose rows these become: (the person's id, what the report says), or None when the import must stop on
    someone like a person already kept."""
    if not same:
        return person.id, ""
    plan.matches += 1
    names = ", ".join(f"{alias} ({reference})" for _id, reference, alias in same[:3])
    if mapping.on_match == "new":
        return person.id, _("a new person, though like {person}").format(person=names)
    if mapping.on_match == "merge" and len(same) == 1:
        plan.merged_into += 1
        return same[0][0], _("added to {person}, already kept").format(person=names)
    first.report.problems.append(_(
        "Looks like {people}, already kept (the same alias, year of birth and nationality). Say in the mapping "
        "whether to add these rows to them (on_match = \"merge\", when only one is like them) or keep a new person "
        "(on_match = \"new\").").format(people=names))
    return None


def _contacts(session: Session, group: list[_Row], person_id: str, outcome: str, plan: Plan, today: date) -> None:
    may_restricted = {kind for kind, capability in RESTRICTED_KINDS.items() if session.can(capability)}
    for index, row in enumerate(group):
        contact = Contact(person_id=person_id, created_by=session.user.id, id=new_id(), **_fields(row, "contact"))
        found = _field_problems(contact, "contact", "contacts")
        if contact.kind in RESTRICTED_KINDS and contact.kind not in may_restricted:
            found.append(_("Only health staff import health contacts, and only legal advisers legal ones."))
        parts = _parts(session, row, contact, found)
        contact = _legal_follow_up(contact, parts, found)
        if contact.follow_up is not None and contact.follow_up < today:
            # An old sheet says neither who followed it up nor whether it was done: a past follow-up is kept as
            # done, not as an overdue one of whoever imports (the owner falls back to the contact's author).
            contact = replace(contact, follow_up_done=True)
        if found:
            row.report.problems.extend(found)
            continue
        plan.contacts.append(contact)
        for part in parts:
            (plan.health if isinstance(part, HealthContact) else plan.legal).append(part)
        row.report.outcome = outcome or (_("a new person") if index == 0 else
                                         _("the same person as row {row}").format(row=group[0].number))


def _legal_follow_up(contact: Contact, parts: list[HealthContact | LegalSession], found: list[str]) -> Contact:
    """As the legal form does (``records.legal``): a session's follow-up is not before its contact, and becomes the
    contact's own when it has none, so that it shows among the follow-ups due."""
    for part in parts:
        if not isinstance(part, LegalSession) or part.follow_up is None:
            continue
        if part.follow_up < contact.occurred_at.astimezone().date():
            found.append(_("{field}: {problem}").format(field=mappings.label("legal.follow_up"),
                                                        problem=_("The follow-up date is before the contact.")))
        elif contact.follow_up is None:
            contact = replace(contact, follow_up=part.follow_up)
    return contact


def _parts(session: Session, row: _Row, contact: Contact, found: list[str]) -> list[HealthContact | LegalSession]:
    """The health or legal part a row holds; its problems go into ``found``. A part belongs to a contact of its
    own kind."""
    parts: list[HealthContact | LegalSession] = []
    for prefix, record in (("health", HealthContact), ("legal", LegalSession)):
        fields = _fields(row, prefix)
        if not fields:
            continue
        if contact.kind != mappings.RESTRICTED_PARTS[prefix]:
            found.append(_("{part} details belong to a contact of the kind {kind}.").format(
                part=_("Health") if prefix == "health" else _("Legal"),
                kind=mappings.label_of_code("contact.kind", mappings.RESTRICTED_PARTS[prefix])))
            continue
        extra = {"adviser_id": session.user.id} if record is LegalSession else {}
        part = record(contact_id=contact.id, id=new_id(), **extra, **fields)
        found.extend(_field_problems(part, prefix, "contacts"))
        parts.append(part)
    return parts


def _person_of(group: list[_Row], mapping: Mapping) -> Person | None:
    """The person the rows of ``group`` name: each field from the first row that has it; a row that says
    otherwise is a problem (two people, or a typing mistake)."""
    chosen: dict[str, tuple[object, int]] = {}
    for row in group:
        for name, value in _fields(row, "person").items():
            if name == "age_estimate":
                continue                         # an age changes from row to row: the latest is taken below
            if name not in chosen:
                chosen[name] = (value, row.number)
            elif chosen[name][0] != value:
                row.report.problems.append(_("{field} differs from row {row}, which names the same person.").format(
                    field=mappings.label(f"person.{name}"), row=chosen[name][1]))
    if "alias" not in chosen:
        return None
    ages = [(row.values["contact.occurred_at"], row.values["person.age_estimate"]) for row in group
            if "person.age_estimate" in row.values and "contact.occurred_at" in row.values]
    fields = {name: value for name, (value, _number) in chosen.items()}
    person = Person(**fields, record_consent="historic_import", id=new_id())
    if ages:
        when, age = max(ages, key=lambda pair: pair[0])
        person = replace(person, age_estimate=age)
        person = replace(person, first_contact=when.astimezone().date())   # the day the age was given
    return person


def _aged(person: Person, last: date, today: date) -> Person:
    """An age given in an old row is the age then: the person is older now (a child then may be an adult)."""
    if person.age_estimate is None:
        return replace(person, first_contact=None)
    given_on = person.first_contact or last
    return replace(person, age_estimate=person.age_estimate + max(0, today.year - given_on.year), first_contact=None)


def _expired(group: list[_Row], person: Person, last: date, mapping: Mapping, plan: Plan) -> None:
    plan.expired_rows += len(group)
    for row in group:
        row.report.outcome = _("past the retention period: not imported")
    if mapping.expired == "count":
        plan.counts.append((last, person.gender, age_class(person)))
        group[0].report.outcome = _("past the retention period: kept as an anonymous count only")


def _venues_and_visits(session: Session, conn: Connection, rows: list[_Row], mapping: Mapping, plan: Plan,
                       cutoff: date) -> None:
    known = venues_repo.search_keys(conn)
    new: dict[str, tuple[Venue, int]] = {}
    for row in rows:
        if row.report.problems:
            continue
        venue = Venue(**_fields(row, "venue"))
        key = venues_repo.search_key(venue.name, venue.municipality)
        if key in known:
            venue_id, kind = known[key]
            if kind != venue.kind:
                row.report.problems.append(_("The venue {name} is kept with another kind.").format(name=venue.name))
                continue
            outcome = _("a visit to {venue}, already kept").format(venue=venue.name)
        elif key in new:
            kept, first = new[key]
            if kept.kind != venue.kind:
                row.report.problems.append(_("The venue {name} has another kind in row {row}.").format(
                    name=venue.name, row=first))
                continue
            venue_id, outcome = kept.id, _("a visit to the venue of row {row}").format(row=first)
        else:
            found = _field_problems(venue, "venue", "visits")
            if found:
                row.report.problems.extend(found)
                continue
            venue = replace(venue, id=new_id())
            new[key] = (venue, row.number)
            plan.venues.append(venue)
            venue_id, outcome = venue.id, _("a visit to a new venue")
        visit = Visit(venue_id=venue_id, created_by=session.user.id, team=(session.user.id,), **_fields(row, "visit"))
        if visit.started_at.astimezone().date() < cutoff:
            plan.expired_rows += 1
            row.report.outcome = _("past the retention period: not imported")
            continue
        found = _field_problems(visit, "visit", "visits")
        if found:
            row.report.problems.extend(found)
            continue
        plan.visits.append(replace(visit, id=new_id()))
        row.report.outcome = outcome
    used = {visit.venue_id for visit in plan.visits}
    plan.venues = [venue for venue in plan.venues if venue.id in used]


# -- writing ------------------------------------------------------------------------------------------------

def _write(session: Session, conn: Connection, plan: Plan, rows: int) -> None:
    venues_repo.bulk_insert_venues(conn, plan.venues)
    visits_repo.bulk_insert_visits(conn, plan.visits)
    people_repo.bulk_insert_people(conn, plan.people)
    contacts_repo.bulk_insert_contacts(conn, plan.contacts)
    if plan.health:
        health_repo.bulk_insert_health_contacts(conn, plan.health)
    if plan.legal:
        legal_repo.bulk_insert_legal_sessions(conn, plan.legal)
    people_repo.refresh_contact_dates(conn, {contact.person_id for contact in plan.contacts})
    if plan.counts:
        people_repo.add_anonymous_counts(conn, plan.counts, "historic")
    audit_repo.append(conn, session.user.id, "import.run", "rows", rows)
