"""id_upgrade_ms (issue: key hierarchy, random record ids).

A core file at schema 5 (counted ids) is filled with the synthetic generator's records (20,000 people /
100,000 contacts with their health and legal parts; quick: 2,000 / 10,000), the ids numbered as schema 5
numbered them. Measured: the migration to random ids, once per run on a fresh copy. It runs once per
vault, at the first unlock after the update.
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.common import metric
from fieldapp.crypto import keys
from fieldapp.demo.synthetic import generate
from fieldapp.storage import migrations
from fieldapp.storage.connection import close_connection, connect


def _numbered() -> tuple[dict[str, int], Callable[[str | None], int | None]]:
    numbers: dict[str, int] = {}

    def number(record_id: str | None) -> int | None:
        return None if record_id is None else numbers.setdefault(record_id, len(numbers) + 1)
    return numbers, number


def _schema5(path: Path, key: bytes, people: int) -> None:
    data = generate(people, seed=2026, today=datetime.now(UTC).date())
    _numbers, n = _numbered()
    conn = connect(path, key, create=True)
    migrations.migrate(conn, target=5)
    conn.execute("BEGIN")
    conn.execute("INSERT INTO users (id, name, role, lookup_id, created_at) VALUES (1, 'a', 'admin', 'x', '2026')")
    conn.executemany("INSERT INTO venues (id, name, kind, municipality, region) VALUES (?, ?, ?, ?, ?)",
                     [(n(v.id), v.name, v.kind, v.municipality, v.region) for v in data.venues])
    conn.executemany("INSERT INTO visits (id, venue_id, started_at, created_by) VALUES (?, ?, ?, 1)",
                     [(n(v.id), n(v.venue_id), v.started_at.isoformat()) for v in data.visits])
    conn.executemany("INSERT INTO visit_team (visit_id, user_id) VALUES (?, 1)", [(n(v.id),) for v in data.visits])
    conn.executemany("INSERT INTO people (id, reference, alias, alias_key, gender, nationality)"
                     " VALUES (?, ?, ?, ?, ?, ?)",
                     [(n(p.id), p.reference, p.alias, p.alias.casefold(), p.gender, p.nationality)
                      for p in data.people])
    conn.executemany("INSERT INTO contacts (id, person_id, visit_id, kind, occurred_at, indicators, note)"
                     " VALUES (?, ?, ?, ?, ?, ?, ?)",
                     [(n(c.id), n(c.person_id), n(c.visit_id), c.kind, c.occurred_at.isoformat(),
                       " ".join(c.indicators), c.note) for c in data.contacts])
    conn.executemany("INSERT INTO health_contacts (contact_id, reason, note) VALUES (?, ?, ?)",
                     [(n(h.contact_id), h.reason, h.note) for h in data.health])
    conn.executemany("INSERT INTO legal_sessions (contact_id, adviser_id, topics) VALUES (?, 1, ?)",
                     [(n(s.contact_id), " ".join(s.topics)) for s in data.legal])
    conn.execute("COMMIT")
    close_connection(conn)


def _upgrade_once(source: Path, key: bytes, folder: Path) -> float:
    copy = folder / "copy.fieldapp"
    shutil.copyfile(source, copy)
    conn = connect(copy, key)
    try:
        start = time.perf_counter()
        migrations.migrate(conn)
        elapsed = (time.perf_counter() - start) * 1000
        assert migrations.schema_version(conn) == migrations.LATEST
    finally:
        close_connection(conn)
        copy.unlink()
    return elapsed


def run(quick: bool) -> dict:
    people, runs = (2_000, 3) if quick else (20_000, 3)
    key = keys.new_data_key()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        source = folder / "schema5.fieldapp"
        _schema5(source, key, people)
        upgrade_ms = statistics.median(_upgrade_once(source, key, folder) for _ in range(runs))
    return {"id_upgrade_ms": metric(upgrade_ms, "ms", f"{people:,} people / {5 * people:,} contacts with health and"
                                                       " legal parts; schema 5 to random ids, once per vault")}
