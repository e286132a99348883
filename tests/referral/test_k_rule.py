"""The k-rule: generalisation stops at the first step where k people share the packet's
quasi-identifiers, and when it says k is met, an independent count agrees."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from fieldapp.domain.referral import STEPS, Levels, QuasiRow, quasi_identifiers
from fieldapp.referral.anonymise import count_sharing, exact_only, generalise

MONTHS = [f"2026-{m:02d}" for m in range(1, 13)]
NATIONS = ["NG", "GH", "TH", "VN", "RO", "BG", "MA", "DK", "CN", ""]


def row(pid: int, age, nat: str = "NG", month: str = "2026-03", region: str = "hovedstaden",
        gender: str = "woman") -> QuasiRow:
    return QuasiRow(pid, gender, age, nat, region, month)


def test_no_generalisation_when_k_people_share_the_exact_values() -> None:
    rows = [row(i, 27) for i in range(1, 5)]
    gen = generalise(row(99, 26), rows, 5)
    assert gen.met and gen.steps == () and gen.count == 5 and gen.result.age_group == "25-29"


def test_steps_widen_age_then_nationality_then_month() -> None:
    target = row(99, 27, "NG", "2026-03")
    rows = [row(1, 33), row(2, 31, "GH"), row(3, 30, "GH", "2026-01"), row(4, 45, "CM", "2026-02")]
    gen = generalise(target, rows, 5)
    assert gen.steps == ("age_10_years", "nationality_subregion", "month_to_quarter", "industry_crime_left_out",
                         "age_adult_or_minor", "nationality_world_region")
    assert gen.met and gen.result.nationality == "africa" and gen.result.period == "2026-Q1"
    assert generalise(target, rows[:3], 4).steps == ("age_10_years", "nationality_subregion", "month_to_quarter")


def test_not_met_after_every_step_is_reported() -> None:
    gen = generalise(row(99, 27), [row(1, 70, "DK")], 5)
    assert not gen.met and gen.count == 1 and len(gen.steps) == len(STEPS)


def test_exact_only_keeps_exact_values() -> None:
    gen = exact_only(row(99, 27), [row(1, 28)], 5)
    assert gen.steps == () and gen.result.age_group == "25-29" and gen.count == 2 and not gen.met


def test_a_person_met_in_several_months_counts_once() -> None:
    rows = [row(1, 27, month=m) for m in ("2026-01", "2026-02", "2026-03")]
    assert count_sharing(rows, row(99, 27, month="2026-02"), Levels(period=1)) == 2


people = st.lists(st.tuples(st.one_of(st.none(), st.integers(10, 80)), st.sampled_from(NATIONS),
                            st.sampled_from(MONTHS), st.sampled_from(["hovedstaden", "sjaelland"]),
                            st.sampled_from(["woman", "man"])), max_size=60)


def _brute_count(rows: list[QuasiRow], target: QuasiRow, levels: Levels) -> int:
    def qi(r: QuasiRow):
        return quasi_identifiers(r.gender, r.age, r.nationality, r.region, r.month, levels)

    return len({r.person_id for r in [*rows, target] if qi(r) == qi(target)})


@settings(max_examples=200, deadline=None)
@given(people, st.integers(10, 80), st.sampled_from(NATIONS), st.sampled_from(MONTHS), st.integers(2, 8))
def test_k_rule_holds_after_generalisation(population, age, nat, month, k) -> None:
    rows = [QuasiRow(i, g, a, n, reg, m) for i, (a, n, m, reg, g) in enumerate(population)]
    target = QuasiRow(10_000, "woman", age, nat, "hovedstaden", month)
    gen = generalise(target, rows, k)
    assert gen.count == _brute_count(rows, target, gen.levels)
    assert gen.met == (gen.count >= k)
    # It stopped at the first step that was enough: every earlier level had fewer than k.
    earlier = [Levels()] + [levels for _code, levels in STEPS][:len(gen.steps) - 1] if gen.steps else []
    assert all(_brute_count(rows, target, levels) < k for levels in earlier)
