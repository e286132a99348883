"""import_10k_rows_s and its companions (issue: importing old records from spreadsheets). Goal: <= 30 s.

An NGO's old contact log as Danish Excel saves it: 10,000 rows (quick: 1,000) for about half as many people
(one to three contacts each, in the last 20 months), with Danish headings, ``;`` between columns, a UTF-8 BOM
and dd-mm-yyyy dates; the people are named by alias, year of birth and nationality (Danish country names),
and the kinds and services are Danish words the mapping's [values] tables turn into codes. The sheets are made
by this module's own generator in the benchmark's temporary folder.

Measured, each as the time of ``importing.service.import_file`` (reading the file included), the median of a
few runs, each into a fresh copy of the vault:

- ``import_10k_rows_s``: the CSV file into a fresh vault, the real import (one transaction, written);
- ``import_10k_dry_run_s``: the same file's dry run (every row checked and reported, nothing written);
- ``import_10k_rows_xlsx_s``: the same rows as an .xlsx workbook (dates and years as typed cells);
- ``import_10k_rows_kept_s``: the CSV file into a vault that already holds the synthetic generator's records at
  full scale (20,000 people, about 100,000 contacts; quick: 2,000), whose identities are read to find people
  like the imported ones; filled the way ``--only records`` fills its vault (the demo vault of ``--only desk``
  is the same generator's records plus users and referrals, which an import does not touch);
- ``import_100k_rows_s``: ten times as many rows (quick: 10,000), into a fresh vault; no goal (the source's
  limit is 200,000 rows and 50 MB).
"""

from __future__ import annotations

import csv
import io
import random
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from benchmarks.common import kdf_floor, metric

PASSPHRASE = "benchmark passphrase one"
USER = "Bench"
HEADINGS = ["Navn", "Fødselsår", "Nationalitet", "Køn", "Dato", "Type", "Ydelser", "Noter"]
_NAMES = ("Mia", "Ana", "Lan", "Joy", "Ioana", "Elena", "Pim", "Nok", "Grace", "Blessing", "Maria", "Daniela",
          "Somchai", "Mihai", "Precious", "Tatiana")
_COUNTRIES = ("Rumænien", "Thailand", "Bulgarien", "Nigeria", "Ungarn", "Polen", "Ghana", "Kina", "Brasilien",
              "Romania", "Moldova", "Ukraine")
_GENDERS = ("Kvinde",) * 8 + ("Mand", "Transperson")
_KINDS = ("gade",) * 5 + ("klinik",) * 3 + ("Værested", "telefon")
_SERVICES = ("", "", "info", "folder", "info, folder", "kit", "info, kit", "henvist læge")
_NOTES = ("", "", "", "Talte om rettigheder", "Ny i byen; spurgte efter \"Reden\"", "Gav kort", "Tolk med",
          "Vil gerne ringes op i næste uge")


def _mapping():
    from fieldapp.importing.mapping import Mapping

    return Mapping(
        person=("Navn", "Fødselsår", "Nationalitet"),
        columns={"person.alias": "Navn", "person.birth_year": "Fødselsår", "person.nationality": "Nationalitet",
                 "person.gender": "Køn", "contact.occurred_at": "Dato", "contact.kind": "Type",
                 "contact.services": "Ydelser", "contact.note": "Noter"},
        values={"contact.kind": {"gade": "street", "klinik": "venue", "telefon": "phone_online"},
                "contact.services": {"info": "information", "folder": "leaflet", "kit": "health_kit",
                                     "henvist læge": "referral_health"}},
    )


def sheet_rows(count: int, today: date, seed: int = 2026) -> list[list[object]]:
    """``count`` contact rows for about ``count // 2`` people (one to three contacts each), in the order of
    their days, as typed values (a date, a year as a number)."""
    rng = random.Random(seed)
    rows: list[list[object]] = []
    person = 0
    while len(rows) < count:
        person += 1
        alias = f"{rng.choice(_NAMES)} {person}"             # a number: never like a generated alias
        year, country, gender = rng.randint(1970, 2003), rng.choice(_COUNTRIES), rng.choice(_GENDERS)
        for _ in range(min(rng.choice((1, 2, 3)), count - len(rows))):
            day = today - timedelta(days=rng.randint(1, 600))
            rows.append([alias, year, country, gender, day, rng.choice(_KINDS), rng.choice(_SERVICES),
                         rng.choice(_NOTES)])
    rows.sort(key=lambda row: row[4])
    return rows


def write_csv(path: Path, rows: list[list[object]]) -> Path:
    """As Danish Excel saves "CSV UTF-8": a BOM, ``;``, CRLF, dd-mm-yyyy."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADINGS)
    for row in rows:
        writer.writerow([value.strftime("%d-%m-%Y") if isinstance(value, date) else value for value in row])
    path.write_bytes(b"\xef\xbb\xbf" + out.getvalue().encode("utf-8"))
    return path


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    """A workbook with the sheet's size in its ``<dimension>``, as Excel writes it (openpyxl's write-only mode
    leaves it out, and a reader then parses the whole sheet once more to find the size). openpyxl writes every
    text inline where Excel keeps a table of shared strings."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Kontakter"
    sheet.append(HEADINGS)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


@dataclass(frozen=True)
class Vault:
    path: Path
    user: str
    passphrase: str
    label: str


def _copy_vault(source: Path, target: Path) -> Path:
    from fieldapp.security import wipe

    target.parent.mkdir(parents=True, exist_ok=True)
    for file in wipe.vault_files(source):
        if file.exists():
            shutil.copy2(file, target.parent / file.name.replace(source.name, target.name, 1))
    return target


