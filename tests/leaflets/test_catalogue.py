"""The content catalogues and what the leaflet says (no Qt here)."""

from __future__ import annotations

from datetime import date

import pytest

from fieldapp.domain.organisation import Organisation
from fieldapp.leaflets import catalogue, facts, policy
from fieldapp.leaflets.content import (
    WJ,
    ZWSP,
    format_amount,
    format_content_date,
    format_duration,
    leaflet_content,
    mark_thai_word_boundaries,
    qr_payload,
    strip_invisible,
)
from fieldapp.leaflets.errors import CatalogueError, LeafletUsageError, PrintRefused
from fieldapp.leaflets.languages import LANGUAGES, TAGS, check_bilingual, check_format, language
from fieldapp.records.organisation import sample
from tests.leaflets.helpers import TEST_HOTLINE, complete_org

REQUIRED = ("da", "en", "th", "ro", "bg", "es", "pt", "zh-Hans", "vi", "ar", "ru", "uk", "pl", "hu", "fr", "tl", "fa")


def test_every_required_language_has_a_catalogue() -> None:
    assert set(REQUIRED) <= set(TAGS)
    for tag in TAGS:
        assert catalogue.path_for(tag).is_file()


@pytest.mark.parametrize("tag", TAGS)
def test_catalogue_is_complete_with_version_date_and_status(tag: str) -> None:
    cat = catalogue.load(tag)
    assert {key.partition("@")[0] for key in cat.messages} == set(catalogue.source_keys())
    assert cat.version == catalogue.content_hash(cat.messages) and isinstance(cat.date, date)
    assert cat.stamped, f"{tag}: edited but not stamped (run: fieldapp leaflet-texts stamp)"
    assert cat.form_of_address, f"{tag}: no X-Form-Of-Address policy in the header"
    assert cat.status.state in catalogue.STATES
    assert cat.status.is_draft  # nobody has reviewed the machine-assisted drafts yet
    for key, text in cat.messages.items():
        source = catalogue.load("en").text(key.partition("@")[0])
        assert catalogue.placeholders(text) == catalogue.placeholders(source), key


