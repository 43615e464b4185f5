"""The open-data file of a published year: anonymised aggregates by region × type of structure, with the number of
declaring structures and of declarations in each cell, the row and column totals and the grand total.

Statistical secrecy (pure functions, no database):

- **primary suppression**: a cell (or a total) counting fewer than ``THRESHOLD`` structures, but at least one,
  is masked;
- **secondary suppression**: a masked cell must not be recomputable from what is published. The published values
  make a system of linear equations (each row sums to its total, each column to its total, the totals to the
  grand total); ``determined`` finds, by exact Gaussian elimination over the masked values, those the system
  fixes, and ``suppress`` masks one more cell beside each of them (the smallest non-empty one of its row or
  column) until none is fixed.

The masked cells keep no value in what is stored: the snapshot holds only the published form."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

THRESHOLD = 5
TOTAL = "total"


@dataclass(frozen=True)
class Cell:
    row: str  # a region's INSEE code, or TOTAL
    col: str  # a structure type group, or TOTAL
    structures: int
    declarations: int


def table_with_totals(counts: dict[tuple[str, str], tuple[int, int]], rows: list[str], cols: list[str]) -> list[Cell]:
    """Every (row, col) with its counts (zero when absent), then the row totals, column totals and grand total.
    Structure counts add up: a structure has one region and one type."""
    cells: list[Cell] = []
    for r in rows:
        for c in cols:
            s, d = counts.get((r, c), (0, 0))
            cells.append(Cell(r, c, s, d))
    for r in rows:
        cells.append(
            Cell(
                r,
                TOTAL,
                sum(counts.get((r, c), (0, 0))[0] for c in cols),
                sum(counts.get((r, c), (0, 0))[1] for c in cols),
            )
        )
    for c in cols:
        cells.append(
            Cell(
                TOTAL,
                c,
                sum(counts.get((r, c), (0, 0))[0] for r in rows),
                sum(counts.get((r, c), (0, 0))[1] for r in rows),
            )
        )
    cells.append(Cell(TOTAL, TOTAL, sum(v[0] for v in counts.values()), sum(v[1] for v in counts.values())))
    return cells


def equations(cells: list[Cell]) -> list[list[tuple[str, str]]]:
    """The linear relations between the cells, each as the list of keys whose first equals the sum of the rest."""
    keys = {(c.row, c.col) for c in cells}
    rows = sorted({c.row for c in cells if c.row != TOTAL})
    cols = sorted({c.col for c in cells if c.col != TOTAL})
    relations = []
    for r in rows:
        relations.append([(r, TOTAL), *((r, c) for c in cols if (r, c) in keys)])
    for c in cols:
        relations.append([(TOTAL, c), *((r, c) for r in rows if (r, c) in keys)])
    relations.append([(TOTAL, TOTAL), *((r, TOTAL) for r in rows)])
    relations.append([(TOTAL, TOTAL), *((TOTAL, c) for c in cols)])
    return relations


def determined(cells: list[Cell], masked: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """The masked cells whose value the published values and the relations fix exactly."""
    value = {(c.row, c.col): c.structures for c in cells}
    unknowns = sorted(masked)
    index = {k: i for i, k in enumerate(unknowns)}
    matrix: list[list[Fraction]] = []
    for relation in equations(cells):
        head, *parts = relation
        row = [Fraction(0)] * (len(unknowns) + 1)
        for key, sign in [(head, 1), *((p, -1) for p in parts)]:
            if key in index:
                row[index[key]] += sign
            else:
                row[-1] -= sign * value[key]
        if any(row[:-1]):
            matrix.append(row)
    # Reduced row echelon form.
    pivots: list[int] = []
    lead = 0
    for col in range(len(unknowns)):
        pivot = next((i for i in range(lead, len(matrix)) if matrix[i][col] != 0), None)
        if pivot is None:
            continue
        matrix[lead], matrix[pivot] = matrix[pivot], matrix[lead]
        p = matrix[lead][col]
        matrix[lead] = [x / p for x in matrix[lead]]
        for i in range(len(matrix)):
            if i != lead and matrix[i][col] != 0:
                f = matrix[i][col]
                matrix[i] = [a - f * b for a, b in zip(matrix[i], matrix[lead], strict=True)]
        pivots.append(col)
        lead += 1
    pivot_set = set(pivots)
    fixed = set()
    for i, col in enumerate(pivots):
        if all(matrix[i][j] == 0 for j in range(len(unknowns)) if j not in pivot_set):
            fixed.add(unknowns[col])
    return fixed


def suppress(cells: list[Cell], threshold: int = THRESHOLD) -> set[tuple[str, str]]:
    """The cells to mask: primary (1 to threshold − 1 structures), then secondary until no masked cell is fixed."""
    by_key = {(c.row, c.col): c for c in cells}
    masked = {k for k, c in by_key.items() if 0 < c.structures < threshold}
    while True:
        fixed = determined(cells, masked)
        if not fixed:
            return masked
        target = min(fixed)
        row, col = target
        companions = [k for k in by_key if k not in masked and k != target and (k[0] == row or k[1] == col)]
        # Prefer a non-empty inner cell, then the smallest, then a total.
        companions.sort(key=lambda k: (TOTAL in k, by_key[k].structures == 0, by_key[k].structures, k))
        if not companions:  # pragma: no cover - a fixed cell always has an unmasked neighbour
            masked |= set(by_key)
            return masked
        masked.add(companions[0])


def published(cells: list[Cell], masked: set[tuple[str, str]]) -> list[dict]:
    """The rows of the file: the masked cells with no value and ``secret`` set."""
    return [
        {
            "row": c.row,
            "col": c.col,
            "structures": None if (c.row, c.col) in masked else c.structures,
            "declarations": None if (c.row, c.col) in masked else c.declarations,
            "secret": (c.row, c.col) in masked,
        }
        for c in cells
    ]
