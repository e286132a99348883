"""The `leaflet` sub-command, the card's QR code, the SAMPLE mark and print packs."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
import segno
from pypdf import PdfReader
from PySide6.QtGui import QColor

from fieldapp.cli_features import leaflets as cli
from fieldapp.errors import ExitCode
from fieldapp.leaflets import qt_layout, qt_render
from fieldapp.leaflets.pack import materials, pack_item
from fieldapp.records.organisation import sample
from tests.leaflets.helpers import complete_org, normalise, pdf_text


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="fieldapp")
    parser.add_argument("--vault")
    cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return args.handler(args)


def test_cli_writes_a_sample_leaflet(qapp, tmp_path: Path, capsys) -> None:
    out = tmp_path / "th.pdf"
    assert run("leaflet", "--lang", "th", "--format", "a4", "--out", str(out)) == ExitCode.OK
    assert out.is_file() and "SAMPLE" in " ".join(pdf_text(out))
    captured = capsys.readouterr()
    assert str(out) in captured.out and "draft" in captured.err and "SAMPLE" in captured.err


def test_cli_card_without_hotline_says_there_is_no_qr(qapp, tmp_path: Path, capsys) -> None:
    assert run("leaflet", "--lang", "vi", "--format", "card", "--out", str(tmp_path / "c.pdf")) == ExitCode.OK
    assert "no QR code" in capsys.readouterr().err


def test_cli_bilingual(qapp, tmp_path: Path) -> None:
    out = tmp_path / "bi.pdf"
    assert run("leaflet", "--lang", "ro", "--bilingual", "da", "--out", str(out)) == ExitCode.OK
    text = " ".join(pdf_text(out))
    assert "Drepturile" in text and "rettigheder" in text


@pytest.mark.parametrize("argv", [
    ("--lang", "xx"), ("--lang", "th", "--format", "a3"), ("--lang", "th", "--bilingual", "fr"),
    ("--lang", "th", "--format", "card", "--bilingual", "da"),
])
def test_cli_usage_errors(qapp, tmp_path: Path, capsys, argv) -> None:
    out = tmp_path / "x.pdf"
    assert run("leaflet", *argv, "--out", str(out)) == ExitCode.USAGE
    assert not out.exists() and capsys.readouterr().err.startswith("Error: ")


def test_cli_with_a_missing_vault(qapp, tmp_path: Path, monkeypatch) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("some passphrase\n"))
    code = run("leaflet", "--vault", str(tmp_path / "none.fieldapp"), "--lang", "th", "--out", str(tmp_path / "x.pdf"))
    assert code == ExitCode.VAULT_MISSING and not (tmp_path / "x.pdf").exists()


def test_cli_unwritable_output(qapp, tmp_path: Path) -> None:
    assert run("leaflet", "--lang", "en", "--out", str(tmp_path / "missing" / "x.pdf")) == ExitCode.IO_ERROR


def test_card_qr_code_dials_the_hotline(qapp) -> None:
    laid = qt_layout.lay_out(complete_org(), "en", "card")
    assert laid.qr_payload == "tel:+4500000000"
    width = 2400
    image = qt_render.render_image(laid, 0, width)
    scale = width / qt_layout.px(laid.spec.width_mm)
    rect = qt_render.qr_rect(laid)
    matrix = segno.make(laid.qr_payload, error="m", micro=False).matrix
    module = rect.width() / (len(matrix) + 8)
    for row, bits in enumerate(matrix):
        for col, bit in enumerate(bits):
            x = (rect.x() + (col + 4.5) * module) * scale
            y = (rect.y() + (row + 4.5) * module) * scale
            dark = QColor(image.pixel(round(x), round(y))).lightness() < 128
            assert dark == bool(bit), (row, col)


def test_card_without_hotline_has_no_qr(qapp) -> None:
    laid = qt_layout.lay_out(sample(), "en", "card")
    assert laid.qr_payload == "" and laid.text_width > qt_layout.px(60)


def test_real_configuration_prints_without_sample_mark(qapp, tmp_path: Path) -> None:
    out = tmp_path / "real.pdf"
    result = qt_render.render_leaflet(complete_org(), "da", "a4", out)
    assert not result.sample and "SAMPLE" not in " ".join(pdf_text(out))
    assert "+45 00 00 00 00" in normalise(" ".join(pdf_text(out)), "latin", from_pdf=True)


def test_pack_writes_every_copy_and_counts_materials(qapp, tmp_path: Path) -> None:
    items = [pack_item("card", "th", 3), pack_item("a4", "ro", 2), pack_item("card", "th", 1)]
    seen = []
    result = qt_render.render_pack(complete_org(), items, tmp_path / "pack.pdf", lambda n: seen.append(n) or True)
    assert result is not None and result.pages == len(PdfReader(tmp_path / "pack.pdf").pages) == seen[-1]
    assert materials(items) == [("wallet_card", "th", 4), ("leaflet", "ro", 2)]
    cancelled = qt_render.render_pack(complete_org(), items, tmp_path / "no.pdf", lambda n: n < 2)
    assert cancelled is None and not (tmp_path / "no.pdf").exists()


def test_cli_variant_prints_the_sheet_for_that_reader(qapp, tmp_path: Path, capsys) -> None:
    men, women = tmp_path / "men.pdf", tmp_path / "women.pdf"
    assert run("leaflet", "--lang", "en", "--variant", "men", "--out", str(men)) == ExitCode.OK
    assert run("leaflet", "--lang", "en", "--out", str(women)) == ExitCode.OK
    assert "3F" in " ".join(pdf_text(men)) and "3F" not in " ".join(pdf_text(women))
    assert run("leaflet", "--lang", "en", "--variant", "elderly", "--out", str(tmp_path / "x.pdf")) == ExitCode.USAGE
    assert "elderly" in capsys.readouterr().err and not (tmp_path / "x.pdf").exists()
