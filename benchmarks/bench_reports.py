"""report_ms: build every report section (with the same period a year earlier) and suppress it,
over 100,000 contacts (quick: 10,000) — issue 7. Target: <= 300 ms.

The vault is filled by the synthetic data generator (5 contacts per person on average). One run
builds the coordinator's full report (activity, people, referrals, materials, legal pilot) plus
the health section as health staff, and applies small-cell suppression to every table.
"""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

from benchmarks.common import kdf_floor, median_ms, metric

PASSPHRASE = "benchmark passphrase one"


def _one_run(session, start, end) -> None:
    from fieldapp.reports import service

    user = session.user
    try:
        session.user = dataclasses.replace(user, role="coordinator")
        service.shown(session, service.build_report(session, start, end))
        session.user = dataclasses.replace(user, role="health")
        service.shown(session, service.build_report(session, start, end, ("health",)))
    finally:
        session.user = user


def report_ms(folder: Path, people: int, runs: int) -> tuple[float, int]:
    from fieldapp.demo.synthetic import populate
    from fieldapp.security.vault import create_vault

    session, _recovery = create_vault(folder / "bench.fieldapp", "Bench", "admin", PASSPHRASE)
    try:
        data = populate(session, people=people, seed=0)
        days = [c.occurred_at.date() for c in data.contacts]
        start, end = min(days), max(days)
        return median_ms(lambda: _one_run(session, start, end), runs), len(data.contacts)
    finally:
        session.close(audit_lock=False)


def run(quick: bool) -> dict:
    kdf_floor()
    people = 2_000 if quick else 20_000
    with tempfile.TemporaryDirectory() as folder:
        value, contacts = report_ms(Path(folder), people, 3 if quick else 7)
    scale = f"{contacts:,} contacts, {people:,} people; all sections, year before, suppression"
    return {"report_ms": metric(value, "ms", scale)}


if __name__ == "__main__":
    print(run(quick=True))
