"""Statistical secrecy of the open-data file: no published cell counts 1 to 4 structures, and no masked cell can be
recomputed from what is published (an attacker solves every row and column with one unknown, again and again)."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from acss.observatory.opendata import THRESHOLD, TOTAL, Cell, determined, published, suppress, table_with_totals


def recompute_from_margins(rows: list[dict]) -> dict[tuple[str, str], int]:
    """What an attacker recovers: in each line (a row with its total, a column with its total, the totals with the
    grand total) where one value is unknown, it is the total minus the others; repeated until nothing moves."""
    known = {(r["row"], r["col"]): r["structures"] for r in rows if not r["secret"]}
    region_rows = sorted({r["row"] for r in rows} - {TOTAL})
    cols = sorted({r["col"] for r in rows} - {TOTAL})
    lines = [((row, TOTAL), [(row, c) for c in cols]) for row in region_rows]
    lines += [((TOTAL, c), [(row, c) for row in region_rows]) for c in cols]
    lines += [((TOTAL, TOTAL), [(row, TOTAL) for row in region_rows]), ((TOTAL, TOTAL), [(TOTAL, c) for c in cols])]
    found: dict[tuple[str, str], int] = {}
    moved = True
    while moved:
        moved = False
        for total, parts in lines:
            unknown = [k for k in [total, *parts] if k not in known]
            if len(unknown) != 1:
                continue
            (key,) = unknown
            others = sum(known[p] for p in parts if p != key)
            value = others if key == total else known[total] - others
            known[key] = found[key] = value
            moved = True
    return found


def masked_recomputed(cells: list[Cell]) -> dict:
    masked = suppress(cells)
    found = recompute_from_margins(published(cells, masked))
    return {k: v for k, v in found.items() if k in masked}


def test_a_small_cell_alone_in_its_row_forces_a_second_one():
    rows, cols = ["11", "76"], ["es", "lbm", "autre"]
    counts = {
        ("11", "es"): (12, 30),
        ("11", "lbm"): (3, 3),
        ("11", "autre"): (9, 9),
        ("76", "es"): (20, 40),
        ("76", "lbm"): (7, 7),
        ("76", "autre"): (6, 6),
    }
    cells = table_with_totals(counts, rows, cols)
    masked = suppress(cells)
    assert ("11", "lbm") in masked  # primary: 3 structures
    assert len(masked) >= 4  # its row and its column each need a second masked cell, and they close a rectangle
    assert masked_recomputed(cells) == {}
    assert determined(cells, masked) == set()
    # Without the secondary suppression the attacker recovers the small cell at once.
    naive = {("11", "lbm")}
    assert recompute_from_margins(published(cells, naive))[("11", "lbm")] == 3


def test_a_masked_cell_joined_to_others_by_one_line_only_is_still_protected():
    """Four small cells on the diagonal: every row and column has one, so each needs a companion, and the
    companions must not leave a cell that the whole system of rows, columns and totals fixes."""
    rows, cols = ["a", "b", "c", "d"], ["w", "x", "y", "z"]
    values = dict.fromkeys(itertools.product(rows, cols), 20)
    for key in [("a", "w"), ("b", "x"), ("c", "y"), ("d", "z")]:
        values[key] = 2
    cells = table_with_totals({k: (v, v) for k, v in values.items()}, rows, cols)
    masked = suppress(cells)
    assert determined(cells, masked) == set()
    assert masked_recomputed(cells) == {}


counts_strategy = st.integers(min_value=1, max_value=6).flatmap(
    lambda n_rows: st.integers(min_value=2, max_value=5).flatmap(
        lambda n_cols: st.lists(
            st.sampled_from([0, 0, 1, 2, 3, 4, 5, 6, 9, 15, 40]), min_size=n_rows * n_cols, max_size=n_rows * n_cols
        ).map(lambda values: (n_rows, n_cols, values))
    )
)


@settings(max_examples=150, deadline=None)
@given(counts_strategy)
def test_no_published_cell_is_small_and_no_masked_cell_can_be_recomputed(table):
    n_rows, n_cols, values = table
    rows = [f"r{i}" for i in range(n_rows)]
    cols = [f"c{j}" for j in range(n_cols)]
    counts = {
        (r, c): (values[i * n_cols + j], 2 * values[i * n_cols + j])
        for i, r in enumerate(rows)
        for j, c in enumerate(cols)
    }
    cells = table_with_totals(counts, rows, cols)
    masked = suppress(cells)
    for row in published(cells, masked):
        if not row["secret"]:
            assert row["structures"] == 0 or row["structures"] >= THRESHOLD
            assert row["declarations"] is not None
        else:
            assert row["structures"] is None and row["declarations"] is None
    assert masked_recomputed(cells) == {}
    assert determined(cells, masked) == set()
