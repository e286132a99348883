"""PDF and CSV files: each table is found in the PDF's text, CSV is UTF-8 with BOM, files are
suppressed unless a coordinator asks for exact counts (then marked internal); the command line."""

from __future__ import annotations

import argparse
import csv
import dataclasses
import io
import sys

import pytest
from pypdf import PdfReader

from fieldapp.cli_features import reports as cli
from fieldapp.errors import ExitCode
from fieldapp.reports import export, service
from tests.conftest import PASSPHRASE
from tests.reports.dataset import PERIOD, fill


@pytest.fixture
def filled(session):
    fill(session)
    return session


def _pdf_text(path) -> str:
    reader = PdfReader(str(path))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_pdf_holds_every_table_heading_suppressed(filled, tmp_path):
    report = service.build_report(filled, *PERIOD)
    out = tmp_path / "report.pdf"
    export.write_pdf(filled, report, out)
    text = _pdf_text(out)
    for table in report.tables():
        assert table.title in text
    assert "Activity report 2025-01-01 – 2025-12-31" in text
    assert "<5" in text
    assert "INTERNAL" not in text
    fonts = {str(f) for page in PdfReader(str(out)).pages for f in page["/Resources"]["/Font"].values()}
    assert fonts  # fonts are embedded subsets of Noto Sans
    assert b"NotoSans" in out.read_bytes() and b"/FontFile2" in out.read_bytes()


def test_exact_pdf_is_marked_on_every_page(filled, tmp_path):
    filled.user = dataclasses.replace(filled.user, role="coordinator")
    report = service.build_report(filled, *PERIOD)
    out = tmp_path / "exact.pdf"
    export.write_pdf(filled, report, out, exact=True)
    pages = PdfReader(str(out)).pages
    assert all("INTERNAL — exact counts, do not share" in page.extract_text() for page in pages)


def test_csv_is_utf8_with_bom_and_suppressed(filled, tmp_path):
    report = service.build_report(filled, *PERIOD, ("activity",))
    out = tmp_path / "report.csv"
    export.write_csv(filled, report, out)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0] == "Activity report 2025-01-01 – 2025-12-31"
    assert "Outreach activity,Key figures" in lines
    assert "Referrals to CMM,<5,0" in lines
    assert "Street area,x,0,0,0,0,x" in lines
    assert "Total,x,0,<5,0,0,10" in lines
    cells = [cell for line in lines[3:] for cell in line.split(",")]
    assert not any(cell.isdigit() and 1 <= int(cell) < 5 for cell in cells)


def _args(vault, out, fmt="csv", exact=False, start="2025-01-01", end="2025-12-31", user=None):
    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers())
    argv = ["report", "--vault", str(vault), "--from", start, "--to", end, "--format", fmt, "--out", str(out)]
    argv += ["--exact"] if exact else []
    argv += ["--user", user] if user else []
    return parser.parse_args(argv)


def _run(monkeypatch, args, passphrase=PASSPHRASE) -> int:
    monkeypatch.setattr(sys, "stdin", io.StringIO(passphrase + "\n"))
    return args.handler(args)


def test_cli_writes_a_suppressed_csv(filled, vault_path, tmp_path, monkeypatch):
    filled.close(audit_lock=False)
    out = tmp_path / "out.csv"
    assert _run(monkeypatch, _args(vault_path, out)) == ExitCode.OK
    assert "Referrals to CMM,<5,0" in out.read_text(encoding="utf-8-sig")


def test_cli_refuses_exact_for_others_and_marks_it_for_coordinators(filled, vault_path, tmp_path, monkeypatch):
    from fieldapp.security.vault import add_user

    add_user(filled, "Coco", "coordinator", "coordinator passphrase one", PASSPHRASE)
    filled.close(audit_lock=False)
    out = tmp_path / "exact.pdf"
    assert _run(monkeypatch, _args(vault_path, out, "pdf", exact=True, user="Admin")) == ExitCode.PERMISSION
    assert not out.exists()
    args = _args(vault_path, out, "pdf", exact=True, user="Coco")
    assert _run(monkeypatch, args, "coordinator passphrase one") == ExitCode.OK
    assert "INTERNAL — exact counts, do not share" in _pdf_text(out)
    csv_out = tmp_path / "exact.csv"
    args = _args(vault_path, csv_out, "csv", exact=True, user="Coco")
    assert _run(monkeypatch, args, "coordinator passphrase one") == ExitCode.OK
    lines = csv_out.read_text(encoding="utf-8-sig").splitlines()
    assert next(csv.reader(lines)) == ["INTERNAL — exact counts, do not share"]
    assert "Referrals to CMM,2,0" in lines


@pytest.mark.parametrize(("start", "end"), [("2025-13-01", "2025-12-31"), ("yesterday", "2025-12-31"),
                                            ("2025-12-31", "2025-01-01")])
def test_cli_bad_dates_are_usage_errors(vault_path, tmp_path, monkeypatch, capsys, start, end):
    out = tmp_path / "x.csv"
    assert _run(monkeypatch, _args(vault_path, out, start=start, end=end)) == ExitCode.USAGE
    assert "Error:" in capsys.readouterr().err
    assert not out.exists()


def test_cli_refuses_a_suppressed_file_off_the_release_grid(filled, vault_path, tmp_path, monkeypatch, capsys):
    filled.close(audit_lock=False)
    out = tmp_path / "months.csv"
    assert _run(monkeypatch, _args(vault_path, out, start="2025-01-01", end="2025-03-31")) == ExitCode.INVALID_INPUT
    assert "whole calendar years only" in capsys.readouterr().err
    assert not out.exists()
