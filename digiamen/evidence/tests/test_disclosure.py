"""Disclosure control: adversarial tables, and a check that no hidden value can be worked out.

The check is exact: with the shown values known, the hidden cells of an extended table are
the unknowns of one linear equation per line. A hidden cell is safe when some solution of the
homogeneous system moves it, that is, when it is not fixed by the shown values.
"""

from __future__ import annotations

import random
from fractions import Fraction

import pytest

from digiamen.evidence.disclosure import ProtectedTable, extend, protect


def determined_cells(table: ProtectedTable) -> set[tuple[int, int]]:
    """Hidden cells whose value follows from the shown cells and the sum relations."""
    values = table.values
    height, width = len(values), len(values[0])
    unknowns = sorted(table.hidden)
    index = {cell: k for k, cell in enumerate(unknowns)}
    # One equation per line: inner cells minus the margin cell equals zero (the grand total
    # is the margin of both the totals row and the totals column).
    equations = []
    for i in range(height):
        equations.append({(i, j): (-1 if j == width - 1 else 1) for j in range(width)})
    for j in range(width):
        equations.append({(i, j): (-1 if i == height - 1 else 1) for i in range(height)})
    matrix = [[Fraction(equation.get(cell, 0)) for cell in unknowns] for equation in equations]
    # Row-reduce; the free columns span the null space.
    pivots: list[int] = []
    row = 0
    for column in range(len(unknowns)):
        pivot = next((r for r in range(row, len(matrix)) if matrix[r][column] != 0), None)
        if pivot is None:
            continue
        matrix[row], matrix[pivot] = matrix[pivot], matrix[row]
        lead = matrix[row][column]
        matrix[row] = [value / lead for value in matrix[row]]
        for r in range(len(matrix)):
            if r != row and matrix[r][column] != 0:
                factor = matrix[r][column]
                matrix[r] = [a - factor * b for a, b in zip(matrix[r], matrix[row], strict=True)]
        pivots.append(column)
        row += 1
    free = [column for column in range(len(unknowns)) if column not in pivots]
    movable: set[int] = set(free)
    for r, column in enumerate(pivots):
        if any(matrix[r][f] != 0 for f in free):
            movable.add(column)
    return {cell for cell in unknowns if index[cell] not in movable}


def assert_safe(table: ProtectedTable) -> None:
    for i, row in enumerate(table.values):
        for j in range(len(row)):
            shown = table.shown(i, j)
            if isinstance(shown, int):
                assert not 0 < shown < table.threshold, (i, j, shown)
    assert determined_cells(table) == set()


def test_nothing_hidden_when_every_count_is_large_or_zero() -> None:
    table = protect([[10, 0, 7], [5, 22, 0]])
    assert table.hidden == set()
    assert table.shown(2, 3) == 44


def test_a_single_small_cell_in_a_row() -> None:
    table = protect([[10, 3, 12], [8, 9, 11]])
    assert (0, 1) in table.primary
    assert table.shown(0, 1) == "<5"
    assert len(table.secondary) >= 3
    assert_safe(table)


def test_a_small_cell_whose_row_and_column_totals_are_shown() -> None:
    table = protect([[20, 2], [30, 40]])
    assert table.shown(0, 2) == 22 or (0, 2) in table.hidden
    assert_safe(table)


def test_small_margins_are_hidden_too() -> None:
    table = protect([[1, 1], [0, 0]])
    assert {(0, 0), (0, 1), (0, 2), (2, 0), (2, 1), (2, 2)} <= table.primary
    assert_safe(table)


def test_one_row_and_one_column_tables() -> None:
    assert_safe(protect([[3, 9, 12]]))
    assert_safe(protect([[3], [9], [12]]))
    assert_safe(protect([[3]]))


def test_a_bridge_between_two_protected_blocks_is_closed() -> None:
    # Two blocks of small cells, joined by one more small cell: a naive "two per line" rule
    # would leave that joining cell computable.
    counts = [
        [2, 3, 50, 50, 50],
        [3, 2, 4, 50, 50],
        [50, 50, 2, 3, 50],
        [50, 50, 3, 2, 50],
    ]
    assert_safe(protect(counts))


@pytest.mark.parametrize("seed", range(60))
def test_random_tables_leak_nothing(seed: int) -> None:
    rng = random.Random(seed)
    height, width = rng.randint(1, 6), rng.randint(1, 6)
    counts = [
        [rng.choice([0, 1, 2, 3, 4, 5, 8, 13, 40]) for _ in range(width)] for _ in range(height)
    ]
    table = protect(counts, threshold=rng.choice([5, 10]))
    assert table.values == extend(counts)
    assert_safe(table)


def test_the_threshold_is_never_below_five() -> None:
    with pytest.raises(ValueError):
        protect([[1]], threshold=3)


def test_the_checker_itself_finds_a_leak() -> None:
    # Hiding only the small cell leaves it computable from its row: the check must say so.
    table = ProtectedTable(values=extend([[10, 3], [8, 9]]), threshold=5, primary={(0, 1)})
    assert determined_cells(table) == {(0, 1)}
