"""The figures that matter to a person's rights, each with its source and the year it is valid from.

Update these (and the catalogues' content version) when the national action plan changes.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    """One amount or period printed on leaflets."""

    value: int
    unit: str  # "days" or "DKK"
    year: int  # the year of the rule or rate it quotes
    source: str


_PLAN = "National action plan against human trafficking 2026–2029"
REFLECTION_DAYS = Figure(30, "days", 2026, _PLAN)
REFLECTION_MAX_DAYS = Figure(120, "days", 2026, _PLAN)
CASH_SINGLE = Figure(10_000, "DKK", 2026, _PLAN + " (rates unchanged since January 2022)")
CASH_WITH_CHILDREN = Figure(20_000, "DKK", 2026, _PLAN + " (rates unchanged since January 2022)")
REINTEGRATION_PER_ADULT = Figure(40_000, "DKK", 2026, _PLAN + " (rates unchanged since January 2022)")
SUPPORT_PER_CHILD = Figure(9_000, "DKK", 2026, _PLAN + " (rates unchanged since January 2022)")

FIGURES = {
    "reflection_days": REFLECTION_DAYS,
    "reflection_max_days": REFLECTION_MAX_DAYS,
    "cash_single": CASH_SINGLE,
    "cash_children": CASH_WITH_CHILDREN,
    "reintegration": REINTEGRATION_PER_ADULT,
    "per_child": SUPPORT_PER_CHILD,
}
RULES_YEAR = REFLECTION_DAYS.year
RATES_YEAR = CASH_SINGLE.year
