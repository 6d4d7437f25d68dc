"""Charts for outcome figures, drawn as plain SVG shapes for templates: ``chart(outcome, x, y,
width, height, ink)``.

A percentage is a ring, "N in M" an array of M figures with N filled, a return ("£2.40 for
every £1") a pair of bars; any other figure gets no chart (the template draws it as a big
number). Colour never carries the meaning alone: the filled part of a ring is thick and the
rest a hairline, filled figures are solid and the others outlines, the £1 bar an outline and
the return bar solid. Every chart is one ``<g data-chart=… data-box=… data-ink=…>``: the
contrast check measures its ink against what is drawn behind its box (3:1, WCAG 1.4.11).

The shapes are made from numbers only: no text of a case reaches the markup.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from markupsafe import Markup

from . import colour
from .figures import Figure, parse


def _n(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _figure(outcome: Mapping[str, Any] | str) -> Figure:
    if isinstance(outcome, str):
        return parse(outcome)
    return parse(str(outcome.get("figure", "")), str(outcome.get("label", "")))


def chart_kind(outcome: Mapping[str, Any] | str) -> str:
    """Which chart ``chart()`` draws for an outcome: "ring", "icons", "bars" or "number"."""
    return _figure(outcome).chart


def chart(
    outcome: Mapping[str, Any] | str,
    x: float,
    y: float,
    width: float,
    height: float,
    ink: str,
) -> Markup:
    """The chart of an outcome (``{figure, label}``, or a figure alone) filling the box; empty
    markup for a figure without one. ``ink`` is the chart's colour (#rrggbb)."""
    figure = _figure(outcome)
    rgb = colour.parse(str(ink))
    if rgb is None:
        raise ValueError(f"chart(): ink {ink!r} must be a colour such as #0b0c0c")
    ink = "#{:02x}{:02x}{:02x}".format(*rgb)
    x, y, width, height = (float(v) for v in (x, y, width, height))
    if not (width > 0 and height > 0):
        raise ValueError("chart(): the box needs a width and height above 0")
    kind = figure.chart
    if kind == "number":
        return Markup("")
    body = {"ring": _ring, "icons": _icons, "bars": _bars}[kind](figure, x, y, width, height, ink)
    box = " ".join(_n(v) for v in (x, y, width, height))
    return Markup(f'<g data-chart="{kind}" data-box="{box}" data-ink="{ink}" role="img">{body}</g>')


def _ring(figure: Figure, x: float, y: float, w: float, h: float, ink: str) -> str:
    share = max(0.0, min(1.0, figure.share or 0.0))
    size = min(w, h)
    thick = size * 0.14
    r = (size - thick) / 2
    cx, cy = x + w / 2, y + h / 2
    hair = max(2.0, thick * 0.16)
    track = (
        f'<circle cx="{_n(cx)}" cy="{_n(cy)}" r="{_n(r)}" fill="none" stroke="{ink}" '
        f'stroke-width="{_n(hair)}"/>'
    )
    if share >= 0.9995:
        arc = (
            f'<circle cx="{_n(cx)}" cy="{_n(cy)}" r="{_n(r)}" fill="none" stroke="{ink}" '
            f'stroke-width="{_n(thick)}"/>'
        )
    elif share <= 0.0005:
        arc = ""
    else:
        angle = 2 * math.pi * share  # clockwise from twelve o'clock
        ex, ey = cx + r * math.sin(angle), cy - r * math.cos(angle)
        large = 1 if share > 0.5 else 0
        arc = (
            f'<path d="M {_n(cx)} {_n(cy - r)} A {_n(r)} {_n(r)} 0 {large} 1 {_n(ex)} {_n(ey)}" '
            f'fill="none" stroke="{ink}" stroke-width="{_n(thick)}"/>'
        )
    return track + arc


def icon_grid(count: int, w: float, h: float) -> tuple[int, int, float]:
    """(columns, rows, cell size) that show ``count`` square icons largest in a w × h box
    (of two grids with the same cell, the one with fewer rows)."""
    best = (1, count, 0.0)
    for columns in range(1, count + 1):
        rows = math.ceil(count / columns)
        cell = min(w / columns, h / rows)
        if cell > best[2] + 1e-9 or (abs(cell - best[2]) <= 1e-9 and rows < best[1]):
            best = (columns, rows, cell)
    return best


def _person(cx: float, top: float, cell: float, ink: str, filled: bool) -> str:
    """A figure of a person in a cell: a round head over rounded shoulders."""
    line = max(1.5, cell * 0.06)
    paint = f'fill="{ink}"' if filled else f'fill="none" stroke="{ink}" stroke-width="{_n(line)}"'
    head_r = cell * 0.16
    head = f'<circle cx="{_n(cx)}" cy="{_n(top + cell * 0.26)}" r="{_n(head_r)}" {paint}/>'
    bw, bh = cell * 0.56, cell * 0.36
    bx, by = cx - bw / 2, top + cell * 0.48
    body = (
        f'<rect x="{_n(bx)}" y="{_n(by)}" width="{_n(bw)}" height="{_n(bh)}" '
        f'rx="{_n(bw * 0.35)}" {paint}/>'
    )
    return head + body


def _icons(figure: Figure, x: float, y: float, w: float, h: float, ink: str) -> str:
    whole, part = figure.whole or 0, int(figure.value or 0)
    columns, rows, cell = icon_grid(whole, w, h)
    left = x + (w - columns * cell) / 2
    top = y + (h - rows * cell) / 2
    out = []
    for i in range(whole):
        row, column = divmod(i, columns)
        cx = left + (column + 0.5) * cell
        out.append(_person(cx, top + row * cell, cell, ink, filled=i < part))
    return "".join(out)


def _bars(figure: Figure, x: float, y: float, w: float, h: float, ink: str) -> str:
    value = float(figure.value or 0)
    long, short = (w, w / value) if value >= 1 else (w * value, w)
    bar = h * 0.34
    gap = h - 2 * bar
    line = max(2.0, bar * 0.08)
    one = (  # the £1 put in: an outline
        f'<rect x="{_n(x + line / 2)}" y="{_n(y + line / 2)}" width="{_n(max(short - line, 1))}" '
        f'height="{_n(bar - line)}" fill="none" stroke="{ink}" stroke-width="{_n(line)}"/>'
    )
    back = (  # what came back: solid
        f'<rect x="{_n(x)}" y="{_n(y + bar + gap)}" width="{_n(max(long, 1))}" '
        f'height="{_n(bar)}" fill="{ink}"/>'
    )
    return one + back
