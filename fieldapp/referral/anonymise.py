"""The k-rule: generalise quasi-identifiers step by step until at least k people share them.

Pure functions over rows the storage layer hands in; nothing here reads the vault.
"""

from __future__ import annotations

from collections.abc import Iterable

from fieldapp.domain.referral import STEPS, Generalisation, Levels, QuasiIdentifiers, QuasiRow, quasi_identifiers


def _qi(row: QuasiRow, levels: Levels) -> QuasiIdentifiers:
    return quasi_identifiers(row.gender, row.age, row.nationality, row.region, row.month, levels)


def count_sharing(rows: Iterable[QuasiRow], target: QuasiRow, levels: Levels) -> int:
    """How many distinct people share the target's quasi-identifiers at these levels."""
    wanted = _qi(target, levels)
    people = {row.person_id for row in rows if _qi(row, levels) == wanted}
    people.add(target.person_id)
    return len(people)


def generalise(target: QuasiRow, rows: list[QuasiRow], k: int) -> Generalisation:
    """Apply the steps of ``STEPS`` in order and stop as soon as k people share the result.

    When even the last step leaves fewer than k, the result is the most general one and
    ``met`` is False: the packet may then only be sealed with a reason (an override).
    """
    exact_levels = Levels()
    exact = _qi(target, exact_levels)
    exact_count = count_sharing(rows, target, exact_levels)
    levels, count, applied = exact_levels, exact_count, []
    for code, step_levels in STEPS:
        if count >= k:
            break
        levels = step_levels
        applied.append(code)
        count = count_sharing(rows, target, levels)
    return Generalisation(k=k, exact=exact, exact_count=exact_count, result=_qi(target, levels), count=count,
                          steps=tuple(applied), levels=levels)


def exact_only(target: QuasiRow, rows: list[QuasiRow], k: int) -> Generalisation:
    """The exact values, as when the worker overrides generalisation."""
    exact = _qi(target, Levels())
    count = count_sharing(rows, target, Levels())
    return Generalisation(k=k, exact=exact, exact_count=count, result=exact, count=count)


def at_steps(target: QuasiRow, rows: list[QuasiRow], k: int, steps: tuple[str, ...]) -> Generalisation:
    """The same detail given up as ``steps`` (a sealed referral's), counted against today's rows."""
    levels = dict(STEPS)[steps[-1]] if steps else Levels()
    return Generalisation(k=k, exact=_qi(target, Levels()), exact_count=count_sharing(rows, target, Levels()),
                          result=_qi(target, levels), count=count_sharing(rows, target, levels),
                          steps=tuple(steps), levels=levels)
