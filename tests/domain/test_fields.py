"""The field descriptions are the one source of each field's limits and codes: they name real record
attributes, cover every field a user types, and validation enforces exactly what they say."""

from __future__ import annotations

import dataclasses
from dataclasses import replace
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from fieldapp.domain import fields as described
from fieldapp.domain.fields import (
    CODE,
    CODES,
    INT,
    MEMBER,
    NOTE,
    RECORD_FIELDS,
    REFERENCE,
    TEXT,
    ContactFields,
    Field,
    HealthFields,
    MaterialFields,
    PersonFields,
    RecordFields,
    VisitFields,
)
from fieldapp.domain.records import Material
from fieldapp.domain.validation import problems
from tests.domain.test_validation import GOOD, NOW

ROOT = Path(__file__).resolve().parents[2]
# Attributes the app fills in itself; every other attribute of a record is a described field.
NOT_TYPED = {"id", "created_by", "contact_id", "reference", "follow_up_done"}
GOOD_BY_RECORD = {type(record): record for record in GOOD.values()}
VALIDATED = [fields for fields in RECORD_FIELDS if fields.record in GOOD_BY_RECORD]


def _each(kinds: set[str]) -> list[tuple[type[RecordFields], Field]]:
    return [(fields, field) for fields in VALIDATED for field in fields.fields if field.kind in kinds]


def _ids(cases) -> list[str]:
    return [f"{fields.__name__}.{field.name}" for fields, field in cases]


# A code that a rule across fields allows only beside another value: that value, so the code itself is tested.
_CONTEXT = {"consent_reason": {"record_consent": "not_asked"}, "sheet_language": {"record_consent": "not_asked",
                                                                                 "consent_reason": "no_time"}}


def _problems_with(fields: type[RecordFields], field: Field, value) -> dict[str, str]:
    changes = {**_CONTEXT.get(field.name, {}), field.name: value}
    if field.name == "consent_reason" and value in ("", None):
        changes["record_consent"] = "given"
    return problems(replace(GOOD_BY_RECORD[fields.record], **changes), NOW)


@pytest.mark.parametrize("fields", RECORD_FIELDS, ids=lambda f: f.__name__)
def test_descriptions_name_every_typed_attribute_of_their_record(fields: type[RecordFields]) -> None:
    attributes = {attribute.name for attribute in dataclasses.fields(fields.record)}
    names = [field.name for field in fields.fields]
    assert len(names) == len(set(names)) and set(names) <= attributes
    assert attributes - set(names) <= NOT_TYPED, attributes - set(names)


def test_every_record_kind_with_checks_is_described() -> None:
    assert {fields.record for fields in VALIDATED} == set(GOOD_BY_RECORD)
    assert {name for name, value in vars(described).items()
            if isinstance(value, type) and issubclass(value, RecordFields) and value is not RecordFields} \
        == {fields.__name__ for fields in RECORD_FIELDS}


TEXTS = [case for case in _each({TEXT, NOTE}) if case[1].max_length is not None]


@pytest.mark.parametrize(("fields", "field"), TEXTS, ids=_ids(TEXTS))
def test_text_up_to_its_limit_is_accepted_and_one_more_is_refused(fields, field: Field) -> None:
    assert field.name not in _problems_with(fields, field, "x" * field.max_length)
    found = _problems_with(fields, field, "x" * (field.max_length + 1))
    assert found[field.name] == f"Keep this under {field.max_length} characters."


REQUIRED = [case for case in _each({TEXT, NOTE, REFERENCE, MEMBER}) if case[1].required and not case[1].optional]


@pytest.mark.parametrize(("fields", "field"), REQUIRED, ids=_ids(REQUIRED))
def test_a_required_field_left_empty_gets_its_own_message(fields, field: Field) -> None:
    empty = "" if field.kind in (TEXT, NOTE) else None
    assert _problems_with(fields, field, empty)[field.name] == field.required


