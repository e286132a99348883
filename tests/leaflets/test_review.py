"""The translations' review workflow: export for a reviewer, import with a diff, reviewed only by an outsider,
back to draft after any edit; a returned file is hostile input."""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path

import pytest

from fieldapp.cli_features import leaflets as cli
from fieldapp.errors import ExitCode
from fieldapp.leaflets import catalogue, review
from fieldapp.leaflets.errors import CatalogueError
from tests.leaflets.helpers import error_within


@pytest.fixture
def catalogues(tmp_path, monkeypatch) -> Path:
    """A copy of the English and Danish catalogues to edit."""
    folder = tmp_path / "catalogues"
    folder.mkdir()
    for tag in ("en", "da"):
        (folder / f"{tag}.po").write_text(catalogue.path_for(tag).read_text("utf-8"), "utf-8")
    catalogue.load.cache_clear()
    catalogue.source_keys.cache_clear()
    monkeypatch.setattr(catalogue, "CATALOGUE_DIR", folder)
    yield folder
    monkeypatch.undo()
    catalogue.load.cache_clear()
    catalogue.source_keys.cache_clear()


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="fieldapp")
    cli.register_translations(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return args.handler(args)


def _edit(path: Path, key: str, text: str) -> None:
    po = path.read_text("utf-8")
    pattern = re.compile(rf'(msgctxt "{re.escape(key)}"\nmsgid "(?:[^"\\]|\\.)*"\nmsgstr ")((?:[^"\\]|\\.)*)(")')
    assert pattern.search(po), key
    path.write_text(pattern.sub(lambda m: m.group(1) + text + m.group(3), po, count=1), "utf-8")


def test_export_carries_every_text_its_source_and_reads_back_unchanged(catalogues, tmp_path) -> None:
    out = review.export("da", tmp_path / "da-review.po")
    text = out.read_text("utf-8")
    assert "#. Source: " in text and "#. Who decides: " in text and "Only on the sheet for: men" in text
    assert review.compare("da", review.read_incoming(out)) == []
    assert review.read_incoming(out).language == "da"


def test_import_shows_the_diff_and_writes_only_with_apply(catalogues, tmp_path, capsys) -> None:
    out = review.export("da", tmp_path / "da-review.po")
    _edit(out, "card.title", "Har du brug for hjælp nu?")
    before = (catalogues / "da.po").read_bytes()
    old_version = catalogue.load("da").version
    assert run("leaflet-texts", "import", "--lang", "da", str(out)) == ExitCode.OK
    shown = capsys.readouterr().out
    assert "card.title" in shown and "+ Har du brug for hjælp nu?" in shown and "1 text changed" in shown
    assert (catalogues / "da.po").read_bytes() == before
    assert run("leaflet-texts", "import", "--lang", "da", str(out), "--apply") == ExitCode.OK
    after = catalogue.load("da")
    assert after.text("card.title") == "Har du brug for hjælp nu?"
    assert after.version != old_version and after.stamped and after.status.is_draft


def test_only_an_outside_reviewer_marks_a_language_reviewed_and_any_edit_undoes_it(catalogues, tmp_path) -> None:
    out = review.export("da", tmp_path / "da-review.po")
    for name, org in (("fieldapp developers", "Us"), ("Ane Jensen", "fieldapp"), ("Ane Jensen", "Field App"),
                      ("Ane Jensen", ""), ("", "X"), ("O\\Brien", "X")):
        assert run("leaflet-texts", "import", "--lang", "da", str(out), "--apply", "--reviewed-by", name,
                   "--reviewer-organisation", org) == ExitCode.INVALID_INPUT
        assert catalogue.load("da").status.is_draft
    assert run("leaflet-texts", "import", "--lang", "da", str(out), "--apply", "--reviewed-by", "Ane Jensen",
               "--reviewer-organisation", "Dansk Tolkeservice") == ExitCode.OK
    reviewed = catalogue.load("da")
    assert not reviewed.status.is_draft and reviewed.status.reviewed_by == "Ane Jensen (Dansk Tolkeservice)"
    assert reviewed.status.reviewed_hash == reviewed.version
    _edit(catalogues / "da.po", "card.body", "Gratis hjælp på dit sprog.")       # a hand edit afterwards
    catalogue.load.cache_clear()
    assert catalogue.load("da").status.is_draft and catalogue.load("da").status.edited_since_review
    assert run("leaflet-texts", "stamp", "--lang", "da") == ExitCode.OK
    stamped = catalogue.load("da")
    assert stamped.stamped and stamped.status.state == "draft" and not stamped.status.reviewed_by


@pytest.mark.parametrize("reviewer", ["fieldapp developers (fieldapp)", "Ane Jensen (Field App)", "Ane Jensen",
                                      "{translator} (Elsewhere)"])
def test_a_review_written_into_the_header_by_hand_by_the_team_leaves_the_language_a_draft(catalogues, reviewer) -> None:
    """The outsider rule holds when the catalogue is read, not only when the review command records it."""
    assert run("leaflet-texts", "import", "--lang", "da", str(review.export("da", catalogues / "x.po")), "--apply",
               "--reviewed-by", "Ane Jensen", "--reviewer-organisation", "Dansk Tolkeservice") == ExitCode.OK
    catalogue.load.cache_clear()
    assert not catalogue.load("da").status.is_draft
    translator = catalogue.load("da").status.translated_by.split(",")[0].strip()
    path = catalogues / "da.po"
    text = path.read_text("utf-8").replace("X-Reviewed-By: Ane Jensen (Dansk Tolkeservice)",
                                           "X-Reviewed-By: " + reviewer.format(translator=translator))
    path.write_text(text, "utf-8")
    catalogue.load.cache_clear()
    status = catalogue.load("da").status
    assert status.state == "reviewed" and not status.edited_since_review
    assert status.reviewed_by_team and status.is_draft


def test_a_stale_translation_of_changed_english_is_refused(catalogues) -> None:
    _edit(catalogues / "en.po", "card.body", "Free help in your language, whenever you need it.")
    po = (catalogues / "en.po").read_text("utf-8").replace(
        'msgid "Free, confidential help in your language."',
        'msgid "Free help in your language, whenever you need it."')
    (catalogues / "en.po").write_text(po, "utf-8")
    catalogue.load.cache_clear()
    catalogue.source_keys.cache_clear()
    with pytest.raises(CatalogueError, match="card.body"):
        catalogue.load("da")


@pytest.mark.parametrize(("key", "text", "why"), [
    ("card.title", "", "no translation"),
    ("rights.reflection", "Du får {days}.", "placeholders in braces"),
    ("rights.reflection", "Du får {reflection_days}, altså 30 dage.", "a figure"),
    ("rights.reflection", "Du får {reflection_days} og ³⁰ dage.", "a figure"),
    ("rights.reflection", "Du får {reflection_days} {", "placeholders in braces"),
    ("who.body", "{org_name.__class__} er uafhængig.", "placeholders in braces"),
    ("rights.return_cash", "Op til \u202e{cash_single}\u202c kontant, {cash_children}, {minor_age}, {cash_months}.",
     "direction control"),
    ("card.title@elderly", "Hjælp?", "not a key"),
])
def test_a_bad_text_imports_nothing(catalogues, tmp_path, key, text, why) -> None:
    out = review.export("da", tmp_path / "da-review.po")
    if "@" in key:
        out.write_text(out.read_text("utf-8") + f'\nmsgctxt "{key}"\nmsgid "Need help?"\nmsgstr "{text}"\n', "utf-8")
    else:
        _edit(out, key, text)
    before = (catalogues / "da.po").read_bytes()
    with pytest.raises(CatalogueError, match=why):
        review.compare("da", review.read_incoming(out))
    assert run("leaflet-texts", "import", "--lang", "da", str(out), "--apply") == ExitCode.INVALID_INPUT
    assert (catalogues / "da.po").read_bytes() == before


def test_hostile_files_are_refused_without_reading_them(catalogues, tmp_path) -> None:
    target = review.export("da", tmp_path / "da-review.po")
    link = tmp_path / "link.po"
    link.symlink_to(target)
    fifo = tmp_path / "fifo.po"
    os.mkfifo(fifo)
    huge = tmp_path / "huge.po"
    huge.write_bytes(b"#" * (review.MAX_BYTES + 1))
    garbage = tmp_path / "garbage.po"
    garbage.write_bytes(b'msgid "unterminated\n\xff\xfe')
    for path in (link, fifo, huge, garbage, tmp_path / "missing.po", tmp_path):
        assert error_within(5, lambda path=path: review.read_incoming(path), CatalogueError), path.name


def test_the_file_must_be_for_this_language_and_current_english(catalogues, tmp_path) -> None:
    out = review.export("da", tmp_path / "da-review.po")
    with pytest.raises(CatalogueError, match="not pl"):
        review.compare("pl", review.read_incoming(out))
    with pytest.raises(CatalogueError, match="English source"):
        review.compare("en", review.read_incoming(out))
    stale = out.read_text("utf-8").replace('msgid "Need help?"', 'msgid "Do you need help?"')
    (tmp_path / "stale.po").write_text(stale, "utf-8")
    with pytest.raises(CatalogueError, match="card.title: translated from another English"):
        review.compare("da", review.read_incoming(tmp_path / "stale.po"))
    fuzzy = out.read_text("utf-8").replace('msgctxt "card.title"', '#, fuzzy\nmsgctxt "card.title"')
    (tmp_path / "fuzzy.po").write_text(fuzzy, "utf-8")
    with pytest.raises(CatalogueError, match="card.title: marked fuzzy"):
        review.compare("da", review.read_incoming(tmp_path / "fuzzy.po"))
    (tmp_path / "bogus.po").write_bytes(out.read_bytes().replace(b"charset=UTF-8", b"charset=x-bogus"))
    assert run("leaflet-texts", "import", "--lang", "da", str(tmp_path / "bogus.po")) == ExitCode.INVALID_INPUT


def test_an_override_dropped_by_the_file_is_reported(catalogues, tmp_path) -> None:
    english = catalogue.load("en").text("leaflet.reassure")
    with (catalogues / "da.po").open("a", encoding="utf-8") as handle:
        handle.write(f'\nmsgctxt "leaflet.reassure@women"\nmsgid "{english}"\nmsgstr "Du er ikke alene, søster."\n')
    catalogue.load.cache_clear()
    assert run("leaflet-texts", "stamp", "--lang", "da") == ExitCode.OK
    out = review.export("da", tmp_path / "da-review.po")
    text = out.read_text("utf-8")
    start = text.index('msgctxt "leaflet.reassure@women"')
    (tmp_path / "dropped.po").write_text(text[:start] + text[text.index("\n\n", start) + 2:], "utf-8")
    with pytest.raises(CatalogueError, match="leaflet.reassure@women: missing"):
        review.compare("da", review.read_incoming(tmp_path / "dropped.po"))


def test_status_shows_every_language_even_when_one_is_broken(catalogues, capsys) -> None:
    (catalogues / "da.po").write_text((catalogues / "da.po").read_text("utf-8").replace(
        'msgctxt "card.title"', 'msgctxt "card.titles"'), "utf-8")
    catalogue.load.cache_clear()
    assert run("leaflet-texts", "status") == ExitCode.INVALID_INPUT
    lines = capsys.readouterr().out.splitlines()
    assert any(line.startswith("da") and "out of date" in line for line in lines)
    assert any(line.startswith("en") and "draft" in line for line in lines)
