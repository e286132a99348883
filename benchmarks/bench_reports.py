"""report_ms and report_full_ms over 100,000 contacts (quick: 10,000) — issue 7. Target: any
report <= 300 ms.

The vault is filled by the synthetic data generator (5 contacts per person on average) and the
period covers every contact. A "report" is one section as chosen in the Reports view (its tables
for the period and the same period a year earlier, with small-cell suppression): ``report_ms`` is
the median time of the slowest section. ``report_full_ms`` builds every section at once, as the
PDF export does.
"""

from __future__ import annotations

import dataclasses
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.common import kdf_floor, median_ms, metric

PASSPHRASE = "benchmark passphrase one"
_ROLE = {"health": "health"}          # every other section is built as a coordinator


def _section(session, key: str, start, end) -> None:
    from fieldapp.reports import service

    user = session.user
    try:
        session.user = dataclasses.replace(user, role=_ROLE.get(key, "coordinator"))
        service.shown(session, service.build_report(session, start, end, (key,)))
    finally:
        session.user = user


def _slowest_section_ms(session, start, end, runs: int) -> tuple[float, str]:
    from fieldapp.reports.service import SECTION_KEYS

    samples: dict[str, list[float]] = {key: [] for key in SECTION_KEYS}
    for _ in range(runs + 1):
        for key in SECTION_KEYS:
            began = time.perf_counter()
            _section(session, key, start, end)
            samples[key].append((time.perf_counter() - began) * 1000)
    medians = {key: statistics.median(values[1:]) for key, values in samples.items()}
    slowest = max(medians, key=medians.get)
    return medians[slowest], slowest


def measure(folder: Path, people: int, runs: int) -> dict:
    from fieldapp.demo.synthetic_store import populate
    from fieldapp.reports.service import SECTION_KEYS
    from fieldapp.security.vault import create_vault

    session, _recovery = create_vault(folder / "bench.fieldapp", "Bench", "admin", PASSPHRASE)
    try:
        data = populate(session, people=people, seed=0)
        days = [c.occurred_at.date() for c in data.contacts]
        start, end = min(days), max(days)
        one, slowest = _slowest_section_ms(session, start, end, runs)
        full = median_ms(lambda: [_section(session, key, start, end) for key in SECTION_KEYS], max(1, runs // 2))
        scale = f"{len(data.contacts):,} contacts, {people:,} people, {start}..{end}"
        return {"report_ms": metric(one, "ms", f"{scale}; slowest section: {slowest}"),
                "report_full_ms": metric(full, "ms", f"{scale}; all six sections")}
    finally:
        session.close(audit_lock=False)


def run(quick: bool) -> dict:
    kdf_floor()
    with tempfile.TemporaryDirectory() as folder:
        return measure(Path(folder), 2_000 if quick else 20_000, 3 if quick else 5)


if __name__ == "__main__":
    print(run(quick=True))
