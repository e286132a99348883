"""people_filter_ms, timeline_open_ms and contact_save_ms (issue: field records).

A vault is filled by the synthetic generator (20,000 people / 100,000 contacts / 20,000 visits; quick:
2,000 / 10,000 / 2,000), then opened by a health-staff user, the role whose timeline reads the most
(health details, plus the audit event that records the viewing).
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks.common import kdf_floor, metric
from fieldapp.demo.synthetic_store import populate
from fieldapp.domain.queries import PeopleFilter
from fieldapp.domain.records import Contact
from fieldapp.records import contacts, people
from fieldapp.security import vault
from fieldapp.security.session import Session

PASSPHRASE = "benchmark passphrase two"
TYPED_COUNTRIES = ("thai", "romania", "bulgaria", "nigeria")


def _vault(folder: Path, count: int) -> Path:
    path = folder / "records.fieldapp"
    session, _recovery = vault.create_vault(path, "admin", "admin", PASSPHRASE)
    try:
        populate(session, people=count, seed=2026)
        vault.add_user(session, "nurse", "health", PASSPHRASE, PASSPHRASE)
    finally:
        session.close(audit_lock=False)
    return path


def _timed(func, *args) -> float:
    start = time.perf_counter()
    func(*args)
    return (time.perf_counter() - start) * 1000


def _keystroke(session: Session, text: str) -> None:
    """What the People list does per keystroke: count the matches and fetch the first page."""
    filt = PeopleFilter(text=text)
    people.count_people(session, filt)
    people.list_people(session, filt, 0, 100)


def people_filter_ms(session: Session, rng: random.Random, count: int) -> float:
    aliases = [p.alias for p in people.list_people(session, PeopleFilter(), rng.randrange(count - 50), 50)]
    words = rng.sample(aliases, 8) + list(TYPED_COUNTRIES)
    _keystroke(session, words[0][:1])
    samples = [_timed(_keystroke, session, word[:end]) for word in words for end in range(1, len(word) + 1)]
    return statistics.median(samples)


def _person_ids(session: Session, count: int) -> list[str]:
    return [p.id for p in people.list_people(session, PeopleFilter(), 0, count)]


def timeline_open_ms(session: Session, rng: random.Random, count: int) -> float:
    ids = _person_ids(session, count)
    contacts.timeline(session, ids[0])
    return statistics.median(_timed(contacts.timeline, session, rng.choice(ids)) for _ in range(60))


def contact_save_ms(session: Session, rng: random.Random, count: int) -> float:
    moment = datetime.now(UTC) - timedelta(hours=1)
    ids = _person_ids(session, count)

    def save() -> None:
        contacts.create_contact(session, Contact(person_id=rng.choice(ids), kind="street", occurred_at=moment,
                                                 topics=("rights",), services=("leaflet",)))

    save()
    return statistics.median(_timed(save) for _ in range(60))


def run(quick: bool) -> dict:
    kdf_floor()
    count = 2000 if quick else 20000
    scale = f"{count:,} people / {5 * count:,} contacts"
    rng = random.Random(7)
    with tempfile.TemporaryDirectory(prefix="fieldapp-bench-records-") as folder:
        path = _vault(Path(folder), count)
        session = vault.unlock(path, "nurse", PASSPHRASE)
        try:
            results = {
                "people_filter_ms": metric(people_filter_ms(session, rng, count), "ms", scale),
                "timeline_open_ms": metric(timeline_open_ms(session, rng, count), "ms", scale),
                "contact_save_ms": metric(contact_save_ms(session, rng, count), "ms", scale),
            }
        finally:
            session.close(audit_lock=False)
    return results
