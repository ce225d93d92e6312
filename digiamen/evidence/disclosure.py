"""Statistical disclosure control for count tables: one implementation for every view and export.

A table is shown with its row totals, column totals and grand total. Treat those margins as
one more column and one more row: the extended table then has the property that every line
(row or column) is a sum relation. Flip the sign of the margins and every line sums to zero,
which is the classic setting for cell suppression:

* **Primary suppression**: every count from 1 to the threshold minus one, margins included,
  is hidden ("<5" with the default threshold of 5). Zeros are shown: a zero says that nobody
  is in that cell, which puts no child at risk.
* **Secondary suppression**: a hidden value could be worked out if it were the only hidden
  cell of a line (subtract the others from the total), or, more subtly, if it were a *bridge*
  in the graph whose nodes are the lines and whose edges are the hidden cells: adding the
  relations on one side of a bridge gives its exact value. A hidden cell that lies on a cycle
  of hidden cells can take a whole range of values, so the pattern is safe when every hidden
  cell lies on a cycle. The algorithm repeats two repairs until neither applies: a line with a
  single hidden cell gets its smallest other cell hidden too; a bridge gets the cheapest
  rectangle of cells around it hidden, closing a cycle through it.

Suppression only grows and the table is finite, so the loop ends. The result is safe against
anyone who knows the table's structure and every shown value; it does not try to hide the
fact that a hidden value lies between 0 and a margin.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

MINIMUM_THRESHOLD = 5

Cell = tuple[int, int]


@dataclass
class ProtectedTable:
    """An extended table (the last row and the last column are the totals) with what to hide.

    ``primary`` cells are small counts; ``secondary`` cells are hidden to protect them.
    """

    values: list[list[int]]
    threshold: int
    primary: set[Cell] = field(default_factory=set)
    secondary: set[Cell] = field(default_factory=set)
    # Cells whose value is not known here (hidden at the source of a combined table).
    unknown: set[Cell] = field(default_factory=set)

    @property
    def hidden(self) -> set[Cell]:
        return self.primary | self.secondary | self.unknown

    @property
    def symbol(self) -> str:
        return f"<{self.threshold}"

    def shown(self, row: int, column: int) -> int | str:
        """The value to show: the count, or ``"<5"`` for every hidden cell.

        One symbol for small counts and for the counts hidden to protect them: a reader who
        could tell them apart would know which cells are the small ones, and their bounds.
        """
        if (row, column) in self.hidden:
            return self.symbol
        return self.values[row][column]


def extend(counts: Sequence[Sequence[int]]) -> list[list[int]]:
    """The counts with a totals column on the right and a totals row at the bottom."""
    rows = [[*row, sum(row)] for row in counts]
    width = len(rows[0]) if rows else 1
    totals = [sum(row[j] for row in rows) for j in range(width)]
    return [*rows, totals]


def protect(counts: Sequence[Sequence[int]], threshold: int = MINIMUM_THRESHOLD) -> ProtectedTable:
    """Hide what must be hidden in a table of counts (margins added here)."""
    if threshold < MINIMUM_THRESHOLD:
        raise ValueError(f"the threshold is never below {MINIMUM_THRESHOLD}")
    if not counts or not counts[0]:
        return ProtectedTable(values=extend(counts) if counts else [[0]], threshold=threshold)
    return protect_extended(extend(counts), threshold)


def protect_extended(
    values: list[list[int]], threshold: int, unknown: set[Cell] | None = None
) -> ProtectedTable:
    """Protect a table that already has its margins (last row, last column).

    ``unknown`` cells are hidden from the start: in a table combined from several protected
    tables, a cell that any source hid is not known, and must not become derivable from the
    combined totals either. Their ``values`` entry is a placeholder used only for costs.
    """
    if threshold < MINIMUM_THRESHOLD:
        raise ValueError(f"the threshold is never below {MINIMUM_THRESHOLD}")
    unknown = set(unknown or ())
    table = ProtectedTable(values=values, threshold=threshold, unknown=unknown)
    table.primary = {
        (i, j)
        for i, row in enumerate(values)
        for j, value in enumerate(row)
        if 0 < value < threshold and (i, j) not in unknown
    }
    hidden = table.primary | unknown
    while _repair_single_lines(values, hidden) or _repair_bridges(values, hidden):
        pass
    table.secondary = hidden - table.primary - unknown
    return table


def _lines(values: list[list[int]]) -> list[list[Cell]]:
    height, width = len(values), len(values[0])
    rows = [[(i, j) for j in range(width)] for i in range(height)]
    columns = [[(i, j) for i in range(height)] for j in range(width)]
    return rows + columns


def _repair_single_lines(values: list[list[int]], hidden: set[Cell]) -> bool:
    """Hide one more cell in every line that has exactly one hidden cell."""
    changed = False
    for line in _lines(values):
        inside = [cell for cell in line if cell in hidden]
        if len(inside) != 1:
            continue
        candidates = [cell for cell in line if cell not in hidden]
        if not candidates:
            continue
        hidden.add(min(candidates, key=lambda cell: _cost(values, cell)))
        changed = True
    return changed


def _cost(values: list[list[int]], cell: Cell) -> tuple[int, int, int]:
    """Prefer hiding small inner cells; margins last (they are what readers need most)."""
    i, j = cell
    is_margin = int(i == len(values) - 1 or j == len(values[0]) - 1)
    return (is_margin, values[i][j], i * len(values[0]) + j)


def _repair_bridges(values: list[list[int]], hidden: set[Cell]) -> bool:
    """Close a cycle through the first bridge found: hide a rectangle around it."""
    bridge = _first_bridge(hidden)
    if bridge is None:
        return False
    row, column = bridge
    height, width = len(values), len(values[0])
    best: tuple[tuple[int, int], Cell] | None = None
    for other_row in range(height):
        for other_column in range(width):
            if other_row == row or other_column == column:
                continue
            corners = [(row, other_column), (other_row, column), (other_row, other_column)]
            new = [cell for cell in corners if cell not in hidden]
            margins = sum(_cost(values, cell)[0] for cell in new)
            cost = (margins, sum(values[i][j] for i, j in new))
            if best is None or cost < best[0]:
                best = (cost, (other_row, other_column))
    if best is None:
        return False  # a single row or column: its lines already hold two hidden cells
    other_row, other_column = best[1]
    before = len(hidden)
    hidden.update({(row, other_column), (other_row, column), (other_row, other_column)})
    return len(hidden) > before


def _first_bridge(hidden: set[Cell]) -> Cell | None:
    """A hidden cell whose removal disconnects its row from its column (Tarjan's bridges)."""
    graph: dict[tuple[str, int], list[tuple[tuple[str, int], Cell]]] = {}
    for i, j in hidden:
        graph.setdefault(("r", i), []).append((("c", j), (i, j)))
        graph.setdefault(("c", j), []).append((("r", i), (i, j)))
    order: dict[tuple[str, int], int] = {}
    low: dict[tuple[str, int], int] = {}
    for start in sorted(graph):
        if start in order:
            continue
        # Iterative depth-first search: (node, edge used to reach it, next neighbour index).
        order[start] = low[start] = len(order)
        stack: list[tuple[tuple[str, int], Cell | None, int]] = [(start, None, 0)]
        while stack:
            node, via, index = stack[-1]
            neighbours = graph[node]
            if index < len(neighbours):
                stack[-1] = (node, via, index + 1)
                nxt, edge = neighbours[index]
                if edge == via:
                    continue
                if nxt in order:
                    low[node] = min(low[node], order[nxt])
                else:
                    order[nxt] = low[nxt] = len(order)
                    stack.append((nxt, edge, 0))
                continue
            stack.pop()
            if stack:
                parent = stack[-1][0]
                low[parent] = min(low[parent], low[node])
                if low[node] > order[parent] and via is not None:
                    return via
    return None
