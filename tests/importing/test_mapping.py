"""A mapping file is hostile too (someone's TOML from a stick): it loads, saves and loads again the same, and
anything wrong in it is a clear message. Then the values: cell texts in Danish or English as codes, numbers,
yes/no and dates, with suggestions for names only begun."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import date, datetime

import pytest

from fieldapp.errors import InvalidInput
from fieldapp.importing import mapping as mappings
from fieldapp.importing import values
from fieldapp.importing.mapping import MAX_MAPPING_BYTES, Mapping, dumps, load
from tests.importing.sheets import HEADINGS, MAPPING, TODAY

TARGETS = mappings.TARGETS["contacts"]

HANDWRITTEN = """\
# Gamle kontakter, 2019-2024
records = "contacts"
date_order = "mdy"
person = ["Navn", "Fødselsår"]
on_match = "merge"
expired = "count"
sheet = "Ark 1"

[columns]
"person.alias" = "Navn"
"person.birth_year" = "Fødselsår"
"contact.occurred_at" = "Dato"
"person.languages" = "Sprog"

[fixed]
"contact.kind" = "street"

[values."person.nationality"]
"Rumænien" = "RO"
"Thai" = "TH"

[values."person.languages"]
"rumænsk og engelsk" = "ro en"
"""


def write(tmp_path, text: str | bytes, name: str = "map.toml"):
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def refused(path) -> str:
    with pytest.raises(InvalidInput) as error:
        load(path)
    return str(error.value)


# -- loading and saving -----------------------------------------------------------------------------------------

def test_a_handwritten_mapping_loads_and_round_trips_through_dumps(tmp_path) -> None:
    loaded = load(write(tmp_path, HANDWRITTEN))

    assert loaded == Mapping(
        records="contacts", sheet="Ark 1", date_order="mdy", person=("Navn", "Fødselsår"), on_match="merge",
        expired="count",
        columns={"person.alias": "Navn", "person.birth_year": "Fødselsår", "contact.occurred_at": "Dato",
                 "person.languages": "Sprog"},
        fixed={"contact.kind": "street"},
        values={"person.nationality": {"Rumænien": "RO", "Thai": "TH"},
                "person.languages": {"rumænsk og engelsk": "ro en"}})
    assert loaded.problems(("Navn", "Fødselsår", "Dato", "Sprog")) == []
    saved = write(tmp_path, dumps(loaded), "saved.toml")
    assert load(saved) == loaded
    assert dumps(load(saved)) == dumps(loaded)


def test_the_test_mapping_round_trips_and_a_bom_is_no_problem(tmp_path) -> None:
    assert load(write(tmp_path, "\ufeff" + dumps(MAPPING))) == MAPPING
    assert load(write(tmp_path, dumps(MAPPING).encode("utf-8"), "plain.toml")) == MAPPING


def test_a_single_person_column_may_be_a_text(tmp_path) -> None:
    assert load(write(tmp_path, 'person = "Navn"\n')).person == ("Navn",)


@pytest.mark.parametrize("text", ['person = ["Navn"', "records = contacts", "[columns]\n\"person.alias\" = \"A\"\n"
                                  "\"person.alias\" = \"B\"", "= 3"])
def test_text_that_is_not_toml_is_refused(tmp_path, text) -> None:
    assert refused(write(tmp_path, text)).startswith("The mapping is not valid TOML: ")


def test_a_mapping_that_is_not_utf8_is_refused(tmp_path) -> None:
    message = refused(write(tmp_path, dumps(MAPPING).encode("utf-8").replace(b"\xc3\xb8", b"\xf8")))
    assert message == "The mapping is not valid TOML: it is not UTF-8 text."


@pytest.mark.timeout(20)
@pytest.mark.parametrize("nested", ["a = " + "[" * 20_000 + "]" * 20_000, "a = " + "{b=" * 5_000 + "1" + "}" * 5_000])
def test_a_deeply_nested_mapping_is_refused_not_a_crash(tmp_path, nested) -> None:
    assert len(nested) < MAX_MAPPING_BYTES
    assert refused(write(tmp_path, nested)) == "The mapping is not valid TOML: it is nested too deeply."


def test_unknown_settings_are_named(tmp_path) -> None:
    message = refused(write(tmp_path, 'dato_order = "dmy"\n' + dumps(MAPPING) + '[kolonner]\nNavn = "x"\n'))
    assert message == "The mapping has unknown settings: dato_order, kolonner"


@pytest.mark.parametrize(("text", "message"), [
    ('columns = ["Navn", "Dato"]', "In the mapping, “columns” must be a table of texts."),
    ('[columns]\n"person.alias" = 3', "In the mapping, “columns” must be a table of texts."),
    ('[columns]\n"person.alias" = ["Navn"]', "In the mapping, “columns” must be a table of texts."),
    ('fixed = "street"', "In the mapping, “fixed” must be a table of texts."),
    ("person = 3", "In the mapping, “person” must be a list of column headings."),
    ('person = {Navn = "Navn"}', "In the mapping, “person” must be a list of column headings."),
    ('person = ["Navn", 1990]', "In the mapping, “person” must be a list of column headings."),
    ("records = 1", "In the mapping, “records” must be a text."),
    ("date_order = 1979-05-27", "In the mapping, “date_order” must be a text."),
    ("on_match = true", "In the mapping, “on_match” must be a text."),
    ('values = "RO"', "In the mapping, “values” must be a table of texts."),
    ('[values]\n"person.nationality" = "RO"', "In the mapping, “values.person.nationality” must be a table of texts."),
    ('[values."person.gender"]\nKvinde = 1', "In the mapping, “values.person.gender” must be a table of texts."),
])
def test_settings_of_the_wrong_type_are_refused(tmp_path, text, message) -> None:
    assert refused(write(tmp_path, text + "\n")) == message


@pytest.mark.skipif(os.name != "posix", reason="links as POSIX makes them")
def test_a_mapping_that_is_a_link_is_refused(tmp_path) -> None:
    real = write(tmp_path, dumps(MAPPING), "real.toml")
    (tmp_path / "link.toml").symlink_to(real)
    assert refused(tmp_path / "link.toml") == "The mapping is a link, not a file: choose the .toml file itself."


def test_a_mapping_that_is_too_big_is_refused(tmp_path) -> None:
    big = dumps(MAPPING) + "# " + "x" * MAX_MAPPING_BYTES + "\n"
    assert refused(write(tmp_path, big)) == "The mapping file is larger than 256 KB: it cannot be a mapping."
    sparse = tmp_path / "sparse.toml"
    with open(sparse, "wb") as handle:
        handle.truncate(1024 * 1024 * 1024)
    assert "larger than 256 KB" in refused(sparse)


def test_a_mapping_that_is_a_folder_or_missing_is_refused(tmp_path) -> None:
    (tmp_path / "folder.toml").mkdir()
    assert "not a plain file" in refused(tmp_path / "folder.toml")
    assert refused(tmp_path / "gone.toml").startswith("The mapping could not be read: ")


@pytest.mark.skipif(os.name != "posix", reason="FIFOs as POSIX makes them")
@pytest.mark.timeout(20)
def test_a_mapping_that_is_a_fifo_is_refused_without_waiting(tmp_path) -> None:
    os.mkfifo(tmp_path / "pipe.toml")
    assert "not a plain file" in refused(tmp_path / "pipe.toml")


# -- what is wrong with a mapping -----------------------------------------------------------------------------

def test_a_good_mapping_has_no_problems() -> None:
    assert MAPPING.problems() == [] and MAPPING.problems(tuple(HEADINGS)) == []


def test_values_for_a_field_without_codes() -> None:
    broken = replace(MAPPING, values={**MAPPING.values, "contact.note": {"x": "y"}, "person.birth_year": {"a": "1"}})
    assert sorted(broken.problems()) == ["“contact.note” holds no codes: it has no [values] table.",
                                         "“person.birth_year” holds no codes: it has no [values] table."]


def test_values_that_name_no_code_of_their_field() -> None:
    broken = replace(MAPPING, values={"contact.kind": {"gade": "streeet", "klinik": "venue"},
                                      "contact.topics": {"bolig og gæld": "housing, dept"},
                                      "person.nationality": {"Rumænien": "Romania"}})
    assert sorted(broken.problems()) == [
        "Under [values.\"contact.kind\"], “gade” = “streeet”: “streeet” is not one of its codes.",
        "Under [values.\"contact.topics\"], “bolig og gæld” = “housing, dept”: “dept” is not one of its codes.",
        "Under [values.\"person.nationality\"], “Rumænien” = “Romania”: “Romania” is not one of its codes."]
    assert replace(MAPPING, values={"contact.topics": {"bolig og gæld": "housing, debt"}}).problems() == []


@pytest.mark.parametrize("where", ["columns", "fixed", "values"])
def test_a_target_the_import_cannot_fill(where) -> None:
    broken = replace(MAPPING, **{where: {**getattr(MAPPING, where), "person.phone": {} if where == "values" else "x"}})
    found = broken.problems()
    assert len(found) == 1 and found[0].startswith("“person.phone” is not a field this import can fill. It can fill: ")
    assert "person.alias" in found[0] and "person.phone," not in found[0]


@pytest.mark.parametrize(("target", "label"), [("person.alias", "Alias"), ("contact.occurred_at", "When"),
                                               ("contact.kind", "Kind")])
def test_a_missing_required_target(target, label) -> None:
    broken = replace(MAPPING, columns={k: v for k, v in MAPPING.columns.items() if k != target})
    assert broken.problems() == [f"Choose the column for “{label}” (or one value for every row)."]
    assert replace(broken, fixed={target: "x"}).problems() == []          # one value for every row will do


def test_the_required_targets_of_visits() -> None:
    assert Mapping(records="visits").problems() == [
        "Choose the column for “Name” (or one value for every row).",
        "Choose the column for “Kind” (or one value for every row).",
        "Choose the column for “Started” (or one value for every row)."]


def test_settings_out_of_their_range() -> None:
    assert replace(MAPPING, records="people").problems() == ["“records” must be “contacts” or “visits”."]
    assert replace(MAPPING, date_order="ymd", on_match="ja", expired="delete", person=()).problems() == [
        "“date_order” must be “dmy” (15-03-2019) or “mdy” (03-15-2019).",
        "“on_match” must be “ask”, “merge” or “new”.",
        "“expired” must be “skip” or “count”.",
        "Choose the column(s) that name one person (“person”), for example the alias."]


def test_columns_the_file_does_not_have() -> None:
    headers = tuple(h for h in HEADINGS if h not in ("Køn", "Fødselsår"))
    assert MAPPING.problems(headers) == ["The file has no column “Fødselsår”.", "The file has no column “Køn”."]


# -- values ---------------------------------------------------------------------------------------------------------

def bad(convert, *args) -> values.Bad:
    with pytest.raises(values.Bad) as error:
        convert(*args)
    return error.value


@pytest.mark.parametrize(("text", "code"), [("Kvinde", "woman"), ("kvinde ", "woman"), ("KVINDE", "woman"),
                                            ("Woman", "woman"), ("Mand", "man"), ("woman", "woman")])
def test_labels_in_danish_and_english_are_codes(text, code) -> None:
    assert values.code(TARGETS["person.gender"], text, {}) == code


def test_the_mappings_own_table_comes_first_whatever_the_case() -> None:
    kind = TARGETS["contact.kind"]
    table = {"Gade": "street", "klinik": "venue", "Telefon": "phone_online"}
    assert [values.code(kind, text, table) for text in ("gade", "GADE", " Gade ", "Klinik", "telefon")] == [
        "street", "street", "street", "venue", "phone_online"]
    assert values.code(kind, "Health", {"health": "street"}) == "street"       # the table over the label
    assert values.codes(TARGETS["contact.topics"], "Bolig og gæld", {"bolig og gæld": "housing debt"}) == (
        "housing", "debt")


@pytest.mark.parametrize(("text", "code"), [("Rumænien", "RO"), ("Romania", "RO"), ("rumænien", "RO"),
                                            ("RO", "RO"), ("ro", "RO"), ("Tyskland", "DE"), ("Germany", "DE"),
                                            ("Thailand", "TH")])
def test_countries_by_their_danish_and_english_names(text, code) -> None:
    assert values.code(TARGETS["person.nationality"], text, {}) == code


@pytest.mark.parametrize(("text", "codes"), [("rumænsk", ("ro",)), ("Romanian", ("ro",)), ("thai", ("th",)),
                                             ("rumænsk og engelsk", ("ro", "en")), ("Rumænsk, Thai", ("ro", "th")),
                                             ("engelsk/English", ("en",))])
def test_languages_by_their_danish_and_english_names(text, codes) -> None:
    assert values.codes(TARGETS["person.languages"], text, {}) == codes


@pytest.mark.parametrize(("target", "text", "suggestion"), [
    ("person.nationality", "Rumæn", "RO"), ("person.nationality", "Roman", "RO"),
    ("person.languages", "rumæ", "ro"), ("person.gender", "Kvind", "woman"),
    ("person.gender", "kv", ""), ("person.nationality", "Atlantis", "")])
def test_a_name_only_begun_is_a_suggestion_never_a_value(target, text, suggestion) -> None:
    convert = values.codes if TARGETS[target].kind == "codes" else values.code
    problem = bad(convert, TARGETS[target], text, {})
    assert str(problem) == f"“{text}” is not a known code here."
    assert problem.suggestion == suggestion


def test_a_suggestion_for_a_list_keeps_the_parts_already_known() -> None:
    languages = TARGETS["person.languages"]
    problem = bad(values.codes, languages, "rumænsk, tha", {})
    assert str(problem) == "“tha” is not a known code here."
    assert problem.suggestion == "ro th"                              # not "th", which would drop Romanian
    assert values.codes(languages, "rumænsk, tha", {"rumænsk, tha": problem.suggestion}) == ("ro", "th")
    assert bad(values.codes, languages, "rumænsk og atlantisk", {}).suggestion == ""


@pytest.mark.parametrize(("text", "answer"), [("ja", True), ("Ja ", True), ("JA", True), ("x", True), ("X", True),
                                              ("yes", True), ("nej", False), ("Nej", False), ("no", False),
                                              ("-", False)])
def test_yes_and_no_words(text, answer) -> None:
    assert values.yes_no(text) is answer


def test_a_word_that_is_neither_yes_nor_no() -> None:
    assert str(bad(values.yes_no, "måske")) == "“måske” is not yes or no (ja/nej, yes/no, x or empty)."


@pytest.mark.parametrize(("text", "number"), [("1985", 1985), ("1985.0", 1985), ("1985,0", 1985), (" 7 ", 7),
                                              ("+12", 12), ("1985.00", 1985)])
def test_whole_numbers_as_spreadsheets_write_them(text, number) -> None:
    assert values.integer(text) == number


@pytest.mark.parametrize("text", ["1985.5", "abc", "1e3", "-3", "1.985", "12345678"])
def test_texts_that_are_no_whole_numbers(text) -> None:
    assert str(bad(values.integer, text)) == f"“{text}” is not a whole number."


@pytest.mark.parametrize("text", ["15-03-2019", "15.03.2019", "15/03/2019", "2019-03-15", "15-3-2019", "2019-3-15",
                                  " 15-03-2019 "])
def test_dates_day_first_and_iso(text) -> None:
    assert values.day(text, "dmy", today=TODAY) == date(2019, 3, 15)


def test_dates_month_first_when_the_mapping_says_so() -> None:
    assert values.day("03-15-2019", "mdy", today=TODAY) == date(2019, 3, 15)
    assert values.day("03-04-2019", "mdy", today=TODAY) == date(2019, 3, 4)
    assert values.day("03-04-2019", "dmy", today=TODAY) == date(2019, 4, 3)
    assert values.day("2019-03-04", "mdy", today=TODAY) == date(2019, 3, 4)    # ISO reads one way only
    assert str(bad(values.day, "15-03-2019", "mdy", None, TODAY)) == "“15-03-2019” is not a date that exists."


def test_two_digit_years_by_the_day_of_the_import() -> None:
    assert values.day("15-03-19", "dmy", today=TODAY) == date(2019, 3, 15)
    assert values.day("15.03.85", "dmy", today=TODAY) == date(1985, 3, 15)
    assert values.day("01-06-26", "dmy", today=TODAY) == date(2026, 6, 1)
    assert values.day("01-06-27", "dmy", today=date(2027, 12, 1)) == date(2027, 6, 1)
    assert str(bad(values.day, "15-03-25", "dmy", None, date(2020, 1, 1))) == (
        "“15-03-25” is before 1980: check the year.")                    # 1925, not 2025, in 2020


@pytest.mark.parametrize("text", ["31-02-2025", "29-02-2023", "00-01-2025", "32-01-2025", "15-13-2025",
                                  "2025-02-30"])
def test_impossible_dates(text) -> None:
    assert str(bad(values.day, text, "dmy", None, TODAY)) == f"“{text}” is not a date that exists."


def test_a_leap_day_exists() -> None:
    assert values.day("29-02-2024", "dmy", today=TODAY) == date(2024, 2, 29)


@pytest.mark.parametrize("text", ["15/03", "15-03-2019-1", "i går", "2019", "45000", "15-03-02019"])
def test_texts_that_are_no_dates(text) -> None:
    assert str(bad(values.day, text, "dmy", None, TODAY)) == (
        f"“{text}” is not a date (for example 15-03-2019 or 2019-03-15).")


def test_future_dates_are_refused_from_the_day_after_tomorrow() -> None:
    assert values.day("03-12-2026", "dmy", today=TODAY) == date(2026, 12, 3)   # a day's slack for time zones
    assert str(bad(values.day, "04-12-2026", "dmy", None, TODAY)) == "“04-12-2026” is in the future."
    assert str(bad(values.moment, "01-01-2031 10:00", "dmy", None, TODAY)) == "“01-01-2031 10:00” is in the future."
    assert str(bad(values.day, "", "dmy", datetime(2030, 1, 1), TODAY)) == "“” is in the future."


def test_dates_before_1980_are_refused() -> None:
    assert values.day("01-01-1980", "dmy", today=TODAY) == date(1980, 1, 1)
    assert str(bad(values.day, "31-12-1979", "dmy", None, TODAY)) == "“31-12-1979” is before 1980: check the year."
    assert str(bad(values.moment, "1919-05-01", "dmy", None, TODAY)) == "“1919-05-01” is before 1980: check the year."
    assert str(bad(values.day, "1901-01-01 00:00:00", "dmy", date(1901, 1, 1), TODAY)) == (
        "“1901-01-01 00:00:00” is before 1980: check the year.")


def test_moments_keep_their_time_and_a_date_alone_is_noon() -> None:
    local = values.moment("15-03-2019 14:30", "dmy", today=TODAY).astimezone().replace(tzinfo=None)
    assert local == datetime(2019, 3, 15, 14, 30)
    noon = values.moment("15-03-2019", "dmy", today=TODAY).astimezone().replace(tzinfo=None)
    assert noon == datetime(2019, 3, 15, 12, 0)
    typed = values.moment("2019-03-15 00:00:00", "mdy", datetime(2019, 3, 15), TODAY)
    assert typed.astimezone().replace(tzinfo=None) == datetime(2019, 3, 15, 12, 0)


def test_convert_by_the_fields_kind() -> None:
    assert values.convert(TARGETS["person.gender"], "Kvinde", None, {}, "dmy", TODAY) == "woman"
    assert values.convert(TARGETS["person.birth_year"], "1985.0", 1985.0, {}, "dmy", TODAY) == 1985
    assert values.convert(TARGETS["contact.kind"], "gade", None, MAPPING.values["contact.kind"], "dmy",
                          TODAY) == "street"
    assert values.convert(TARGETS["health.referred_public_care"], "x", None, {}, "dmy", TODAY) is True
    assert values.convert(TARGETS["contact.follow_up"], "01-12-2026", None, {}, "dmy", TODAY) == date(2026, 12, 1)
    assert str(bad(values.convert, TARGETS["person.alias"], "x" * 61, None, {}, "dmy", TODAY)) == (
        "The text is longer than 60 characters.")
