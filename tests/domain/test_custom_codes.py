"""The organisation's own codes as the vocabulary sees them: after the standard codes, under a parent, folded into
it for reports and packets, and gone when their vault's owner uninstalls them."""

from __future__ import annotations

import pytest

from fieldapp import i18n
from fieldapp.domain import codes, custom_codes
from fieldapp.domain.custom_codes import CustomCode, label_problem, new_code
from fieldapp.domain.fields import PersonFields, VenueFields
from fieldapp.domain.places import language_codes, language_name
from fieldapp.domain.records import Venue
from fieldapp.domain.referral import interpreters_for, language_set
from fieldapp.domain.validation import problems

OWN = (CustomCode("venue_kinds", "x-thai-spa", "Thai spa", "massage_clinic"),
       CustomCode("languages", "x-darija", "Darija", "ar"),
       CustomCode("languages", "x-edo", "Edo", "bin"),
       CustomCode("services", "x-hotline", "Called the hotline with them", "referral_cmm"))


@pytest.fixture
def installed():
    owner = object()
    custom_codes.install(OWN, owner)
    yield owner
    custom_codes.uninstall(owner)


def test_own_codes_follow_the_standard_ones(installed) -> None:
    assert list(codes.VENUE_KINDS)[-1] == "x-thai-spa"
    assert list(codes.VENUE_KINDS)[:len(codes.VENUE_KINDS.standard)] == list(codes.VENUE_KINDS.standard)
    assert "x-thai-spa" in codes.VENUE_KINDS and "x-thai-spa" not in codes.PLATFORMS
    assert codes.VENUE_KINDS["x-thai-spa"] == "Thai spa"
    assert codes.VENUE_KINDS.parent("x-thai-spa") == "massage_clinic"
    assert codes.VENUE_KINDS.parent("street_area") == "street_area"
    assert len(codes.SERVICES) == len(codes.SERVICES.standard) + 1


def test_an_own_label_is_shown_as_typed_in_every_language(installed) -> None:
    custom_codes.install([CustomCode("venue_kinds", "x-other", "Other", "other")], installed)
    i18n.set_language("da")
    try:
        assert i18n._(codes.VENUE_KINDS["x-other"]) == "Other"
        assert i18n._(codes.VENUE_KINDS["other"]) != "Other"
    finally:
        i18n.set_language("en")


def test_a_record_with_an_own_code_is_valid_only_while_it_is_installed(installed) -> None:
    venue = Venue(name="Spa", kind="x-thai-spa")
    assert problems(venue) == {}
    custom_codes.uninstall(installed)
    assert "kind" in problems(venue)


def test_own_languages_are_allowed_named_and_sent_as_their_parent(installed) -> None:
    assert {"x-darija", "x-edo"} <= language_codes()
    assert language_name("x-darija", "da") == "Darija"
    assert "x-darija" in PersonFields.languages.allowed()
    assert language_set(["x-darija", "x-edo", "en"]) == ("ar", "en")      # "bin" is no packet language
    assert interpreters_for(["x-edo", "x-darija", "th"]) == ("bin", "arb", "tha")


def test_counts_fold_into_the_parent(installed) -> None:
    assert custom_codes.fold({"x-thai-spa": 2, "massage_clinic": 3, "street_area": 1}, "venue_kinds") == {
        "massage_clinic": 5, "street_area": 1}


def test_uninstall_by_another_owner_keeps_the_codes(installed) -> None:
    custom_codes.uninstall(object())
    assert "x-thai-spa" in VenueFields.kind.allowed()
    custom_codes.uninstall(installed)
    assert "x-thai-spa" not in VenueFields.kind.allowed()
    assert "x-darija" not in language_codes()


def test_new_codes_are_slugs_that_never_collide() -> None:
    assert new_code("Thai spa", ()) == "x-thai-spa"
    assert new_code("Thai  SPA!", ("x-thai-spa",)) == "x-thai-spa-2"
    assert new_code("Nigerian Pidgin (Naija)", ()) == "x-nigerian-pidgin-naija"
    assert new_code("ภาษาอีสาน", ()) == "x-code"
    assert all(not code.startswith("x-") for code in codes.VENUE_KINDS.standard)


def test_label_problems() -> None:
    assert label_problem("  ", []) == "Type a name for the code."
    assert "60" in label_problem("x" * 61, [])
    assert "already" in label_problem("massage CLINIC", ["Massage clinic"])
    assert "control" in label_problem("Two\nlines", [])
    assert label_problem("Thai spa", ["Massage clinic"]) == ""
