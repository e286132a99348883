"""Storing synthetic data in a vault: bulk statements in one transaction, after validation."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, date, datetime

from fieldapp.demo.synthetic import SyntheticData, generate, invalid_records
from fieldapp.demo.synthetic_base import Staff
from fieldapp.security.session import Session
from fieldapp.storage import (
    audit_repo,
    contacts_repo,
    health_repo,
    legal_repo,
    online_repo,
    people_repo,
    records_stats_repo,
    users_repo,
    venues_repo,
    visits_repo,
)

STEPS = 7
_BULK_TABLES = ("visits", "visit_team", "people", "contacts")


def _staff(session: Session) -> Staff:
    users = [u for u in users_repo.list_users(session.conn) if u.active]
    team = tuple(u.id for u in users if u.role in ("outreach", "health", "coordinator", "admin")) or (session.user.id,)
    advisers = [u.id for u in users if u.role == "legal"]
    return Staff(author=session.user.id, team=team, adviser=advisers[0] if advisers else session.user.id)


def populate(session: Session, people: int = 400, seed: int = 0,
             progress: Callable[[int, int], None] | None = None, *, today: date | None = None) -> SyntheticData:
    """Fill an open vault with synthetic records in one transaction; returns what was stored.

    The signed-in user is the author; other users of the vault join visit teams and a legal
    adviser (if there is one) holds the legal sessions. Every record passes validation first.
    """
    return store(session, people, seed, progress, today=today)


def store(session: Session, people: int, seed: int, progress: Callable[[int, int], None] | None,
          *, today: date | None = None) -> SyntheticData:
    report = progress or (lambda _done, _total: None)
    data = generate(people, seed, today=today, staff=_staff(session), salt=secrets.token_hex(8))
    report(1, STEPS)
    bad = invalid_records(data, datetime.now(UTC))
    if bad:
        raise ValueError(f"the generator made {len(bad)} invalid records, e.g. {bad[0][1]}")
    report(2, STEPS)
    with session.write() as conn:
        with records_stats_repo.indexes_rebuilt(conn, _BULK_TABLES):
            venues_repo.bulk_insert_venues(conn, data.venues)
            visits_repo.bulk_insert_visits(conn, data.visits)
            report(3, STEPS)
            people_repo.bulk_insert_people(conn, data.people)
            online_repo.bulk_insert(conn, data.online)
            for day, gender, age_class in data.refusals:
                people_repo.add_anonymous_count(conn, day, gender, age_class)
            report(4, STEPS)
            contacts_repo.bulk_insert_contacts(conn, data.contacts)
            health_repo.bulk_insert_health_contacts(conn, data.health)
            legal_repo.bulk_insert_legal_sessions(conn, data.legal)
        report(5, STEPS)
        people_repo.refresh_contact_dates(conn, [p.id for p in data.people])
        audit_repo.append(conn, session.user.id, "demo.populate")
        report(6, STEPS)
    records_stats_repo.analyse(session.conn)
    report(STEPS, STEPS)
    return data