def fresh_vault(folder: Path) -> Vault:
    from fieldapp.security.vault import create_vault

    path = folder / "fresh" / "bench.fieldapp"
    path.parent.mkdir(parents=True)
    session, _recovery = create_vault(path, USER, "admin", PASSPHRASE)
    session.close(audit_lock=False)
    return Vault(path, USER, PASSPHRASE, "a fresh vault")


def kept_vault(folder: Path, people: int) -> Vault:
    """A vault that already holds the synthetic generator's records (``people`` people, five contacts each on
    average, with visits and venues), as ``--only records`` and ``--only reports`` fill theirs."""
    from fieldapp.demo.synthetic_store import populate
    from fieldapp.security.vault import create_vault

    path = folder / "kept" / "bench.fieldapp"
    path.parent.mkdir(parents=True)
    session, _recovery = create_vault(path, USER, "admin", PASSPHRASE)
    try:
        data = populate(session, people=people, seed=2026)
    finally:
        session.close(audit_lock=False)
    return Vault(path, USER, PASSPHRASE, f"a vault of {people:,} people / {len(data.contacts):,} contacts")


def import_once(vault: Vault, sheet: Path, folder: Path, today: date, *, dry_run: bool, rows: int) -> float:
    """Seconds to import ``sheet`` into a fresh copy of ``vault`` (the copy and the unlock not counted)."""
    from fieldapp.importing import service
    from fieldapp.security import vault as vaults
    from fieldapp.security import wipe

    copy = _copy_vault(vault.path, folder / "run" / vault.path.name)
    session = vaults.unlock(copy, vault.user, vault.passphrase)
    try:
        people_before = session.conn.execute("SELECT count(*) FROM people").fetchone()[0]
        start = time.perf_counter()
        plan = service.import_file(session, sheet, _mapping(), dry_run=dry_run, today=today)
        took = time.perf_counter() - start
        # Every row a contact, no one like someone already kept, nothing past the retention period.
        assert plan.ok and len(plan.contacts) == rows and not plan.matches and not plan.expired_rows, plan.summary()
        people_after = session.conn.execute("SELECT count(*) FROM people").fetchone()[0]
        assert people_after - people_before == (0 if dry_run else len(plan.people)), (people_before, people_after)
    finally:
        session.close(audit_lock=False)
        for file in wipe.vault_files(copy):
            file.unlink(missing_ok=True)
    return took


def _median(runs: int, vault: Vault, sheet: Path, folder: Path, today: date, *, dry_run: bool, rows: int) -> float:
    samples = [import_once(vault, sheet, folder, today, dry_run=dry_run, rows=rows) for _ in range(runs)]
    print(f"#   {sheet.name} into {vault.label}{' (dry run)' if dry_run else ''}: "
          + ", ".join(f"{s:.2f}" for s in samples) + " s", file=sys.stderr, flush=True)
    return statistics.median(samples)


def _size(path: Path) -> str:
    size = path.stat().st_size
    return f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{size / 1e3:.0f} KB"


def measure(folder: Path, rows: int, people: int, runs: int) -> dict:
    today = date.today()
    body = sheet_rows(rows, today)
    persons = len({tuple(row[:3]) for row in body})
    csv_file = write_csv(folder / "kontakter.csv", body)
    xlsx_file = write_xlsx(folder / "kontakter.xlsx", body)
    big = sheet_rows(10 * rows, today, seed=2027)
    big_persons = len({tuple(row[:3]) for row in big})
    big_file = write_csv(folder / "kontakter-10x.csv", big)
    del body, big
    fresh = fresh_vault(folder)
    real = _median(runs, fresh, csv_file, folder, today, dry_run=False, rows=rows)
    dry = _median(runs, fresh, csv_file, folder, today, dry_run=True, rows=rows)
    xlsx = _median(runs, fresh, xlsx_file, folder, today, dry_run=False, rows=rows)
    ten_x = _median(1, fresh, big_file, folder, today, dry_run=False, rows=10 * rows)
    started = time.perf_counter()
    kept = kept_vault(folder, people)
    print(f"#   {kept.label} made in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    into_kept = _median(runs, kept, csv_file, folder, today, dry_run=False, rows=rows)
    quick = " (quick: 1/10 of the rows)" if rows < 10_000 else ""
    sheet = (f"{rows:,} contact rows for {persons:,} people, CSV (UTF-8 BOM, ';', dd-mm-yyyy, "
             f"{_size(csv_file)}){quick}")
    return {
        "import_10k_rows_s": metric(real, "s", f"{sheet}, into a fresh vault; median of {runs}"),
        "import_10k_dry_run_s": metric(dry, "s", f"{sheet}, dry run (nothing written); median of {runs}"),
        "import_10k_rows_xlsx_s": metric(xlsx, "s", f"the same rows as .xlsx ({_size(xlsx_file)}), into a fresh "
                                                    f"vault; median of {runs}"),
        "import_10k_rows_kept_s": metric(into_kept, "s", f"the same CSV file into {kept.label} already kept; "
                                                         f"median of {runs}"),
        "import_100k_rows_s": metric(ten_x, "s", f"{10 * rows:,} contact rows for {big_persons:,} people, CSV "
                                                 f"({_size(big_file)}){quick}, into a fresh vault; one run"),
    }


def run(quick: bool) -> dict:
    kdf_floor()
    with tempfile.TemporaryDirectory(prefix="fieldapp-bench-import-") as folder:
        if quick:
            return measure(Path(folder), 1_000, 2_000, 3)
        return measure(Path(folder), 10_000, 20_000, 3)


if __name__ == "__main__":
    print(run(quick=True))
