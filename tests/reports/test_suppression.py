"""Small-cell suppression: no exported figure is in 1..k-1, and no hidden figure can be worked out.

The check of the second property does not reuse the implementation: it searches, by brute force
over every table consistent with what was published (a "<k" figure lies in 1..k-1, an "x" figure
is at least k, zeros and shown figures are as shown), for a second value of each hidden figure.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fieldapp.reports.model import Table
from fieldapp.reports.suppression import protect

K = 5


def _entries(shown):
    """(entry, shown text) for every figure of the shown table, and the table's linear constraints."""
    t = shown.table
    rows, cols = len(t.row_labels), len(t.col_labels)
    figures = {("c", i, j): shown.cells[i][j] for i in range(rows) for j in range(cols)}
    constraints = []
    if t.row_totals:
        figures.update({("r", i): shown.row_totals[i] for i in range(rows)})
        constraints += [[(("c", i, j), 1) for j in range(cols)] + [(("r", i), -1)] for i in range(rows)]
    if t.col_totals:
        figures.update({("k", j): shown.col_totals[j] for j in range(cols)})
        constraints += [[(("c", i, j), 1) for i in range(rows)] + [(("k", j), -1)] for j in range(cols)]
    if t.shows_grand:
        figures[("g",)] = shown.grand
        constraints.append([(("r", i), 1) for i in range(rows)] + [(("g",), -1)])
        constraints.append([(("k", j), 1) for j in range(cols)] + [(("g",), -1)])
    return figures, constraints


def _domains(figures, k, ceiling):
    domains = {}
    for entry, text in figures.items():
        if text == f"<{k}":
            domains[entry] = range(1, k)
        elif text == "x":
            domains[entry] = range(k, ceiling + 1)
        elif text == "":                      # a withheld table: only its total is known
            domains[entry] = range(0, ceiling + 1)
        else:
            domains[entry] = range(int(text), int(text) + 1)
    return domains


def _possible(constraints, domains, assigned) -> bool:
    for constraint in constraints:
        low = high = 0
        for entry, coef in constraint:
            if entry in assigned:
                low += coef * assigned[entry]
                high += coef * assigned[entry]
            else:
                d = domains[entry]
                low += coef * (d.start if coef > 0 else d.stop - 1)
                high += coef * (d.stop - 1 if coef > 0 else d.start)
        if low > 0 or high < 0:
            return False
    return True


def _solution_exists(constraints, domains, order, assigned) -> bool:
    if not _possible(constraints, domains, assigned):
        return False
    if len(assigned) == len(order):
        return True
    entry = order[len(assigned)]
    for value in domains[entry]:
        assigned[entry] = value
        if _solution_exists(constraints, domains, order, assigned):
            return True
        del assigned[entry]
    return False


def recoverable(shown, k: int = K) -> list:
    """Hidden figures whose value follows from what was published."""
    figures, constraints = _entries(shown)
    ceiling = shown.table.grand_total()
    domains = _domains(figures, k, ceiling)
    true = {("c", i, j): v for i, row in enumerate(shown.table.cells) for j, v in enumerate(row)}
    true.update({("r", i): shown.table.row_total(i) for i in range(len(shown.table.row_labels))})
    true.update({("k", j): shown.table.col_total(j) for j in range(len(shown.table.col_labels))})
    true[("g",)] = ceiling
    found = []
    for entry, text in figures.items():
        if text.isdigit():
            continue
        if not _search(constraints, domains, entry, true[entry]):
            found.append(entry)
    return found


def _search(constraints, domains, entry, value) -> bool:
    """A consistent table where ``entry`` is not ``value``."""
    choices = [v for v in range(domains[entry].start, domains[entry].stop) if v != value]
    order = [e for e in domains if e != entry]
    for choice in choices:
        fixed = dict(domains)
        fixed[entry] = range(choice, choice + 1)
        if _solution_exists(constraints, fixed, [entry, *order], {}):
            return True
    return False


