"""The k-rule: generalise quasi-identifiers step by step until at least k people share them.

A packet is never read alone: CMM may hold earlier packets about the same person (exact one month,
generalised the next), and the people consistent with all of them are fewer than those sharing any
one. So a count is the size of an intersection: the people who share this packet's values and each
earlier packet's values. Pure functions over rows the storage layer hands in; nothing here reads the
vault.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace

from fieldapp.domain.referral import (
    STEPS,
    Generalisation,
    Levels,
    QuasiIdentifiers,
    QuasiRow,
    quasi_identifiers,
    with_work,
)


def _qi(row: QuasiRow, levels: Levels) -> QuasiIdentifiers:
    return with_work(quasi_identifiers(row.gender, row.age, row.nationality, row.region, row.month, levels,
                                       row.languages), levels, row.industries, row.crime_forms)


class Population:
    """The rows grouped by their exact values, so one count looks at each combination once (thousands
    of people share a few hundred combinations)."""

    def __init__(self, rows: Iterable[QuasiRow]) -> None:
        groups: dict[tuple, set] = defaultdict(set)
        for row in rows:
            groups[(row.gender, row.age, row.nationality, row.region, row.month, row.languages,
                    (row.industries, row.crime_forms))].add(row.person_id)
        self._groups = dict(groups)

    @classmethod
    def grouped(cls, groups: dict[tuple, set]) -> Population:
        """From people already grouped by (gender, age, nationality, region, month, languages, (industries,
        forms of forced crime))."""
        population = cls(())
        population._groups = groups
        return population

    def sharing(self, target: QuasiRow, levels: Levels) -> set:
        """The people (the target included) whose values at these levels are the target's."""
        return self.matching(_qi(target, levels), levels) | {target.person_id}

    def matching(self, wanted: QuasiIdentifiers, levels: Levels) -> set:
        """The people whose values at these levels are ``wanted``."""
        found: set = set()
        for (gender, age, nationality, region, month, languages, work), people in self._groups.items():
            if gender == wanted.gender and region == wanted.region and with_work(quasi_identifiers(
                    gender, age, nationality, region, month, levels, languages), levels, *work) == wanted:
                found |= people
        return found


# What CMM may already hold about the person: for each earlier packet, the people consistent with it.
Earlier = Sequence[set]


def _consistent(population: Population, target: QuasiRow, levels: Levels, earlier: Earlier) -> int:
    people = population.sharing(target, levels)
    for known in earlier:
        people &= known
    return len(people | {target.person_id})


def _population(rows: Iterable[QuasiRow] | Population) -> Population:
    return rows if isinstance(rows, Population) else Population(rows)


def count_sharing(rows: Iterable[QuasiRow], target: QuasiRow, levels: Levels) -> int:
    """How many distinct people share the target's quasi-identifiers at these levels."""
    return len(Population(rows).sharing(target, levels))


def generalise(target: QuasiRow, rows: Iterable[QuasiRow] | Population, k: int,
               earlier: Earlier = ()) -> Generalisation:
    """Apply the steps of ``STEPS`` in order and stop as soon as k people are consistent with the
    result and with every earlier packet (``earlier``: the people each one fits).

    When even the last step leaves fewer than k, the result is the most general one and
    ``met`` is False: the packet may then only be sealed with a reason (an override).
    """
    population = _population(rows)
    exact_levels = Levels()
    exact_count = _consistent(population, target, exact_levels, earlier)
    levels, count, applied = exact_levels, exact_count, []
    for code, step_levels in STEPS:
        if count >= k:
            break
        levels = step_levels
        applied.append(code)
        count = _consistent(population, target, levels, earlier)
    return Generalisation(k=k, exact=_qi(target, exact_levels), exact_count=exact_count, result=_qi(target, levels),
                          count=count, steps=tuple(applied), levels=levels, earlier=len(earlier))


def exact_only(target: QuasiRow, rows: Iterable[QuasiRow] | Population, k: int,
               earlier: Earlier = ()) -> Generalisation:
    """The exact values, as when the worker overrides generalisation."""
    exact = _qi(target, Levels())
    count = _consistent(_population(rows), target, Levels(), earlier)
    return Generalisation(k=k, exact=exact, exact_count=count, result=exact, count=count, earlier=len(earlier))


def levels_of(steps: Sequence[str], *, work_sent: bool = True) -> Levels:
    """The detail given up by a sealed packet's steps; without ``work_sent`` (a packet of a format before
    ``cmm-referral/3``) the industries and forms of forced crime are left out whatever the steps."""
    levels = dict(STEPS)[steps[-1]] if steps else Levels()
    return levels if work_sent else replace(levels, work=1)


def at_steps(target: QuasiRow, rows: Iterable[QuasiRow] | Population, k: int, steps: tuple[str, ...],
             earlier: Earlier = (), *, work_sent: bool = True) -> Generalisation:
    """The same detail given up as ``steps`` (a sealed referral's), counted against today's rows."""
    population, levels = _population(rows), levels_of(steps, work_sent=work_sent)
    return Generalisation(k=k, exact=_qi(target, Levels()),
                          exact_count=_consistent(population, target, Levels(), earlier),
                          result=_qi(target, levels), count=_consistent(population, target, levels, earlier),
                          steps=tuple(steps), levels=levels, earlier=len(earlier))


def fitting(target: QuasiRow, rows: Iterable[QuasiRow] | Population, steps: Sequence[str], *,
            languages_sent: bool = False) -> set:
    """The people consistent with a packet sealed at ``steps`` about ``target`` (for ``earlier``);
    ``languages_sent`` for a packet of the first format, which named the languages at every step (and no
    industry or form of crime)."""
    levels = levels_of(steps)
    return _population(rows).sharing(target, replace(levels, languages=0, work=1) if languages_sent else levels)


def fitting_values(person_id: str, rows: Iterable[QuasiRow] | Population, values: QuasiIdentifiers,
                   levels: Levels) -> set:
    """The people consistent with what a sealed packet said (``values`` at ``levels``), the person included."""
    return _population(rows).matching(values, levels) | {person_id}
