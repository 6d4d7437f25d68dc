"""The summary's layout, computed from the data: panels for the service areas, cells for the
cases' headline figures, filling the box a template gives it, for 1 to 9 or more areas and 1
to 40 or more cases.

Templates call ``summary_layout(areas, x, y, width, height)`` and draw what it returns. Each
row of panels shares the box's width; each panel holds its area's figures in a grid of cells
as large as the box allows. When even the smallest cells cannot hold every figure, the areas
with the most figures give up their last ones first, and each such panel says how many it
leaves out (``more``): a figure is never dropped without a word.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

HEADER = 84  # the area's label (one or two lines) above its figures
MORE = 44  # the line saying how many figures a panel leaves out
PAD = 12  # inside a panel, above and below its cells
SIDE = 18  # inside a panel, left and right of its cells
GAP = 12  # between panels, and between cells
MIN_CELL_H = 118  # a figure (32px) over a two-line label (25.2px)
MIN_CELL_W = 280


@dataclass(frozen=True, kw_only=True)
class Cell:
    """Where one case's headline figure goes."""

    x: float
    y: float
    width: float
    height: float
    figure: Mapping[str, Any]  # {figure, label, organisation, slug}


@dataclass(frozen=True, kw_only=True)
class Panel:
    """One service area: its box, its label's box, its cells, and how many it leaves out."""

    x: float
    y: float
    width: float
    height: float
    area: Mapping[str, Any]
    cells: tuple[Cell, ...]
    more: int  # figures of this area not shown
    more_y: float  # where the line saying so goes (its height is MORE)


@dataclass(frozen=True, kw_only=True)
class Layout:
    """The panels, and how many figures are shown and left out in all."""

    panels: tuple[Panel, ...]
    shown: int
    more: int
    columns: int  # panels per full row


def _rows(count: int, per_row: int) -> list[range]:
    return [range(i, min(i + per_row, count)) for i in range(0, count, per_row)]


def _grid(width: float) -> int:
    """How many cells across a panel of this width."""
    inner = width - 2 * SIDE
    return max(1, min(3, int((inner + GAP) // (MIN_CELL_W + GAP))))


def _plan(
    counts: Sequence[int], per_row: int, w: float, h: float
) -> tuple[float, list[int], list[range]] | None:
    """(cell height, figures shown per area, rows of panels) for ``per_row`` panels a row,
    hiding figures from the fullest areas until cells reach MIN_CELL_H; None if even one
    figure an area does not fit."""
    rows = _rows(len(counts), per_row)
    shown = list(counts)
    while True:
        fixed, units = 0.0, 0
        for row in rows:
            width = (w - GAP * (len(row) - 1)) / len(row)
            across = _grid(width)
            extra = MORE if any(shown[i] < counts[i] for i in row) else 0
            fixed += HEADER + 2 * PAD + extra
            units += max(math.ceil(shown[i] / across) for i in row)
        fixed += GAP * (len(rows) - 1)
        cell = (h - fixed) / units if units else 0.0
        if cell >= MIN_CELL_H:
            return cell, shown, rows
        # Hide one more figure: from the area with the most still shown (the last one first).
        fullest = max(range(len(counts)), key=lambda i: (shown[i], -i))
        if shown[fullest] <= 1:
            return None
        shown[fullest] -= 1


def summary_layout(
    areas: Sequence[Mapping[str, Any]], x: float, y: float, width: float, height: float
) -> Layout:
    """The panels and cells that show ``areas`` (the summary context's ``areas``) in the box."""
    x, y, width, height = (float(v) for v in (x, y, width, height))
    counts = [len(a["figures"]) for a in areas]
    if not counts:
        return Layout(panels=(), shown=0, more=0, columns=1)
    best: tuple[tuple[float, ...], int, tuple[float, list[int], list[range]]] | None = None
    for per_row in range(1, min(3, len(counts)) + 1):
        planned = _plan(counts, per_row, width, height)
        if planned is None:
            continue
        cell, shown, rows = planned
        # Most figures shown, then cells closest to square-ish and large, then fewer columns.
        score = (sum(shown), -abs(math.log(min(cell, 600) / 220)), -per_row)
        if best is None or score > best[0]:
            best = (score, per_row, planned)
    if best is None:  # not even one figure per area fits: one per area, squeezed
        per_row = min(3, len(counts))
        rows = _rows(len(counts), per_row)
        planned = (MIN_CELL_H / 2, [1] * len(counts), rows)
        best = ((0.0,), per_row, planned)
    _, per_row, (cell, shown, rows) = best
    return _place(areas, counts, shown, rows, per_row, cell, x, y, width, height)


def _place(
    areas: Sequence[Mapping[str, Any]],
    counts: list[int],
    shown: list[int],
    rows: list[range],
    per_row: int,
    cell: float,
    x: float,
    y: float,
    width: float,
    height: float,
) -> Layout:
    panels = []
    top = y
    units = []
    for row in rows:
        across = _grid((width - GAP * (len(row) - 1)) / len(row))
        units.append(max(math.ceil(shown[i] / across) for i in row))
    for row, row_units in zip(rows, units, strict=True):
        pw = (width - GAP * (len(row) - 1)) / len(row)
        extra = MORE if any(shown[i] < counts[i] for i in row) else 0
        ph = HEADER + 2 * PAD + extra + row_units * cell
        for k, i in enumerate(row):
            px = x + k * (pw + GAP)
            across = _grid(pw)
            n = shown[i]
            lines = math.ceil(n / across) if n else 1
            # The panel's own cells share its height: a panel with fewer rows than its
            # neighbour gets taller cells, not a gap.
            ch = (ph - HEADER - 2 * PAD - (MORE if shown[i] < counts[i] else 0)) / lines
            cw = (pw - 2 * SIDE - GAP * (across - 1)) / across
            cells = []
            for j, figure in enumerate(areas[i]["figures"][:n]):
                r, c = divmod(j, across)
                in_row = min(across, n - r * across)  # a short last row is centred
                cx = px + SIDE + (across - in_row) * (cw + GAP) / 2 + c * (cw + GAP)
                cells.append(
                    Cell(x=cx, y=top + PAD + HEADER + r * ch, width=cw, height=ch, figure=figure)
                )
            panels.append(
                Panel(
                    x=px,
                    y=top,
                    width=pw,
                    height=ph,
                    area=areas[i],
                    cells=tuple(cells),
                    more=counts[i] - n,
                    more_y=top + ph - PAD - MORE,
                )
            )
        top += ph + GAP
    return Layout(
        panels=tuple(panels), shown=sum(shown), more=sum(counts) - sum(shown), columns=per_row
    )