def test_a_catalogue_with_a_wrong_placeholder_is_rejected(tmp_path, monkeypatch) -> None:
    broken = catalogue.path_for("da").read_text(encoding="utf-8").replace("{reflection_days}", "{days}")
    (tmp_path / "da.po").write_text(broken, encoding="utf-8")
    (tmp_path / "en.po").write_text(catalogue.path_for("en").read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(catalogue, "CATALOGUE_DIR", tmp_path)
    catalogue.load.cache_clear()
    try:
        with pytest.raises(CatalogueError):
            catalogue.load("da")
    finally:
        monkeypatch.undo()
        catalogue.load.cache_clear()


def test_reviewed_needs_a_reviewer_and_a_date() -> None:
    with pytest.raises(CatalogueError):
        catalogue._status({"X-Translation-Status": "reviewed"}, "da", "0123456789")
    status = catalogue._status({"X-Translation-Status": "reviewed", "X-Reviewed-By": "A. Reviewer (Outside Org)",
                                "X-Reviewed-On": "2026-05-01", "X-Reviewed-Hash": "0123456789"}, "da",
                               "0123456789")
    assert not status.is_draft and status.reviewed_on == date(2026, 5, 1)
    edited = catalogue._status({"X-Translation-Status": "reviewed", "X-Reviewed-By": "A. Reviewer (Outside Org)",
                                "X-Reviewed-On": "2026-05-01", "X-Reviewed-Hash": "0123456789"}, "da",
                               "9876543210")
    assert edited.is_draft and edited.edited_since_review


def test_figures_carry_their_source_year() -> None:
    assert facts.REFLECTION_DAYS.value == 30 and facts.REFLECTION_MAX_DAYS.value == 120
    assert (facts.CASH_SINGLE.value, facts.CASH_WITH_CHILDREN.value) == (10_000, 20_000)
    assert (facts.REINTEGRATION_PER_ADULT.value, facts.SUPPORT_PER_CHILD.value) == (40_000, 9_000)
    assert all(figure.year >= 2022 and figure.source for figure in facts.FIGURES.values())


@pytest.mark.parametrize("tag", TAGS)
def test_content_quotes_rights_figures_and_years(tag: str) -> None:
    content = leaflet_content(complete_org(), tag)
    text = strip_invisible(content.all_text())
    lang = language(tag)
    for value in (10_000, 20_000, 40_000, 9_000):
        assert format_amount(value, lang) in text
    for days in (30, 120):
        assert format_duration(days, "days", lang) in text
    year = facts.RULES_YEAR + (543 if tag == "th" else 0)
    assert str(year) in text
    assert "Test Outreach" in text and TEST_HOTLINE in text
    assert format_duration(24, "months", lang) in text  # the retention policy's period


def test_amounts_follow_the_language_and_stay_in_latin_digits() -> None:
    assert format_amount(10_000, language("da")) == "10.000"
    assert format_amount(10_000, language("en")) == "10,000"
    assert format_amount(10_000, language("ar")) == "10,000"


def test_thai_dates_use_the_buddhist_era() -> None:
    assert format_content_date(date(2026, 3, 1), language("th")) == "1 มีนาคม พ.ศ. 2569"
    assert "2026" in format_content_date(date(2026, 3, 1), language("da"))


def test_thai_word_boundaries_never_split_a_word() -> None:
    text = "ผู้ที่ตกเป็นเหยื่อการค้ามนุษย์มีสิทธิ์ได้รับความช่วยเหลือ 10,000 โครน"
    marked = mark_thai_word_boundaries(text)
    assert strip_invisible(marked) == text
    assert "โครน" in marked  # โครน (krone) is one word, never split
    assert WJ not in marked
    assert ZWSP + " " not in marked and " " + ZWSP not in marked
    assert mark_thai_word_boundaries("Reden International") == "Reden International"


def test_card_never_names_the_topic() -> None:
    for tag in TAGS:
        content = leaflet_content(complete_org(), tag)
        term = catalogue.load(tag).text("term.trafficking").lower()
        card = strip_invisible(" ".join((content.card_title, content.card_body, content.card_scan))).lower()
        assert term not in card and "traffick" not in card and "menneskehandel" not in card
        assert content.card_contacts and all(line.kind == "phone" for line in content.card_contacts)


def test_qr_payload_dials_the_configured_hotline_only() -> None:
    assert qr_payload(complete_org()) == "tel:+4500000000"
    assert qr_payload(sample()) == ""
    assert qr_payload(Organisation(hotline="[your hotline number]")) == ""


def test_print_policy() -> None:
    assert policy.print_mode(sample()) == policy.SAMPLE
    assert policy.print_mode(complete_org()) == policy.REAL
    with pytest.raises(PrintRefused) as refused:
        policy.print_mode(Organisation(name="No Lines"))
    assert "contact lines" in refused.value.message


def test_unknown_language_format_and_partner_are_usage_errors() -> None:
    for call in (lambda: language("xx"), lambda: check_format("a3"),
                 lambda: check_bilingual(language("th"), "fr"), lambda: check_bilingual(language("da"), "da")):
        with pytest.raises(LeafletUsageError) as error:
            call()
        assert error.value.exit_code == 2
    assert check_bilingual(language("th"), "da").tag == "da"
    assert {lang.tag for lang in LANGUAGES if lang.rtl} == {"ar", "fa"}


def test_the_template_has_every_key_with_its_english_and_no_text() -> None:
    from babel.messages.pofile import read_po

    with (catalogue.CATALOGUE_DIR / "leaflet.pot").open("rb") as handle:
        template = {str(m.context): (str(m.id), str(m.string)) for m in read_po(handle) if m.id and m.context}
    english = catalogue.load("en").messages
    assert {key: msgid for key, (msgid, _text) in template.items()} == english
    assert all(text == "" for _msgid, text in template.values())
