"""``fieldapp import`` as a user runs it: a real process, the passphrase on stdin, exit codes, the report on the
right stream, and the vault looked into afterwards."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from fieldapp.errors import ExitCode
from fieldapp.importing.mapping import dumps
from tests.conftest import PASSPHRASE
from tests.importing.sheets import MAPPING, rows, write_csv

RECENT = date.today().year - 1             # rows well inside the retention period, whenever the tests run


def run(*args: str, stdin: str = PASSPHRASE + "\n") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "fieldapp", *args], input=stdin, capture_output=True, text=True,
                          timeout=120, env=os.environ.copy())


@pytest.fixture
def cli_vault(tmp_path: Path, _fresh_vault: Path) -> Path:
    """A copy of the test process's fresh vault (user Admin), for a command to unlock."""
    from fieldapp.security import wipe

    path = tmp_path / "vault" / "import.fieldapp"
    path.parent.mkdir()
    for file in wipe.vault_files(_fresh_vault):
        if file.exists():
            shutil.copy2(file, path.parent / file.name.replace(_fresh_vault.name, path.name, 1))
    return path


@pytest.fixture
def mapping_file(tmp_path: Path) -> Path:
    path = tmp_path / "kontakter.toml"
    path.write_text(dumps(MAPPING), encoding="utf-8")
    return path


def digests(vault: Path) -> dict[str, str]:
    """Every file of the vault's folder, by its content: a command that stops before unlocking changes none."""
    return {file.name: hashlib.sha256(file.read_bytes()).hexdigest() for file in vault.parent.iterdir()}


def kept(vault: Path) -> dict[str, object]:
    """What the vault holds of an import, read by unlocking it as the app does."""
    from fieldapp.security.vault import unlock

    session = unlock(vault, "Admin", PASSPHRASE)
    try:
        query = session.conn.execute
        return {"people": query("SELECT alias, birth_year, nationality, record_consent FROM people ORDER BY alias")
                .fetchall(),
                "contacts": query("SELECT count(*) FROM contacts").fetchone()[0],
                "imports": query("SELECT entity_id FROM audit_events WHERE action = 'import.run'").fetchall()}
    finally:
        session.close(audit_lock=False)


NOTHING = {"people": [], "contacts": 0, "imports": []}


def test_a_dry_run_reports_and_writes_nothing(cli_vault, mapping_file, tmp_path) -> None:
    source = write_csv(tmp_path / "kontakter.csv", rows(4, start_year=RECENT))
    before = source.read_bytes()

    result = run("import", "--vault", str(cli_vault), "--from", str(source), "--mapping", str(mapping_file),
                 "--dry-run")

    assert result.returncode == ExitCode.OK, result.stderr
    assert result.stdout.splitlines() == [
        "Read as CSV: encoding UTF-8 (BOM), columns separated by ;",
        "4 rows read; 2 new people; 4 contacts.",
        "Dry run: nothing was imported. Run again without --dry-run to import."]
    assert "Row" not in result.stderr and "Traceback" not in result.stderr
    assert kept(cli_vault) == NOTHING
    assert source.read_bytes() == before


def test_an_import_keeps_the_people_and_their_contacts(cli_vault, mapping_file, tmp_path) -> None:
    source = write_csv(tmp_path / "kontakter.csv", rows(4, start_year=RECENT), encoding="cp1252")

    result = run("import", "--vault", str(cli_vault), "--user", "Admin", "--from", str(source),
                 "--mapping", str(mapping_file))

    assert result.returncode == ExitCode.OK, result.stderr
    assert "4 rows read; 2 new people; 4 contacts." in result.stdout
    assert "Imported." in result.stdout and "delete it safely" in result.stdout
    assert kept(cli_vault) == {"people": [("Mia 0", 1990, "TH", "historic_import"),
                                          ("Mia 1", 1991, "RO", "historic_import")],
                               "contacts": 4, "imports": [(4,)]}