SINGLE_CODES = _each({CODE})
MANY_CODES = _each({CODES})


@pytest.mark.parametrize(("fields", "field"), SINGLE_CODES, ids=_ids(SINGLE_CODES))
def test_a_code_field_takes_its_codes_and_nothing_else(fields, field: Field) -> None:
    for code in sorted(set(field.allowed()) - {"refused"} if field.name == "record_consent" else field.allowed())[:40]:
        assert field.name not in _problems_with(fields, field, code), code
    assert _problems_with(fields, field, "no_such_code")[field.name] == "Unknown code: no_such_code."
    assert (field.name in _problems_with(fields, field, "")) is not field.optional


@pytest.mark.parametrize(("fields", "field"), MANY_CODES, ids=_ids(MANY_CODES))
def test_a_code_list_field_takes_its_codes_and_names_the_others(fields, field: Field) -> None:
    some = tuple(sorted(field.allowed())[:3])
    changes = {field.name: some}
    if field is HealthFields.tests_taken:                  # a test taken must have been offered
        changes["tests_offered"] = some
    if field is ContactFields.crime_forms:                 # forced crime must be suspected first
        changes["exploitation"] = ("criminal_activities",)
    assert field.name not in problems(replace(GOOD_BY_RECORD[fields.record], **changes), NOW)
    assert _problems_with(fields, field, (*some, "no_such_code"))[field.name] == "Unknown code: no_such_code."


NUMBERS = [case for case in _each({INT}) if case[1].high is not None]


@pytest.mark.parametrize(("fields", "field"), NUMBERS, ids=_ids(NUMBERS))
def test_a_number_beyond_its_range_is_refused(fields, field: Field) -> None:
    assert field.name in _problems_with(fields, field, field.high + 1)
    if field.low is not None:
        assert field.name in _problems_with(fields, field, field.low - 1)
        assert field.name not in _problems_with(fields, field, field.low)
        assert field.name not in _problems_with(fields, field, field.high)


def test_the_age_limits_in_messages_come_from_the_description() -> None:
    low, high = PersonFields.age_estimate.low, PersonFields.age_estimate.high
    found = problems(replace(GOOD["person"], age_estimate=high + 1), NOW)
    assert found["age_estimate"] == f"An age estimate must be between {low} and {high}."
    found = problems(replace(GOOD["visit"], people_met=VisitFields.people_met.high + 1), NOW)
    assert str(VisitFields.people_met.high) in found["people_met"]


def test_materials_are_checked_against_their_description() -> None:
    fewest = MaterialFields.quantity.low
    assert "materials" not in problems(replace(GOOD["visit"], materials=(Material("leaflet", "th", fewest),)), NOW)
    assert "materials" in problems(replace(GOOD["visit"], materials=(Material("leaflet", "th", fewest - 1),)), NOW)
    for kind in MaterialFields.kind.allowed():
        assert problems(replace(GOOD["visit"], materials=(Material(kind, "th", 1),)), NOW) == {}
    assert "materials" in problems(replace(GOOD["visit"], materials=(Material("flyer", "th", 1),)), NOW)


def test_problems_come_in_the_order_the_form_shows_the_fields() -> None:
    person = replace(GOOD["person"], phone_consent=False, languages=("zz9",), age_estimate=7, alias="")
    assert list(problems(person, NOW)) == ["alias", "age_estimate", "languages", "phone"]


def test_every_label_and_message_of_the_descriptions_has_a_danish_translation() -> None:
    with (ROOT / "translations" / "da" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    texts = {text for fields in RECORD_FIELDS for field in fields.fields
             for text in (field.label, field.tick, field.required) if text}
    missing = sorted(text for text in texts if not (catalog.get(text) and catalog.get(text).string))
    assert len(texts) > 60 and missing == []
    assert all(field.label or field.tick for fields in RECORD_FIELDS for field in fields.fields if field.shown)
