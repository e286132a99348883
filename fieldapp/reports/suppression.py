"""Small-cell suppression with complementary suppression and an audit (rules: docs/reports.md).

A table and its shown totals are one system of linear equations (each shown total is the sum of
its line). Counts 1..k-1 are hidden as ``<k`` (primary); more entries are hidden as ``x``
(complementary) until the audit proves, for every hidden entry, that another table with the same
published figures gives it a different value. A reader knows a ``<k`` entry lies in 1..k-1 and an
``x`` entry is at least k; the audit respects both. Zeros are published. The overall total of a
table (its grand total, or each column total of a table without row totals) appears among the
key figures, so it is never hidden as a complement. If nothing can be added any more, the table
is withheld.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from fieldapp.reports.model import Table

DEFAULT_K = 5
SECONDARY_MARK = "x"
FREE = "F"          # the node of every line whose total is not shown: it constrains nothing
_INF = 1 << 62

Entry = tuple      # ("c", row, col) | ("r", row) | ("k", col) | ("g",)


@dataclass(frozen=True)
class Shown:
    """A table as it may be shown: each figure as text, or the whole table withheld."""

    table: Table
    cells: tuple[tuple[str, ...], ...]
    row_totals: tuple[str, ...]
    col_totals: tuple[str, ...]
    grand: str
    withheld: bool = False
    exact: bool = False

    def value(self, row: int, col: int) -> int | None:
        """The published value of a cell (None when hidden), for charts."""
        text = self.cells[row][col]
        return int(text) if text.isdigit() else None


@dataclass
class _System:
    values: dict[Entry, int]
    nodes: dict[Entry, tuple[str, str]]
    signs: dict[Entry, int]
    pinned: set[Entry]


def _system(table: Table) -> _System:
    rows, cols = len(table.row_labels), len(table.col_labels)
    rnode = (lambda i: f"R{i}") if table.row_totals else (lambda i: FREE)
    cnode = (lambda j: f"C{j}") if table.col_totals else (lambda j: FREE)
    total_node = "T" if table.shows_grand else FREE
    system = _System({}, {}, {}, set())
    for i in range(rows):
        for j in range(cols):
            _add(system, ("c", i, j), table.cells[i][j], (rnode(i), cnode(j)), 1)
    if table.row_totals:
        for i in range(rows):
            _add(system, ("r", i), table.row_total(i), (rnode(i), "CT" if total_node != FREE else FREE), -1)
    if table.col_totals:
        for j in range(cols):
            _add(system, ("k", j), table.col_total(j), ("RT" if total_node != FREE else FREE, cnode(j)), -1)
    if table.shows_grand:
        _add(system, ("g",), table.grand_total(), ("RT", "CT"), 1)
        system.pinned.add(("g",))
    elif table.col_totals:
        system.pinned.update(("k", j) for j in range(cols))
    elif table.row_totals:
        system.pinned.update(("r", i) for i in range(rows))
    return system


def _add(system: _System, entry: Entry, value: int, nodes: tuple[str, str], sign: int) -> None:
    system.values[entry] = value
    system.nodes[entry] = nodes
    system.signs[entry] = sign


class _Protector:
    def __init__(self, system: _System, k: int) -> None:
        self.s = system
        self.k = k
        self.primary = {e for e, v in system.values.items() if 0 < v < k}
        self.hidden = set(self.primary)
        self.blank: set[Entry] = set()    # withheld lines: shown blank, a reader knows only that they are >= 0
        self.proven: set[Entry] = set()   # hidden entries with a witness: hiding more never takes it away
        self._incident: dict[str, list[Entry]] = {}
        for entry, nodes in system.nodes.items():
            for node in set(nodes):
                self._incident.setdefault(node, []).append(entry)

    def bounds(self, entry: Entry) -> tuple[int, int]:
        if entry in self.blank:
            return 0, _INF
        return (1, self.k - 1) if entry in self.primary else (self.k, _INF)

    def feasible(self, entry: Entry, dz: int) -> bool:
        low, high = self.bounds(entry)
        return low <= self.s.values[entry] + self.s.signs[entry] * dz <= high

    def incident(self, node: str) -> list[Entry]:
        return self._incident.get(node, [])

    def candidates(self, nodes) -> list[Entry]:
        found = {e for node in nodes if node != FREE for e in self.incident(node)
                 if e not in self.hidden and e not in self.s.pinned and self.s.values[e] > 0}
        return sorted(found, key=lambda e: (self.s.values[e], e[0] != "c", e))

    def line_rule(self) -> bool:
        """A constrained line with exactly one hidden entry gets a second one; True if anything was added."""
        added = False
        for node in sorted(n for n in self._incident if n != FREE):
            if sum(1 for e in self.incident(node) if e in self.hidden) == 1:
                found = self.candidates([node])
                if found:
                    self.hidden.add(found[0])
                    added = True
        return added

    def exposed(self) -> list[Entry]:
        found = []
        for entry in sorted(self.hidden - self.proven):
            if self.has_witness(entry):
                self.proven.add(entry)
            else:
                found.append(entry)
        return found

    def has_witness(self, entry: Entry) -> bool:
        return any(self.feasible(entry, dz) and self._closed_walk(entry, dz) for dz in (1, -1))

    def _closed_walk(self, entry: Entry, dz: int) -> bool:
        start, end = self.s.nodes[entry]
        if start == FREE and end == FREE:
            return True
        first = (end, None if end == FREE else -dz)
        parents: dict = {first: None}
        queue = deque([first])
        while queue:
            state = queue.popleft()
            for step in self._steps(state, entry):
                nxt, edge, sign = step
                if nxt in parents:
                    continue
                parents[nxt] = (state, edge, sign)
                if nxt[0] == start and (start == FREE or sign == -dz):
                    return self._verify(entry, dz, parents, nxt)
                queue.append(nxt)
        return False

    def _steps(self, state, entry: Entry):
        node, need = state
        for edge in self.incident(node):
            if edge == entry or edge not in self.hidden:
                continue
            a, b = self.s.nodes[edge]
            other = b if a == node else a
            for sign in ((need,) if need is not None else (1, -1)):
                if self.feasible(edge, sign):
                    yield (other, None if other == FREE else -sign), edge, sign

    def _verify(self, entry: Entry, dz: int, parents: dict, state) -> bool:
        """The walk found is a real alternative table: every shown total still adds up, all bounds hold."""
        shift = {entry: dz}
        while parents[state] is not None:
            state, edge, sign = parents[state]
            shift[edge] = shift.get(edge, 0) + sign
        if not all(self.feasible(e, d) for e, d in shift.items()) or shift[entry] == 0:
            return False
        balance: dict[str, int] = {}
        for e, d in shift.items():
            for node in self.s.nodes[e]:
                balance[node] = balance.get(node, 0) + d
        return all(v == 0 for node, v in balance.items() if node != FREE)

    def run(self) -> bool:
        """Hide entries until every hidden one is protected; False if the table must be withheld."""
        while True:
            if self.line_rule():
                continue
            exposed = self.exposed()
            if not exposed:
                return True
            if self._hide_beside(exposed) or self._blank_lines(exposed):
                continue
            return False

    def _blank_lines(self, exposed: list[Entry]) -> bool:
        """Withhold the lines of entries that the bounds give away (e.g. four "<5" cells under a "<5"
        total must all be 1): every entry of those lines is shown blank. False if nothing changed."""
        lines = {node for e in exposed for node in self.s.nodes[e] if node != FREE}
        rows = {node for node in lines if node.startswith("R") and node != "RT"}
        lines = rows or lines      # a row (one group of people) rather than a whole column
        new = {e for node in lines for e in self.incident(node) if e not in self.s.pinned} - self.blank
        if not new:
            return False
        self.blank |= new
        self.hidden |= new
        self.proven.clear()     # bounds were widened, not narrowed; re-auditing keeps it simple
        return True

    def _hide_beside(self, exposed: list[Entry]) -> bool:
        """Hide the smallest candidate in a line of each exposed entry; False if there was none."""
        chosen = {found[0] for found in (self.candidates(self.s.nodes[e]) for e in exposed) if found}
        self.hidden |= chosen
        return bool(chosen)


def protect(table: Table, k: int = DEFAULT_K) -> Shown:
    """The table as it may leave the organisation."""
    system = _system(table)
    protector = _Protector(system, k)
    ok = protector.run()

    def text(entry: Entry) -> str:
        if (not ok and entry not in system.pinned) or entry in protector.blank:
            return ""
        if entry in protector.primary:
            return f"<{k}"
        return SECONDARY_MARK if entry in protector.hidden else str(system.values[entry])

    return _shown(table, text, withheld=not ok, exact=False)


def exact(table: Table) -> Shown:
    """The table with exact counts, for the coordinator inside the app (never for files)."""
    system = _system(table)
    return _shown(table, lambda entry: str(system.values[entry]), withheld=False, exact=True)


def _shown(table: Table, text, *, withheld: bool, exact: bool) -> Shown:
    rows, cols = len(table.row_labels), len(table.col_labels)
    return Shown(
        table=table,
        cells=tuple(tuple(text(("c", i, j)) for j in range(cols)) for i in range(rows)),
        row_totals=tuple(text(("r", i)) for i in range(rows)) if table.row_totals else (),
        col_totals=tuple(text(("k", j)) for j in range(cols)) if table.col_totals else (),
        grand=text(("g",)) if table.shows_grand else "",
        withheld=withheld, exact=exact)