def _table(cells, row_totals=True, col_totals=True) -> Table:
    rows, cols = len(cells), len(cells[0])
    return Table("t", "T", tuple(f"r{i}" for i in range(rows)), tuple(f"c{j}" for j in range(cols)),
                 tuple(tuple(row) for row in cells), row_totals=row_totals, col_totals=col_totals)


def _exported(shown):
    return [*[v for row in shown.cells for v in row], *shown.row_totals, *shown.col_totals,
            *([shown.grand] if shown.grand else [])]


tables = st.integers(1, 3).flatmap(lambda rows: st.integers(1, 3).flatmap(
    lambda cols: st.lists(st.lists(st.sampled_from([0, 0, 1, 2, 3, 4, 5, 6, 8, 11]), min_size=cols, max_size=cols),
                          min_size=rows, max_size=rows)))


# Fixed examples: the oracle above is a backtracking search, and a rare random withheld table makes it run
# for minutes. The 150 examples are the same on every run.
@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(tables, st.sampled_from([(True, True), (False, True), (True, False), (False, False)]))
def test_no_small_figure_and_nothing_recoverable(cells, flags):
    shown = protect(_table(cells, *flags), K)
    for text in _exported(shown):
        assert not (text.isdigit() and 1 <= int(text) < K)
    found = recoverable(shown)
    if shown.withheld:   # only the published total is known; a total equal to it follows, small counts must not
        small = [e for e in found if 0 < _true_value(shown.table, e) < K]
        assert small == []
    else:
        assert found == []


def _true_value(table, entry):
    if entry[0] == "c":
        return table.cells[entry[1]][entry[2]]
    if entry[0] == "r":
        return table.row_total(entry[1])
    return table.col_total(entry[1]) if entry[0] == "k" else table.grand_total()


@settings(max_examples=150, deadline=None, derandomize=True)
@given(tables)
def test_every_line_with_a_hidden_figure_has_another(cells):
    """The simple margin rule: a row or column (with its shown total) never has exactly one hidden figure."""
    shown = protect(_table(cells), K)
    if shown.withheld:
        return
    lines = [list(row) + [shown.row_totals[i]] for i, row in enumerate(shown.cells)]
    lines += [[row[j] for row in shown.cells] + [shown.col_totals[j]] for j in range(len(cells[0]))]
    lines += [list(shown.row_totals) + [shown.grand], list(shown.col_totals) + [shown.grand]]
    for line in lines:
        assert sum(1 for text in line if not text.isdigit()) != 1


def test_zero_stays_zero_and_large_counts_stay():
    shown = protect(_table([[0, 12], [7, 30]]), K)
    assert shown.cells == (("0", "12"), ("7", "30"))
    assert shown.grand == "49"


def test_a_single_small_cell_gets_a_complement_in_its_row_and_column():
    shown = protect(_table([[3, 10, 9], [7, 8, 12], [6, 20, 15]]), K)
    assert shown.cells[0][0] == "<5"
    assert sum(1 for text in shown.cells[0] + (shown.row_totals[0],) if not text.isdigit()) >= 2
    assert sum(1 for row in shown.cells if not row[0].isdigit()) >= 2
    assert recoverable(shown) == []
    assert shown.grand == "90"


def test_an_unprotectable_line_is_blanked_but_the_total_stays():
    shown = protect(_table([[1], [5]], row_totals=False), K)
    assert shown.cells == (("",), ("",)) and shown.col_totals == ("6",)


def test_a_recoverable_pattern_is_caught_by_the_checker():
    """The checker is not vacuous: hiding one cell in a row with a shown total is found out."""
    shown = protect(_table([[12, 10], [7, 30]]), K)
    leaky = type(shown)(shown.table, (("x", "10"), ("7", "30")), shown.row_totals, shown.col_totals, shown.grand)
    assert recoverable(leaky) == [("c", 0, 0)]
