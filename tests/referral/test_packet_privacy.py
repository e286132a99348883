"""Property: for generated people, no identifying value (alias, phone, notes, the internal person
reference, exact dates) appears in any byte of the packet before sealing, and the k-rule holds."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fieldapp.domain import codes
from fieldapp.domain.records import age_class
from fieldapp.domain.referral import Assessment
from fieldapp.protocol import crypto
from fieldapp.referral import service
from fieldapp.storage import people_repo, referral_repo
from tests.referral.helpers import add_contact, add_person, add_venue, add_visit

words = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=2, max_size=24)
phrase = st.builds(lambda a, b: f"{a} {b}", words, words)         # two words: a space, like real values
phone = st.builds(lambda n: f"+45 {n // 10000:04d} {n % 10000:04d}", st.integers(0, 10**8 - 1))
person = st.fixed_dictionaries({
    "alias": phrase, "phone": phone, "note": phrase,
    "gender": st.sampled_from(sorted(codes.GENDERS)),
    "age": st.one_of(st.none(), st.integers(12, 75)),
    "birth_year": st.one_of(st.none(), st.integers(1950, 2012)),
    "nationality": st.sampled_from(["NG", "TH", "RO", "VN", "MA", "DK", "", "ZZ"]),
    "languages": st.lists(st.sampled_from(codes.LANGUAGES + ("xx",)), max_size=3),
    "indicators": st.lists(st.sampled_from(sorted(codes.INDICATORS)), max_size=4),
    "day": st.integers(1, 28),
})


CHILD_ASSESSMENT = Assessment(residence_status="no_legal_residence", police_report="no", interpreter=("vie",),
                              contact_channel="ngo_meeting", contact_days="weekdays", contact_times=("morning",))


def _forms(text: str) -> list[bytes]:
    """The value as UTF-8 and as it would look inside ASCII JSON."""
    return [text.encode("utf-8"), json.dumps(text)[1:-1].encode("ascii")]


def test_no_identifying_value_reaches_the_packet(ready) -> None:
    visit = add_visit(ready.conn, add_venue(ready.conn, "midtjylland"), datetime.now(UTC))

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(person)
    def check(p) -> None:
        # 1-28 days ago, never today: an assessment's packet carries the day consent was recorded (today, exactly, as
        # its legal basis), which is not a contact's date and must not count as one (on the 2nd of a month a contact
        # "on the 2nd" failed here).
        at = datetime.now(UTC) - timedelta(days=p["day"])
        pid = add_person(ready.conn, alias=p["alias"], phone=p["phone"], gender=p["gender"], age=p["age"],
                         birth_year=p["birth_year"], nationality=p["nationality"],
                         languages=" ".join(p["languages"]), seen=at)
        add_contact(ready.conn, pid, at=at, visit_id=visit, indicators=" ".join(p["indicators"]), note=p["note"])
        draft = service.create_draft(ready, pid)
        service.update_draft(ready, replace(draft, exploitation_forms=("forced_labour",)))
        person = people_repo.get_person(ready.conn, pid)
        if age_class(person) == "child":          # a child is referred for assessment, never as a notice only
            service.record_consent(ready, draft.id, "assessment", "en", "1", notice_read=True,
                                   assessment=CHILD_ASSESSMENT)
        else:
            service.record_consent(ready, draft.id, "anonymous_notice", "en", "1", notice_read=True)
        view = service.preview(ready, draft.id, exact=False)
        body = crypto.canonical_json(view.packet)
        internal = ready.conn.execute("SELECT reference FROM people WHERE id = ?", (pid,)).fetchone()[0]
        for secret in (p["alias"], p["phone"], p["note"], internal, at.date().isoformat()):
            assert all(form not in body for form in _forms(secret))
        assert view.packet["reference"] == referral_repo.get(ready.conn, draft.id).reference != internal
        if age_class(person) != "child":          # an anonymous notice is generalised; an assessment goes exactly
            assert view.generalisation.met == (view.generalisation.count >= view.generalisation.k)
            assert view.needs_reason == (not view.generalisation.met)

    check()