@pytest.mark.parametrize("dry_run", [False, True])
def test_a_bad_row_reports_row_and_column_on_stderr_and_imports_nothing(cli_vault, mapping_file, tmp_path,
                                                                       dry_run) -> None:
    body = rows(4, start_year=RECENT)
    body[2][4] = f"31-02-{RECENT}"                  # no such day
    body[3][2] = "Rumæn"                            # a country only begun
    source = write_csv(tmp_path / "kontakter.csv", body)

    result = run("import", "--vault", str(cli_vault), "--from", str(source), "--mapping", str(mapping_file),
                 *(["--dry-run"] if dry_run else []))

    assert result.returncode == ExitCode.INVALID_INPUT
    report = result.stderr.splitlines()
    assert f"Row 4: Dato: “31-02-{RECENT}” is not a date that exists." in report
    assert any(line.startswith("Row 5: Nationalitet: “Rumæn” is not a known code here. Perhaps RO") for line in report)
    assert 'Suggestion for the mapping: [values."person.nationality"] "Rumæn" = "RO"' in report
    summary = "4 rows read; 2 rows have problems: nothing is imported."
    expected_end = [summary] if dry_run else [summary, "Error: Nothing was imported."]
    assert report[-len(expected_end):] == expected_end
    assert "Row" not in result.stdout and "Imported." not in result.stdout
    assert "Traceback" not in result.stderr
    assert kept(cli_vault) == NOTHING


def test_a_missing_mapping_file_is_a_clear_error(cli_vault, tmp_path) -> None:
    source = write_csv(tmp_path / "kontakter.csv", rows(2, start_year=RECENT))
    before = digests(cli_vault)
    result = run("import", "--vault", str(cli_vault), "--from", str(source), "--mapping", str(tmp_path / "no.toml"))
    assert result.returncode == ExitCode.INVALID_INPUT
    assert result.stderr.strip() == "Error: The mapping could not be read: No such file or directory"
    assert digests(cli_vault) == before


def test_a_mapping_that_is_not_toml_is_a_clear_error(cli_vault, tmp_path) -> None:
    source = write_csv(tmp_path / "kontakter.csv", rows(2, start_year=RECENT))
    broken = tmp_path / "broken.toml"
    broken.write_text('records = "contacts"\nperson = ["Navn"\n', encoding="utf-8")
    before = digests(cli_vault)
    result = run("import", "--vault", str(cli_vault), "--from", str(source), "--mapping", str(broken))
    assert result.returncode == ExitCode.INVALID_INPUT
    assert result.stderr.startswith("Error: The mapping is not valid TOML: ")
    assert "Unclosed array" in result.stderr and "Traceback" not in result.stderr
    assert digests(cli_vault) == before


def test_a_mapping_that_does_not_fit_the_file_is_a_clear_error(cli_vault, tmp_path) -> None:
    source = write_csv(tmp_path / "kontakter.csv", rows(2, start_year=RECENT))
    mapping = tmp_path / "other.toml"
    mapping.write_text(dumps(MAPPING).replace('"Noter"', '"Bemærkning"').replace('"street"', '"streeet"'),
                       encoding="utf-8")
    before = digests(cli_vault)
    result = run("import", "--vault", str(cli_vault), "--from", str(source), "--mapping", str(mapping), stdin="")
    assert result.returncode == ExitCode.INVALID_INPUT           # before the passphrase, which is never read
    assert "Error: " in result.stderr and "The file has no column “Bemærkning”." in result.stderr
    assert "“gade” = “streeet”: “streeet” is not one of its codes." in result.stderr
    assert "Traceback" not in result.stderr
    assert digests(cli_vault) == before


@pytest.mark.skipif(os.name != "posix", reason="links as POSIX makes them")
def test_a_hostile_source_is_refused_before_the_vault_is_unlocked(cli_vault, mapping_file, tmp_path) -> None:
    (tmp_path / "link.csv").symlink_to(write_csv(tmp_path / "kontakter.csv", rows(2, start_year=RECENT)))
    before = digests(cli_vault)
    result = run("import", "--vault", str(cli_vault), "--from", str(tmp_path / "link.csv"),
                 "--mapping", str(mapping_file), stdin="")
    assert result.returncode == ExitCode.INVALID_INPUT
    assert result.stderr.strip() == "Error: This is a link, not a file: choose the spreadsheet itself."
    assert digests(cli_vault) == before


def test_a_wrong_passphrase_imports_nothing(cli_vault, mapping_file, tmp_path) -> None:
    source = write_csv(tmp_path / "kontakter.csv", rows(2, start_year=RECENT))
    result = run("import", "--vault", str(cli_vault), "--from", str(source), "--mapping", str(mapping_file),
                 stdin="not the passphrase\n")
    assert result.returncode == ExitCode.WRONG_PASSPHRASE
    assert "passphrase is not right" in result.stderr and "Traceback" not in result.stderr
    assert kept(cli_vault) == NOTHING
